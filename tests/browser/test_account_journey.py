"""A citizen's first visit: sign up, confirm by e-mail, log in, log out — accessible throughout."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, PillarFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_log_in_log_out(page, mailoutbox):
    page.goto("/")
    page.get_by_role("link", name="Registrieren").first.click()
    page.get_by_label("E-Mail").fill("anna@example.org")
    page.get_by_label("Öffentlicher Name").fill("Anna aus Birk")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung)").fill(PASSWORD)
    page.get_by_role("button", name="Konto anlegen").click()
    expect(
        page.get_by_role("heading", name="Bitte bestätigen Sie Ihre E-Mail-Adresse")
    ).to_be_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Bestätigen").click()

    page.goto("/accounts/login/")
    page.get_by_label("E-Mail").fill("anna@example.org")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Mein Bürgerkonto").click()
    expect(page.get_by_role("heading", name="Mein Bürgerkonto")).to_be_visible()
    assert page.get_by_label("Öffentlicher Name").input_value() == "Anna aus Birk"

    page.get_by_role("link", name="Abmelden").click()
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("link", name="Anmelden").first).to_be_visible()
    expect(page.get_by_role("link", name="Mein Bürgerkonto")).to_have_count(0)


@pytest.mark.parametrize(
    "url",
    ["/", "/strategie/", "/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"],
)
def test_public_pages_have_no_axe_violations(page, url):
    pillar = PillarFactory()
    page.goto(url)
    assert_accessible(page)
    page.goto(f"/strategie/{pillar.slug}/")
    assert_accessible(page)


def test_forms_in_their_error_state_have_no_axe_violations(page):
    page.goto("/accounts/signup/")
    page.get_by_label("E-Mail").fill("keine-adresse")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Anmelden").click()
    assert_accessible(page)


def test_the_language_switch_shows_english_and_back(page):
    PillarFactory()
    page.goto("/")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("link", name="Sign up").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Deutsch").click()
    assert page.locator("html").get_attribute("lang") == "de"


@pytest.mark.parametrize(
    "url", ["/konto/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]
)
def test_account_pages_have_no_axe_violations(page, url):
    from tests.factories import UserFactory

    UserFactory(email="konto@example.org")
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail").fill("konto@example.org")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    assert_accessible(page)
