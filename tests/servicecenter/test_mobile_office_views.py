"""The Mobile Bürgerbüro's pages: schedule, stop, booking, confirmation, cancellation, the
account's "Meine Termine", the staff's day view and the admin."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse

import servicecenter.admin_mobile_office  # noqa: F401 - registers the admin before the URLs load
from lohmar_portal.cache import bump_content_version
from servicecenter import booking
from servicecenter.models import Appointment, MobileOfficeStop
from tests.factories import DepartmentFactory, DistrictFactory, StaffFactory, UserFactory
from tests.servicecenter.booking_support import (
    NOW,
    TOMORROW,
    at,
    make_stop,
    slot_key,
)
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.staff_support import client_for, with_mfa

pytestmark = pytest.mark.django_db
Status = Appointment.Status
SCHEDULE = "/buergerbuero-mobil/"
TAKEN = "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stop():
    return make_stop()


def book_url(stop, clock="09:00", day=None) -> str:
    return (
        reverse("servicecenter:book", kwargs={"pk": stop.pk})
        + "?zeit="
        + slot_key(at(day or stop.date, clock))
    )


def booked(stop, clock="09:00", **fields) -> Appointment:
    fields.setdefault("name", "Erika Geheimname")
    fields.setdefault("email", "erika.geheim@example.org")
    fields.setdefault("phone", "0170 9999999")
    return booking.book(stop=stop, starts_at=at(stop.date, clock), **fields)


def text(response) -> str:
    return response.content.decode()


# --- Schedule -----------------------------------------------------------------------------------


def test_the_schedule_shows_coming_stops_with_their_facts(client, stop):
    booked(stop, "09:00")
    cancelled = make_stop(
        day=TOMORROW + timedelta(days=2),
        place="Rathaus Lohmar",
        district=DistrictFactory(name="Lohmar-Ort", slug="lohmar-ort"),
        is_cancelled=True,
    )
    make_stop(day=NOW.date() - timedelta(days=1), place="Vergangener Halt")
    make_stop(place="Geheimer Entwurf", is_published=False)
    response = client.get(SCHEDULE)
    assert response.status_code == 200
    assert reverse("servicecenter:schedule") == SCHEDULE
    page = text(response)
    for fact in (
        "Bürgerhaus Birk",
        "Birker Straße 1, 53797 Lohmar",
        "Birk",
        "Dienstag, 12. Mai 2026",
        "09:00 bis 12:00 Uhr",
        "Personalausweis beantragen",
        "Reisepass abholen",
        "11 freie Termine",
        "Rathaus Lohmar",
        "abgesagt",
    ):
        assert fact in page, fact
    assert cancelled.get_absolute_url() in page
    assert "Vergangener Halt" not in page and "Geheimer Entwurf" not in page
    assert "termine.ics" in page


def test_public_pages_never_show_who_booked(client, stop):
    booked(stop, "09:00", concern="Reisepass abholen")
    for url in (SCHEDULE, stop.get_absolute_url(), "/buergerbuero-mobil/termine.ics"):
        page = text(client.get(url))
        assert "Geheimname" not in page
        assert "erika.geheim@example.org" not in page
        assert "0170 9999999" not in page


def test_a_booking_without_an_account_makes_the_cached_schedule_stale(
    client, stop, django_capture_on_commit_callbacks
):
    assert "12 freie Termine" in text(client.get(SCHEDULE))
    with django_capture_on_commit_callbacks(execute=True):
        booked(stop)
    assert "11 freie Termine" in text(client.get(SCHEDULE))


@pytest.mark.parametrize("stops", [1, 20])
def test_the_schedule_runs_a_constant_number_of_queries(client, stops, django_assert_num_queries):
    for index in range(stops):
        stop = make_stop(day=TOMORROW + timedelta(days=index))
        booked(stop, "09:00")
        booked(stop, "09:15", email=f"p{index}@example.org")
    bump_content_version()
    # The page count (cached read), the stops, their booked slots.
    with django_assert_num_queries(3):
        response = client.get(SCHEDULE)
    assert response.status_code == 200
    assert text(response).count("10 freie Termine") == stops


def test_the_schedule_pages_beyond_thirty_stops(client):
    for index in range(31):
        make_stop(day=TOMORROW + timedelta(days=index), place=f"Halt {index:02d}")
    first = text(client.get(SCHEDULE))
    assert "Halt 29" in first and "Halt 30" not in first
    assert "Halt 30" in text(client.get(SCHEDULE + "?seite=2"))


# --- A stop -------------------------------------------------------------------------------------


def test_the_stop_page_lists_slots_free_and_booked(client, stop):
    booked(stop, "09:15")
    response = client.get(stop.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert page.count("vergeben") == 1
    assert page.count("Uhr buchen") == 11
    assert book_url(stop, "09:00").replace("&", "&amp;") in page
    assert book_url(stop, "09:15") not in page
    assert "09:15–09:30 Uhr" in page


def test_past_slots_of_today_cannot_be_picked(client, frozen):
    stop = make_stop(day=NOW.date(), start="07:00", end="09:00")
    page = text(client.get(stop.get_absolute_url()))
    assert page.count("vorbei") == 5  # 07:00 … 08:00 (that one begins right now)
    assert page.count("Uhr buchen") == 3  # 08:15 … 08:45


def test_a_cancelled_stop_shows_no_slots(client):
    stop = make_stop(is_cancelled=True)
    page = text(client.get(stop.get_absolute_url()))
    assert "Dieser Termin ist abgesagt" in page
    assert "buchen" not in page.lower().replace("termine des mobilen", "")


def test_an_unpublished_or_unknown_stop_is_not_found(client):
    hidden = make_stop(is_published=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/buergerbuero-mobil/999999/").status_code == 404
    assert client.get(book_url(hidden)).status_code == 404


@pytest.mark.parametrize("bookings", [1, 12])
def test_the_stop_page_runs_a_constant_number_of_queries(
    client, stop, bookings, django_assert_num_queries
):
    for index in range(bookings):
        booked(stop, f"{9 + index // 4:02d}:{index % 4 * 15:02d}", email=f"p{index}@example.org")
    bump_content_version()
    with django_assert_num_queries(2):
        assert client.get(stop.get_absolute_url()).status_code == 200


# --- Booking ------------------------------------------------------------------------------------


def test_somebody_without_an_account_books_and_gets_the_confirmation(
    client, stop, django_capture_on_commit_callbacks
):
    form = client.get(book_url(stop, "10:30"))
    assert form.status_code == 200
    assert 'name="email"' in text(form)
    assert "Dienstag, 12. Mai 2026, 10:30–10:45 Uhr" in text(form)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            book_url(stop, "10:30"),
            {
                "name": "Max Muster",
                "email": "max@example.org",
                "phone": "",
                "concern": "Reisepass abholen",
            },
        )
    appointment = Appointment.objects.get()
    assert (appointment.name, appointment.email, appointment.concern) == (
        "Max Muster",
        "max@example.org",
        "Reisepass abholen",
    )
    assert appointment.starts_at == at(TOMORROW, "10:30")
    confirmation = reverse(
        "servicecenter:appointment",
        kwargs={"pk": appointment.pk, "token": appointment.cancel_token},
    )
    assert response.status_code == 302 and response["Location"] == confirmation
    page = text(client.get(confirmation))
    assert "Ihr Termin ist gebucht" in page
    assert "max@example.org" in page
    assert "Personalausweis oder Reisepass" in page
    assert appointment.cancel_token in page
    (message,) = mail.outbox
    assert message.to == ["max@example.org"]
    assert f"/buergerbuero-mobil/termin/{appointment.pk}/absagen/{appointment.cancel_token}/" in (
        message.body
    )


def test_a_logged_in_citizen_books_with_the_prefilled_name(client, stop):
    citizen = UserFactory(real_name="Erika Echtname", display_name="Erika123")
    client.force_login(citizen)
    form = text(client.get(book_url(stop)))
    assert 'value="Erika Echtname"' in form
    assert 'name="email"' not in form
    assert citizen.email in form
    response = client.post(book_url(stop), {"name": "Erika Echtname", "concern": "Sonstiges"})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.citizen, appointment.email) == (citizen, "")


def test_the_display_name_is_the_fallback(client, stop):
    citizen = UserFactory(real_name="", display_name="Erika123")
    client.force_login(citizen)
    assert 'value="Erika123"' in text(client.get(book_url(stop)))


def test_missing_fields_come_back_linked_to_their_fields(client, stop):
    response = client.post(book_url(stop), {"name": "", "email": "kaputt", "concern": ""})
    assert response.status_code == 400
    page = text(response)
    assert "Bitte prüfen Sie Ihre Eingaben" in page
    assert 'href="#id_name"' in page and 'href="#id_email"' in page
    assert 'href="#id_concern"' in page
    assert 'aria-invalid="true"' in page
    assert "Bitte geben Sie Ihren Namen an." in page
    assert not Appointment.objects.exists()


def test_an_unknown_concern_is_refused(client, stop):
    response = client.post(
        book_url(stop), {"name": "Max", "email": "max@example.org", "concern": "Hundesteuer"}
    )
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_slot_taken_meanwhile_brings_the_form_back(client, stop):
    form_page = client.get(book_url(stop, "09:45"))
    assert form_page.status_code == 200
    first = booked(stop, "09:45")  # somebody else was quicker
    response = client.post(
        book_url(stop, "09:45"),
        {"name": "Max Muster", "email": "max@example.org", "concern": "Meldebescheinigung"},
    )
    assert response.status_code == 409
    page = text(response)
    assert TAKEN in page
    assert 'value="Max Muster"' in page  # nothing typed is lost
    assert list(Appointment.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_link_to_a_booked_slot_says_so(client, stop):
    booked(stop, "09:45")
    response = client.get(book_url(stop, "09:45"))
    assert response.status_code == 409
    assert "schon vergeben" in text(response)


@pytest.mark.parametrize(
    ("zeit", "message"),
    [
        ("2026-05-12T09:07", "Zu dieser Uhrzeit gibt es keinen Termin"),
        ("2026-05-12T12:00", "Zu dieser Uhrzeit gibt es keinen Termin"),
        ("2026-05-13T09:00", "Zu dieser Uhrzeit gibt es keinen Termin"),
        ("gestern", "Bitte wählen Sie einen Termin aus der Liste."),
        ("", "Bitte wählen Sie einen Termin aus der Liste."),
    ],
)
def test_a_slot_that_does_not_exist_is_refused(client, stop, zeit, message):
    url = reverse("servicecenter:book", kwargs={"pk": stop.pk}) + f"?zeit={zeit}"
    for response in (client.get(url), client.post(url, {"name": "M", "email": "m@example.org"})):
        assert response.status_code == 400
        assert message in text(response)
    assert not Appointment.objects.exists()


def test_a_past_slot_is_refused(client, stop, frozen):
    frozen.move_to(at(TOMORROW, "09:20"))
    response = client.post(
        book_url(stop, "09:15"), {"name": "M", "email": "m@example.org", "concern": "Sonstiges"}
    )
    assert response.status_code == 400
    assert "liegt in der Vergangenheit" in text(response)
    assert not Appointment.objects.exists()


def test_a_cancelled_stop_is_refused(client):
    stop = make_stop(is_cancelled=True)
    response = client.post(
        book_url(stop), {"name": "M", "email": "m@example.org", "concern": "Sonstiges"}
    )
    assert response.status_code == 400
    assert "wurde abgesagt" in text(response)
    assert not Appointment.objects.exists()


def test_anonymous_bookings_are_rate_limited(client, settings):
    settings.SERVICECENTER_BOOKINGS_PER_HOUR = 5
    stop = make_stop(start="09:00", end="11:00")
    for index in range(5):
        clock = f"09:{index * 15:02d}" if index < 4 else "10:00"
        response = client.post(
            book_url(stop, clock),
            {"name": "M", "email": f"m{index}@example.org", "concern": "Sonstiges"},
        )
        assert response.status_code == 302
    response = client.post(
        book_url(stop, "10:15"), {"name": "M", "email": "m@example.org", "concern": "Sonstiges"}
    )
    assert response.status_code == 429
    assert response["Retry-After"]
    assert "sehr viele Termine" in text(response)
    assert Appointment.objects.count() == 5
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.9")
    response = other.post(
        book_url(stop, "10:15"), {"name": "N", "email": "n@example.org", "concern": "Sonstiges"}
    )
    assert response.status_code == 302


# --- The appointment's page and its cancellation ------------------------------------------------


def cancel_url(appointment, token=None) -> str:
    return reverse(
        "servicecenter:cancel_appointment",
        kwargs={"pk": appointment.pk, "token": token or appointment.cancel_token},
    )


def test_the_appointment_page_needs_its_token(client, stop):
    appointment = booked(stop)
    wrong = reverse("servicecenter:appointment", kwargs={"pk": appointment.pk, "token": "a" * 40})
    assert client.get(wrong).status_code == 404
    assert client.get(cancel_url(appointment, "b" * 40)).status_code == 404
    assert client.post(cancel_url(appointment, "b" * 40)).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_the_link_asks_then_cancels_and_the_slot_is_free_again(
    client, stop, django_capture_on_commit_callbacks
):
    appointment = booked(stop, "11:30")
    url = cancel_url(appointment)
    ask = client.get(url)
    assert ask.status_code == 200
    assert "Ja, Termin absagen" in text(ask)
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED  # a GET (a mail scanner) cancels nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    done = text(client.get(url))
    assert "Ihr Termin ist abgesagt" in done
    assert "Ja, Termin absagen" not in done
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert book_url(stop, "11:30").replace("&", "&amp;") in text(
        client.get(stop.get_absolute_url())
    )
    # Twice is harmless.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert len(mail.outbox) == 1


def test_a_past_appointment_cannot_be_cancelled_by_link(client, stop, frozen):
    appointment = booked(stop, "09:00")
    frozen.move_to(at(TOMORROW, "09:10"))
    assert "kann nicht mehr abgesagt werden" in text(client.get(cancel_url(appointment)))
    response = client.post(cancel_url(appointment))
    assert response.status_code == 400
    assert "kann nicht abgesagt werden" in text(response)
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


# --- Meine Termine ------------------------------------------------------------------------------


def test_my_appointments_are_in_the_account(client, stop, other_citizen):
    citizen = UserFactory()
    mine = booked(stop, "10:00", actor=citizen, concern="Reisepass abholen")
    earlier = booked(stop, "10:15", actor=citizen)
    booking.cancel(appointment=earlier, actor=citizen)
    booked(stop, "10:30", actor=other_citizen, name="Jemand Anderes")
    client.force_login(citizen)
    page = text(client.get(reverse("account")))
    assert "Meine Termine" in page
    assert "Di, 12.05.2026, 10:00 Uhr" in page
    assert "Reisepass abholen" in page
    assert cancel_url(mine) in page
    assert "abgesagt" in page
    assert "Jemand Anderes" not in page and cancel_url(earlier) not in page


def test_a_citizen_cancels_from_the_account(client, stop):
    citizen = UserFactory()
    mine = booked(stop, "10:00", actor=citizen)
    client.force_login(citizen)
    page = text(client.get(reverse("account")))
    link = re.search(r'href="([^"]*/absagen/[^"]*)"', page).group(1)
    assert client.post(link).status_code == 302
    mine.refresh_from_db()
    assert mine.status == Status.CANCELLED


# --- Staff: the day view ------------------------------------------------------------------------


def day_url(day=TOMORROW) -> str:
    return reverse("servicecenter:mobile_office_day", kwargs={"day": day.isoformat()})


@pytest.fixture
def office_agent():
    return with_mfa(make_agent(display_name="Agentin Bürgerbüro"))


def test_the_day_view_shows_every_slot_and_who_booked(stop, office_agent):
    booked(stop, "09:15", concern="Reisepass abholen")
    account = UserFactory(email="konto@example.org")
    booked(stop, "09:30", actor=account, name="Konto Inhaberin", phone="")
    response = client_for(office_agent).get(day_url())
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    page = text(response)
    for fact in (
        "Erika Geheimname",
        "erika.geheim@example.org",
        "0170 9999999",
        "Reisepass abholen",
        "Konto Inhaberin",
        "konto@example.org",
        "2 von 12 Terminen gebucht",
        "Termin absagen (09:15 Uhr)",
        "mobile-office.css",
        reverse("servicecenter:quick_entry") + "?channel=mobile_office",
    ):
        assert fact in page, fact
    assert page.count('<tr class="kern-table__row">') == 13  # header + 12 slots


def test_the_office_department_may_open_the_day_view(settings, stop):
    office = DepartmentFactory(slug=settings.SERVICECENTER_DEPARTMENT)
    staff = with_mfa(StaffFactory(department=office))
    assert client_for(staff).get(day_url()).status_code == 200


def test_others_do_not_find_the_day_view(settings, stop):
    citizen = UserFactory()
    other_department = with_mfa(StaffFactory(department=DepartmentFactory()))
    assert client_for(citizen).get(day_url()).status_code == 404
    assert client_for(other_department).get(day_url()).status_code == 404
    anonymous = Client().get(day_url())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    without_mfa = client_for(make_agent()).get(day_url())
    assert without_mfa.status_code == 302
    assert without_mfa["Location"] == reverse("mfa_activate_totp")


def test_a_wrong_date_is_not_found_and_the_date_picker_redirects(office_agent):
    staff = client_for(office_agent)
    assert staff.get("/service/arbeitsplatz/buergerbuero/2026-13-40/").status_code == 404
    response = staff.get(reverse("servicecenter:mobile_office_today") + "?tag=2026-05-20")
    assert response["Location"] == "/service/arbeitsplatz/buergerbuero/2026-05-20/"
    response = staff.get(reverse("servicecenter:mobile_office_today"))
    assert response["Location"] == day_url(NOW.date())


def test_staff_cancel_an_appointment_with_a_reason(
    stop, office_agent, django_capture_on_commit_callbacks
):
    appointment = booked(stop, "09:15")
    url = reverse("servicecenter:mobile_office_cancel", kwargs={"pk": appointment.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(office_agent).post(
            url, {"reason": "Die Kollegin ist krank.", "next": day_url()}
        )
    assert response.status_code == 302 and response["Location"] == day_url()
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert "Grund: Die Kollegin ist krank." in mail.outbox[0].body
    # A citizen cannot use the staff action, not even on their own appointment.
    citizen = UserFactory()
    own = booked(stop, "09:30", actor=citizen)
    url = reverse("servicecenter:mobile_office_cancel", kwargs={"pk": own.pk})
    assert client_for(citizen).post(url).status_code == 404
    own.refresh_from_db()
    assert own.status == Status.BOOKED


def test_staff_enter_a_booking_for_a_caller(stop, office_agent):
    url = reverse("servicecenter:mobile_office_book", kwargs={"pk": stop.pk}) + (
        "?zeit=" + slot_key(at(TOMORROW, "11:00"))
    )
    staff = client_for(office_agent)
    assert staff.get(url).status_code == 200
    refused = staff.post(url, {"name": "Anrufer", "phone": "", "email": ""})
    assert refused.status_code == 400
    assert "Telefonnummer oder eine E-Mail-Adresse" in text(refused)
    response = staff.post(url, {"name": "Anrufer", "phone": "02246 1234", "concern": ""})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.name, appointment.phone, appointment.citizen) == (
        "Anrufer",
        "02246 1234",
        None,
    )
    assert client_for(UserFactory()).get(url).status_code == 404


# --- Admin --------------------------------------------------------------------------------------


def test_the_admin_lists_stops_with_counts_and_appointments(stop, office_agent):
    assert MobileOfficeStop in admin.site._registry
    office_agent.is_superuser = True
    office_agent.save()
    booked(stop, "09:00")
    booked(stop, "09:15", email="zwei@example.org")
    staff = client_for(office_agent)
    changelist = staff.get(reverse("admin:servicecenter_mobileofficestop_changelist"))
    assert changelist.status_code == 200
    row = re.search(r"<tr>.*?Bürgerhaus Birk.*?</tr>", text(changelist), re.S).group(0)
    assert 'field-booked_count">2<' in row and 'field-free_count">10<' in row
    change = staff.get(reverse("admin:servicecenter_mobileofficestop_change", args=[stop.pk]))
    assert change.status_code == 200
    assert "Erika Geheimname" in text(change) and "zwei@example.org" in text(change)


def test_the_admin_action_calls_off_a_stop_and_tells_everybody(
    stop, office_agent, django_capture_on_commit_callbacks
):
    office_agent.is_superuser = True
    office_agent.save()
    booked(stop, "09:00")
    staff = client_for(office_agent)
    url = reverse("admin:servicecenter_mobileofficestop_changelist")
    data = {"action": "cancel_stops", "_selected_action": [stop.pk]}
    asked = staff.post(url, data)
    assert asked.status_code == 200 and "Grund der Absage" in text(asked)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url, {**data, "apply": "1", "reason": "Das Fahrzeug ist defekt."}, follow=True)
    stop.refresh_from_db()
    assert stop.is_cancelled
    assert "Das Fahrzeug ist defekt." in mail.outbox[0].body
