"""The Mobile Bürgerbüro's appointments: the slots of a stop, booking, cancellation, reminders.

A stop's window (say 9:00–12:00) is cut into slots of `slot_minutes`; a slot is booked at most
once. That promise is kept by the database (the partial unique index `one_booking_per_slot`),
not by a check before the insert: of two requests for the same slot at the same moment exactly
one succeeds, the other gets `SlotTaken` with a clear message.

Every e-mail is sent after the commit by `booking_tasks`; every change a visitor could see on
the public schedule (free slots, a cancelled stop) makes the cached pages stale.
"""

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lohmar_portal.cache import bump_content_version
from lohmar_portal.models import User
from lohmar_portal.tasks import enqueue

from . import booking_tasks
from .models import Appointment, MobileOfficeStop
from .permissions import is_agent, is_department_staff

Status = Appointment.Status
# A name given for an account that was deleted (the row stays for the day's statistics).
ERASED_NAME = "–"


class SlotTaken(ValidationError):
    """Somebody else booked the slot first (the unique index refused the second booking)."""

    def __init__(self):
        super().__init__(
            _("Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen."),
            code="slot_taken",
        )


@dataclass(frozen=True)
class Slot:
    """One slot of a stop. `appointment` is only filled for staff (see `slots`)."""

    starts_at: datetime
    ends_at: datetime
    free: bool
    bookable: bool
    past: bool
    appointment: Appointment | None = None

    @property
    def key(self) -> str:
        """The slot in the booking link (`?zeit=`): local time, ISO 8601, no offset."""
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")


# --- Who may do what -----------------------------------------------------------------------------


def can_manage_mobile_office(user: User) -> bool:
    """Agents of the service center, and the staff of the department that runs it."""
    if is_agent(user):
        return True
    return bool(
        is_department_staff(user)
        and user.department is not None
        and user.department.slug == settings.SERVICECENTER_DEPARTMENT
    )


def is_owner(user: User | None, appointment: Appointment) -> bool:
    return bool(user is not None and user.is_authenticated and appointment.citizen_id == user.pk)


