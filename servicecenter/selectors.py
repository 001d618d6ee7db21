"""Reads of tickets that know who asks: the staff queue and the staff workspace.

The queue runs on the partial indexes of Ticket (`ticket_queue`: open tickets by resolution due
time; `ticket_department_queue`: forwarded tickets of a department): its filter always repeats
the index condition literally, so the planner can use them with 100,000 tickets.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Permission
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from lohmar_portal.models import Department, User

from .models import Attachment, KnowledgeArticle, Message, Ticket, TicketEvent
from .permissions import can_work_ticket, is_agent, tickets_for_staff

Status = Ticket.Status
REFERENCE = re.compile(r"^\s*(SC-\d{4}-\d{1,6})\s*$", re.IGNORECASE)
ARTICLE_CHOICES = 50


@dataclass(frozen=True)
class QueueFilters:
    """What the queue's GET form asks for; the defaults show every open ticket."""

    status: str = ""  # "" = every open status; else one Ticket.Status value
    assignment: str = ""  # "", "mine" (my tickets), "unassigned" (no agent yet)
    department: Department | None = None
    without_department: bool = False  # still with the service center
    breached: bool = False
    channel: str = ""
    query: str = ""


def breached(now: datetime) -> Q:
    """Tickets past a target (Ticket.is_breached in SQL), or escalated by the beat job."""
    late = Q(resolution_due__lt=now) | Q(first_response_at__isnull=True, first_response_due__lt=now)
    return (Q(status__in=Ticket.CLOCK_RUNS) & late) | Q(escalated_at__isnull=False)


def ticket_queue(
    user: User, filters: QueueFilters = QueueFilters(), *, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The tickets `user` works on, the most urgent first (done ones: the newest first)."""
    now = now or timezone.now()
    tickets = tickets_for_staff(user, Ticket.objects.all())
    if filters.status in Ticket.DONE:
        tickets = tickets.filter(status=filters.status).order_by("-created_at", "-pk")
    else:
        # The partial indexes' conditions, word for word.
        tickets = tickets.exclude(status__in=Ticket.DONE)
        if filters.status:
            tickets = tickets.filter(status=filters.status)
        tickets = tickets.order_by(F("resolution_due").asc(nulls_last=True), "id")
    if is_agent(user):
        if filters.assignment == "mine":
            tickets = tickets.filter(agent=user)
        elif filters.assignment == "unassigned":
            tickets = tickets.filter(agent__isnull=True)
        if filters.department is not None:
            tickets = tickets.filter(department=filters.department)
        elif filters.without_department:
            tickets = tickets.filter(department__isnull=True)
    if filters.breached:
        tickets = tickets.filter(breached(now))
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.query:
        tickets = tickets.filter(_search(filters.query))
    return tickets.select_related("life_situation", "agent", "department")


def _search(query: str) -> Q:
    """A reference finds its ticket; anything else is looked for in subject and contact."""
    match = REFERENCE.match(query)
    if match:
        return Q(reference__iexact=match.group(1))
    return (
        Q(subject__icontains=query)
        | Q(contact_name__icontains=query)
        | Q(contact_email__icontains=query)
        | Q(contact_phone__icontains=query)
        | Q(citizen__email__icontains=query)
        | Q(citizen__real_name__icontains=query)
    )


# --- The workspace ------------------------------------------------------------------------------


def ticket_for_staff(user: User, reference: str) -> Ticket | None:
    """The ticket with this reference if `user` may work on it, else None (→ 404)."""
    ticket = (
        Ticket.objects.select_related(
            "citizen", "life_situation", "agent", "department", "entered_by"
        )
        .filter(reference=reference)
        .first()
    )
    if ticket is None or not can_work_ticket(user, ticket):
        return None
    return ticket


def thread(ticket: Ticket) -> QuerySet[Message]:
    """Every message, internal notes included, oldest first, with authors and files."""
    return (
        ticket.messages.select_related("author", "article")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def history(ticket: Ticket) -> QuerySet[TicketEvent]:
    """Who changed what, when: oldest first."""
    return ticket.events.select_related("actor").order_by("created_at", "pk")


def staff_attachment(user: User, reference: str, pk: int) -> Attachment | None:
    """A file on a ticket `user` may work on (internal notes' files included)."""
    attachment = (
        Attachment.objects.select_related("message__ticket")
        .filter(pk=pk, message__ticket__reference=reference)
        .first()
    )
    if attachment is None or not can_work_ticket(user, attachment.message.ticket):
        return None
    return attachment


def agents() -> QuerySet[User]:
    """Everybody who works at the first level (directly, through a group, or as superuser)."""
    permission = Permission.objects.filter(
        content_type__app_label="servicecenter", codename="work_first_level"
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def articles_for_answer(*, query: str = "", ticket: Ticket | None = None) -> list[KnowledgeArticle]:
    """Knowledge articles an agent may insert (never drafts): a search, or those of the
    ticket's life situation first."""
    articles = KnowledgeArticle.objects.for_agents()
    # A NUL character is no text PostgreSQL can compare (it raised, a 500): it separates words.
    query = " ".join(query.replace("\x00", " ").split())
    if query:
        articles = articles.filter(
            Q(title__icontains=query) | Q(keywords__icontains=query) | Q(answer__icontains=query)
        )
        return list(articles.order_by("order", "title")[:ARTICLE_CHOICES])
    if ticket is not None and ticket.life_situation_id:
        matching = list(
            articles.filter(life_situations=ticket.life_situation_id).order_by("order", "title")[
                :ARTICLE_CHOICES
            ]
        )
        if matching:
            return matching
    return list(articles.order_by("order", "title")[:ARTICLE_CHOICES])
