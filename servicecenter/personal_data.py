"""The service center's part of "Mein Bürgerkonto", the data export and the account's deletion.

Registered in ServicecenterConfig.ready(). On deletion a person's tickets stay: they are the
city's records of what it was asked and what it answered (and an open matter may still need a
decision). They lose every tie to the person: the account link, any contact details, the
authorship of the person's messages and history entries. No secret link exists for them
afterwards either, so nobody can open them from outside again. Staff keep working on them
and see in the history that the account was deleted; whether an open ticket is closed is
their decision (the answer can no longer reach anybody).
"""

from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Attachment, Message, Ticket, TicketEvent
from .postbox import citizen_status, postbox_page

# The account page shows the latest tickets; the postbox has them all.
ACCOUNT_SECTION_TICKETS = 5


def account_section(request) -> dict:
    """ "Meine Anliegen": unread messages, the latest tickets and the way to the postbox."""
    page = postbox_page(request.user, 1, per_page=ACCOUNT_SECTION_TICKETS)
    return {
        "section_id": "anliegen",
        "title": _("Meine Anliegen"),
        "page": page,
    }


def _when(value) -> str | None:
    return value.isoformat() if value else None


def export_tickets(user) -> list[dict]:
    """The person's tickets with the messages to and from them; no internal notes and no staff
    names (answers are from "Service Center")."""
    visible = Message.objects.exclude(kind=Message.Kind.INTERNAL).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    tickets = (
        Ticket.objects.filter(citizen_id=user.pk)
        .select_related("life_situation")
        .prefetch_related(Prefetch("messages", queryset=visible.order_by("created_at", "pk")))
        .order_by("created_at", "pk")
    )
    service_center = gettext("Service Center")
    you = gettext("Sie")
    return [
        {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "channel": ticket.channel,
            "status": ticket.status,
            "status_text": citizen_status(ticket),
            "life_situation": ticket.life_situation.name if ticket.life_situation else None,
            "created_at": _when(ticket.created_at),
            "last_message_at": _when(ticket.last_message_at),
            "resolved_at": _when(ticket.resolved_at),
            "url": reverse("servicecenter:ticket", kwargs={"reference": ticket.reference}),
            "messages": [
                {
                    "direction": message.kind,
                    "from": you if message.kind == Message.Kind.FROM_CITIZEN else service_center,
                    "text": message.text,
                    "channel": message.channel,
                    "created_at": _when(message.created_at),
                    "read_at": _when(message.read_at),
                    "attachments": [
                        {
                            "filename": attachment.filename,
                            "content_type": attachment.content_type,
                            "size": attachment.size,
                        }
                        for attachment in message.attachments.all()
                    ],
                }
                for message in ticket.messages.all()
            ],
        }
        for ticket in tickets
    ]


@transaction.atomic
def detach_tickets(user) -> None:
    """Account deletion: the tickets stay for the city's records, without the person."""
    tickets = Ticket.objects.filter(citizen_id=user.pk)
    ticket_ids = list(tickets.values_list("pk", flat=True))
    if not ticket_ids:
        return
    Message.objects.filter(ticket_id__in=ticket_ids, author_id=user.pk).update(author=None)
    TicketEvent.objects.filter(ticket_id__in=ticket_ids, actor_id=user.pk).update(actor=None)
    Ticket.objects.filter(pk__in=ticket_ids).update(
        citizen=None, contact_name="", contact_email="", contact_phone="", access_nonce=""
    )
    detail = gettext("Bürgerkonto gelöscht: Verbindung zum Konto und Kontaktdaten entfernt")
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=pk, kind=TicketEvent.Kind.CONTACT, detail=detail) for pk in ticket_ids
    )
