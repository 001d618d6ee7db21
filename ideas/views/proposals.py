"""The proposal pages: list, detail, submit, edit, withdraw, and the participation posts on them.

Views are adapters: they read with the selectors, write through the services, and turn a
PermissionDenied into 403 and a ValidationError into the form's errors (400). Submitting,
commenting and reporting are limited per person and hour (429 with the form and a message).
"""

import random
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lohmar_portal import ratelimit
from lohmar_portal.cache import cache_public_page
from lohmar_portal.forms import add_service_errors
from lohmar_portal.pagination import CappedPaginator
from participation import services as participation
from participation.models import Comment
from participation.permissions import (
    can_comment,
    can_flag,
    can_follow,
    can_moderate,
    can_rate,
    phase_allows,
)

from .. import selectors, services
from ..forms import CommentForm, FlagForm, ProposalFilterForm, ProposalForm, RatingForm
from ..models import Proposal, ProposalImage
from ..permissions import can_edit_proposal, can_withdraw_proposal

PER_PAGE = 20
HOUR = 3600


def proposals_per_hour() -> int:
    """How many proposals one person may submit per hour."""
    return getattr(settings, "IDEAS_PROPOSALS_PER_HOUR", 10)


def comments_per_hour() -> int:
    """How many comments and replies one person may write per hour (moderators: no limit)."""
    return getattr(settings, "IDEAS_COMMENTS_PER_HOUR", 30)


def flags_per_hour() -> int:
    """How many contributions one person may report to the moderators per hour."""
    return getattr(settings, "IDEAS_FLAGS_PER_HOUR", 20)


class Limit(NamedTuple):
    """A per-person hourly limit on a kind of post, and what a refused post is told."""

    kind: str
    per_hour: int
    message: str

    def allows(self, request: HttpRequest) -> bool:
        return ratelimit.hit(
            f"ideas:{self.kind}:{ratelimit.person_key(request)}", self.per_hour, HOUR
        )


def _too_many(response: HttpResponse) -> HttpResponse:
    response["Retry-After"] = str(ratelimit.retry_after(HOUR))
    return response


def _comment_limit() -> Limit:
    return Limit(
        "comment",
        comments_per_hour(),
        _(
            "Sie haben in der letzten Stunde sehr viele Kommentare geschrieben. Bitte versuchen "
            "Sie es später noch einmal."
        ),
    )


def _flag_limit() -> Limit:
    return Limit(
        "flag",
        flags_per_hour(),
        _(
            "Sie haben in der letzten Stunde sehr viele Beiträge gemeldet. Bitte versuchen Sie es "
            "später noch einmal."
        ),
    )