def token_matches(appointment: Appointment, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(appointment.cancel_token, str(token))


def notify_address(appointment: Appointment) -> str:
    """Where confirmations and reminders go: the account's address, else the given one."""
    if appointment.citizen_id:
        citizen = appointment.citizen
        return citizen.email if citizen.is_active else ""
    return appointment.email


# --- Time arithmetic ----------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment, timezone.get_default_timezone())


def stop_window(stop: MobileOfficeStop) -> tuple[datetime, datetime]:
    """The stop's opening as aware datetimes (Europe/Berlin)."""
    return (
        _aware(datetime.combine(stop.date, stop.starts_at)),
        _aware(datetime.combine(stop.date, stop.ends_at)),
    )


def slot_starts(stop: MobileOfficeStop) -> list[datetime]:
    """Every slot's start: the window cut into `slot_minutes`; a last, shorter rest is no slot."""
    first = datetime.combine(stop.date, stop.starts_at)
    minutes = (datetime.combine(stop.date, stop.ends_at) - first).total_seconds() // 60
    count = int(minutes // stop.slot_minutes) if stop.slot_minutes > 0 else 0
    step = timedelta(minutes=stop.slot_minutes)
    # Local wall-clock arithmetic, then the offset: right on the days the clocks change too.
    return [_aware(first + index * step) for index in range(max(count, 0))]


def is_over(stop: MobileOfficeStop, now: datetime | None = None) -> bool:
    return stop_window(stop)[1] <= (now or timezone.now())


def is_bookable(stop: MobileOfficeStop) -> bool:
    return stop.is_published and not stop.is_cancelled


def parse_slot(stop: MobileOfficeStop, value: str | None) -> datetime | None:
    """The slot a booking link names (`2026-05-12T09:15`, an offset, or just `09:15`), as an
    aware datetime, or None when it is no date at all. Whether it is a slot is `book`'s job."""
    value = (value or "").strip()
    if not value or len(value) > 40:
        return None
    try:
        if "T" not in value and " " not in value and ":" in value:
            moment = datetime.combine(stop.date, datetime.strptime(value, "%H:%M").time())
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        try:
            moment = _aware(moment)
        except (ValueError, OverflowError):
            return None
    return moment


def _booked(stop_ids: list[int]) -> dict[int, dict[datetime, Appointment]]:
    rows = Appointment.objects.filter(stop_id__in=stop_ids, status=Status.BOOKED).select_related(
        "citizen"
    )
    booked: dict[int, dict[datetime, Appointment]] = {pk: {} for pk in stop_ids}
    for appointment in rows:
        booked[appointment.stop_id][appointment.starts_at] = appointment
    return booked


def _build_slots(
    stop: MobileOfficeStop,
    taken: dict[datetime, Appointment],
    *,
    now: datetime,
    with_appointments: bool,
) -> list[Slot]:
    step = timedelta(minutes=stop.slot_minutes)
    open_for_booking = is_bookable(stop)
    result = []
    for start in slot_starts(stop):
        appointment = taken.get(start)
        past = start <= now
        result.append(
            Slot(
                starts_at=start,
                ends_at=start + step,
                free=appointment is None,
                bookable=appointment is None and not past and open_for_booking,
                past=past,
                appointment=appointment if with_appointments else None,
            )
        )
    return result


def slots(
    stop: MobileOfficeStop, *, now: datetime | None = None, with_appointments: bool = False
) -> list[Slot]:
    """The stop's slots, free or booked. Who booked (`with_appointments`) is for staff only."""
    now = now or timezone.now()
    return _build_slots(
        stop, _booked([stop.pk])[stop.pk], now=now, with_appointments=with_appointments
    )


def slots_for_stops(
    stops: list[MobileOfficeStop],
    *,
    now: datetime | None = None,
    with_appointments: bool = False,
) -> dict[int, list[Slot]]:
    """`slots` of many stops in one query (the schedule, the staff's day)."""
    now = now or timezone.now()
    booked = _booked([stop.pk for stop in stops])
    return {
        stop.pk: _build_slots(stop, booked[stop.pk], now=now, with_appointments=with_appointments)
        for stop in stops
    }


def upcoming_stops(now: datetime | None = None) -> QuerySet[MobileOfficeStop]:
    """Published stops that have not ended yet (cancelled ones too: they are shown as such)."""
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    return (
        MobileOfficeStop.objects.filter(is_published=True)
        .filter(Q(date__gt=today) | Q(date=today, ends_at__gt=local.time()))
        .select_related("district")
        .order_by("date", "starts_at", "pk")
    )


def stops_on(day: date) -> QuerySet[MobileOfficeStop]:
    """All stops of a day, published or not (the staff's day view)."""
    return (
        MobileOfficeStop.objects.filter(date=day)
        .select_related("district")
        .order_by("starts_at", "place", "pk")
    )


def is_free(stop: MobileOfficeStop, starts_at: datetime) -> bool:
    return not Appointment.objects.filter(
        stop=stop, starts_at=starts_at, status=Status.BOOKED
    ).exists()


# --- Booking ------------------------------------------------------------------------------------


def check_slot(stop: MobileOfficeStop, starts_at: datetime, now: datetime | None = None) -> None:
    """Raise ValidationError unless `starts_at` is a coming slot of an open stop (booked or
    not: that is for the database to say)."""
    now = now or timezone.now()
    if not stop.is_published:
        raise ValidationError(
            _("Dieser Termin des Mobilen Bürgerbüros kann nicht gebucht werden."), code="closed"
        )
    if stop.is_cancelled:
        raise ValidationError(
            _(
                "Dieser Termin des Mobilen Bürgerbüros wurde abgesagt. Bitte wählen Sie einen "
                "anderen Tag."
            ),
            code="cancelled",
        )
    if starts_at is None or timezone.is_naive(starts_at) or starts_at not in slot_starts(stop):
        raise ValidationError(
            _(
                "Zu dieser Uhrzeit gibt es keinen Termin. Bitte wählen Sie einen Termin aus der "
                "Liste."
            ),
            code="no_slot",
        )
    if starts_at <= now:
        raise ValidationError(
            _("Dieser Termin liegt in der Vergangenheit. Bitte wählen Sie einen späteren."),
            code="past",
        )


def _clean_contact(
    *, name: str, email: str, phone: str, concern: str, email_required: bool
) -> tuple[str, str, str, str]:
    errors: dict[str, list[str]] = {}
    name, email, phone = " ".join(name.split()), email.strip(), phone.strip()
    concern = " ".join(concern.split())
    if not name:
        errors["name"] = [_("Bitte geben Sie Ihren Namen an.")]
    elif len(name) > 200:
        errors["name"] = [_("Der Name darf höchstens 200 Zeichen lang sein.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Bitte geben Sie eine gültige E-Mail-Adresse an.")]
    elif email_required:
        errors["email"] = [
            _(
                "Bitte geben Sie Ihre E-Mail-Adresse an: Dorthin schicken wir die Bestätigung "
                "und den Link zum Absagen."
            )
        ]
    if len(phone) > 50:
        errors["phone"] = [_("Die Telefonnummer darf höchstens 50 Zeichen lang sein.")]
    if len(concern) > 300:
        errors["concern"] = [_("Das Anliegen darf höchstens 300 Zeichen lang sein.")]
    if errors:
        raise ValidationError(errors)
    return name, email, phone, concern


@transaction.atomic
def book(
    *,
    stop: MobileOfficeStop,
    starts_at: datetime,
    actor: User | None = None,
    name: str,
    email: str = "",
    phone: str = "",
    concern: str = "",
    on_behalf: bool = False,
) -> Appointment:
    """Book a slot: with the account of `actor`, or with a name and an e-mail address.

    Staff of the Bürgerbüro book for a caller with `on_behalf=True` (a phone number suffices).
    Raises ValidationError for a slot that does not exist, is over or belongs to a cancelled
    stop, and `SlotTaken` when somebody else has it.
    """
    logged_in = actor is not None and actor.is_authenticated
    if on_behalf and not (logged_in and can_manage_mobile_office(actor)):
        raise PermissionDenied(_("Nur das Bürgerbüro kann Termine für andere eintragen."))
    on_account = logged_in and not on_behalf
    now = timezone.now()
    # The stop's row lock orders a booking against the stop's cancellation (`cancel_stop`):
    # no booking can slip in after everybody booked was told that the day is off.
    stop = MobileOfficeStop.objects.select_for_update().get(pk=stop.pk)
    check_slot(stop, starts_at, now)
    if on_behalf and not (email.strip() or phone.strip()):
        raise ValidationError(
            {"phone": [_("Bitte geben Sie eine Telefonnummer oder eine E-Mail-Adresse an.")]}
        )
    name, email, phone, concern = _clean_contact(
        name=name,
        email="" if on_account else email,
        phone=phone,
        concern=concern,
        email_required=not on_account and not on_behalf,
    )
    appointment = Appointment(
        stop=stop,
        starts_at=starts_at,
        citizen=actor if on_account else None,
        name=name,
        email=email,
        phone=phone,
        concern=concern,
        created_at=now,
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise SlotTaken() from None
    if on_account or email:
        enqueue(booking_tasks.send_booking_confirmation, appointment.pk)
    transaction.on_commit(bump_content_version)
    return appointment


# --- Cancellation -------------------------------------------------------------------------------


@transaction.atomic
def cancel(
    *,
    appointment: Appointment,
    actor: User | None = None,
    token: str | None = None,
    reason: str = "",
) -> Appointment:
    """Cancel an appointment: its holder (account or the link's token) or the Bürgerbüro.

    The slot is free again at once. Cancelling a cancelled appointment changes nothing; one
    that has begun cannot be cancelled.
    """
    by_staff = actor is not None and can_manage_mobile_office(actor)
    if not (token_matches(appointment, token) or is_owner(actor, appointment) or by_staff):
        raise PermissionDenied(_("Sie können diesen Termin nicht absagen."))
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("stop__district")
        .get(pk=appointment.pk)
    )
    if appointment.status == Status.CANCELLED:
        return appointment
    now = timezone.now()
    if appointment.starts_at <= now:
        raise ValidationError(
            _("Dieser Termin hat schon begonnen oder ist vorbei und kann nicht abgesagt werden."),
            code="past",
        )
    appointment.status = Status.CANCELLED
    appointment.cancelled_at = now
    appointment.save(update_fields=["status", "cancelled_at"])
    reason = " ".join(reason.split())[:1000] if by_staff else ""
    enqueue(
        booking_tasks.send_cancellation,
        appointment.pk,
        reason=reason,
        by_staff=by_staff and not is_owner(actor, appointment),
    )
    transaction.on_commit(bump_content_version)
    return appointment


@transaction.atomic
def cancel_stop(*, actor: User, stop: MobileOfficeStop, reason: str) -> int:
    """The Bürgerbüro calls off a whole stop: it is marked cancelled on the schedule and
    everybody booked gets an e-mail with the reason. Returns how many appointments ended."""
    if not can_manage_mobile_office(actor):
        raise PermissionDenied(_("Nur das Bürgerbüro kann Termine absagen."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            {"reason": [_("Bitte nennen Sie den Grund; er steht in der E-Mail an alle Gebuchten.")]}
        )
    stop = MobileOfficeStop.objects.select_for_update().get(pk=stop.pk)
    now = timezone.now()
    if is_over(stop, now):
        raise ValidationError(_("Dieser Termin ist vorbei und kann nicht mehr abgesagt werden."))
    if not stop.is_cancelled:
        stop.is_cancelled = True
        stop.save(update_fields=["is_cancelled", "updated_at"])
    booked = list(
        Appointment.objects.select_for_update()
        .filter(stop=stop, status=Status.BOOKED, starts_at__gt=now)
        .values_list("pk", flat=True)
    )
    Appointment.objects.filter(pk__in=booked).update(status=Status.CANCELLED, cancelled_at=now)
    for pk in booked:
        enqueue(
            booking_tasks.send_cancellation,
            pk,
            reason=reason[:1000],
            by_staff=True,
            stop_cancelled=True,
        )
    transaction.on_commit(bump_content_version)
    return len(booked)


# --- Reminders ----------------------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Beat: remind everybody booked for tomorrow, once.

    Each appointment is claimed by an UPDATE … WHERE reminder_sent_at IS NULL before its e-mail
    is queued, so two overlapping runs never send the same reminder twice.
    """
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    start = _aware(datetime.combine(tomorrow, datetime.min.time()))
    end = _aware(datetime.combine(tomorrow + timedelta(days=1), datetime.min.time()))
    due = Appointment.objects.filter(
        status=Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gte=start,
        starts_at__lt=end,
        starts_at__gt=now,
        stop__is_cancelled=False,
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=pk, status=Status.BOOKED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            enqueue(booking_tasks.send_reminder, pk)
        count += 1
    return count


# --- The person's data --------------------------------------------------------------------------


def appointments_of(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(citizen=user).select_related("stop__district")


@transaction.atomic
def forget_citizen(user: User) -> None:
    """The account is deleted: its coming appointments are cancelled (the slots free up, no
    e-mail goes to an address that is about to vanish) and every appointment loses the
    person's details."""
    now = timezone.now()
    mine = Appointment.objects.filter(citizen=user)
    cancelled = mine.filter(status=Status.BOOKED, starts_at__gt=now).update(
        status=Status.CANCELLED, cancelled_at=now
    )
    mine.update(name=ERASED_NAME, email="", phone="", concern="")
    if cancelled:
        transaction.on_commit(bump_content_version)
