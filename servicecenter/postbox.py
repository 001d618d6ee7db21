"""Reads of the citizen's side: the postbox, one ticket's thread, its attachments.

Everything here knows who asks. A ticket (or file) the person may not read is simply not
found (None), so views answer 404 and never disclose that it exists.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from lohmar_portal.cache import cached_read
from lohmar_portal.models import User

from .models import Attachment, Message, Ticket
from .permissions import can_read_ticket, token_matches

Status = Ticket.Status

# How the citizen reads a status: what happens, not how the city files it.
CITIZEN_STATUS = {
    Status.NEW: _("eingegangen"),
    Status.OPEN: _("in Bearbeitung"),
    Status.WAITING: _("wartet auf Ihre Antwort"),
    Status.FORWARDED: _("beim zuständigen Fachbereich in Bearbeitung"),
    Status.RESOLVED: _("erledigt"),
    Status.CLOSED: _("abgeschlossen"),
}

# Unread messages are summed over at most this many tickets: the figure stays cheap for an
# account with a very long history (nobody has a thousand tickets with unread answers).
UNREAD_SUM_CAP = 1000

# What the postbox list shows of a ticket; nothing else is loaded.
POSTBOX_FIELDS = (
    "pk",
    "reference",
    "subject",
    "status",
    "citizen_unread",
    "last_message_at",
    "created_at",
    "citizen_id",
)


def citizen_status(ticket: Ticket) -> str:
    """The status in plain German for the citizen."""
    label = CITIZEN_STATUS.get(ticket.status)
    return str(label) if label is not None else ticket.get_status_display()


@dataclass(frozen=True)
class PostboxPage:
    """One page of a person's tickets: newest activity first, without counting them all."""

    tickets: list[Ticket]
    number: int
    has_previous: bool
    has_next: bool
    unread_total: int

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def tickets_of(user: User) -> QuerySet[Ticket]:
    """A person's tickets in the postbox order (the `ticket_postbox` index)."""
    if not user.is_authenticated:
        return Ticket.objects.none()
    return Ticket.objects.filter(citizen_id=user.pk).order_by("-last_message_at", "-pk")


def unread_total(user: User) -> int:
    """Unread messages to the person over their tickets (capped, see UNREAD_SUM_CAP)."""
    if not user.is_authenticated:
        return 0
    unread = Ticket.objects.filter(citizen_id=user.pk, citizen_unread__gt=0).order_by()
    # A sliced queryset aggregates in a subquery: the sum reads at most the cap's rows.
    return (
        unread.values("citizen_unread")[:UNREAD_SUM_CAP].aggregate(total=Sum("citizen_unread"))[
            "total"
        ]
        or 0
    )


# Far beyond anybody's postbox; a larger `?seite=` overflowed PostgreSQL's OFFSET (a 500).
MAX_PAGE = 10_000


def postbox_page(user: User, number: int | str | None = 1, *, per_page: int = 20) -> PostboxPage:
    """One page of the postbox: a LIMIT one row longer than the page says whether more follow.

    Two queries at most, whatever the number of tickets: the page, and the unread sum over
    all tickets (not needed when everything fits on the first page). The page is kept in the
    cache under the person and the content version, which every change of a ticket bumps
    (in a request, or `services._refresh_cached_pages` outside one): reloading the postbox
    costs no query, and no copy outlives a change.
    """
    try:
        number = min(max(1, int(number or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    return cached_read(
        "postbox",
        user.pk,
        number,
        per_page,
        compute=lambda: _postbox_page(user, number, per_page),
    )


def _postbox_page(user: User, number: int, per_page: int) -> PostboxPage:
    offset = (number - 1) * per_page
    rows = list(tickets_of(user).only(*POSTBOX_FIELDS)[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    labels = {}  # each label translated once per page, not once per row
    for ticket in rows:
        if ticket.status not in labels:
            labels[ticket.status] = citizen_status(ticket)
        ticket.citizen_status = labels[ticket.status]
        # As the `date:"d.m.Y H:i"` filter writes it, at a tenth of its cost per row.
        ticket.last_message_shown = localtime(ticket.last_message_at).strftime("%d.%m.%Y %H:%M")
    if number == 1 and not has_next:
        total = sum(ticket.citizen_unread for ticket in rows)
    else:
        total = unread_total(user)
    return PostboxPage(
        tickets=rows,
        number=number,
        has_previous=number > 1,
        has_next=has_next,
        unread_total=total,
    )


def _ticket_for_citizen() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("life_situation", "department")


def ticket_for_owner(user: User, reference: str) -> Ticket | None:
    """The person's own ticket by its reference; None for anybody else's or a wrong one."""
    if not user.is_authenticated:
        return None
    ticket = _ticket_for_citizen().filter(reference=reference, citizen_id=user.pk).first()
    if ticket is None or not can_read_ticket(user, ticket):
        return None
    return ticket


def ticket_for_token(reference: str, token: str) -> Ticket | None:
    """A ticket without an account, through its reference and secret link; else None."""
    ticket = _ticket_for_citizen().filter(reference=reference, citizen__isnull=True).first()
    if ticket is None or not token_matches(ticket, token):
        return None
    return ticket


def thread(ticket: Ticket) -> list[Message]:
    """What the citizen sees of a ticket: messages to and from them, never internal notes."""
    messages = (
        ticket.messages.exclude(kind=Message.Kind.INTERNAL)
        .only("pk", "ticket_id", "kind", "text", "channel", "created_at", "read_at")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.only(
                    "pk", "message_id", "filename", "content_type", "size"
                ),
            )
        )
        .order_by("created_at", "pk")
    )
    return list(messages)


def _citizen_attachments() -> QuerySet[Attachment]:
    # Files on internal notes are staff matters: for the citizen they do not exist.
    return Attachment.objects.select_related("message__ticket").exclude(
        message__kind=Message.Kind.INTERNAL
    )


def attachment_for_owner(user: User, pk: int) -> Attachment | None:
    """A file on the person's own ticket (not on an internal note); else None."""
    if not user.is_authenticated:
        return None
    attachment = _citizen_attachments().filter(pk=pk, message__ticket__citizen_id=user.pk).first()
    if attachment is None or not can_read_ticket(user, attachment.message.ticket):
        return None
    return attachment


def attachment_for_token(reference: str, token: str, pk: int) -> Attachment | None:
    """A file on a ticket without an account, through the ticket's secret link; else None."""
    attachment = (
        _citizen_attachments()
        .filter(pk=pk, message__ticket__reference=reference, message__ticket__citizen__isnull=True)
        .first()
    )
    if attachment is None or not token_matches(attachment.message.ticket, token):
        return None
    return attachment