@require_safe
@cache_public_page
def proposal_list(request: HttpRequest) -> HttpResponse:
    form = ProposalFilterForm(request.GET or None)
    # A wrong value (an unknown pillar, say) drops that filter only; the others still apply.
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    sort = data.get("sort") or "newest"
    seed = data.get("seed")
    if sort == "random" and seed is None:
        seed = random.randrange(2**31)  # noqa: S311 - an order, not a secret
    filters = selectors.ProposalFilters(
        pillar=data.get("pillar"),
        status=data.get("status") or "",
        district=data.get("district"),
        query=(data.get("q") or "").strip(),
        sort=sort,
        seed=seed or 0,
    )
    count_key = f"proposals:{filters.pillar and filters.pillar.pk}:{filters.status}:" + (
        f"{filters.district and filters.district.pk}:{filters.query}"
    )
    page = CappedPaginator(
        selectors.proposals_for_listing(filters), PER_PAGE, count_key=count_key
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    if sort == "random":
        query["seed"] = str(seed)
    return render(
        request,
        "ideas/proposal_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "filters": filters},
    )


@require_safe
@cache_public_page
def proposal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = selectors.proposal_for_detail(reference=reference)
    if proposal is None or not (proposal.process.is_public or can_moderate(request.user)):
        raise Http404
    if proposal.status == Proposal.Status.MERGED and proposal.merged_into_id:
        return redirect(proposal.merged_into, permanent=True)
    return _render_detail(request, proposal)


def _render_detail(request: HttpRequest, proposal: Proposal, status: int = 200, **forms):
    user = request.user
    hidden_for_visitor = proposal.is_hidden and not can_moderate(user)
    context = {"proposal": proposal, "hidden_for_visitor": hidden_for_visitor}
    if not hidden_for_visitor:
        comment_page = request.GET.get("kommentare")
        # Read only when the page's shared fragment is rendered, not for every visitor.
        comments = SimpleLazyObject(lambda: selectors.comment_threads(proposal, page=comment_page))
        # Each thread as a list: its comment, then its replies.
        rows = SimpleLazyObject(
            lambda: [[top, *comments[1].get(top.pk, ())] for top in comments[0].object_list]
        )
        context |= {
            "comment_page": comment_page or "",
            "threads": SimpleLazyObject(lambda: comments[0]),
            "comment_rows": rows,
            # The visitor's own comments on this page, by pk (read only if there are any).
            "own_comments": SimpleLazyObject(
                lambda: {c.pk: c for thread in rows for c in thread if c.author_id == user.pk}
            ),
            # Called by the template only when the cached fragment is missing.
            "distribution": partial(selectors.rating_distribution, proposal),
            # Read inside cached fragments: built and run only when one is rendered.
            "moderation_log": SimpleLazyObject(lambda: selectors.moderation_log(proposal)),
            "merged_proposals": SimpleLazyObject(proposal.merged_proposals.all),
            "images": SimpleLazyObject(proposal.images.all),
            "history": SimpleLazyObject(
                lambda: proposal.status_changes.order_by("created_at", "pk")
            ),
            "projects": SimpleLazyObject(lambda: proposal.projects.filter(is_published=True)),
            "can_rate": can_rate(user, proposal),
            "can_comment": can_comment(user, proposal),
            "can_flag": can_flag(user, proposal),
            "can_follow": can_follow(user, proposal),
            "can_edit": can_edit_proposal(user, proposal),
            "can_withdraw": can_withdraw_proposal(user, proposal),
            "is_moderator": can_moderate(user),
            "rating_open": phase_allows(proposal.process, "rate"),
            "comment_open": phase_allows(proposal.process, "comment"),
            "phase": proposal.process.phase_at(),
            # The form whose post failed (shown with its errors), if any; blank forms are
            # rendered from cached fragments and made only when one is missing.
            "posted": next(iter(forms), ""),
            "rating_form": forms.get("rating_form") or SimpleLazyObject(RatingForm),
            "comment_form": forms.get("comment_form") or SimpleLazyObject(CommentForm),
            "flag_form": forms.get("flag_form") or SimpleLazyObject(FlagForm),
            **selectors.user_state(user, proposal),
        }
    return render(request, "ideas/proposal_detail.html", context, status=status)


def _proposal_for_action(
    reference: str | None = None, *, pk: int | None = None, lock: bool = False
) -> Proposal:
    """The proposal with its process; 404 when there is none.

    `lock`: read under a row lock for a participation service (rating, comment) that follows
    in this request's transaction; it then does not read the proposal again.
    """
    lookup = {"reference": reference} if pk is None else {"pk": pk}
    proposals = Proposal.objects.select_related("process")
    if not lock:
        return get_object_or_404(proposals, **lookup)
    try:
        return participation.locked_target(proposals, **lookup)
    except Proposal.DoesNotExist:
        raise Http404 from None


def _visible_proposal(request: HttpRequest, reference: str, *, lock: bool = False) -> Proposal:
    """A proposal to act on, as its page shows it: in a process that is not public it does
    not exist but for moderators (a post must not tell that it is there)."""
    proposal = _proposal_for_action(reference, lock=lock)
    if not (proposal.process.is_public or can_moderate(request.user)):
        raise Http404
    return proposal


@login_required
def proposal_create(request: HttpRequest) -> HttpResponse:
    processes = selectors.open_processes_for_submission()
    if not processes:
        if request.method == "POST":
            raise PermissionDenied(
                _("Zurzeit läuft keine Phase, in der Vorschläge eingereicht werden können.")
            )
        return render(request, "ideas/proposal_closed.html")
    form = ProposalForm(request.POST or None, request.FILES or None, processes=processes)
    limit = Limit(
        "proposal",
        proposals_per_hour(),
        _(
            "Sie haben in der letzten Stunde sehr viele Vorschläge eingereicht. Bitte versuchen "
            "Sie es später noch einmal."
        ),
    )
    if request.method == "POST" and form.is_valid():
        if not limit.allows(request):
            form.add_error(None, limit.message)
            context = {"form": form}
            return _too_many(render(request, "ideas/proposal_form.html", context, status=429))
        data = form.cleaned_data
        try:
            proposal = services.submit_proposal(
                actor=request.user,
                process=data["process"],
                pillar=data["pillar"],
                title=data["title"],
                summary=data["summary"],
                text=data["text"],
                district=data["district"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                images=form.new_images(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Danke! Ihr Vorschlag ist eingereicht und hat das Aktenzeichen %(ref)s.")
                % {"ref": proposal.reference},
            )
            return redirect(proposal)
    status = 400 if request.method == "POST" else 200
    return render(request, "ideas/proposal_form.html", {"form": form}, status=status)


@login_required
def proposal_edit(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference)
    if not can_edit_proposal(request.user, proposal):
        raise PermissionDenied(_("Dieser Vorschlag kann nicht mehr bearbeitet werden."))
    initial = {
        "pillar": proposal.pillar,
        "title": proposal.title,
        "summary": proposal.summary,
        "text": proposal.text,
        "district": proposal.district,
        "latitude": proposal.latitude,
        "longitude": proposal.longitude,
    }
    form = ProposalForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_proposal(
                actor=request.user,
                proposal=proposal,
                pillar=data["pillar"],
                title=data["title"],
                summary=data["summary"],
                text=data["text"],
                district=data["district"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                new_images=form.new_images(),
                remove_images=[
                    int(pk) for pk in request.POST.getlist("remove_image") if pk.isdigit()
                ],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Ihre Änderungen sind gespeichert."))
            return redirect(proposal)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "ideas/proposal_form.html", {"form": form, "proposal": proposal}, status=status
    )


@login_required
def proposal_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference)
    if not can_withdraw_proposal(request.user, proposal):
        raise PermissionDenied(_("Dieser Vorschlag kann nicht mehr zurückgezogen werden."))
    if request.method == "POST":
        services.withdraw_proposal(actor=request.user, proposal=proposal)
        messages.success(request, _("Ihr Vorschlag ist zurückgezogen."))
        return redirect(proposal)
    return render(request, "ideas/proposal_withdraw.html", {"proposal": proposal})


def _participate(
    request: HttpRequest,
    proposal: Proposal,
    form: Form,
    form_name: str,
    action,
    limit: Limit | None = None,
):
    """Run one participation service; show the detail page with the form's errors on failure
    (429 when the person is over the limit)."""
    if form.is_valid():
        if limit is not None and not limit.allows(request):
            form.add_error(None, limit.message)
            return _too_many(_render_detail(request, proposal, status=429, **{form_name: form}))
        try:
            message = action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(proposal)
    return _render_detail(request, proposal, status=400, **{form_name: form})


@login_required
@require_POST
def rate(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference, lock=True)

    def action(data):
        participation.rate(user=request.user, target=proposal, value=data["value"])
        return _("Danke für Ihre Bewertung.")

    return _participate(request, proposal, RatingForm(request.POST), "rating_form", action)


@login_required
@require_POST
def withdraw_rating(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference, lock=True)
    participation.withdraw_rating(user=request.user, target=proposal)
    messages.success(request, _("Ihre Bewertung ist zurückgenommen."))
    return redirect(proposal)


@login_required
@require_POST
def comment(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference, lock=True)
    form = CommentForm(request.POST)

    def action(data):
        parent = None
        if data.get("parent"):
            parent = Comment.objects.filter(pk=data["parent"]).first()
            if parent is None:
                raise ValidationError(_("Diesen Kommentar gibt es nicht mehr."))
        participation.add_comment(
            actor=request.user,
            target=proposal,
            text=data["text"],
            parent=parent,
            official=bool(request.POST.get("official")) and can_moderate(request.user),
        )
        return _("Ihr Kommentar ist veröffentlicht.")

    limit = None if can_moderate(request.user) else _comment_limit()
    return _participate(request, proposal, form, "comment_form", action, limit)


@login_required
@require_POST
def flag_proposal(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference)

    def action(data):
        participation.flag(user=request.user, target=proposal, reason=data["reason"])
        return _("Danke für Ihre Meldung. Die Moderation sieht sich den Beitrag an.")

    return _participate(
        request, proposal, FlagForm(request.POST), "flag_form", action, _flag_limit()
    )


@login_required
@require_POST
def follow(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = _visible_proposal(request, reference)
    if request.POST.get("follow") == "0":
        participation.unfollow(user=request.user, target=proposal)
        messages.success(request, _("Sie folgen diesem Vorschlag nicht mehr."))
    else:
        participation.follow(user=request.user, target=proposal)
        messages.success(
            request, _("Sie folgen diesem Vorschlag und erhalten Neuigkeiten per E-Mail.")
        )
    return redirect(proposal)


def _comment_on_proposal(request: HttpRequest, comment_id: int) -> tuple[Comment, Proposal]:
    """A comment and its proposal, as the visitor may see them: hidden ones are not found."""
    comment = get_object_or_404(Comment, pk=comment_id)
    if comment.content_type.model_class() is not Proposal:
        raise Http404
    proposal = _proposal_for_action(pk=comment.object_id)
    if not can_moderate(request.user) and (
        proposal.is_hidden or not proposal.process.is_public or comment.is_hidden
    ):
        raise Http404
    return comment, proposal


@login_required
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, proposal = _comment_on_proposal(request, comment_id)
    if not participation.can_edit_comment(request.user, comment):
        raise PermissionDenied(_("Dieser Kommentar kann nicht mehr bearbeitet werden."))
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            participation.edit_comment(
                actor=request.user, comment=comment, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Ihr Kommentar ist geändert."))
            return redirect(f"{proposal.get_absolute_url()}#kommentar-{comment.pk}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "ideas/comment_form.html",
        {"form": form, "comment": comment, "proposal": proposal},
        status=status,
    )


@login_required
@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, proposal = _comment_on_proposal(request, comment_id)
    participation.delete_comment(actor=request.user, comment=comment)
    messages.success(request, _("Ihr Kommentar ist gelöscht."))
    return redirect(proposal)


@login_required
def comment_flag(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Report a comment to the moderators: a small page of its own, reached from the comment."""
    comment, proposal = _comment_on_proposal(request, comment_id)
    if comment.is_deleted or not can_flag(request.user, comment):
        raise PermissionDenied(_("Sie können diesen Kommentar nicht melden."))
    form = FlagForm(request.POST or None)
    limit = _flag_limit()
    if request.method == "POST" and form.is_valid():
        if not limit.allows(request):
            form.add_error(None, limit.message)
            context = {"form": form, "comment": comment, "proposal": proposal}
            return _too_many(render(request, "ideas/comment_flag.html", context, status=429))
        try:
            participation.flag(
                user=request.user, target=comment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Danke für Ihre Meldung. Die Moderation sieht sich den Kommentar an."),
            )
            return redirect(f"{proposal.get_absolute_url()}#kommentar-{comment.pk}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "ideas/comment_flag.html",
        {"form": form, "comment": comment, "proposal": proposal},
        status=status,
    )


@require_safe
def proposal_image(request: HttpRequest, pk: int) -> FileResponse:
    """An image of a visible proposal, served by the portal (no web server serves uploads)."""
    image = get_object_or_404(ProposalImage.objects.select_related("proposal__process"), pk=pk)
    proposal = image.proposal
    if not can_moderate(request.user) and (
        proposal.is_hidden
        or not proposal.process.is_public
        or proposal.status == Proposal.Status.MERGED
    ):
        raise Http404
    response = FileResponse(image.image.open("rb"))
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("vorschlaege/", proposal_list, name="proposal_list"),
    path("vorschlaege/neu/", proposal_create, name="proposal_create"),
    path("vorschlaege/bilder/<int:pk>/", proposal_image, name="proposal_image"),
    path("vorschlaege/<str:reference>/", proposal_detail, name="proposal_detail"),
    path("vorschlaege/<str:reference>/bearbeiten/", proposal_edit, name="proposal_edit"),
    path("vorschlaege/<str:reference>/zurueckziehen/", proposal_withdraw, name="proposal_withdraw"),
    path("vorschlaege/<str:reference>/bewerten/", rate, name="proposal_rate"),
    path(
        "vorschlaege/<str:reference>/bewertung-zuruecknehmen/",
        withdraw_rating,
        name="proposal_withdraw_rating",
    ),
    path("vorschlaege/<str:reference>/kommentieren/", comment, name="proposal_comment"),
    path("vorschlaege/<str:reference>/melden/", flag_proposal, name="proposal_flag"),
    path("vorschlaege/<str:reference>/folgen/", follow, name="proposal_follow"),
    path("kommentare/<int:comment_id>/bearbeiten/", comment_edit, name="comment_edit"),
    path("kommentare/<int:comment_id>/loeschen/", comment_delete, name="comment_delete"),
    path("kommentare/<int:comment_id>/melden/", comment_flag, name="comment_flag"),
]
