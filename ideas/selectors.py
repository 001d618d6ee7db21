"""Reads of the strategy and its proposals, for the public pages."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Prefetch, QuerySet, Value

from lohmar_portal.cache import cached_read
from lohmar_portal.models import District
from participation.models import Comment, Follow, ModerationAction, Process, Rating

from .models import Pillar, Proposal, Vision
from .search import search_proposals


def current_vision() -> Vision | None:
    """The published vision with the latest horizon, its pillars loaded in order."""
    return (
        Vision.objects.published()
        .prefetch_related(Prefetch("pillars", queryset=Pillar.objects.order_by("order", "title")))
        .first()
    )


def published_pillar(*, slug: str) -> Pillar | None:
    """A pillar of a published vision."""
    return (
        Pillar.objects.filter(vision__is_published=True, slug=slug).select_related("vision").first()
    )


# --- Proposals ----------------------------------------------------------------------------------

SORTS = {
    "newest": ("-created_at", "-id"),
    "best": ("-rating_score", "-id"),
    "discussed": ("-comment_count", "-id"),
}
# A permutation of the ids that depends on the seed: the same seed gives the same order on every
# page, and it works alike on PostgreSQL and SQLite (integer arithmetic only).
_RANDOM_MULTIPLIER = 2654435761
_RANDOM_MODULUS = 4294967291


@dataclass(frozen=True)
class ProposalFilters:
    pillar: Pillar | None = None
    status: str = ""
    district: District | None = None
    process: Process | None = None
    query: str = ""
    sort: str = "newest"
    seed: int = 0


def proposals_for_listing(filters: ProposalFilters) -> QuerySet[Proposal]:
    """The public list: visible, not withdrawn, filtered, searched and sorted."""
    proposals = (
        Proposal.objects.listed()
        .filter(process__is_public=True)
        .select_related("pillar", "district", "author")
    )
    if filters.pillar:
        proposals = proposals.filter(pillar=filters.pillar)
    if filters.status:
        proposals = proposals.filter(status=filters.status)
    if filters.district:
        proposals = proposals.filter(district=filters.district)
    if filters.process:
        proposals = proposals.filter(process=filters.process)
    if filters.query:
        proposals = search_proposals(proposals, filters.query)
    if filters.sort == "random":
        # Shift, then multiply: a different seed gives a different permutation, not a rotation.
        # (id + seed) * multiplier stays below 2**63 for seeds below 2**31.
        shuffled = ((F("id") + Value(filters.seed)) * _RANDOM_MULTIPLIER) % _RANDOM_MODULUS
        return proposals.alias(shuffled=shuffled).order_by("shuffled", "id")
    if filters.sort == "relevance" and filters.query and connection.vendor == "postgresql":
        return proposals.order_by("-search_rank", "-id")
    return proposals.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def with_public_author(queryset: QuerySet) -> QuerySet:
    """The rows with their author's public name only (no e-mail, real name or password hash):
    for rows that are cached and shared by every visitor."""
    own_fields = [field.name for field in queryset.model._meta.concrete_fields]
    return queryset.select_related("author").only(*own_fields, "author__display_name")


def proposal_for_detail(*, reference: str) -> Proposal | None:
    """One proposal with what its page shows; hidden and merged ones too (they say why).

    Only the phases are loaded up front (the permissions need them); images, history and
    projects are read by the page's cached fragments, and only when a fragment is rendered.
    Cached per content version, so the page never shows an old state.
    """

    def read() -> Proposal | bool:
        try:
            return (
                with_public_author(Proposal.objects.select_related("pillar", "district", "process"))
                .prefetch_related(Prefetch("process__phases"))
                .get(reference=reference)
            )
        except Proposal.DoesNotExist:
            return False  # cached as well: a wrong reference is not read twice

    return cached_read("proposal", reference, compute=read) or None


def rating_distribution(proposal: Proposal) -> list[tuple[int, int, int]]:
    """(stars, count, percent) for 5 down to 1 stars, in one query."""
    content_type = ContentType.objects.get_for_model(Proposal)
    counts = dict(
        Rating.objects.filter(content_type=content_type, object_id=proposal.pk)
        .values_list("value")
        .annotate(n=Count("pk"))
        .values_list("value", "n")
    )
    total = sum(counts.values())
    return [
        (stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total) if total else 0)
        for stars in range(5, 0, -1)
    ]


COMMENTS_PER_PAGE = 10


def comment_threads(proposal: Proposal, *, page: int) -> tuple[Page, dict[int, list[Comment]]]:
    """A page of top-level comments (oldest first) and the replies of each.

    Shared by every visitor and cached per content version: after any write it is read afresh.
    """

    def read() -> tuple[list[Comment], dict[int, list[Comment]], int, int]:
        content_type = ContentType.objects.get_for_model(Proposal)
        on_proposal = Comment.objects.filter(content_type=content_type, object_id=proposal.pk)
        threads = Paginator(
            with_public_author(on_proposal.filter(parent=None)), COMMENTS_PER_PAGE
        ).get_page(page)
        replies: dict[int, list[Comment]] = {}
        for reply in with_public_author(on_proposal.filter(parent__in=[c.pk for c in threads])):
            replies.setdefault(reply.parent_id, []).append(reply)
        return list(threads), replies, threads.paginator.count, threads.number

    threads, replies, count, number = cached_read(
        "comment-threads", proposal.pk, page, compute=read
    )
    # A light page over the cached rows: the paginator counts a range, not the table.
    return Page(threads, number, Paginator(range(count), COMMENTS_PER_PAGE)), replies


def user_state(user, proposal: Proposal) -> dict:
    """The visitor's own rating and whether they follow, for the detail page (one query).

    Every logged-in view of a proposal asks; plain SQL spares building two querysets.
    """
    if not user.is_authenticated:
        return {"my_rating": None, "following": False}
    quote = connection.ops.quote_name
    on_proposal = "content_type_id = %s AND object_id = %s AND user_id = %s"
    params = [ContentType.objects.get_for_model(Proposal).pk, proposal.pk, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT value FROM {quote(Rating._meta.db_table)} WHERE {on_proposal}), "  # noqa: S608 - names from our models, values bound
            f"EXISTS (SELECT 1 FROM {quote(Follow._meta.db_table)} WHERE {on_proposal})",
            params * 2,
        )
        my_rating, following = cursor.fetchone()
    return {"my_rating": my_rating, "following": bool(following)}


def moderation_log(proposal: Proposal) -> QuerySet[ModerationAction]:
    """The public moderation entries of a proposal (merges, hides, restores)."""
    content_type = ContentType.objects.get_for_model(Proposal)
    return ModerationAction.objects.filter(
        content_type=content_type,
        object_id=proposal.pk,
        action__in=[
            ModerationAction.Action.MERGE,
            ModerationAction.Action.HIDE,
            ModerationAction.Action.RESTORE,
        ],
    )


def open_processes_for_submission() -> list[Process]:
    """Public processes whose active phase takes proposals."""
    processes = Process.objects.filter(is_public=True).prefetch_related("phases")
    return [p for p in processes if (phase := p.phase_at()) and phase.allows_submit]
