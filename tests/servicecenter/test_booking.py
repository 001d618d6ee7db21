"""The Mobile Bürgerbüro's services: slots, booking, cancellation, the person's data."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from servicecenter import booking, booking_sections
from servicecenter.models import Appointment, MobileOfficeStop
from tests.factories import DepartmentFactory, StaffFactory, UserFactory
from tests.servicecenter.booking_support import NOW, TOMORROW, at, make_stop

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stop():
    return make_stop()


def book(stop, clock="09:00", *, day=None, **fields):
    fields.setdefault("name", "Erika Mustermann")
    if fields.get("actor") is None:
        fields.setdefault("email", "erika@example.org")
    return booking.book(stop=stop, starts_at=at(day or stop.date, clock), **fields)


def refused(call) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages


# --- Slot arithmetic ----------------------------------------------------------------------------


def test_a_window_from_nine_to_twelve_at_fifteen_minutes_has_twelve_slots(stop):
    slots = booking.slots(stop)
    assert len(slots) == 12
    assert slots[0].starts_at == at(TOMORROW, "09:00")
    assert slots[-1].starts_at == at(TOMORROW, "11:45")
    assert slots[-1].ends_at == at(TOMORROW, "12:00")
    assert all(slot.free and slot.bookable and not slot.past for slot in slots)


def test_a_rest_shorter_than_a_slot_is_no_slot():
    stop = make_stop(start="09:00", end="10:10", slot_minutes=20)
    assert [slot.starts_at for slot in booking.slots(stop)] == [
        at(TOMORROW, "09:00"),
        at(TOMORROW, "09:20"),
        at(TOMORROW, "09:40"),
    ]


def test_slots_keep_local_time_on_the_day_the_clocks_change():
    stop = make_stop(day=date(2026, 10, 25), start="01:30", end="04:00", slot_minutes=30)
    starts = [slot.starts_at for slot in booking.slots(stop)]
    # Wall-clock slots in Berlin; the first is still summer time (UTC+2), the last winter time.
    assert starts[0].utcoffset() == timedelta(hours=2)
    assert starts[-1].utcoffset() == timedelta(hours=1)
    assert [s.astimezone(starts[0].tzinfo).strftime("%H:%M") for s in starts] == [
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
    ]


def test_booked_slots_are_not_free_and_past_slots_not_bookable(stop, frozen):
    book(stop, "09:15")
    frozen.move_to(at(TOMORROW, "10:05"))
    slots = {slot.starts_at.strftime("%H:%M"): slot for slot in booking.slots(stop)}
    assert not slots["09:15"].free and not slots["09:15"].bookable
    assert slots["09:30"].free and slots["09:30"].past and not slots["09:30"].bookable
    assert slots["10:15"].free and slots["10:15"].bookable
    # The public list never carries who booked; staff ask for it.
    assert slots["09:15"].appointment is None
    staff_view = booking.slots(stop, with_appointments=True)
    assert staff_view[1].appointment.name == "Erika Mustermann"


def test_a_cancelled_stop_has_no_bookable_slot(stop):
    stop.is_cancelled = True
    stop.save()
    assert not any(slot.bookable for slot in booking.slots(stop))


def test_the_schedule_lists_coming_published_stops_only(frozen):
    past = make_stop(day=NOW.date() - timedelta(days=1))
    today_over = make_stop(day=NOW.date(), start="06:00", end="07:30")
    today_open = make_stop(day=NOW.date(), start="07:30", end="12:00")
    coming = make_stop()
    cancelled = make_stop(day=TOMORROW + timedelta(days=7), is_cancelled=True)
    hidden = make_stop(is_published=False)
    listed = list(booking.upcoming_stops())
    assert listed == [today_open, coming, cancelled]
    assert past not in listed and today_over not in listed and hidden not in listed


def test_a_slot_link_is_read_in_local_time(stop):
    expected = at(TOMORROW, "09:15")
    assert booking.parse_slot(stop, "2026-05-12T09:15") == expected
    assert booking.parse_slot(stop, "09:15") == expected
    assert booking.parse_slot(stop, "2026-05-12T07:15:00+00:00") == expected
    assert booking.parse_slot(stop, "morgen") is None
    assert booking.parse_slot(stop, "") is None


# --- Booking ------------------------------------------------------------------------------------


def test_a_citizen_books_with_the_account(stop, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(stop, "10:30", actor=citizen, email="ignored@example.org")
    appointment.refresh_from_db()
    assert appointment.citizen == citizen
    assert appointment.email == ""  # the account's address is used, never copied
    assert appointment.status == Status.BOOKED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [citizen.email]
    assert "12.05.2026 um 10:30 Uhr" in message.subject
    assert "Bürgerhaus Birk" in message.body
    assert "Personalausweis oder Reisepass" in message.body
    assert f"/buergerbuero-mobil/termin/{appointment.pk}/absagen/{appointment.cancel_token}/" in (
        message.body
    )
    name, content, mimetype = message.attachments[0]
    assert name == "termin.ics" and mimetype.startswith("text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(TOMORROW, "10:30")


def test_somebody_without_an_account_books_with_an_e_mail_address(
    stop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(
            stop, "09:45", name="  Max   Muster ", email="max@example.org", phone="02246 1"
        )
    assert (appointment.citizen, appointment.name, appointment.email) == (
        None,
        "Max Muster",
        "max@example.org",
    )
    assert mail.outbox[0].to == ["max@example.org"]


def test_without_an_account_the_e_mail_address_is_required(stop):
    errors = refused(lambda: book(stop, email="", phone="02246 1"))
    assert "Bitte geben Sie Ihre E-Mail-Adresse an" in errors[0]
    assert refused(lambda: book(stop, email="kein-at-zeichen"))
    assert refused(lambda: book(stop, name="   "))
    assert not Appointment.objects.exists()


def test_a_past_slot_cannot_be_booked(stop, frozen):
    frozen.move_to(at(TOMORROW, "09:20"))
    errors = refused(lambda: book(stop, "09:15"))
    assert errors == ["Dieser Termin liegt in der Vergangenheit. Bitte wählen Sie einen späteren."]
    assert book(stop, "09:30").pk


@pytest.mark.parametrize("clock", ["09:07", "08:45", "12:00", "13:00"])
def test_times_off_the_grid_or_outside_the_window_are_refused(stop, clock):
    errors = refused(lambda: book(stop, clock))
    assert errors[0].startswith("Zu dieser Uhrzeit gibt es keinen Termin")
    assert not Appointment.objects.exists()


def test_a_slot_on_another_day_is_refused(stop):
    assert refused(lambda: book(stop, "09:00", day=TOMORROW + timedelta(days=1)))


def test_a_booked_slot_cannot_be_booked_again(stop, django_capture_on_commit_callbacks):
    first = book(stop, "09:00")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(booking.SlotTaken) as err:
        book(stop, "09:00", name="Zweite Person", email="zwei@example.org")
    assert err.value.messages == [
        "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen."
    ]
    assert list(Appointment.objects.values_list("pk", flat=True)) == [first.pk]
    assert mail.outbox == []  # nothing for the refused booking


def test_a_cancelled_stop_cannot_be_booked(stop):
    MobileOfficeStop.objects.filter(pk=stop.pk).update(is_cancelled=True)
    errors = refused(lambda: book(stop))
    assert "wurde abgesagt" in errors[0]


def test_an_unpublished_stop_cannot_be_booked():
    stop = make_stop(is_published=False)
    assert refused(lambda: book(stop))


def test_staff_book_for_a_caller_with_a_phone_number(stop, agent, citizen):
    appointment = book(stop, actor=agent, on_behalf=True, name="Anrufer", email="", phone="02246 5")
    assert (appointment.citizen, appointment.phone, appointment.email) == (None, "02246 5", "")
    with pytest.raises(PermissionDenied):
        book(stop, "09:15", actor=citizen, on_behalf=True, phone="1")
    assert refused(lambda: book(stop, "09:30", actor=agent, on_behalf=True, email="", phone=""))


# --- Cancellation -------------------------------------------------------------------------------


def test_the_link_cancels_and_frees_the_slot(stop, django_capture_on_commit_callbacks):
    appointment = book(stop, "11:00")
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel(appointment=appointment, token=appointment.cancel_token)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.cancelled_at == NOW
    assert [s.free for s in booking.slots(stop) if s.starts_at == at(TOMORROW, "11:00")] == [True]
    assert "ist abgesagt" in mail.outbox[0].subject
    assert book(stop, "11:00", name="Nachrückerin").status == Status.BOOKED


def test_cancelling_twice_is_harmless(stop, django_capture_on_commit_callbacks):
    appointment = book(stop)
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel(appointment=appointment, token=appointment.cancel_token)
        again = booking.cancel(appointment=appointment, token=appointment.cancel_token)
    assert again.status == Status.CANCELLED
    assert len(mail.outbox) == 1


def test_the_owner_cancels_without_the_link(stop, citizen):
    appointment = book(stop, actor=citizen)
    booking.cancel(appointment=appointment, actor=citizen)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED


def test_a_wrong_token_or_another_citizen_cannot_cancel(stop, citizen, other_citizen):
    appointment = book(stop, actor=citizen)
    for kwargs in (
        {"token": "0" * 40},
        {"token": ""},
        {"actor": other_citizen},
        {"actor": other_citizen, "token": appointment.cancel_token[:-1] + "x"},
    ):
        with pytest.raises(PermissionDenied):
            booking.cancel(appointment=appointment, **kwargs)
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_a_past_appointment_cannot_be_cancelled(stop, frozen):
    appointment = book(stop, "09:00")
    frozen.move_to(at(TOMORROW, "09:05"))
    errors = refused(
        lambda: booking.cancel(appointment=appointment, token=appointment.cancel_token)
    )
    assert "kann nicht abgesagt werden" in errors[0]
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_staff_cancel_with_a_reason_in_the_e_mail(stop, agent, django_capture_on_commit_callbacks):
    appointment = book(stop)
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel(appointment=appointment, actor=agent, reason="Die Kollegin ist krank.")
    body = mail.outbox[0].body
    assert "leider mussten wir Ihren Termin" in body
    assert "Grund: Die Kollegin ist krank." in body


# --- Who runs the Bürgerbüro --------------------------------------------------------------------


def test_agents_and_the_service_centers_department_manage_the_office(settings, agent, citizen):
    office = DepartmentFactory(slug=settings.SERVICECENTER_DEPARTMENT)
    own_staff = StaffFactory(department=office)
    other_staff = StaffFactory(department=DepartmentFactory())
    not_staff = UserFactory(department=office)
    assert booking.can_manage_mobile_office(agent)
    assert booking.can_manage_mobile_office(own_staff)
    assert not booking.can_manage_mobile_office(other_staff)
    assert not booking.can_manage_mobile_office(not_staff)
    assert not booking.can_manage_mobile_office(citizen)
    agent.is_active = False
    assert not booking.can_manage_mobile_office(agent)


def test_calling_off_a_stop_tells_everybody_booked(
    stop, agent, citizen, django_capture_on_commit_callbacks
):
    mine = book(stop, "09:00", actor=citizen)
    theirs = book(stop, "09:15", email="max@example.org")
    already = book(stop, "09:30", email="ex@example.org")
    booking.cancel(appointment=already, token=already.cancel_token)
    with django_capture_on_commit_callbacks(execute=True):
        count = booking.cancel_stop(actor=agent, stop=stop, reason="Das Fahrzeug ist defekt.")
    assert count == 2
    stop.refresh_from_db()
    assert stop.is_cancelled
    assert {m.to[0] for m in mail.outbox} == {citizen.email, "max@example.org"}
    assert all(
        "fällt aus" in m.subject and "Das Fahrzeug ist defekt." in m.body for m in mail.outbox
    )
    assert set(Appointment.objects.values_list("status", flat=True)) == {Status.CANCELLED}
    assert {mine.pk, theirs.pk} <= set(Appointment.objects.values_list("pk", flat=True))
    assert refused(lambda: book(stop, "10:00"))


def test_only_the_office_calls_off_a_stop_and_needs_a_reason(stop, citizen, agent):
    with pytest.raises(PermissionDenied):
        booking.cancel_stop(actor=citizen, stop=stop, reason="Keine Lust")
    errors = refused(lambda: booking.cancel_stop(actor=agent, stop=stop, reason="  "))
    assert "Grund" in errors[0]
    stop.refresh_from_db()
    assert not stop.is_cancelled


def test_a_superuser_may_also_call_off_a_stop(stop):
    admin = StaffFactory(is_superuser=True)
    assert booking.cancel_stop(actor=admin, stop=stop, reason="Hochwasser") == 0


def test_department_staff_need_the_right_department(settings, stop):
    office = DepartmentFactory(slug=settings.SERVICECENTER_DEPARTMENT)
    staff = StaffFactory(department=office)
    assert booking.cancel_stop(actor=staff, stop=stop, reason="Krankheit") == 0


# --- The person's data --------------------------------------------------------------------------


def test_the_export_holds_the_persons_appointments_only(stop, citizen, other_citizen):
    book(stop, "09:00", actor=citizen, concern="Reisepass abholen", phone="0171 1")
    book(stop, "09:15", actor=other_citizen)
    exported = booking_sections._export_appointments(citizen)
    assert len(exported) == 1
    assert exported[0]["concern"] == "Reisepass abholen"
    assert exported[0]["phone"] == "0171 1"
    assert exported[0]["place"] == "Bürgerhaus Birk"
    assert exported[0]["starts_at"] == at(TOMORROW, "09:00").isoformat()


def test_deleting_the_account_frees_its_slots_and_forgets_the_details(stop, citizen, frozen):
    past_stop = make_stop(day=NOW.date(), start="08:00", end="09:00")
    frozen.move_to(at(NOW.date(), "07:00"))
    done = book(past_stop, "08:00", day=NOW.date(), actor=citizen, phone="0171 1")
    frozen.move_to(NOW + timedelta(hours=2))
    coming = book(stop, "10:00", actor=citizen, concern="Meldebescheinigung")
    booking.forget_citizen(citizen)
    done.refresh_from_db()
    coming.refresh_from_db()
    assert done.status == Status.BOOKED  # it happened; only the details go
    assert (done.name, done.phone, done.concern) == (booking.ERASED_NAME, "", "")
    assert coming.status == Status.CANCELLED
    assert book(stop, "10:00").status == Status.BOOKED
