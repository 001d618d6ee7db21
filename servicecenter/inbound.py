"""Inbound e-mail: one RFC 822 message becomes a new ticket or a reply on its ticket.

A reply is threaded by the reference in the subject (`SC-2026-000123`) when it comes from the
ticket's address. Anything else — no reference, an unknown or forged one, another sender —
becomes a new ticket: no e-mail ever disappears. Attachments are kept unless too large or of a
type we do not take; then the citizen is told in their postbox, and the staff in a note.
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from . import attachments as files
from . import services
from .attachments import NewAttachment
from .models import Channel, Message, Ticket

REFERENCE = re.compile(r"\bSC-\d{4}-\d{6}\b", re.IGNORECASE)
MAX_TEXT = 20000


@dataclass
class Result:
    ticket: Ticket
    message: Message
    created: bool
    refused: list[str] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _sender(mail: EmailMessage) -> tuple[str, str]:
    addresses = getaddresses([str(mail.get("Reply-To") or mail.get("From") or "")])
    for name, address in addresses:
        if "@" in address:
            return name.strip(), address.strip().lower()
    return "", ""


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset
        text = part.get_payload(decode=True).decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        text = strip_tags(text)
    return text.replace("\r\n", "\n").strip()


def _attachments(mail: EmailMessage) -> tuple[list[NewAttachment], list[str]]:
    """The parts to keep, and a description of each part refused (for the citizen and staff)."""
    kept, refused = [], []
    for part in mail.iter_attachments():
        filename = part.get_filename() or _("anhang")
        content = part.get_payload(decode=True) or b""
        item = NewAttachment(filename=filename, content=content)
        try:
            files.check([item])
        except ValidationError as error:
            refused.append(" ".join(error.messages))
            continue
        if len(kept) >= settings.SERVICECENTER_MAX_ATTACHMENTS:
            refused.append(
                _("„%(name)s“: mehr Anhänge, als eine Nachricht haben kann.") % {"name": filename}
            )
            continue
        kept.append(item)
    return kept, refused


def _is_automatic(mail: EmailMessage) -> bool:
    """Out-of-office replies and bounces: kept, but never answered (no mail loops)."""
    auto = str(mail.get("Auto-Submitted", "no")).lower()
    precedence = str(mail.get("Precedence", "")).lower()
    return auto != "no" or precedence in {"bulk", "junk", "auto_reply", "list"}


def _threaded_ticket(subject: str, sender: str) -> tuple[Ticket | None, str]:
    """The ticket the subject names, if the sender is its citizen; else why not."""
    match = REFERENCE.search(subject)
    if not match:
        return None, ""
    reference = match.group(0).upper()
    ticket = Ticket.objects.select_related("citizen").filter(reference=reference).first()
    if ticket is None:
        return None, _("Der Betreff nannte %(reference)s, das es nicht gibt.") % {
            "reference": reference
        }
    if not sender or sender != (ticket.notify_address or "").lower():
        return None, _(
            "Der Betreff nannte %(reference)s, aber der Absender ist nicht die Adresse dieses "
            "Anliegens."
        ) % {"reference": reference}
    return ticket, ""


@transaction.atomic
def ingest(raw: bytes) -> Result:
    """Turn one e-mail into a ticket or a reply. Delivered twice (same Message-ID): once."""
    mail = parse(raw)
    message_id = str(mail.get("Message-ID", "")).strip()[:300]
    if message_id:
        earlier = Message.objects.select_related("ticket").filter(email_message_id=message_id)
        if (found := earlier.first()) is not None:
            return Result(ticket=found.ticket, message=found, created=False)
    name, sender = _sender(mail)
    subject = " ".join(str(mail.get("Subject", "") or "").split())
    text = _body(mail) or _("(Die E-Mail enthielt keinen Text.)")
    kept, refused = _attachments(mail)
    if len(text) > MAX_TEXT:  # the whole text is kept as a file, the thread shows its start
        kept.append(NewAttachment(filename="nachricht.txt", content=text.encode()))
        text = (
            text[: MAX_TEXT - 100] + "\n\n" + _("[… gekürzt; der vollständige Text ist angehängt]")
        )
    ticket, reason = _threaded_ticket(subject, sender)
    if ticket is not None:
        message = services.citizen_reply(
            ticket=ticket,
            text=text,
            sender_email=sender,
            attachments=kept,
            email_message_id=message_id,
        )
        created = False
    else:
        ticket, _token = services.open_ticket(
            actor=None,
            channel=Channel.EMAIL,
            subject=subject,
            text=text,
            contact_name=name,
            contact_email=sender,
            attachments=kept,
            email_message_id=message_id,
            notify=not _is_automatic(mail),
        )
        message = ticket.messages.get()
        created = True
        if reason:
            Message.objects.create(ticket=ticket, kind=Message.Kind.INTERNAL, text=reason)
    if refused:
        _tell_about_refused(ticket, refused, automatic=_is_automatic(mail))
    return Result(ticket=ticket, message=message, created=created, refused=refused)


def _tell_about_refused(ticket: Ticket, refused: list[str], *, automatic: bool) -> None:
    listing = "\n".join(f"- {line}" for line in refused)
    Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INTERNAL,
        text=_("Nicht übernommene Anhänge der E-Mail:\n%(list)s") % {"list": listing},
    )
    if automatic or not ticket.notify_address:
        return
    services.system_message(
        ticket=ticket,
        text=_(
            "Ihre E-Mail ist angekommen, aber diese Anhänge konnten wir nicht übernehmen:\n"
            "%(list)s\n\nSie können Dateien bis %(limit)d MB hier im Postfach anhängen oder uns "
            "im Bürgerbüro vorbeibringen."
        )
        % {
            "list": listing,
            "limit": settings.SERVICECENTER_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        },
    )
