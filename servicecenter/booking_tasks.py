"""Celery entry points of the Mobile Bürgerbüro: confirmation, reminder and cancellation
e-mails, and the hourly beat that sends tomorrow's reminders.

Each task takes ids, loads what it needs and does nothing when the appointment is gone or
nobody can be reached; the booking services queue them after their commit.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from lohmar_portal.outbox import deliver

ICS_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def _appointment(appointment_id: int):
    from .models import Appointment

    return (
        Appointment.objects.select_related("stop__district", "citizen")
        .filter(pk=appointment_id)
        .first()
    )


def appointment_links(appointment) -> dict[str, str]:
    """The person's links: the appointment page, its calendar file, its cancellation."""
    kwargs = {"pk": appointment.pk, "token": appointment.cancel_token}
    base = settings.PORTAL_BASE_URL
    return {
        "detail_url": base + reverse("servicecenter:appointment", kwargs=kwargs),
        "ics_url": base + reverse("servicecenter:appointment_ics", kwargs=kwargs),
        "cancel_url": base + reverse("servicecenter:cancel_appointment", kwargs=kwargs),
        "schedule_url": base + reverse("servicecenter:schedule"),
    }


def _send(template: str, appointment, *, attach_ics: bool = False, **context) -> bool:
    from . import booking, ical

    address = booking.notify_address(appointment)
    if not address:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            **context,
            **appointment_links(appointment),
            "appointment": appointment,
            "stop": appointment.stop,
            "starts_at": timezone.localtime(appointment.starts_at),
            "city": settings.PORTAL_CITY_NAME,
        }
        subject = render_to_string(
            f"servicecenter/email/appointment_{template}_subject.txt", context
        )
        body = render_to_string(f"servicecenter/email/appointment_{template}_message.txt", context)
        message = EmailMessage(
            subject=" ".join(subject.split()),
            body=body,
            to=[address],
            reply_to=[settings.SERVICECENTER_EMAIL],
        )
        if attach_ics:
            message.attach("termin.ics", ical.appointment_calendar(appointment), ICS_TYPE)
    deliver(message)  # once per task, should the task be delivered twice
    return True


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_booking_confirmation(appointment_id: int) -> bool:
    """The booking's confirmation: date, time, place, what to bring, the calendar file and
    the cancellation link."""
    from .models import Appointment

    appointment = _appointment(appointment_id)
    if appointment is None or appointment.status != Appointment.Status.BOOKED:
        return False
    return _send("confirmation", appointment, attach_ics=True)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_reminder(appointment_id: int) -> bool:
    """The day before: the details again and the cancellation link."""
    from .models import Appointment

    appointment = _appointment(appointment_id)
    if (
        appointment is None
        or appointment.status != Appointment.Status.BOOKED
        or appointment.stop.is_cancelled
    ):
        return False
    return _send("reminder", appointment)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_cancellation(
    appointment_id: int,
    reason: str = "",
    by_staff: bool = False,
    stop_cancelled: bool = False,
) -> bool:
    """The appointment is off: cancelled by its holder, by the Bürgerbüro (with the reason),
    or because the whole stop was called off."""
    appointment = _appointment(appointment_id)
    if appointment is None:
        return False
    return _send(
        "cancelled",
        appointment,
        reason=reason,
        by_staff=by_staff,
        stop_cancelled=stop_cancelled,
    )


@shared_task
def send_appointment_reminders() -> int:
    """Beat (hourly): remind everybody booked for tomorrow, once each."""
    from . import booking

    return booking.send_reminders()
