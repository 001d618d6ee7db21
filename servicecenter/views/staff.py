"""The staff pages of the service center: the queue and the quick entry (the workspace of one
ticket is in staff_ticket.py); all their routes.

Agents of the first level see every ticket; department staff only their department's.
"""

from datetime import datetime
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from lohmar_portal.pagination import CappedPaginator

from .. import selectors, services
from ..forms_staff import QueueFilterForm, QuickEntryForm
from ..models import Channel, Priority, Ticket
from ..permissions import is_agent
from . import staff_ticket as ticket_views
from .staff_access import staff_required
from .staff_ticket import STATUS_LABELS, add_errors, annotate

PER_PAGE = 50

# --- The queue ----------------------------------------------------------------------------------


class QueuePaginator(CappedPaginator):
    """A queue is worked from the top: beyond a thousand tickets, filters narrow it."""

    cap = 1000


def _local(moment: datetime | None) -> tuple[str, str]:
    """A moment as the page shows it (local time) and as `<time datetime>` wants it."""
    if moment is None:
        return "", ""
    local = timezone.localtime(moment)
    return local.strftime("%d.%m.%Y %H:%M"), local.isoformat()


class QueuePage:
    """The queue's page and its rows, read only when the template renders them: a cached
    fragment needs neither the count nor the tickets."""

    def __init__(self, user, filters, number, now: datetime) -> None:
        self.user, self.filters, self.number, self.now = user, filters, number, now

    @cached_property
    def page(self):
        tickets = selectors.ticket_queue(self.user, self.filters, now=self.now)
        return QueuePaginator(tickets, PER_PAGE).get_page(self.number)

    @cached_property
    def rows(self) -> list[Ticket]:
        # Labels once per page, not once per row: the table is rendered with plain lookups.
        channels = {value: str(label) for value, label in Channel.choices}
        priorities = {value: str(label) for value, label in Priority.choices}
        nobody = _("niemand")
        workspace = reverse("servicecenter:staff_ticket", kwargs={"reference": "SC-0000-0"})
        prefix = workspace.removesuffix("SC-0000-0/")
        rows = []
        statuses = {value: str(label) for value, label in STATUS_LABELS.items()}
        for ticket in self.page.object_list:
            annotate(ticket, self.now)
            ticket.staff_status = statuses[ticket.status]
            ticket.assignee = (
                ticket.department.name
                if ticket.department
                else (ticket.agent.display_name if ticket.agent else nobody)
            )
            ticket.url = f"{prefix}{ticket.reference}/"
            ticket.channel_label = channels[ticket.channel]
            ticket.priority_label = priorities[ticket.priority]
            ticket.first_response_shown, ticket.first_response_iso = _local(
                ticket.first_response_due
            )
            ticket.resolution_shown, ticket.resolution_iso = _local(ticket.resolution_due)
            rows.append(ticket)
        return rows


@require_safe
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The tickets to work on, the most urgent first.

    The results are a fragment cached per content version (any write through a request makes
    it stale) and per minute (due times move on; tickets arriving by e-mail or the beat's
    escalations show within a minute)."""
    user = request.user
    agent = request.servicecenter_agent  # set by staff_required
    form = QueueFilterForm(request.GET or None, agent=agent)
    filters = form.filters()
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    scope = "agent" if agent else f"department-{user.department_id}"
    if filters.assignment == "mine":
        scope += f"-user-{user.pk}"
    return render(
        request,
        "servicecenter/staff/queue.html",
        {
            "form": form,
            "queue": QueuePage(user, filters, request.GET.get("page"), now),
            "query": query.urlencode(),
            "is_agent": agent,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "cache_scope": scope,
            "minute": now.strftime("%Y%m%d%H%M"),
        },
    )


# --- Quick entry --------------------------------------------------------------------------------


@staff_required
def quick_entry(request: HttpRequest) -> HttpResponse:
    """An agent records a phone call, a visit, a chat or a mobile-office contact."""
    if not is_agent(request.user):
        raise Http404
    form = QuickEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket, _token = services.open_ticket(
                    actor=request.user,
                    channel=data["channel"],
                    subject=data["subject"],
                    text=data["text"],
                    life_situation=data["life_situation"],
                    priority=data["priority"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                    contact_phone=data["contact_phone"],
                )
                if data["first_contact"]:
                    services.resolve(
                        actor=request.user,
                        ticket=ticket,
                        text=data["answer"],
                        first_contact=True,
                    )
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            if data["first_contact"]:
                text = _("Anliegen %(ref)s ist erfasst und beim Erstkontakt gelöst.")
            else:
                text = _("Anliegen %(ref)s ist erfasst.")
            messages.success(request, text % {"ref": ticket.reference})
            return redirect("servicecenter:staff_ticket", reference=ticket.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "servicecenter/staff/quick_entry.html", {"form": form}, status=status)


def _ticket_path(route: str, view, name: str):
    return path(f"service/arbeitsplatz/<str:reference>/{route}", view, name=name)


urlpatterns = [
    path("service/arbeitsplatz/", queue, name="queue"),
    path("service/arbeitsplatz/neu/", quick_entry, name="quick_entry"),
    _ticket_path("", ticket_views.ticket_workspace, "staff_ticket"),
    _ticket_path("antworten/", ticket_views.reply, "staff_reply"),
    _ticket_path("notiz/", ticket_views.note, "staff_note"),
    _ticket_path("erledigen/", ticket_views.resolve, "staff_resolve"),
    _ticket_path("weiterleiten/", ticket_views.forward, "staff_forward"),
    _ticket_path("zurueckgeben/", ticket_views.send_back, "staff_send_back"),
    _ticket_path("zuweisen/", ticket_views.assign, "staff_assign"),
    _ticket_path("einordnen/", ticket_views.classify, "staff_classify"),
    _ticket_path("schliessen/", ticket_views.close, "staff_close"),
    _ticket_path("wieder-oeffnen/", ticket_views.reopen, "staff_reopen"),
    path(
        "service/arbeitsplatz/<str:reference>/anhang/<int:pk>/",
        ticket_views.attachment,
        name="staff_attachment",
    ),
]
