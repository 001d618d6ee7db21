"""The reminder the day before: once per appointment, never for what is off."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from servicecenter import booking, booking_tasks
from servicecenter.models import Appointment
from tests.servicecenter.booking_support import NOW, TOMORROW, at, make_stop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(stop, clock, email):
    return booking.book(stop=stop, starts_at=at(stop.date, clock), name="Erika", email=email)


def test_tomorrows_appointments_are_reminded_once(django_capture_on_commit_callbacks, frozen):
    stop = make_stop()
    first = book(stop, "09:00", "eins@example.org")
    second = book(stop, "11:45", "zwei@example.org")
    later_stop = make_stop(day=TOMORROW + timedelta(days=1))
    book(later_stop, "09:00", "uebermorgen@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_reminders() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["eins@example.org", "zwei@example.org"]
    reminder = next(m for m in mail.outbox if m.to == ["eins@example.org"])
    assert reminder.subject == "[Mobiles Bürgerbüro] Erinnerung: Ihr Termin morgen um 09:00 Uhr"
    assert f"/termin/{first.pk}/absagen/{first.cancel_token}/" in reminder.body
    for appointment in (first, second):
        appointment.refresh_from_db()
        assert appointment.reminder_sent_at == NOW
    # The next hourly beat finds nothing new.
    mail.outbox.clear()
    frozen.shift(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_reminders() == 0
    assert mail.outbox == []


def test_the_day_after_the_next_beat_reminds_the_later_stop(
    django_capture_on_commit_callbacks, frozen
):
    later_stop = make_stop(day=TOMORROW + timedelta(days=1))
    book(later_stop, "09:00", "uebermorgen@example.org")
    frozen.shift(timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_reminders() == 1
    assert mail.outbox[0].to == ["uebermorgen@example.org"]


def test_cancelled_appointments_and_stops_get_no_reminder(
    agent, django_capture_on_commit_callbacks
):
    stop = make_stop()
    cancelled = book(stop, "09:00", "abgesagt@example.org")
    booking.cancel(appointment=cancelled, token=cancelled.cancel_token)
    other_stop = make_stop(place="Rathaus")
    book(other_stop, "09:00", "halt-faellt-aus@example.org")
    booking.cancel_stop(actor=agent, stop=other_stop, reason="Krankheit")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_reminders() == 0
    assert mail.outbox == []


def test_a_reminder_claimed_by_another_run_is_not_sent_again(django_capture_on_commit_callbacks):
    stop = make_stop()
    appointment = book(stop, "09:00", "eins@example.org")
    # Another beat claimed it a moment ago (its UPDATE committed first).
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_reminders() == 0
    assert mail.outbox == []


def test_the_reminder_task_skips_what_was_cancelled_after_the_claim():
    stop = make_stop()
    appointment = book(stop, "09:00", "eins@example.org")
    booking.cancel(appointment=appointment, token=appointment.cancel_token)
    mail.outbox.clear()
    assert booking_tasks.send_reminder(appointment.pk) is False
    assert booking_tasks.send_reminder(999_999) is False
    assert mail.outbox == []


def test_the_beat_task_runs_the_service(django_capture_on_commit_callbacks):
    stop = make_stop()
    book(stop, "09:00", "eins@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert booking_tasks.send_appointment_reminders.delay().get() == 1
    assert len(mail.outbox) == 1
