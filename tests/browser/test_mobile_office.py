"""A citizen books a slot of the Mobile Bürgerbüro with an e-mail address and cancels it by the
link in the confirmation — accessible on every page of the way."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from servicecenter import booking
from servicecenter.models import Appointment
from tests.browser.axe import assert_accessible
from tests.factories import UserFactory
from tests.servicecenter.booking_support import at, make_stop
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.staff_support import with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stop():
    return make_stop(day=timezone.localdate() + timedelta(days=7))


def test_book_a_slot_by_e_mail_and_cancel_it_by_the_link(page, stop, mailoutbox):
    page.goto("/buergerbuero-mobil/")
    expect(page.get_by_role("heading", name="Mobiles Bürgerbüro", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Bürgerhaus Birk")).click()
    expect(page.get_by_role("cell", name="frei – 10:00 Uhr buchen")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="frei – 10:00 Uhr buchen").click()
    expect(page.get_by_role("heading", name="Termin buchen")).to_be_visible()
    assert_accessible(page)

    # Sent empty: the errors are listed, linked to their fields, and the page stays accessible.
    page.get_by_role("button", name="Verbindlich buchen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie Ihren Namen an.")
    page.get_by_role("link", name=re.compile("^Ihr Name:")).click()
    expect(page.get_by_label("Ihr Name")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Ihr Name").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_label("Ihr Anliegen").select_option("Reisepass abholen")
    page.get_by_role("button", name="Verbindlich buchen").click()
    expect(page.get_by_role("heading", name="Ihr Termin ist gebucht")).to_be_visible()
    expect(page.get_by_text("erika@example.org")).to_be_visible()
    assert_accessible(page)

    (confirmation,) = mail.outbox
    assert confirmation.to == ["erika@example.org"]
    assert confirmation.attachments[0][0] == "termin.ics"
    link = re.search(r"https?://\S+/termin/\d+/absagen/\w+/", confirmation.body).group(0)
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("button", name="Ja, Termin absagen")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Ja, Termin absagen").click()
    expect(page.get_by_role("heading", name="Ihr Termin ist abgesagt")).to_be_visible()
    assert_accessible(page)
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
    assert "abgesagt" in mail.outbox[-1].subject

    page.goto(stop.get_absolute_url())
    expect(page.get_by_role("link", name="frei – 10:00 Uhr buchen")).to_be_visible()


def test_a_slot_taken_meanwhile_shows_the_form_again(page, stop):
    page.goto(stop.get_absolute_url())
    page.get_by_role("link", name="frei – 09:15 Uhr buchen").click()
    booking.book(
        stop=stop, starts_at=at(stop.date, "09:15"), name="Schneller", email="s@example.org"
    )
    page.get_by_label("Ihr Name").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_label("Ihr Anliegen").select_option("Meldebescheinigung")
    page.get_by_role("button", name="Verbindlich buchen").click()
    expect(page.get_by_role("alert")).to_contain_text("Dieser Termin wurde gerade vergeben.")
    assert page.get_by_label("Ihr Name").input_value() == "Erika Mustermann"
    assert_accessible(page)
    page.goto(stop.get_absolute_url())
    expect(page.get_by_role("cell", name="vergeben")).to_have_count(1)
    expect(page.get_by_text("Schneller")).to_have_count(0)


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_a_citizen_books_with_the_account_and_cancels_in_meine_termine(page, live_server, stop):
    citizen = UserFactory(real_name="Erika Konto")
    log_in(page, live_server, citizen)
    page.goto(stop.get_absolute_url())
    page.get_by_role("link", name="frei – 11:30 Uhr buchen").click()
    expect(page.get_by_label("Ihr Name")).to_have_value("Erika Konto")
    page.get_by_label("Ihr Anliegen").select_option("Personalausweis beantragen")
    page.get_by_role("button", name="Verbindlich buchen").click()
    expect(page.get_by_role("heading", name="Ihr Termin ist gebucht")).to_be_visible()

    page.goto("/konto/")
    section = page.get_by_role("region", name="Meine Termine")
    expect(section).to_contain_text("Personalausweis beantragen")
    assert_accessible(page)
    section.get_by_role("link", name=re.compile("um 11:30 Uhr absagen")).click()
    page.get_by_role("button", name="Ja, Termin absagen").click()
    expect(page.get_by_role("heading", name="Ihr Termin ist abgesagt")).to_be_visible()
    page.goto("/konto/")
    expect(
        page.get_by_text("Sie haben keinen kommenden Termin im Mobilen Bürgerbüro.")
    ).to_be_visible()


def test_the_staff_day_view_is_accessible(page, live_server, stop):
    agent = with_mfa(make_agent())
    booking.book(stop=stop, starts_at=at(stop.date, "09:00"), name="Erika", email="e@example.org")
    log_in(page, live_server, agent)
    page.goto(f"/service/arbeitsplatz/buergerbuero/{stop.date.isoformat()}/")
    expect(page.get_by_role("cell", name="Erika", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Termin absagen (09:00 Uhr)").click()
    page.get_by_label("Grund (steht in der E-Mail an die Person)").fill("Krankheit")
    page.get_by_role("button", name="Termin absagen", exact=True).click()
    expect(page.get_by_text("Der Termin um 09:00 Uhr ist abgesagt.")).to_be_visible()
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
