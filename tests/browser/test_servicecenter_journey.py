"""Issue journey: a citizen opens a ticket on the web, an agent forwards it to a department,
the department answers with a knowledge-base answer, the citizen reads it in the postbox — and
the e-mail only says that there is news. The staff pages are checked with axe on the way."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from servicecenter.models import KnowledgeArticle, Message, SlaPolicy, Ticket
from tests.browser.axe import assert_accessible
from tests.browser.totp import log_in, with_totp
from tests.factories import DepartmentFactory, StaffFactory, UserFactory
from tests.servicecenter.conftest import make_agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "Für ein Gartenhaus bis 30 m³ brauchen Sie in NRW keine Baugenehmigung."


def log_out(page) -> None:
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Abmelden").click()


def test_a_ticket_from_the_web_through_a_department_back_to_the_postbox(page):
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=240, resolution_minutes=1800
    )
    building = DepartmentFactory(name="Stadtentwicklung und Bauen", email="bauen@lohmar.example")
    UserFactory(email="anna@example.org", display_name="Anna")
    agent = make_agent(email="service@lohmar.example", display_name="Service Center Lohmar")
    agent_secret = with_totp(agent)
    clerk = StaffFactory(email="bauamt@lohmar.example", department=building)
    clerk_secret = with_totp(clerk)
    KnowledgeArticle.objects.create(
        title="Gartenhaus ohne Genehmigung",
        slug="gartenhaus",
        answer=ANSWER,
        keywords="Gartenhaus Baugenehmigung",
        visibility=KnowledgeArticle.Visibility.INTERNAL,
    )

    # Anna asks on the web.
    log_in(page, "anna@example.org")
    page.goto("/service/anliegen/neu/")
    page.get_by_label("Betreff").fill("Gartenhaus bauen")
    page.get_by_label("Ihr Anliegen").fill(
        "Brauche ich für ein kleines Gartenhaus eine Genehmigung?"
    )
    page.get_by_role("button", name="Anliegen absenden").click()
    expect(page.get_by_role("heading", name="Ihr Anliegen ist eingegangen")).to_be_visible()
    ticket = Ticket.objects.get()
    log_out(page)

    # The agent finds it in the queue and forwards it to the building department.
    log_in(page, "service@lohmar.example", agent_secret)
    page.goto("/service/arbeitsplatz/")
    expect(page.get_by_role("heading", name="Arbeitsliste")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=ticket.reference).click()
    expect(page.get_by_role("heading", name="Gartenhaus bauen", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Fachbereich", exact=True).select_option(str(building.pk))
    page.get_by_label("Grund der Weiterleitung").fill("Baurechtliche Frage")
    page.get_by_role("button", name="Weiterleiten").click()
    expect(page.get_by_text("Das Anliegen ist an den Fachbereich weitergeleitet.")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.department == building and ticket.status == Ticket.Status.FORWARDED
    # The form in its error state is accessible too.
    page.get_by_role("button", name="Notiz speichern").click()  # empty: the browser refuses
    page.goto("/service/arbeitsplatz/neu/")
    assert_accessible(page)
    log_out(page)

    # The department takes a knowledge-base answer (inserted by the script) and answers.
    mail.outbox.clear()
    log_in(page, "bauamt@lohmar.example", clerk_secret)
    page.goto("/service/arbeitsplatz/")
    page.get_by_role("link", name=ticket.reference).click()
    page.get_by_label("Wissensartikel suchen").fill("Gartenhaus")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("combobox", name=re.compile("^Wissensartikel –")).select_option(
        label="Gartenhaus ohne Genehmigung"
    )
    page.get_by_role("button", name="Antwort übernehmen").click()
    reply = page.get_by_label("Antwort an die Bürgerin oder den Bürger")
    expect(reply).to_have_value(re.compile("keine Baugenehmigung"))
    reply.press("End")
    reply.type(" Viele Grüße aus dem Bauamt")
    assert_accessible(page)
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_text("Die Antwort ist gesendet.")).to_be_visible()
    answer = Message.objects.get(kind=Message.Kind.TO_CITIZEN)
    assert answer.article.slug == "gartenhaus" and answer.text.endswith("aus dem Bauamt")
    log_out(page)

    # The e-mail only says that there is news.
    [notice] = mail.outbox
    assert notice.to == ["anna@example.org"]
    assert "Baugenehmigung" not in notice.body and "Bauamt" not in notice.body
    assert ticket.reference in notice.body

    # Anna reads the answer in her postbox.
    log_in(page, "anna@example.org")
    page.goto("/konto/postfach/")
    page.get_by_role("link", name=re.compile("Gartenhaus bauen")).first.click()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    assert_accessible(page)


def test_the_staff_pages_in_their_error_states_are_accessible(page):
    agent = make_agent(email="service@lohmar.example")
    secret = with_totp(agent)
    log_in(page, "service@lohmar.example", secret)
    page.goto("/service/arbeitsplatz/neu/")
    page.get_by_label("Betreff").fill("Anruf")
    page.get_by_label("Anliegen", exact=True).fill("Frage ohne Rückrufnummer")
    page.get_by_role("button", name="Anliegen speichern").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)
    # A phone caller resolved at first contact, then the empty queue with filters.
    page.get_by_label("Beim Erstkontakt gelöst").check()
    page.get_by_label("Gegebene Antwort").fill("Öffnungszeiten genannt.")
    page.get_by_role("button", name="Anliegen speichern").click()
    expect(page.get_by_text("beim Erstkontakt gelöst").first).to_be_visible()
    assert_accessible(page)
    page.goto("/service/arbeitsplatz/?status=resolved&q=Anruf&breached=on")
    assert_accessible(page)
