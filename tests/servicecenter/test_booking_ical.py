"""The iCalendar feed of the schedule and the calendar file of one appointment."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from lohmar_portal.cache import bump_content_version
from servicecenter import booking, ical
from tests.servicecenter.booking_support import NOW, TOMORROW, at, make_stop

pytestmark = pytest.mark.django_db
FEED = "/buergerbuero-mobil/termine.ics"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def events(content: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_has_one_event_per_coming_stop(client):
    coming = make_stop(notes="Barrierefreier Eingang an der Rückseite.")
    cancelled = make_stop(day=TOMORROW + timedelta(days=7), place="Rathaus", is_cancelled=True)
    make_stop(day=NOW.date() - timedelta(days=3))  # past
    make_stop(is_published=False)  # not public
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert reverse("servicecenter:schedule_ics") == FEED
    found = events(response.content)
    assert set(found) == {ical.stop_uid(coming), ical.stop_uid(cancelled)}
    event = found[ical.stop_uid(coming)]
    assert event.decoded("dtstart") == at(TOMORROW, "09:00")
    assert event.decoded("dtend") == at(TOMORROW, "12:00")
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["location"]) == "Bürgerhaus Birk, Birker Straße 1, 53797 Lohmar, Birk"
    description = str(event["description"])
    assert "Personalausweis beantragen" in description
    assert "Meldebescheinigung" in description
    assert "Barrierefreier Eingang" in description
    assert f"/buergerbuero-mobil/{coming.pk}/" in description
    assert str(found[ical.stop_uid(cancelled)]["status"]) == "CANCELLED"
    assert str(found[ical.stop_uid(cancelled)]["summary"]).startswith("Abgesagt:")
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_the_feed_has_no_personal_data(client):
    stop = make_stop()
    booking.book(
        stop=stop, starts_at=at(TOMORROW, "09:00"), name="Erika Geheim", email="geheim@example.org"
    )
    content = client.get(FEED).content.decode()
    assert "Geheim" not in content and "geheim@example.org" not in content


def test_uids_are_stable_and_changes_show_after_a_write(client):
    stop = make_stop()
    first = client.get(FEED).content
    assert client.get(FEED).content == first
    stop.is_cancelled = True
    stop.save()
    bump_content_version()  # what every write does after its commit
    second = client.get(FEED).content
    assert set(events(second)) == set(events(first))
    assert str(events(second)[ical.stop_uid(stop)]["status"]) == "CANCELLED"


def test_the_feed_is_served_from_the_cache_until_the_next_write(client, django_assert_num_queries):
    make_stop()
    client.get(FEED)
    with django_assert_num_queries(0):
        assert client.get(FEED).status_code == 200


def test_an_appointment_has_its_own_calendar_file(client):
    stop = make_stop(slot_minutes=20)
    appointment = booking.book(
        stop=stop,
        starts_at=at(TOMORROW, "09:40"),
        name="Erika",
        email="erika@example.org",
        concern="Reisepass abholen",
    )
    url = reverse(
        "servicecenter:appointment_ics",
        kwargs={"pk": appointment.pk, "token": appointment.cancel_token},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == ical.appointment_uid(appointment)
    assert event.decoded("dtstart") == at(TOMORROW, "09:40")
    assert event.decoded("dtend") == at(TOMORROW, "10:00")
    assert "Reisepass abholen" in str(event["description"])
    wrong = reverse(
        "servicecenter:appointment_ics", kwargs={"pk": appointment.pk, "token": "x" * 40}
    )
    assert client.get(wrong).status_code == 404
