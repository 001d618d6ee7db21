"""The citizen's side of tickets: the web form, the confirmation, the postbox in the account,
one ticket's thread (by account, or by its secret link) with the reply form, and the files.

Views are adapters: they read through servicecenter.postbox, write through the services and
turn a ValidationError into the form's errors (400). A ticket or file somebody may not read is
"not found" (404), never "forbidden": its existence is not disclosed.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import slug_re
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lohmar_portal import ratelimit
from lohmar_portal.forms import add_service_errors

from .. import postbox, services
from ..forms import ReplyForm, TicketForm
from ..models import Attachment, Channel, LifeSituation, Message, Ticket

HOUR = 3600
PER_PAGE = 20
# What the confirmation page shows, kept in the session between the form and that page.
SUBMITTED = "servicecenter.submitted"
# A reference is capitals, digits and hyphens (SC-2026-000123; the benchmark's SC-B-0000001).
REFERENCE_PATTERN = r"[A-Z0-9][A-Z0-9-]{2,30}"
LINK_PATTERN = r"[0-9a-f]{40}"  # the hex digest of models.link_token


def tickets_per_hour_anonymous() -> int:
    """How many tickets one address may open per hour without an account."""
    return getattr(settings, "SERVICECENTER_ANONYMOUS_TICKETS_PER_HOUR", 5)


def tickets_per_hour_account() -> int:
    return getattr(settings, "SERVICECENTER_ACCOUNT_TICKETS_PER_HOUR", 20)


def link_replies_per_hour() -> int:
    """How many answers one ticket may receive per hour on the web (secret link or postbox);
    each one e-mails whoever works the ticket."""
    return getattr(settings, "SERVICECENTER_LINK_REPLIES_PER_HOUR", 30)


def _private(response: HttpResponse) -> HttpResponse:
    """Personal pages and files: never stored by a browser or proxy, never indexed."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- The web form -------------------------------------------------------------------------------


def _render_form(request: HttpRequest, form: TicketForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "anonymous": form.anonymous,
        "retention_days": settings.SERVICECENTER_CONTACT_RETENTION_DAYS,
    }
    return render(request, "servicecenter/ticket_form.html", context, status=status)


def _within_rate_limit(request: HttpRequest) -> bool:
    if request.user.is_authenticated:
        limit = tickets_per_hour_account()
    else:
        limit = tickets_per_hour_anonymous()
    return ratelimit.hit(f"servicecenter:ticket:{ratelimit.person_key(request)}", limit, HOUR)


