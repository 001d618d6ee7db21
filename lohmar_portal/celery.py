"""The Celery app.

Worker: `celery -A lohmar_portal worker -l INFO`; beat: `celery -A lohmar_portal beat -l INFO`.
"""

import os

from celery import Celery

from .outbox import FlushOnReconnect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lohmar_portal.settings")

app = Celery("lohmar_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="Europe/Berlin",
    enable_utc=True,
    # A task is acknowledged only when done: a killed worker's task is delivered again,
    # so every task must be safe to run twice.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=300,
    task_time_limit=360,
    result_expires=24 * 3600,
    broker_connection_retry_on_startup=True,
    # broker_transport_options (visibility and socket timeouts) are in the settings.
)
app.autodiscover_tasks()
# Tasks that waited in the outbox while the broker was away go out when a worker reconnects.
app.steps["consumer"].add(FlushOnReconnect)
