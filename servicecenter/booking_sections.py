"""The Mobile Bürgerbüro's part of "Mein Bürgerkonto" and of the person's data.

`register()` is called from the app's ready(): the section "Meine Termine" and the personal
data key "appointments" (export, and what happens on the account's deletion).
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The account page lists this many earlier (past or cancelled) appointments at most.
EARLIER_LIMIT = 20


def _when(value) -> str | None:
    """Local time (Europe/Berlin) with its offset: what the person saw when booking."""
    return timezone.localtime(value).isoformat() if value else None


def _account_section(request) -> dict:
    """Coming appointments with their cancellation, and the latest earlier ones."""
    from . import booking
    from .models import Appointment

    now = timezone.now()
    mine = booking.appointments_of(request.user)
    upcoming = list(
        mine.filter(status=Appointment.Status.BOOKED, starts_at__gt=now).order_by("starts_at")
    )
    earlier = list(
        mine.exclude(status=Appointment.Status.BOOKED, starts_at__gt=now).order_by("-starts_at")[
            :EARLIER_LIMIT
        ]
    )
    for appointment in upcoming + earlier:
        kwargs = {"pk": appointment.pk, "token": appointment.cancel_token}
        appointment.detail_url = reverse("servicecenter:appointment", kwargs=kwargs)
        appointment.cancel_url = reverse("servicecenter:cancel_appointment", kwargs=kwargs)
    return {
        "section_id": "termine",
        "title": _("Meine Termine"),
        "upcoming": upcoming,
        "earlier": earlier,
    }


def _export_appointments(user) -> list[dict]:
    from . import booking

    return [
        {
            "stop": str(appointment.stop),
            "place": appointment.stop.place,
            "address": appointment.stop.address,
            "district": appointment.stop.district.name,
            "starts_at": _when(appointment.starts_at),
            "name": appointment.name,
            "email": appointment.email,
            "phone": appointment.phone,
            "concern": appointment.concern,
            "status": appointment.status,
            "booked_at": _when(appointment.created_at),
            "reminder_sent_at": _when(appointment.reminder_sent_at),
            "cancelled_at": _when(appointment.cancelled_at),
        }
        for appointment in booking.appointments_of(user).order_by("starts_at", "pk")
    ]


def _forget(user) -> None:
    from . import booking

    booking.forget_citizen(user)


def register() -> None:
    """Show "Meine Termine" on Mein Bürgerkonto and add appointments to the person's data.

    It also imports the Celery tasks of the bookings: Celery's autodiscovery finds only
    `tasks.py`, and a worker must know them before the first e-mail is queued.
    """
    from lohmar_portal.sections import register_account_section, register_personal_data

    from . import booking_tasks  # noqa: F401 - registers the tasks with the Celery app

    register_account_section(
        order=70,
        template_name="servicecenter/components/account_appointments.html",
        context=_account_section,
    )
    register_personal_data(
        key="appointments",
        title=_("Termine im Mobilen Bürgerbüro"),
        exporter=_export_appointments,
        anonymiser=_forget,
    )