@never_cache
def ticket_create(request: HttpRequest) -> HttpResponse:
    """A new Anliegen: with the account, or with an e-mail address or a phone number."""
    anonymous = not request.user.is_authenticated
    if request.method != "POST":
        initial = {}
        slug = request.GET.get("lebenslage")
        if slug and slug_re.match(slug):  # not a slug (a NUL, say) cannot name one
            initial["life_situation"] = LifeSituation.objects.filter(slug=slug).first()
        return _render_form(request, TicketForm(anonymous=anonymous, initial=initial))
    form = TicketForm(request.POST, request.FILES, anonymous=anonymous)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    if not _within_rate_limit(request):
        form.add_error(
            None,
            _(
                "Von Ihrem Anschluss kamen in der letzten Stunde sehr viele Anliegen. Bitte "
                "versuchen Sie es später noch einmal oder rufen Sie uns an."
            ),
        )
        response = _render_form(request, form, status=429)
        response["Retry-After"] = str(ratelimit.retry_after(HOUR))
        return response
    data = form.cleaned_data
    try:
        ticket, token = services.open_ticket(
            actor=None if anonymous else request.user,
            subject=data["subject"],
            text=data["text"],
            channel=Channel.WEB,
            life_situation=data["life_situation"],
            contact_name=data.get("contact_name", ""),
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
            attachments=form.attachment_list,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(request, form, status=400)
    if not anonymous:
        kind = "account"
    elif ticket.contact_email:
        kind = "email"
    else:
        kind = "phone"
    submitted = {"reference": ticket.reference, "kind": kind}
    if kind == "phone":
        # Nobody can send this person the link: the confirmation page shows it, once.
        submitted["link"] = request.build_absolute_uri(
            reverse(
                "servicecenter:ticket_access",
                kwargs={"reference": ticket.reference, "token": token},
            )
        )
    request.session[SUBMITTED] = submitted
    return redirect("servicecenter:ticket_submitted")


@require_safe
@never_cache
def ticket_submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation: the reference, and where the answers will be."""
    submitted = request.session.get(SUBMITTED)
    if not submitted:
        return redirect("servicecenter:ticket_create")
    link = submitted.pop("link", "")
    if link:
        request.session[SUBMITTED] = submitted  # the secret link is shown only this once
    context = {
        "reference": submitted["reference"],
        "kind": submitted["kind"],
        "link": link,
        "link_was_shown": submitted["kind"] == "phone" and not link,
    }
    return _private(render(request, "servicecenter/ticket_submitted.html", context))


# --- The postbox --------------------------------------------------------------------------------


@require_safe
@never_cache
@login_required
def postbox_view(request: HttpRequest) -> HttpResponse:
    """The person's tickets, newest activity first, with what is unread."""
    page = postbox.postbox_page(request.user, request.GET.get("seite"), per_page=PER_PAGE)
    if page.number > 1 and not page.tickets:
        return redirect("servicecenter:postbox")
    # One reverse() for the page, not one per row: the reference is the address's last part.
    prefix = reverse("servicecenter:ticket", kwargs={"reference": "SC-0-0"}).removesuffix("SC-0-0/")
    for ticket in page.tickets:
        ticket.url = f"{prefix}{ticket.reference}/"
    return _private(render(request, "servicecenter/postbox.html", {"page": page}))


# --- One ticket ---------------------------------------------------------------------------------


def _reply(request: HttpRequest, ticket: Ticket, token: str | None) -> HttpResponse | ReplyForm:
    """Handle the reply form: a redirect when it was sent, else the form with its errors."""
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return form
    if not ratelimit.hit(f"servicecenter:link-reply:{ticket.pk}", link_replies_per_hour(), HOUR):
        form.add_error(
            None,
            _(
                "Zu diesem Anliegen kamen in der letzten Stunde sehr viele Nachrichten. Bitte "
                "versuchen Sie es später noch einmal."
            ),
        )
        form.rate_limited = True
        return form
    was_done = ticket.is_done
    try:
        services.citizen_reply(
            ticket=ticket,
            text=form.cleaned_data["text"],
            # Through the link the writer is whoever holds it, not an account that happens
            # to be logged in.
            actor=None if token else request.user,
            token=token,
            attachments=form.cleaned_data["attachments"],
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        add_service_errors(form, error)
        return form
    if was_done:
        messages.success(
            request,
            _("Ihre Nachricht ist angekommen. Ihr Anliegen ist damit wieder in Bearbeitung."),
        )
    else:
        messages.success(request, _("Ihre Nachricht ist angekommen. Wir antworten Ihnen hier."))
    return redirect(request.path)


def _ticket_page(request: HttpRequest, ticket: Ticket, *, token: str | None) -> HttpResponse:
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        result = _reply(request, ticket, token)
        if isinstance(result, HttpResponse):
            return result
        form = result
        status = 429 if getattr(form, "rate_limited", False) else 400
    thread = postbox.thread(ticket)
    unread = {
        message.pk
        for message in thread
        if message.kind == Message.Kind.TO_CITIZEN and message.read_at is None
    }
    if request.method == "GET" and (unread or ticket.citizen_unread):
        services.mark_read(ticket=ticket, actor=None if token else request.user, token=token)
    context = {
        "ticket": ticket,
        "status_label": postbox.citizen_status(ticket),
        "thread": thread,
        "unread": unread,
        "form": form,
        "token": token,
    }
    response = render(request, "servicecenter/ticket_detail.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(ratelimit.retry_after(HOUR))
    return _private(response)


@never_cache
@login_required
def ticket_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A ticket in the postbox: its owner only; for anybody else it does not exist."""
    ticket = postbox.ticket_for_owner(request.user, reference)
    if ticket is None:
        raise Http404
    return _ticket_page(request, ticket, token=None)


@never_cache
def ticket_access(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The same page for a ticket without an account, through its secret link."""
    ticket = postbox.ticket_for_token(reference, token)
    if ticket is None:
        raise Http404
    response = _ticket_page(request, ticket, token=token)
    # The address is the key: links from this page tell nobody more than the site's origin.
    # (Not "no-referrer": browsers then send "Origin: null" and the reply form fails CSRF.)
    response["Referrer-Policy"] = "strict-origin"
    return response


# --- Files --------------------------------------------------------------------------------------


def _serve(attachment: Attachment) -> HttpResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


@require_safe
@login_required
def attachment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A file on the person's own ticket (staff use the file view of their workspace)."""
    attachment = postbox.attachment_for_owner(request.user, pk)
    if attachment is None:
        raise Http404
    return _serve(attachment)


@require_safe
def attachment_access(request: HttpRequest, reference: str, token: str, pk: int) -> HttpResponse:
    """A file on a ticket without an account, through the ticket's secret link."""
    attachment = postbox.attachment_for_token(reference, token, int(pk))
    if attachment is None:
        raise Http404
    return _serve(attachment)


_TICKET = rf"^service/anliegen/(?P<reference>{REFERENCE_PATTERN})/"
_LINK = rf"{_TICKET}(?P<token>{LINK_PATTERN})/"

urlpatterns = [
    path("service/anliegen/neu/", ticket_create, name="ticket_create"),
    path("service/anliegen/eingegangen/", ticket_submitted, name="ticket_submitted"),
    path("service/anhang/<int:pk>/", attachment_view, name="attachment"),
    path("konto/postfach/", postbox_view, name="postbox"),
    re_path(rf"{_TICKET}$", ticket_view, name="ticket"),
    re_path(rf"{_LINK}$", ticket_access, name="ticket_access"),
    re_path(rf"{_LINK}anhang/(?P<pk>[0-9]+)/$", attachment_access, name="attachment_access"),
]
