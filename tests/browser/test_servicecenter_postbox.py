"""The citizen's side of the service center in the browser: the web form, the postbox, the
secret link — and axe-clean on every page of it."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from servicecenter import services
from servicecenter.models import LifeSituation, Ticket
from tests.browser.axe import assert_accessible
from tests.browser.totp import log_in
from tests.factories import UserFactory
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.postbox_support import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def citizen():
    LifeSituation.objects.create(name="Umzug", slug="umzug", summary="Umziehen in Lohmar")
    return UserFactory(email="clara@example.org", display_name="Clara K.")


def log_in_as_clara(page):
    log_in(page, "clara@example.org")
    expect(page.get_by_role("link", name="Abmelden")).to_be_visible()


def test_a_citizen_asks_on_the_web_reads_the_answer_in_the_postbox_and_replies(
    page, citizen, tmp_path
):
    log_in_as_clara(page)
    page.goto("/service/anliegen/neu/")
    expect(page.get_by_role("heading", name="Anliegen an das Service Center")).to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_count(0)  # the account is the contact
    assert_accessible(page)

    # Sent empty: the errors are listed, linked and shown at their fields.
    page.get_by_role("button", name="Anliegen absenden").click()
    expect(page.get_by_role("heading", name="Bitte prüfen Sie Ihre Eingaben")).to_be_visible()
    expect(page.locator("#id_subject_error")).to_be_visible()
    assert_accessible(page)

    lease = tmp_path / "mietvertrag.pdf"
    lease.write_bytes(PDF)
    page.get_by_label("Betreff").fill("Ummeldung nach Umzug")
    page.get_by_label("Ihr Anliegen").fill("Ich bin nach Lohmar gezogen. Was brauche ich?")
    page.get_by_label("Lebenslage").select_option(label="Umzug")
    page.get_by_label("Dateien anhängen").set_input_files(str(lease))
    page.get_by_role("button", name="Anliegen absenden").click()

    expect(page.get_by_role("heading", name="Ihr Anliegen ist eingegangen")).to_be_visible()
    ticket = Ticket.objects.get()
    expect(page.get_by_text(ticket.reference).first).to_be_visible()
    assert ticket.messages.get().attachments.get().filename == "mietvertrag.pdf"
    assert_accessible(page)

    # The service center answers (an agent, through the service).
    agent = make_agent()
    services.reply(
        actor=agent,
        ticket=ticket,
        text="Bitte bringen Sie Ihren Ausweis und die Wohnungsgeberbestätigung mit.",
        wait_for_citizen=True,
    )

    page.get_by_role("link", name="Zum Postfach").click()
    expect(page.get_by_role("heading", name="Mein Postfach")).to_be_visible()
    expect(page.get_by_text("Sie haben 1 ungelesene Nachricht.")).to_be_visible()
    expect(page.get_by_role("cell", name="wartet auf Ihre Antwort")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ummeldung nach Umzug").click()
    expect(page.get_by_text("Wohnungsgeberbestätigung")).to_be_visible()
    expect(page.get_by_role("link", name="mietvertrag.pdf")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="mietvertrag.pdf").click()
    assert download.value.suggested_filename == "mietvertrag.pdf"

    page.get_by_label("Ihre Nachricht").fill("Danke, ich komme am Dienstag.")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Ihre Nachricht ist angekommen")).to_be_visible()
    expect(page.get_by_text("Danke, ich komme am Dienstag.")).to_be_visible()
    assert_accessible(page)

    page.goto("/konto/postfach/")
    expect(page.get_by_text("Sie haben keine ungelesenen Nachrichten.")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN  # the answer ended the wait

    page.goto("/konto/")
    expect(page.get_by_role("heading", name="Meine Anliegen")).to_be_visible()
    assert_accessible(page)


def test_without_an_account_by_phone_the_link_is_shown_once_and_works(page):
    page.goto("/service/anliegen/neu/")
    expect(page.get_by_role("heading", name="Datenschutz")).to_be_visible()
    page.get_by_label("Betreff").fill("Sperrmüll")
    page.get_by_label("Ihr Anliegen").fill("Wann wird in Birk Sperrmüll abgeholt?")
    page.get_by_role("button", name="Anliegen absenden").click()
    # Neither e-mail nor phone: the error is at the e-mail field.
    expect(page.locator("#id_contact_email_error")).to_contain_text("Telefonnummer")
    assert_accessible(page)

    page.get_by_label("Telefonnummer").fill("02246 15-0")
    page.get_by_role("button", name="Anliegen absenden").click()
    expect(page.get_by_role("heading", name="Speichern Sie diesen Link")).to_be_visible()
    assert_accessible(page)
    link = page.locator("main a[href*='/service/anliegen/SC-']").get_attribute("href")
    assert mail.outbox == []

    page.reload()
    expect(page.get_by_text("nur einmal angezeigt")).to_be_visible()

    ticket = Ticket.objects.get()
    services.reply(actor=make_agent(), ticket=ticket, text="Am 12. Mai.")
    page.goto(link)
    expect(page.get_by_role("heading", name="Sperrmüll")).to_be_visible()
    expect(page.get_by_text("Am 12. Mai.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ihre Nachricht").fill("Danke!")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Ihre Nachricht ist angekommen")).to_be_visible()
    assert ticket.messages.filter(text="Danke!").exists()


def test_the_form_with_an_e_mail_address_says_a_link_was_sent(page):
    page.goto("/service/anliegen/neu/")
    page.get_by_label("Betreff").fill("Hundesteuer")
    page.get_by_label("Ihr Anliegen").fill("Wie melde ich meinen Hund an?")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("button", name="Anliegen absenden").click()
    expect(page.get_by_text("Wir haben Ihnen einen Link geschickt")).to_be_visible()
    assert_accessible(page)
    assert [message.to for message in mail.outbox] == [["erika@example.org"]]
