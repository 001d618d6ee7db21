"""The ticket workspace of the staff pages: the thread, contact, service levels, history, and
every action on a ticket.

Every change goes through servicecenter.services: a ValidationError comes back as the form's
error (400), a PermissionDenied as "not found" — a ticket somebody may not work on does not
exist for them.
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from .. import selectors, services
from ..forms_staff import (
    ArticlePickForm,
    AssignForm,
    ClassifyForm,
    ForwardForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    SendBackForm,
)
from ..models import KnowledgeArticle, Message, Ticket
from ..permissions import can_work_ticket, is_agent
from .staff_access import staff_required

Status = Ticket.Status

# The model's labels speak to the citizen ("wartet auf Ihre Antwort"); staff read these.
STATUS_LABELS = {
    Status.NEW: gettext_lazy("neu"),
    Status.OPEN: gettext_lazy("in Bearbeitung"),
    Status.WAITING: gettext_lazy("wartet auf Bürger/in"),
    Status.FORWARDED: gettext_lazy("beim Fachbereich"),
    Status.RESOLVED: gettext_lazy("erledigt"),
    Status.CLOSED: gettext_lazy("geschlossen"),
}
KIND_LABELS = {
    Message.Kind.FROM_CITIZEN: gettext_lazy("Nachricht der Bürgerin / des Bürgers"),
    Message.Kind.TO_CITIZEN: gettext_lazy("Antwort an die Bürgerin / den Bürger"),
    Message.Kind.INTERNAL: gettext_lazy("Interne Notiz"),
}


# --- Due times ----------------------------------------------------------------------------------


def _span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return _("%(n)d Min.") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(n)d Std.") % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d Tag", "%(n)d Tagen", days) % {"n": days}


def due_text(due: datetime | None, now: datetime) -> str:
    """ "in 2 Std." or "seit 3 Std. überfällig" (clock time, for reading at a glance)."""
    if due is None:
        return ""
    if due >= now:
        return _("in %(span)s") % {"span": _span(due - now)}
    return _("seit %(span)s überfällig") % {"span": _span(now - due)}


def annotate(ticket: Ticket, now: datetime) -> Ticket:
    """What the queue and the workspace show about a ticket's service levels."""
    running = ticket.status in Ticket.CLOCK_RUNS
    ticket.staff_status = STATUS_LABELS[ticket.status]
    ticket.is_late = ticket.is_breached(now)
    ticket.is_escalated = ticket.escalated_at is not None and not ticket.is_done
    answer_pending = ticket.first_response_at is None and ticket.first_response_due is not None
    ticket.first_response_late = running and answer_pending and now > ticket.first_response_due
    ticket.resolution_late = (
        running and ticket.resolution_due is not None and now > ticket.resolution_due
    )
    if ticket.status == Status.WAITING:
        paused = _("Frist angehalten")
        ticket.first_response_text = paused if answer_pending else ""
        ticket.resolution_text = paused
    else:
        ticket.first_response_text = (
            due_text(ticket.first_response_due, now) if answer_pending else ""
        )
        ticket.resolution_text = "" if ticket.is_done else due_text(ticket.resolution_due, now)
    return ticket


# --- The workspace ------------------------------------------------------------------------------


def _ticket(request: HttpRequest, reference: str) -> Ticket:
    ticket = selectors.ticket_for_staff(request.user, reference)
    if ticket is None:
        raise Http404
    return ticket


def add_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: at its field where the form shows one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if visible else None, errors)
    else:
        form.add_error(None, error)


def _picked_article(request: HttpRequest) -> KnowledgeArticle | None:
    """The article chosen with "Antwort übernehmen" (works without JavaScript: a GET)."""
    pk = request.GET.get("artikel", "")
    if not request.GET.get("uebernehmen") or not pk.isdigit():
        return None
    return KnowledgeArticle.objects.for_agents().filter(pk=int(pk)).first()


def _forms(request: HttpRequest, ticket: Ticket, agent: bool, bound: dict) -> dict:
    """Every form of the workspace; `bound` holds the one that was posted (with errors)."""
    articles = selectors.articles_for_answer(query=request.GET.get("wissen", ""), ticket=ticket)
    picked = _picked_article(request)
    if picked is not None and picked not in articles:
        articles.insert(0, picked)
    reply_initial = {"text": picked.answer, "article": picked.pk} if picked else {}
    forms = {
        "reply_form": ReplyForm(prefix="antwort", initial=reply_initial),
        "pick_form": ArticlePickForm(
            initial={"wissen": request.GET.get("wissen", ""), "artikel": picked and picked.pk},
            articles=articles,
        ),
        "articles": articles,
        # For the script that inserts an answer at the cursor without reloading.
        "article_answers": {str(article.pk): article.answer for article in articles},
        "picked_article": picked,
        "note_form": NoteForm(prefix="notiz"),
        "resolve_form": ResolveForm(prefix="erledigen", agent=agent and not ticket.was_forwarded),
        "forward_form": ForwardForm(
            prefix="weiterleiten", initial={"department": ticket.department_id}
        ),
        "send_back_form": SendBackForm(prefix="zurueck"),
        "assign_form": AssignForm(
            prefix="zuweisen", agents=selectors.agents(), initial={"agent": ticket.agent_id}
        ),
        "classify_form": ClassifyForm(
            prefix="einordnen",
            initial={"priority": ticket.priority, "life_situation": ticket.life_situation_id},
        ),
    }
    forms.update(bound)
    return forms


