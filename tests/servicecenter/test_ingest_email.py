"""`manage.py ingest_email`: real multipart e-mails become tickets or threaded replies."""

import io
import sys
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from servicecenter import services
from servicecenter.inbound import ingest
from servicecenter.models import Channel, Message, Ticket
from tests.servicecenter.staff_support import client_for, with_mfa

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def mail(
    *,
    subject: str | None = "Frage zur Ummeldung",
    sender: str = "Erika Mustermann <erika@example.org>",
    text: str = "Guten Tag,\nwie melde ich mich um?\nViele Grüße",
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    headers: dict | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@lohmar.de"
    if subject is not None:
        message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def test_a_new_mail_becomes_a_ticket_with_its_attachment():
    result = ingest(mail(attachments=[("Mietvertrag.pdf", PDF, "application/pdf")]))
    ticket = result.ticket
    assert result.created
    assert ticket.reference.startswith("SC-")
    assert ticket.channel == Channel.EMAIL
    assert ticket.subject == "Frage zur Ummeldung"
    assert (ticket.contact_name, ticket.contact_email) == ("Erika Mustermann", "erika@example.org")
    message = ticket.messages.get()
    assert message.kind == Message.Kind.FROM_CITIZEN
    assert "wie melde ich mich um?" in message.text
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type) == ("Mietvertrag.pdf", "application/pdf")
    assert attachment.file.read() == PDF


def test_a_reply_with_the_reference_from_the_tickets_address_is_threaded(agent):
    first = ingest(mail()).ticket
    services.reply(actor=agent, ticket=first, text="Bitte senden Sie uns …", wait_for_citizen=True)
    result = ingest(
        mail(
            subject=f"AW: [Service Center] Neue Nachricht zu Ihrem Anliegen {first.reference}",
            sender="erika@example.org",
            text="Anbei der Vertrag.",
            attachments=[("vertrag.pdf", PDF, "application/pdf")],
        )
    )
    assert not result.created
    assert result.ticket == first
    first.refresh_from_db()
    assert first.status == Ticket.Status.OPEN  # no longer waiting
    assert first.messages.filter(kind=Message.Kind.FROM_CITIZEN).count() == 2
    assert result.message.attachments.count() == 1


def test_a_forged_reference_from_another_sender_becomes_a_new_ticket():
    victim = ingest(mail(sender="erika@example.org")).ticket
    result = ingest(mail(subject=f"Re: {victim.reference}", sender="mallory@example.net"))
    assert result.created
    assert result.ticket != victim
    assert victim.messages.count() == 1  # nothing was added to the other person's ticket
    note = result.ticket.messages.get(kind=Message.Kind.INTERNAL)
    assert victim.reference in note.text


def test_an_unknown_reference_becomes_a_new_ticket():
    result = ingest(mail(subject="Re: SC-2019-999999 Baugenehmigung"))
    assert result.created
    assert "SC-2019-999999" in result.ticket.messages.get(kind=Message.Kind.INTERNAL).text


def test_a_mail_without_subject_or_text_is_still_filed():
    result = ingest(mail(subject=None, text=""))
    assert result.ticket.subject == "(ohne Betreff)"
    assert result.ticket.messages.get().text == "(Die E-Mail enthielt keinen Text.)"


def test_an_html_only_mail_is_filed_as_text():
    message = EmailMessage()
    message["From"] = "max@example.org"
    message["Subject"] = "Sperrmüll"
    message.set_content("<p>Wann wird <b>Sperrmüll</b> abgeholt?</p>", subtype="html")
    result = ingest(message.as_bytes())
    assert result.ticket.messages.get().text == "Wann wird Sperrmüll abgeholt?"


@override_settings(SERVICECENTER_MAX_ATTACHMENT_BYTES=1024)
def test_a_huge_attachment_is_refused_but_the_mail_is_kept_and_the_citizen_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(
            mail(
                attachments=[
                    ("plan.pdf", PDF + b"0" * 5000, "application/pdf"),
                    ("foto.pdf", PDF, "application/pdf"),
                ]
            )
        )
    ticket = result.ticket
    assert result.created
    assert [a.filename for a in ticket.messages.get(kind="from_citizen").attachments.all()] == [
        "foto.pdf"
    ]
    assert "plan.pdf" in ticket.messages.get(kind=Message.Kind.INTERNAL).text
    notice = ticket.messages.get(kind=Message.Kind.TO_CITIZEN)
    assert "plan.pdf" in notice.text and "zu groß" in notice.text
    ticket.refresh_from_db()
    assert ticket.citizen_unread == 1
    # The receipt and the "new message" notice, neither with the notice's content.
    assert [mail.to for mail in mailoutbox] == [["erika@example.org"]] * 2
    assert all("plan.pdf" not in mail.body for mail in mailoutbox)


def test_an_executable_disguised_as_pdf_is_refused_by_its_content():
    result = ingest(mail(attachments=[("rechnung.pdf", b"MZ\x90\x00\x03\x00", "application/pdf")]))
    assert result.ticket.messages.get(kind="from_citizen").attachments.count() == 0
    assert "rechnung.pdf" in result.ticket.messages.get(kind=Message.Kind.INTERNAL).text


def test_the_same_mail_delivered_twice_is_filed_once():
    raw = mail()
    first, second = ingest(raw), ingest(raw)
    assert second.ticket == first.ticket and not second.created
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_an_out_of_office_reply_is_kept_but_not_answered(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(
            mail(subject="Abwesenheitsnotiz", headers={"Auto-Submitted": "auto-replied"})
        )
    assert result.created
    assert mailoutbox == []  # no receipt: two robots must not write to each other forever


def test_the_command_reads_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mail())))
    call_command("ingest_email")
    ticket = Ticket.objects.get()
    assert capsys.readouterr().out.strip() == f"new ticket {ticket.reference}"


def test_the_command_asks_the_mta_to_retry_on_empty_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest_email")
    assert exit_.value.code == 75
    assert not Ticket.objects.exists()


def test_a_mail_shows_in_the_agents_queue_at_once(agent, django_capture_on_commit_callbacks):
    """The queue is cached per content version: intake outside a request must refresh it."""
    client = client_for(with_mfa(agent))
    assert "Sperrmüll vor der Tür" not in client.get(reverse("servicecenter:queue")).text
    with django_capture_on_commit_callbacks(execute=True):
        ingest(mail(subject="Sperrmüll vor der Tür"))
    assert "Sperrmüll vor der Tür" in client.get(reverse("servicecenter:queue")).text
