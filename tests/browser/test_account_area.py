"""Mein Bürgerkonto in the browser: sections, export, deletion, legal pages — axe-clean."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from lohmar_portal.models import User
from participation import services as participation
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, UserFactory
from tests.participation.factories import ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def citizen(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    person = UserFactory(email="clara@example.org", display_name="Clara K.")
    other = ProposalFactory(title="Digitale Bürgersprechstunde")
    ProposalFactory(author=person, title="Sensoren für den Agger")
    participation.rate(user=person, target=other, value=5)
    participation.add_comment(actor=person, target=other, text="Sehr gut für Ältere.")
    participation.follow(user=person, target=other)
    return person


def log_in(page, email=None):
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail").fill(email or "clara@example.org")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def confirm_password(page, password=PASSWORD):
    page.get_by_label("Passwort").fill(password)
    page.locator("main button[type=submit]").click()


def test_the_account_page_shows_every_contribution_and_is_accessible(page, citizen):
    log_in(page)
    page.goto("/konto/")
    expect(page.get_by_role("link", name="VS-").first).to_be_visible()
    expect(page.get_by_role("heading", name="Meine Bewertungen")).to_be_visible()
    expect(page.get_by_text("5 von 5 Sternen")).to_be_visible()
    expect(page.get_by_text("Sehr gut für Ältere.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Sensoren für den Agger").click()
    expect(page.get_by_role("heading", name="Sensoren für den Agger")).to_be_visible()


def test_download_my_data_after_the_password(page, citizen):
    log_in(page)
    page.goto("/konto/")
    page.get_by_role("link", name="Meine Daten herunterladen").click()
    assert_accessible(page)
    page.get_by_role("button", name="Datenarchiv anfordern").click()
    expect(page.get_by_role("heading", name="Zugriff bestätigen")).to_be_visible()
    assert_accessible(page)
    confirm_password(page, "falsches-passwort-1")
    expect(page.locator(".kern-error").first).to_be_visible()
    assert_accessible(page)
    assert mail.outbox == []
    confirm_password(page)
    expect(page.get_by_text("Ihre Daten werden zusammengestellt")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="herunterladen", exact=False).filter(
            has_text="Datenarchiv vom"
        ).click()
    assert download.value.suggested_filename == "buergerportal-daten.zip"
    assert len(mail.outbox) == 1


def test_delete_my_account_after_the_password(page, citizen):
    log_in(page)
    page.goto("/konto/loeschen/")
    assert_accessible(page)
    page.get_by_role("button", name="Konto endgültig löschen").click()
    confirm_password(page)
    expect(page.locator(".kern-error").first).to_be_visible()  # the box was not ticked
    assert_accessible(page)
    page.get_by_label("Ja, ich möchte mein Bürgerkonto endgültig löschen.").check()
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_text("Ihr Bürgerkonto wurde gelöscht")).to_be_visible()
    expect(page.get_by_role("link", name="Anmelden").first).to_be_visible()
    assert not User.objects.get(pk=citizen.pk).is_active


@pytest.mark.parametrize("url", ["/datenschutz/", "/impressum/", "/barrierefreiheit/"])
def test_legal_pages_are_accessible(page, url):
    page.goto(url)
    assert_accessible(page)


def test_accessibility_feedback_with_an_error_and_then_sent(page):
    page.goto("/barrierefreiheit/")
    page.get_by_label("Ihre E-Mail-Adresse").fill("kein-at")
    page.get_by_role("button", name="Rückmeldung senden").click()
    expect(page.locator(".kern-error").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Welche Barriere haben Sie festgestellt?").fill(
        "Kontrast im Kopf zu schwach."
    )
    page.get_by_label("Ihre E-Mail-Adresse").fill("")
    page.get_by_role("button", name="Rückmeldung senden").click()
    expect(page.get_by_text("Vielen Dank")).to_be_visible()
    assert len(mail.outbox) == 1
