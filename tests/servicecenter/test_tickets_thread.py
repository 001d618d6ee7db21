"""One ticket from the citizen's side: the thread, reading, answering, files."""

import pytest
from django.core import mail
from django.urls import reverse

from servicecenter import services
from servicecenter.models import Attachment, Message, Ticket
from tests.servicecenter.postbox_support import (
    EXE,
    PDF,
    account_ticket,
    attachment,
    link_ticket,
    upload,
)

pytestmark = pytest.mark.django_db
Status = Ticket.Status


@pytest.fixture
def answered(citizen, agent):
    """A citizen's ticket with an answer, an internal note, and a file on the answer."""
    ticket = account_ticket(citizen, subject="Anwohnerparkausweis")
    services.add_note(actor=agent, ticket=ticket, text="Interner Vermerk: Akte 4711 prüfen")
    services.reply(
        actor=agent,
        ticket=ticket,
        text="Bitte bringen Sie den Fahrzeugschein mit.",
        attachments=[attachment("merkblatt.pdf")],
    )
    ticket.refresh_from_db()
    return ticket


def ticket_url(ticket):
    return reverse("servicecenter:ticket", args=[ticket.reference])


def test_the_owner_reads_the_thread_without_internal_notes_or_staff_names(
    client, citizen, answered, agent
):
    client.force_login(citizen)
    response = client.get(ticket_url(answered))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Anwohnerparkausweis" in page
    assert "Bitte bringen Sie den Fahrzeugschein mit." in page
    assert "Hallo" in page  # the citizen's own first message
    assert "Interner Vermerk" not in page
    assert agent.display_name not in page and agent.email not in page
    assert "Service Center" in page
    assert "merkblatt.pdf" in page
    file = Attachment.objects.get(filename="merkblatt.pdf")
    assert reverse("servicecenter:attachment", args=[file.pk]) in page
    assert "neu" in page
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_opening_the_ticket_marks_the_answers_read(client, citizen, answered):
    assert answered.citizen_unread == 1
    client.force_login(citizen)
    client.get(ticket_url(answered))
    answered.refresh_from_db()
    assert answered.citizen_unread == 0
    assert not answered.messages.filter(kind="to_citizen", read_at__isnull=True).exists()
    # The second visit shows nothing as new and writes nothing.
    assert "kern-badge" not in client.get(ticket_url(answered)).content.decode()


def test_a_waiting_ticket_asks_for_the_citizens_answer(client, citizen, agent):
    ticket = account_ticket(citizen)
    services.reply(actor=agent, ticket=ticket, text="Welche Adresse?", wait_for_citizen=True)
    client.force_login(citizen)
    page = client.get(ticket_url(ticket)).content.decode()
    assert "wartet auf Ihre Antwort" in page
    assert "Wir warten auf Ihre Antwort" in page


