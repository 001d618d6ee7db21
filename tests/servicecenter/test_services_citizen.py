"""The citizen's services: opening a ticket on the web, answering, reading."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from servicecenter import services
from servicecenter.models import Attachment, Channel, Message, Ticket, TicketEvent
from tests.servicecenter.postbox_support import (
    EXE,
    PDF,
    account_ticket,
    attachment,
    link_ticket,
    png_bytes,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
Status = Ticket.Status


# --- open_ticket on the web ---------------------------------------------------------------------


def test_a_logged_in_citizen_opens_a_ticket_on_their_account(citizen, moving):
    ticket, token = services.open_ticket(
        actor=citizen,
        subject="  Ummeldung   nach Umzug ",
        text="Ich bin umgezogen.",
        channel=Channel.WEB,
        life_situation=moving,
        contact_email="ignoriert@example.org",
    )
    assert token is None
    ticket.refresh_from_db()
    assert ticket.citizen == citizen
    assert ticket.subject == "Ummeldung nach Umzug"
    assert ticket.reference.startswith("SC-")
    assert ticket.status == Status.NEW
    assert ticket.access_token == ""
    # The account is the contact: nothing extra is stored.
    assert (ticket.contact_email, ticket.contact_phone, ticket.contact_name) == ("", "", "")
    message = ticket.messages.get()
    assert (message.kind, message.author, message.text) == (
        Message.Kind.FROM_CITIZEN,
        citizen,
        "Ich bin umgezogen.",
    )


def test_an_anonymous_ticket_with_email_gets_a_link_and_a_receipt(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket, token = link_ticket(email="erika@example.org", phone="")
    assert token and token == ticket.access_token
    assert ticket.citizen is None
    assert ticket.contact_email == "erika@example.org"
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["erika@example.org"]
    assert f"/service/anliegen/{ticket.reference}/{token}/" in receipt.body
    # The receipt confirms, it does not repeat what was written.
    assert "Sperrmüll abgeholt" not in receipt.body


def test_an_anonymous_ticket_with_only_a_phone_number_is_fine(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket, token = link_ticket(email="", phone="02246 15-0")
    assert token
    assert ticket.contact_phone == "02246 15-0"
    assert mail.outbox == []  # nobody to write to


def test_an_anonymous_ticket_without_email_or_phone_is_refused():
    with pytest.raises(ValidationError) as error:
        link_ticket(email="", phone="  ")
    assert "E-Mail-Adresse oder eine Telefonnummer" in str(error.value.message_dict)
    assert Ticket.objects.count() == 0


def test_attachments_are_kept_with_the_type_their_content_shows(citizen):
    ticket = account_ticket(
        citizen,
        attachments=[
            attachment("scan.png", PDF),  # a PDF with the wrong ending is still a PDF
            attachment("foto.jpg", png_bytes()),
        ],
    )
    files = list(Attachment.objects.filter(message__ticket=ticket).order_by("pk"))
    assert [(f.filename, f.content_type) for f in files] == [
        ("scan.png", "application/pdf"),
        ("foto.jpg", "image/png"),
    ]
    assert files[0].file.read() == PDF


def test_a_program_named_pdf_is_refused_and_nothing_is_saved(citizen):
    with pytest.raises(ValidationError) as error:
        account_ticket(citizen, attachments=[attachment("rechnung.pdf", EXE)])
    assert "kein erlaubtes Format" in " ".join(error.value.message_dict["attachments"])
    assert Ticket.objects.count() == Message.objects.count() == Attachment.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(citizen, settings):
    settings.SERVICECENTER_MAX_ATTACHMENT_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        account_ticket(citizen, attachments=[attachment("gross.pdf", PDF + b" " * 2000)])
    assert "zu groß" in " ".join(error.value.message_dict["attachments"])
    assert Ticket.objects.count() == 0


def test_too_many_files_are_refused(citizen, settings):
    settings.SERVICECENTER_MAX_ATTACHMENTS = 2
    with pytest.raises(ValidationError) as error:
        account_ticket(citizen, attachments=[attachment(f"{n}.pdf") for n in range(3)])
    assert "Höchstens 2 Anhänge" in " ".join(error.value.message_dict["attachments"])
    assert Ticket.objects.count() == 0


def test_a_citizen_cannot_open_a_ticket_as_a_phone_call(citizen):
    with pytest.raises(PermissionDenied):
        services.open_ticket(actor=citizen, subject="x", text="y", channel=Channel.PHONE)


# --- citizen_reply ------------------------------------------------------------------------------


def test_the_owner_answers_from_the_account(citizen, agent):
    ticket = account_ticket(citizen)
    services.reply(actor=agent, ticket=ticket, text="Bitte senden Sie uns den Mietvertrag.")
    message = services.citizen_reply(
        ticket=ticket, actor=citizen, text="Hier ist er.", attachments=[attachment()]
    )
    assert (message.kind, message.author, message.channel) == (
        Message.Kind.FROM_CITIZEN,
        citizen,
        Channel.WEB,
    )
    assert message.attachments.get().content_type == "application/pdf"
    ticket.refresh_from_db()
    assert ticket.last_message_at == message.created_at
    assert ticket.events.filter(kind=TicketEvent.Kind.CITIZEN_REPLIED, actor=citizen).exists()


def test_the_holder_of_the_link_answers_without_an_account():
    ticket, token = link_ticket()
    message = services.citizen_reply(ticket=ticket, token=token, text="Noch eine Frage.")
    assert message.author is None
    assert message.kind == Message.Kind.FROM_CITIZEN


def test_an_answer_by_mail_from_the_tickets_address_is_accepted():
    ticket, _token = link_ticket(email="erika@example.org")
    message = services.citizen_reply(
        ticket=ticket, sender_email="Erika@Example.org", text="Per Mail."
    )
    assert message.channel == Channel.EMAIL


@pytest.mark.parametrize("who", ["other_citizen", "wrong_token", "other_sender", "nobody"])
def test_nobody_else_can_answer(who, citizen, other_citizen):
    ticket = account_ticket(citizen)
    anonymous_ticket, _token = link_ticket(email="erika@example.org")
    calls = {
        "other_citizen": lambda: services.citizen_reply(
            ticket=ticket, actor=other_citizen, text="Fremd."
        ),
        "wrong_token": lambda: services.citizen_reply(
            ticket=anonymous_ticket, token="0" * 40, text="Geraten."
        ),
        "other_sender": lambda: services.citizen_reply(
            ticket=anonymous_ticket, sender_email="mallory@example.org", text="Gefälscht."
        ),
        "nobody": lambda: services.citizen_reply(ticket=ticket, text="Ohne alles."),
    }
    with pytest.raises(PermissionDenied):
        calls[who]()
    assert (
        Message.objects.filter(text__in=["Fremd.", "Geraten.", "Gefälscht.", "Ohne alles."]).count()
        == 0
    )


def test_a_token_of_another_ticket_does_not_open_this_one():
    first, _first_token = link_ticket()
    _second, second_token = link_ticket()
    with pytest.raises(PermissionDenied):
        services.citizen_reply(ticket=first, token=second_token, text="Falscher Link.")


def test_an_empty_answer_is_refused(citizen):
    ticket = account_ticket(citizen)
    with pytest.raises(ValidationError):
        services.citizen_reply(ticket=ticket, actor=citizen, text="   ")
    assert ticket.messages.count() == 1


def test_the_answer_of_a_waiting_ticket_resumes_the_paused_clock(citizen, agent, service_levels):
    # Monday 9:00 arrival: resolution due after 30 business hours, on Thursday at 9:00.
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN), tick=False):
        ticket = account_ticket(citizen)
    ticket.refresh_from_db()
    assert ticket.resolution_due.astimezone(BERLIN) == datetime(2026, 3, 5, 9, 0, tzinfo=BERLIN)
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN), tick=False):
        services.reply(actor=agent, ticket=ticket, text="Welche Adresse?", wait_for_citizen=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert ticket.waiting_since is not None
    # The answer comes on Tuesday at 10:00: 10 business hours waited (Mon 10 to 18, Tue 8 to 10).
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN), tick=False):
        services.citizen_reply(ticket=ticket, actor=citizen, text="Hauptstraße 1.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.waiting_since is None
    # Due ten business hours later: Thursday 9 to 18 and Friday 8 to 9.
    assert ticket.resolution_due.astimezone(BERLIN) == datetime(2026, 3, 6, 9, 0, tzinfo=BERLIN)


def test_an_answer_reopens_a_resolved_ticket(citizen, agent):
    ticket = account_ticket(citizen)
    services.resolve(actor=agent, ticket=ticket, text="Erledigt.", first_contact=True)
    services.citizen_reply(ticket=ticket, actor=citizen, text="Doch nicht ganz.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolved_at is None
    assert ticket.resolved_at_first_contact is False
    assert ticket.events.filter(kind=TicketEvent.Kind.REOPENED).exists()


def test_an_answer_to_a_forwarded_resolved_ticket_goes_back_to_the_department(
    citizen, agent, department
):
    ticket = account_ticket(citizen)
    services.forward(actor=agent, ticket=ticket, department=department, reason="Bauamt")
    services.resolve(actor=agent, ticket=ticket, text="Genehmigt.")
    services.citizen_reply(ticket=ticket, actor=citizen, text="Danke, noch eine Frage.")
    ticket.refresh_from_db()
    assert ticket.status == Status.FORWARDED


def test_the_department_working_a_ticket_hears_of_the_citizens_answer(
    citizen, agent, department, django_capture_on_commit_callbacks
):
    ticket = account_ticket(citizen)
    services.forward(actor=agent, ticket=ticket, department=department, reason="Bauamt")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.citizen_reply(ticket=ticket, actor=citizen, text="Mein Grundstück ist Flur 7.")
    assert [message.to for message in mail.outbox] == [[department.email]]
    assert ticket.reference in mail.outbox[0].subject
    assert "Flur 7" not in mail.outbox[0].body  # staff read it in the workspace


def test_the_assigned_agent_hears_of_the_citizens_answer(
    citizen, agent, django_capture_on_commit_callbacks
):
    ticket = account_ticket(citizen)
    services.reply(actor=agent, ticket=ticket, text="Welche Straße?", wait_for_citizen=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.citizen_reply(ticket=ticket, actor=citizen, text="Hauptstraße.")
    assert [message.to for message in mail.outbox] == [[agent.email]]


# --- mark_read and the notices ------------------------------------------------------------------


def test_opening_marks_the_answers_read(citizen, agent):
    ticket = account_ticket(citizen)
    services.reply(actor=agent, ticket=ticket, text="Erste Antwort.")
    services.reply(actor=agent, ticket=ticket, text="Zweite Antwort.")
    ticket.refresh_from_db()
    assert ticket.citizen_unread == 2
    services.mark_read(ticket=ticket, actor=citizen)
    ticket.refresh_from_db()
    assert ticket.citizen_unread == 0
    assert not ticket.messages.filter(kind=Message.Kind.TO_CITIZEN, read_at__isnull=True).exists()
    # The citizen's own message is not "read" by them; it has no read mark.
    assert ticket.messages.get(kind=Message.Kind.FROM_CITIZEN).read_at is None


def test_only_the_owner_or_the_link_marks_read(citizen, other_citizen, agent):
    ticket = account_ticket(citizen)
    services.reply(actor=agent, ticket=ticket, text="Antwort.")
    with pytest.raises(PermissionDenied):
        services.mark_read(ticket=ticket, actor=other_citizen)
    anonymous_ticket, token = link_ticket()
    services.reply(actor=agent, ticket=anonymous_ticket, text="Antwort.")
    with pytest.raises(PermissionDenied):
        services.mark_read(ticket=anonymous_ticket, token="f" * 40)
    services.mark_read(ticket=anonymous_ticket, token=token)
    ticket.refresh_from_db()
    anonymous_ticket.refresh_from_db()
    assert (ticket.citizen_unread, anonymous_ticket.citizen_unread) == (1, 0)


def test_the_notice_of_a_new_message_never_carries_its_content(
    citizen, agent, django_capture_on_commit_callbacks
):
    ticket = account_ticket(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(
            actor=agent,
            ticket=ticket,
            text="Ihr Termin ist am Dienstag um 10 Uhr, Zimmer 204.",
            attachments=[attachment("termin.pdf")],
        )
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [citizen.email]
    assert ticket.reference in notice.subject
    assert f"/service/anliegen/{ticket.reference}/" in notice.body
    for secret in ("Dienstag", "Zimmer 204", "termin.pdf", ticket.subject):
        assert secret not in notice.body
        assert secret not in notice.subject
    assert notice.attachments == []