def _workspace(request: HttpRequest, ticket: Ticket, *, status: int = 200, **bound) -> HttpResponse:
    user = request.user
    agent = is_agent(user)
    now = timezone.now()
    annotate(ticket, now)
    thread = list(selectors.thread(ticket))
    for message in thread:
        message.kind_label = KIND_LABELS[message.kind]
    shown = {
        "reply_form": ticket.status != Status.CLOSED,
        "note_form": True,
        "resolve_form": not ticket.is_done,
        "forward_form": agent and not ticket.is_done,
        "send_back_form": bool(ticket.department_id) and ticket.department_id == user.department_id,
        "assign_form": agent,
        "classify_form": True,
    }
    # A refusal for a form the page no longer shows (a ticket closed meanwhile) goes on top.
    errors_elsewhere = [
        error
        for name, form in bound.items()
        if not shown.get(name, False)
        for error in form.non_field_errors()
    ]
    context = {
        "ticket": ticket,
        "thread": thread,
        "events": selectors.history(ticket),
        "is_agent": agent,
        "can_reply": shown["reply_form"],
        "can_resolve": shown["resolve_form"],
        "can_forward": shown["forward_form"],
        "can_send_back": shown["send_back_form"],
        "can_assign": agent,
        "can_close": ticket.status != Status.CLOSED,
        "can_reopen": ticket.is_done,
        "errors_elsewhere": errors_elsewhere,
        **_forms(request, ticket, agent, bound),
    }
    return render(request, "servicecenter/staff/ticket.html", context, status=status)


@require_safe
@staff_required
def ticket_workspace(request: HttpRequest, reference: str) -> HttpResponse:
    """Everything about one ticket, and every action on it."""
    return _workspace(request, _ticket(request, reference))


def _done(request: HttpRequest, ticket: Ticket, text: str) -> HttpResponse:
    """Back to the ticket after a change, or to the queue if it is no longer ours."""
    messages.success(request, text)
    ticket.refresh_from_db()
    if can_work_ticket(request.user, ticket):
        return redirect("servicecenter:staff_ticket", reference=ticket.reference)
    return redirect("servicecenter:queue")


def _act(request: HttpRequest, reference: str, form_name: str, form: Form, action, success: str):
    """Run `action(ticket, cleaned_data)` for a valid form; errors re-render the workspace."""
    ticket = _ticket(request, reference)
    if form.is_valid():
        try:
            action(ticket, form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return _done(request, ticket, success)
    return _workspace(request, ticket, status=400, **{form_name: form})


@require_POST
@staff_required
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.reply(
            actor=request.user,
            ticket=ticket,
            text=data["text"],
            attachments=data["attachments"],
            article=data["article"],
            wait_for_citizen=data["wait_for_citizen"],
        )

    form = ReplyForm(request.POST, request.FILES, prefix="antwort")
    return _act(request, reference, "reply_form", form, action, _("Die Antwort ist gesendet."))


@require_POST
@staff_required
def note(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.add_note(
            actor=request.user, ticket=ticket, text=data["text"], attachments=data["attachments"]
        )

    form = NoteForm(request.POST, request.FILES, prefix="notiz")
    return _act(request, reference, "note_form", form, action, _("Die Notiz ist gespeichert."))


@require_POST
@staff_required
def resolve(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.resolve(
            actor=request.user,
            ticket=ticket,
            text=data["text"],
            first_contact=data.get("first_contact", False),
        )

    form = ResolveForm(request.POST, prefix="erledigen", agent=is_agent(request.user))
    return _act(request, reference, "resolve_form", form, action, _("Das Anliegen ist erledigt."))


@require_POST
@staff_required
def forward(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.forward(
            actor=request.user, ticket=ticket, department=data["department"], reason=data["reason"]
        )

    if not is_agent(request.user):
        raise Http404
    form = ForwardForm(request.POST, prefix="weiterleiten")
    return _act(
        request,
        reference,
        "forward_form",
        form,
        action,
        _("Das Anliegen ist an den Fachbereich weitergeleitet."),
    )


@require_POST
@staff_required
def send_back(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.send_back(actor=request.user, ticket=ticket, reason=data["reason"])

    form = SendBackForm(request.POST, prefix="zurueck")
    return _act(
        request,
        reference,
        "send_back_form",
        form,
        action,
        _("Das Anliegen ist an das Service Center zurückgegeben."),
    )


@require_POST
@staff_required
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.assign(actor=request.user, ticket=ticket, agent=data["agent"])

    if not is_agent(request.user):
        raise Http404
    form = AssignForm(request.POST, prefix="zuweisen", agents=selectors.agents())
    return _act(
        request, reference, "assign_form", form, action, _("Die Zuständigkeit ist geändert.")
    )


@require_POST
@staff_required
def classify(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.classify(
            actor=request.user,
            ticket=ticket,
            priority=data["priority"],
            life_situation=data["life_situation"],
        )

    form = ClassifyForm(request.POST, prefix="einordnen")
    return _act(
        request,
        reference,
        "classify_form",
        form,
        action,
        _("Priorität und Lebenslage sind gespeichert; die Fristen sind neu berechnet."),
    )


@require_POST
@staff_required
def close(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.close(actor=request.user, ticket=ticket)

    return _act(
        request, reference, "close_form", Form({}), action, _("Das Anliegen ist geschlossen.")
    )


@require_POST
@staff_required
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    def action(ticket, data):
        services.reopen(actor=request.user, ticket=ticket)

    return _act(
        request, reference, "reopen_form", Form({}), action, _("Das Anliegen ist wieder offen.")
    )


@require_safe
@staff_required
def attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """A file on a ticket, as a download (never shown inline)."""
    found = selectors.staff_attachment(request.user, reference, pk)
    if found is None:
        raise Http404
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
