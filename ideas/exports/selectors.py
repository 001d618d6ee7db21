"""The proposals, ratings and comments of an export, read with a fixed number of queries.

Rows are streamed (`values().iterator()`), so memory stays bounded however many proposals
there are; per-proposal figures come from one GROUP BY query each.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from participation.models import Channel, Comment, Rating

from ..models import DossierExport, Pillar, Proposal

CHUNK = 2000


def anonymised_label() -> str:
    return _("anonymisiert")


def proposals_of(export: DossierExport) -> QuerySet[Proposal]:
    """The proposals an export covers: its selection or its filters; never merged or hidden."""
    proposals = Proposal.objects.visible()
    if export.kind == DossierExport.Kind.OPEN_DATA:
        proposals = Proposal.objects.listed().filter(process__is_public=True)
    if export.proposal_ids is not None:
        proposals = proposals.filter(pk__in=export.proposal_ids)
    if export.process_id:
        proposals = proposals.filter(process_id=export.process_id)
    pillar_ids = [p.pk for p in export.pillars.all()]
    if pillar_ids:
        proposals = proposals.filter(pillar_id__in=pillar_ids)
    statuses = export.statuses or (
        [Proposal.Status.RECOMMENDED] if export.kind == DossierExport.Kind.COUNCIL else []
    )
    if statuses:
        proposals = proposals.filter(status__in=statuses)
    if export.created_from:
        proposals = proposals.filter(created_at__date__gte=export.created_from)
    if export.created_until:
        proposals = proposals.filter(created_at__date__lte=export.created_until)
    return proposals


@dataclass
class Figures:
    proposals: int = 0
    ratings: int = 0
    comments: int = 0
    raters: int = 0
    commenters: int = 0
    per_pillar: dict[int, int] = field(default_factory=dict)


def proposal_content_type() -> ContentType:
    return ContentType.objects.get_for_model(Proposal)


def figures(proposals: QuerySet[Proposal]) -> Figures:
    """The key figures: counts of proposals, ratings, comments and of the people behind them."""
    ct = proposal_content_type()
    ids = proposals.values("pk")
    totals = proposals.aggregate(
        n=Count("pk"), ratings=Sum("rating_count"), comments=Sum("comment_count")
    )
    per_pillar = dict(
        proposals.order_by()
        .values_list("pillar_id")
        .annotate(n=Count("pk"))
        .values_list("pillar_id", "n")
    )
    raters = Rating.objects.filter(content_type=ct, object_id__in=ids).aggregate(
        n=Count("user_id", distinct=True)
    )["n"]
    commenters = Comment.objects.filter(
        content_type=ct, object_id__in=ids, is_deleted=False
    ).aggregate(n=Count("author_id", distinct=True))["n"]
    return Figures(
        proposals=totals["n"] or 0,
        ratings=totals["ratings"] or 0,
        comments=totals["comments"] or 0,
        raters=raters,
        commenters=commenters,
        per_pillar=per_pillar,
    )


def rating_distribution(proposals: QuerySet[Proposal]) -> dict[int, list[int]]:
    """Per proposal id, the number of ratings of 1, 2, 3, 4 and 5 (one query)."""
    rows = (
        Rating.objects.filter(
            content_type=proposal_content_type(), object_id__in=proposals.values("pk")
        )
        .order_by()
        .values_list("object_id", "value")
        .annotate(n=Count("pk"))
    )
    result: dict[int, list[int]] = {}
    for object_id, value, n in rows.iterator(chunk_size=CHUNK):
        result.setdefault(object_id, [0, 0, 0, 0, 0])[value - 1] = n
    return result


@dataclass
class ProposalRow:
    id: int
    reference: str
    title: str
    summary: str
    pillar_id: int
    pillar: str
    status: str
    status_label: str
    district: str
    latitude: float | None
    longitude: float | None
    author: str
    channel: str
    created_at: datetime
    official_answer: str
    rating_count: int
    rating_sum: int
    rating_score: float
    comment_count: int
    distribution: list[int]
    url: str

    @property
    def mean(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None


STATUS_LABELS = dict(Proposal.Status.choices)
CHANNEL_LABELS = dict(Channel.choices)


def _url_maker():
    placeholder = "VS-0000-0000"
    pattern = settings.PORTAL_BASE_URL + reverse(
        "ideas:proposal_detail", kwargs={"reference": placeholder}
    )
    return lambda reference: pattern.replace(placeholder, reference)


def ranked_rows(
    proposals: QuerySet[Proposal], *, anonymise: bool, distribution: dict[int, list[int]]
) -> Iterator[ProposalRow]:
    """The proposals per pillar (in the pillars' order), best Bayesian score first; streamed."""
    url_of = _url_maker()
    anonymous = anonymised_label()
    rows = proposals.order_by("pillar__order", "pillar__title", "pillar_id", "-rating_score", "pk")
    rows = rows.values(
        "id",
        "reference",
        "title",
        "summary",
        "pillar_id",
        "status",
        "latitude",
        "longitude",
        "channel",
        "created_at",
        "official_answer",
        "rating_count",
        "rating_sum",
        "rating_score",
        "comment_count",
        pillar_title=F("pillar__title"),
        district_name=F("district__name"),
        author_name=F("author__display_name"),
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield ProposalRow(
            id=row["id"],
            reference=row["reference"],
            title=row["title"],
            summary=row["summary"],
            pillar_id=row["pillar_id"],
            pillar=row["pillar_title"],
            status=row["status"],
            status_label=str(STATUS_LABELS.get(row["status"], row["status"])),
            district=row["district_name"] or "",
            latitude=row["latitude"],
            longitude=row["longitude"],
            author=anonymous if anonymise else (row["author_name"] or ""),
            channel=str(CHANNEL_LABELS.get(row["channel"], row["channel"])),
            created_at=row["created_at"],
            official_answer=row["official_answer"],
            rating_count=row["rating_count"],
            rating_sum=row["rating_sum"],
            rating_score=row["rating_score"],
            comment_count=row["comment_count"],
            distribution=distribution.get(row["id"], [0, 0, 0, 0, 0]),
            url=url_of(row["reference"]),
        )


@dataclass
class CommentRow:
    id: int
    proposal_id: int
    parent_id: int | None
    author: str
    is_official: bool
    channel: str
    created_at: datetime
    text: str


def _comment_author(row: dict, anonymise: bool) -> str:
    if row["is_official"]:
        return _("Stadt %(city)s") % {"city": settings.PORTAL_CITY_NAME}
    if anonymise:
        return anonymised_label()
    return row["author_name"] or ""


COMMENT_FIELDS = ("id", "object_id", "parent_id", "is_official", "channel", "created_at", "text")


def comment_rows(proposals: QuerySet[Proposal], *, anonymise: bool) -> Iterator[CommentRow]:
    """The visible comments of the proposals (no tombstones, nothing hidden); streamed."""
    comments = (
        Comment.objects.filter(
            content_type=proposal_content_type(),
            object_id__in=proposals.values("pk"),
            is_deleted=False,
            is_hidden=False,
        )
        .order_by("object_id", "created_at", "pk")
        .values(*COMMENT_FIELDS, author_name=F("author__display_name"))
    )
    for row in comments.iterator(chunk_size=CHUNK):
        yield CommentRow(
            id=row["id"],
            proposal_id=row["object_id"],
            parent_id=row["parent_id"],
            author=_comment_author(row, anonymise),
            is_official=row["is_official"],
            channel=str(CHANNEL_LABELS.get(row["channel"], row["channel"])),
            created_at=row["created_at"],
            text=row["text"],
        )


def comment_digest(
    proposal_ids: list[int], *, per_proposal: int, anonymise: bool
) -> dict[int, list[CommentRow]]:
    """The first comments of each proposal, official ones first (one query with a window)."""
    if not proposal_ids:
        return {}
    ranked = (
        Comment.objects.filter(
            content_type=proposal_content_type(),
            object_id__in=proposal_ids,
            is_deleted=False,
            is_hidden=False,
        )
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("object_id")],
                order_by=[F("is_official").desc(), F("created_at").asc(), F("pk").asc()],
            )
        )
        .filter(position__lte=per_proposal)
        .order_by("object_id", "position")
        .values(*COMMENT_FIELDS, author_name=F("author__display_name"))
    )
    digest: dict[int, list[CommentRow]] = {}
    for row in ranked:
        digest.setdefault(row["object_id"], []).append(
            CommentRow(
                id=row["id"],
                proposal_id=row["object_id"],
                parent_id=row["parent_id"],
                author=_comment_author(row, anonymise),
                is_official=row["is_official"],
                channel=str(CHANNEL_LABELS.get(row["channel"], row["channel"])),
                created_at=row["created_at"],
                text=row["text"],
            )
        )
    return digest


def pillars_by_id(ids) -> dict[int, Pillar]:
    return {p.pk: p for p in Pillar.objects.filter(pk__in=list(ids))}
