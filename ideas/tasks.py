"""Celery entry points of the ideas app: dossier exports and their housekeeping.

Every task takes ids, is acknowledged late (a killed worker's task is delivered again) and is
safe to run twice: the build claims its job with a conditional UPDATE.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .exports import services

log = logging.getLogger(__name__)

# Errors that may pass: a lost database connection, a full or busy disk.
TRANSIENT = (OperationalError, InterfaceError, OSError)
MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def build_export(self, export_id: int) -> str:
    """Build one export job's files; transient errors are retried with a growing pause."""
    retries_left = MAX_RETRIES - self.request.retries
    while True:
        try:
            export = services.build(export_id)
        except TRANSIENT as error:
            message = f"{type(error).__name__}: {error}"
            if retries_left <= 0:
                services.fail(export_id, message)
                return "failed"
            log.warning("Export %s: transient error, retrying: %s", export_id, message)
            services.requeue(export_id, message)
            if not self.request.is_eager:
                raise self.retry(exc=error, countdown=10 * 2**self.request.retries) from error
            retries_left -= 1  # in-process (no broker): retry right away
            continue
        except Exception as error:
            log.exception("Export %s failed", export_id)
            services.fail(export_id, f"{type(error).__name__}: {error}")
            return "failed"
        return "ready" if export else "skipped"


@shared_task(acks_late=True)
def expire_exports() -> int:
    """Delete files of exports past their expiry date (daily)."""
    return services.expire_exports()


@shared_task(acks_late=True)
def requeue_stale_exports() -> list[int]:
    """Queue again what a killed worker left running (every few minutes)."""
    return services.requeue_stale()


@shared_task(acks_late=True)
def refresh_open_data() -> int:
    """Rebuild the public open data files (nightly)."""
    return services.refresh_open_data().pk


@shared_task(acks_late=True)
def build_dossiers_after_phases() -> list[int]:
    """Start the workshop dossier of each process whose phase before a workshop ended (hourly)."""
    return [export.pk for export in services.dossiers_after_phases()]
