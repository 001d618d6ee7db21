"""In CI a real Celery worker on Redis knows the Mobile Bürgerbüro's tasks and runs the
reminder beat against the database (the worker is another process: a transactional test)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from lohmar_portal.celery import app
from servicecenter import booking, booking_tasks
from tests.celery_worker import celery_worker
from tests.servicecenter.booking_support import at, make_stop

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _test_database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    with celery_worker(
        tmp_path,
        DATABASE_URL=_test_database_url(),
        PORTAL_BASE_URL=settings.PORTAL_BASE_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        EMAIL_URL="consolemail://",
    ) as (queue, _process, log):
        yield queue, log


def test_a_real_worker_sends_tomorrows_reminders_once(worker):
    queue, log = worker
    stop = make_stop(day=timezone.localdate() + timedelta(days=1), start="00:00", end="23:45")
    appointment = booking.book(
        stop=stop, starts_at=at(stop.date, "23:30"), name="Erika", email="erika@example.org"
    )
    app.conf.task_always_eager = False
    try:
        first = booking_tasks.send_appointment_reminders.apply_async(queue=queue)
        assert first.get(timeout=30) == 1
        second = booking_tasks.send_appointment_reminders.apply_async(queue=queue)
        assert second.get(timeout=30) == 0
    finally:
        app.conf.task_always_eager = True
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None
    assert first.id in log.read_text()  # the worker process, not this one, ran it
