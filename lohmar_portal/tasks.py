"""Celery entry points of the core, and `enqueue`, how the apps queue tasks after a commit."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connections

from .outbox import deliver, enqueue

__all__ = ["enqueue"]

log = logging.getLogger(__name__)


# A mail server or the database (the once-only mark) away for a moment: try again later.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    from_email: str | None = None,
) -> None:
    """Send one e-mail; queued after commit so a rolled-back action sends nothing."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    deliver(message)  # once per task, should the task be delivered twice


def send_templated_email(template: str, *, to: str, context: dict) -> None:
    """Render `{template}_subject.txt` and `{template}_message.txt` in the portal's language
    (German), with `base_url` for links to public pages, and send them to one address now."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        context = {**context, "base_url": settings.PORTAL_BASE_URL}
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_message.txt", context)
    send_email(subject=" ".join(subject.split()), body=body, to=[to])


@shared_task
def ping() -> str:
    """Answer 'pong': proves a worker takes tasks from the broker and returns results."""
    return "pong"


@shared_task(acks_late=True)
def build_data_export(*, user_pk: int) -> str | None:
    """Build a person's data archive and send them the link (GDPR Art. 15/20)."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext as _

    from . import services
    from .models import User

    user = User.objects.filter(pk=user_pk).first()
    if user is None or services.is_deleted(user):
        return None
    name = services.build_data_export(user)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "lohmar_portal/email/data_export_ready.txt",
            {
                "user": user,
                "url": settings.PORTAL_BASE_URL + reverse("data_export_download", args=[name]),
                "days": settings.ACCOUNT_EXPORT_VALID_DAYS,
            },
        )
        send_email(subject=_("[Bürgerportal] Ihre Daten stehen bereit"), body=body, to=[user.email])
    return name


@shared_task
def remove_unverified_accounts() -> int:
    """Beat: accounts never verified within ACCOUNT_UNVERIFIED_DELETE_DAYS are removed."""
    from . import services

    return services.remove_unverified_accounts()


@shared_task
def remove_expired_exports() -> int:
    """Beat: data archives past their validity are deleted."""
    from . import services

    return services.remove_expired_exports()


@shared_task(acks_late=True)
def flush_outbox() -> dict[str, int]:
    """Beat (every minute): send the tasks that waited in the outbox for the broker."""
    from . import outbox

    return outbox.flush()


@worker_ready.connect
def flush_outbox_on_start(**kwargs) -> None:
    """A worker that starts (the broker is back, say) sends what waited, before the beat does."""
    from . import outbox

    try:
        counts = outbox.flush()
    except Exception:  # the database may be away too; the beat tries again
        log.exception("Outbox not flushed at worker start.")
        return
    finally:
        connections.close_all()  # the pool's children open their own
    log.info("Outbox at worker start: %(sent)d sent, %(waiting)d waiting.", counts)
