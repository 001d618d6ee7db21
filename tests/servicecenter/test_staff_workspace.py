"""The ticket workspace: what staff see of a ticket and every form on it, with bad input."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicecenter import services
from servicecenter.attachments import NewAttachment
from servicecenter.models import KnowledgeArticle, Message, Priority, Ticket, TicketEvent
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.staff_support import (
    client_for,
    forwarded_ticket,
    phone_ticket,
    web_ticket,
    with_mfa,
)

pytestmark = pytest.mark.django_db
Status = Ticket.Status
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def url(name: str, ticket: Ticket, **kwargs) -> str:
    return reverse(f"servicecenter:{name}", kwargs={"reference": ticket.reference, **kwargs})


@pytest.fixture
def agent_client(agent):
    return client_for(with_mfa(agent))


@pytest.fixture
def department_client(department_staff):
    return client_for(with_mfa(department_staff))


@pytest.fixture
def ticket(citizen):
    return web_ticket(citizen, subject="Ummeldung nach Umzug")


def article(visibility=KnowledgeArticle.Visibility.PUBLIC, **fields) -> KnowledgeArticle:
    fields.setdefault("title", "Wohnsitz ummelden")
    fields.setdefault("slug", f"wohnsitz-{visibility}")
    fields.setdefault(
        "answer", "Bitte bringen Sie Ihren Ausweis und die Wohnungsgeberbestätigung mit."
    )
    return KnowledgeArticle.objects.create(visibility=visibility, **fields)


# --- What the page shows -----------------------------------------------------------------------


def test_the_workspace_shows_thread_notes_files_contact_service_levels_and_history(
    agent, agent_client, citizen, service_levels
):
    ticket = web_ticket(citizen)
    services.reply(
        actor=agent,
        ticket=ticket,
        text="Bitte senden Sie uns die Bestätigung.",
        attachments=[NewAttachment(filename="formular.pdf", content=PDF)],
    )
    services.add_note(actor=agent, ticket=ticket, text="Rückruf am Montag.")
    page = agent_client.get(url("staff_ticket", ticket)).content.decode()
    # The thread, internal notes marked in words.
    assert "Wie melde ich mich um?" in page
    assert "Bitte senden Sie uns die Bestätigung." in page
    assert "Interne Notiz" in page and "Rückruf am Montag." in page
    assert "sc-message--internal" in page
    # Files with their download link.
    file = ticket.messages.get(kind=Message.Kind.TO_CITIZEN).attachments.get()
    assert url("staff_attachment", ticket, pk=file.pk) in page and "formular.pdf" in page
    # Contact and service levels.
    assert citizen.email in page and citizen.real_name in page
    assert "Erste Antwort" in page and "gegeben am" in page
    assert "Erledigung" in page and "fällig am" in page
    # The history: who, what.
    for text in ("angelegt", "beantwortet", "interne Notiz", agent.display_name):
        assert text in page


def test_a_phone_ticket_shows_the_callers_number_and_a_hint_without_email(agent, agent_client):
    ticket = phone_ticket(agent)
    page = agent_client.get(url("staff_ticket", ticket)).content.decode()
    assert 'href="tel:02246 12345"' in page and "Erika Anruferin" in page
    assert "Bitte rufen Sie zurück." in page


def test_department_staff_see_no_forward_assign_or_first_contact(
    agent, department, department_client, citizen
):
    ticket = forwarded_ticket(agent, department, citizen)
    page = department_client.get(url("staff_ticket", ticket)).content.decode()
    assert url("staff_send_back", ticket) in page
    assert url("staff_forward", ticket) not in page
    assert url("staff_assign", ticket) not in page
    assert "erledigen-first_contact" not in page
    assert "Baurecht" not in page  # the reason given was another: see forwarded_ticket
    assert "Fachliche Prüfung nötig" in page


def test_agents_see_forward_assign_and_first_contact(agent_client, ticket):
    page = agent_client.get(url("staff_ticket", ticket)).content.decode()
    for name in ("staff_forward", "staff_assign", "staff_resolve", "staff_classify"):
        assert url(name, ticket) in page
    assert 'name="erledigen-first_contact"' in page
    assert url("staff_send_back", ticket) not in page  # it is with no department


def test_a_once_forwarded_ticket_offers_no_first_contact(agent, agent_client, department, citizen):
    ticket = forwarded_ticket(agent, department, citizen)
    page = agent_client.get(url("staff_ticket", ticket)).content.decode()
    assert 'name="erledigen-first_contact"' not in page


def test_the_workspace_runs_a_constant_number_of_queries(agent, agent_client, citizen):
    small = web_ticket(citizen)
    big = web_ticket(citizen)
    for n in range(6):
        services.reply(
            actor=make_agent() if n % 2 else agent,
            ticket=big,
            text=f"Antwort {n}",
            attachments=[NewAttachment(filename=f"a{n}.pdf", content=PDF)],
        )
        services.add_note(actor=agent, ticket=big, text=f"Notiz {n}")
    services.reply(
        actor=agent,
        ticket=small,
        text="Eine",
        attachments=[NewAttachment(filename="a.pdf", content=PDF)],
    )

    def count(ticket) -> int:
        agent_client.get(url("staff_ticket", ticket))  # who may enter is then known
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(url("staff_ticket", ticket)).status_code == 200
        return len(queries)

    assert count(small) == count(big)


# --- Reply -------------------------------------------------------------------------------------


def test_reply_with_files_and_wait_for_the_citizen(agent_client, ticket):
    response = agent_client.post(
        url("staff_reply", ticket),
        {
            "antwort-text": "Welche neue Adresse haben Sie?",
            "antwort-wait_for_citizen": "on",
            "antwort-attachments": [
                SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("b.txt", b"Hallo", content_type="text/plain"),
            ],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("staff_ticket", ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING and ticket.waiting_since is not None
    message = ticket.messages.get(kind=Message.Kind.TO_CITIZEN)
    assert sorted(message.attachments.values_list("filename", flat=True)) == ["a.pdf", "b.txt"]
    page = agent_client.get(response["Location"]).content.decode()
    assert "Die Antwort ist gesendet." in page


def test_an_empty_reply_is_an_error_at_the_field(agent_client, ticket):
    response = agent_client.post(url("staff_reply", ticket), {"antwort-text": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_antwort-text"' in page and "Bitte schreiben Sie eine Nachricht." in page
    assert ticket.messages.count() == 1


def test_a_program_as_attachment_is_refused_and_nothing_is_sent(agent_client, ticket):
    mail.outbox.clear()
    response = agent_client.post(
        url("staff_reply", ticket),
        {
            "antwort-text": "Anbei",
            "antwort-attachments": [SimpleUploadedFile("bescheid.pdf", EXE)],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_antwort-attachments"' in page and "kein erlaubtes Format" in page
    # What was typed is still there.
    assert "Anbei</textarea>" in page
    assert ticket.messages.count() == 1 and mail.outbox == []


def test_a_file_over_the_limit_is_refused_at_the_field(agent_client, ticket, settings):
    settings.SERVICECENTER_MAX_ATTACHMENT_BYTES = 10
    response = agent_client.post(
        url("staff_reply", ticket),
        {"antwort-text": "Anbei", "antwort-attachments": [SimpleUploadedFile("a.pdf", PDF)]},
    )
    assert response.status_code == 400
    assert "ist zu groß" in response.content.decode()
    assert ticket.messages.count() == 1


def test_reply_to_a_closed_ticket_is_refused_with_a_message(agent, agent_client, ticket):
    services.close(actor=agent, ticket=ticket)
    response = agent_client.post(url("staff_reply", ticket), {"antwort-text": "Noch was"})
    assert response.status_code == 400
    assert "Öffnen Sie es zuerst wieder." in response.content.decode()


# --- Knowledge-base answers --------------------------------------------------------------------


def test_take_over_an_answer_without_javascript(agent_client, ticket):
    used = article()
    page = agent_client.get(
        url("staff_ticket", ticket), {"artikel": used.pk, "uebernehmen": "1"}
    ).content.decode()
    assert f"{used.answer}</textarea>" in page
    assert f'name="antwort-article" value="{used.pk}"' in page
    assert "steht im Antwortfeld" in page


def test_the_article_is_recorded_on_the_answer(agent_client, ticket):
    used = article(KnowledgeArticle.Visibility.INTERNAL)
    response = agent_client.post(
        url("staff_reply", ticket),
        {"antwort-text": used.answer + " Viele Grüße", "antwort-article": used.pk},
    )
    assert response.status_code == 302
    assert ticket.messages.get(kind=Message.Kind.TO_CITIZEN).article == used


def test_drafts_are_never_offered_nor_taken(agent_client, ticket):
    draft = article(KnowledgeArticle.Visibility.DRAFT, title="Noch geheim")
    page = agent_client.get(
        url("staff_ticket", ticket), {"artikel": draft.pk, "uebernehmen": "1"}
    ).content.decode()
    assert "Noch geheim" not in page and draft.answer not in page
    response = agent_client.post(
        url("staff_reply", ticket), {"antwort-text": "Text", "antwort-article": draft.pk}
    )
    assert response.status_code == 400
    assert not ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).exists()


def test_search_the_knowledge_base(agent_client, ticket):
    article(title="Wohnsitz ummelden", slug="ummelden")
    article(title="Hund anmelden", slug="hund", answer="Hundesteuer: Formular A.")
    page = agent_client.get(url("staff_ticket", ticket), {"wissen": "hund"}).content.decode()
    assert ">Hund anmelden</option>" in page and ">Wohnsitz ummelden</option>" not in page
    page = agent_client.get(url("staff_ticket", ticket), {"wissen": "nichts"}).content.decode()
    assert "Kein Wissensartikel gefunden." in page


def test_articles_of_the_tickets_life_situation_come_first(agent_client, citizen, moving):
    ticket = web_ticket(citizen, life_situation=moving)
    fitting = article(title="Ummelden", slug="ummelden")
    fitting.life_situations.add(moving)
    article(title="Hund anmelden", slug="hund")
    page = agent_client.get(url("staff_ticket", ticket)).content.decode()
    assert ">Ummelden</option>" in page and ">Hund anmelden</option>" not in page


# --- Note --------------------------------------------------------------------------------------


def test_an_internal_note_with_a_file(agent_client, ticket):
    response = agent_client.post(
        url("staff_note", ticket),
        {
            "notiz-text": "Akte liegt im Bürgerbüro.",
            "notiz-attachments": [SimpleUploadedFile("akte.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    note = ticket.messages.get(kind=Message.Kind.INTERNAL)
    assert note.attachments.get().filename == "akte.pdf"
    ticket.refresh_from_db()
    assert ticket.citizen_unread == 0


def test_an_empty_note_is_an_error_at_the_field(agent_client, ticket):
    response = agent_client.post(url("staff_note", ticket), {"notiz-text": ""})
    assert response.status_code == 400
    assert 'href="#id_notiz-text"' in response.content.decode()


# --- Resolve -----------------------------------------------------------------------------------


def test_an_agent_resolves_at_first_contact(agent_client, ticket):
    response = agent_client.post(
        url("staff_resolve", ticket),
        {"erledigen-text": "Die Ummeldung ist erledigt.", "erledigen-first_contact": "on"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at_first_contact
    assert ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).count() == 1


def test_first_contact_claimed_for_a_forwarded_ticket_is_refused(
    agent, agent_client, department, citizen
):
    ticket = forwarded_ticket(agent, department, citizen)
    response = agent_client.post(url("staff_resolve", ticket), {"erledigen-first_contact": "on"})
    assert response.status_code == 400
    assert "zählt nicht als beim Erstkontakt gelöst" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.FORWARDED


def test_department_staff_cannot_sneak_in_first_contact(
    agent, department, department_client, citizen
):
    ticket = forwarded_ticket(agent, department, citizen)
    response = department_client.post(
        url("staff_resolve", ticket), {"erledigen-first_contact": "on"}
    )
    # The field does not exist for them: the ticket is resolved, but not at first contact.
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and not ticket.resolved_at_first_contact


def test_resolving_twice_says_so(agent, agent_client, ticket):
    services.resolve(actor=agent, ticket=ticket)
    response = agent_client.post(url("staff_resolve", ticket), {})
    assert response.status_code == 400
    assert "bereits erledigt" in response.content.decode()


# --- Forward, send back ------------------------------------------------------------------------


def test_forward_to_a_department(agent_client, ticket, department):
    response = agent_client.post(
        url("staff_forward", ticket),
        {"weiterleiten-department": department.pk, "weiterleiten-reason": "Baurecht"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.department, ticket.status, ticket.forward_reason) == (
        department,
        Status.FORWARDED,
        "Baurecht",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weiterleiten-reason": "Baurecht"}, "weiterleiten-department"),
        ({"weiterleiten-department": "DEPT", "weiterleiten-reason": " "}, "weiterleiten-reason"),
        (
            {"weiterleiten-department": "999999", "weiterleiten-reason": "x"},
            "weiterleiten-department",
        ),
    ],
)
def test_forward_with_bad_input(agent_client, ticket, department, data, field):
    data = {key: (department.pk if value == "DEPT" else value) for key, value in data.items()}
    response = agent_client.post(url("staff_forward", ticket), data)
    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.department is None


def test_send_back_needs_a_reason(agent, department, department_client, citizen):
    ticket = forwarded_ticket(agent, department, citizen)
    response = department_client.post(url("staff_send_back", ticket), {"zurueck-reason": ""})
    assert response.status_code == 400
    assert 'href="#id_zurueck-reason"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.department == department


# --- Assign, classify, close, reopen -----------------------------------------------------------


def test_assign_to_a_colleague(agent_client, ticket):
    colleague = make_agent(display_name="Kollegin Service")
    response = agent_client.post(url("staff_assign", ticket), {"zuweisen-agent": colleague.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.agent == colleague


def test_assign_to_somebody_who_is_not_an_agent_is_refused(agent_client, ticket, department_staff):
    response = agent_client.post(
        url("staff_assign", ticket), {"zuweisen-agent": department_staff.pk}
    )
    assert response.status_code == 400
    assert 'href="#id_zuweisen-agent"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.agent is None


def test_classify_changes_priority_and_life_situation(agent_client, ticket, moving):
    response = agent_client.post(
        url("staff_classify", ticket),
        {"einordnen-priority": Priority.URGENT, "einordnen-life_situation": moving.pk},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.life_situation) == (Priority.URGENT, moving)
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.PRIORITY, TicketEvent.Kind.LIFE_SITUATION} <= kinds


def test_classify_with_an_unknown_priority(agent_client, ticket):
    response = agent_client.post(url("staff_classify", ticket), {"einordnen-priority": "sofort"})
    assert response.status_code == 400
    assert 'href="#id_einordnen-priority"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_close_and_reopen(agent_client, ticket):
    assert agent_client.post(url("staff_close", ticket)).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = agent_client.get(url("staff_ticket", ticket)).content.decode()
    assert url("staff_reopen", ticket) in page and url("staff_reply", ticket) not in page
    assert agent_client.post(url("staff_reopen", ticket)).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