def test_the_owner_answers_with_a_file(client, citizen, answered):
    client.force_login(citizen)
    response = client.post(
        ticket_url(answered),
        {
            "text": "Hier ist der Fahrzeugschein.",
            "attachments": [upload("fahrzeugschein.pdf", PDF, "application/pdf")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == ticket_url(answered)
    message = answered.messages.latest("created_at")
    assert (message.kind, message.author, message.text) == (
        Message.Kind.FROM_CITIZEN,
        citizen,
        "Hier ist der Fahrzeugschein.",
    )
    assert message.attachments.get().filename == "fahrzeugschein.pdf"
    page = client.get(ticket_url(answered)).content.decode()
    assert "Ihre Nachricht ist angekommen" in page
    assert "Hier ist der Fahrzeugschein." in page


def test_an_answer_reopens_a_resolved_ticket_and_says_so(client, citizen, agent):
    ticket = account_ticket(citizen)
    services.resolve(actor=agent, ticket=ticket, text="Erledigt.")
    client.force_login(citizen)
    page = client.get(ticket_url(ticket)).content.decode()
    assert "Ihr Anliegen ist erledigt" in page
    response = client.post(ticket_url(ticket), {"text": "Eine Frage noch."}, follow=True)
    assert "wieder in Bearbeitung" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_bad_answer_shows_the_error_at_the_field_and_saves_nothing(client, citizen, answered):
    client.force_login(citizen)
    before = Message.objects.count()
    response = client.post(
        ticket_url(answered),
        {"text": "Anbei", "attachments": [upload("bild.pdf", EXE, "application/pdf")]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "„bild.pdf“ hat kein erlaubtes Format" in page
    assert 'id="id_attachments_error"' in page
    assert "Bitte bringen Sie den Fahrzeugschein mit." in page  # the thread is still there
    empty = client.post(ticket_url(answered), {"text": "   "})
    assert empty.status_code == 400
    assert 'id="id_text_error"' in empty.content.decode()
    assert Message.objects.count() == before


def test_the_link_page_is_the_same_page_and_answers_work(client, agent):
    ticket, token = link_ticket(email="erika@example.org")
    services.reply(
        actor=agent, ticket=ticket, text="Am Montag.", attachments=[attachment("plan.pdf")]
    )
    url = reverse("servicecenter:ticket_access", args=[ticket.reference, token])
    page = client.get(url).content.decode()
    assert "Am Montag." in page
    file = Attachment.objects.get(filename="plan.pdf")
    file_url = reverse("servicecenter:attachment_access", args=[ticket.reference, token, file.pk])
    assert file_url in page
    assert reverse("servicecenter:postbox") not in page  # no account, no postbox
    ticket.refresh_from_db()
    assert ticket.citizen_unread == 0
    response = client.post(url, {"text": "Danke, passt."})
    assert response.status_code == 302
    assert response["Location"] == url
    message = ticket.messages.latest("created_at")
    assert (message.text, message.author) == ("Danke, passt.", None)


def test_through_the_link_a_logged_in_visitor_does_not_become_the_author(client, citizen, agent):
    ticket, token = link_ticket()
    client.force_login(citizen)
    url = reverse("servicecenter:ticket_access", args=[ticket.reference, token])
    assert client.post(url, {"text": "Über den Link."}).status_code == 302
    assert ticket.messages.latest("created_at").author is None
    ticket.refresh_from_db()
    assert ticket.citizen is None


def test_answers_through_a_link_are_rate_limited(client, settings):
    settings.SERVICECENTER_LINK_REPLIES_PER_HOUR = 1
    ticket, token = link_ticket()
    url = reverse("servicecenter:ticket_access", args=[ticket.reference, token])
    assert client.post(url, {"text": "Eins."}).status_code == 302
    response = client.post(url, {"text": "Zwei."})
    assert response.status_code == 429
    assert "später noch einmal" in response.content.decode()
    assert not ticket.messages.filter(text="Zwei.").exists()


def test_a_file_is_served_as_a_private_download(client, citizen, answered):
    client.force_login(citizen)
    file = Attachment.objects.get(filename="merkblatt.pdf")
    response = client.get(reverse("servicecenter:attachment", args=[file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "merkblatt.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_agents_answer_e_mail_carries_no_content(
    client, citizen, agent, django_capture_on_commit_callbacks
):
    ticket = account_ticket(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(actor=agent, ticket=ticket, text="Die Gebühr beträgt 30 Euro.")
    assert len(mail.outbox) == 1
    assert "30 Euro" not in mail.outbox[0].body
    # The e-mail's link leads to the page that has it.
    link = mail.outbox[0].body.split("http://", 1)[1].split()[0]
    client.force_login(citizen)
    page = client.get("/" + link.split("/", 1)[1]).content.decode()
    assert "Die Gebühr beträgt 30 Euro." in page


@pytest.mark.parametrize("count", [1, 20])
def test_the_thread_runs_a_constant_number_of_queries(
    client, citizen, agent, count, django_assert_num_queries
):
    ticket = account_ticket(citizen)
    for n in range(count):
        services.reply(
            actor=agent, ticket=ticket, text=f"Antwort {n}", attachments=[attachment(f"{n}.pdf")]
        )
        services.add_note(actor=agent, ticket=ticket, text=f"Notiz {n}")
    client.force_login(citizen)
    # User, ticket, messages, their files; then the read marks: two updates in a transaction
    # (a savepoint inside the test's transaction). The session comes from the cache.
    with django_assert_num_queries(8):
        response = client.get(ticket_url(ticket))
    assert response.content.decode().count("Antwort ") == count
    # Read once, no more writes; the account now comes from the cache.
    with django_assert_num_queries(3):
        client.get(ticket_url(ticket))
