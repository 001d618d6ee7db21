"""Reads of the Mängelmelder's public side: the map and its list, a report's page, statistics.

Everything here returns public data only (confirmed, not hidden); nothing about reporters.
Each function runs a fixed number of queries, whatever the number of reports.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Category, DefectReport, Photo, StatusUpdate

Status = DefectReport.Status

# Status filter groups on top of the single statuses.
OPEN = "open"
DONE = "done"
DONE_STATUSES = (Status.RESOLVED, Status.NOT_RESPONSIBLE, Status.DUPLICATE, Status.CLOSED)
# The statuses the public ever sees, in the order of a report's life.
PUBLIC_STATUSES = [status for status in Status if status != Status.SUBMITTED]


@dataclass(frozen=True)
class ReportFilters:
    """What the map and its list are narrowed to; empty values filter nothing."""

    category: Category | None = None
    # "", OPEN, DONE or one of DefectReport.Status (never "submitted": not public).
    status: str = ""
    # Reports filed on or after this day (the city's time zone).
    since: date | None = None


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def public_reports(filters: ReportFilters = ReportFilters()) -> QuerySet[DefectReport]:
    """Public reports matching the filters, newest first (the list's and the map's order)."""
    reports = DefectReport.objects.public()
    if filters.category is not None:
        reports = reports.filter(category=filters.category)
    if filters.status == OPEN:
        reports = reports.filter(status__in=DefectReport.OPEN_STATUSES)
    elif filters.status == DONE:
        reports = reports.filter(status__in=DONE_STATUSES)
    elif filters.status:
        reports = reports.filter(status=filters.status)
    if filters.since is not None:
        reports = reports.filter(created_at__gte=_start_of_day(filters.since))
    return reports.order_by("-created_at", "-pk")


def reports_for_listing(filters: ReportFilters = ReportFilters()) -> QuerySet[DefectReport]:
    """The list twin's rows: what a row shows, with category and district in the same query."""
    return (
        public_reports(filters)
        .select_related("category", "district")
        .only(
            "reference",
            "category__name",
            "status",
            "description",
            "address",
            "district__name",
            "latitude",
            "created_at",
            "supporter_count",
        )
    )


def latest_reports(count: int = 3) -> QuerySet[DefectReport]:
    """The newest public reports, for the home page."""
    return reports_for_listing()[:count]


def map_rows(
    filters: ReportFilters,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """Up to `limit` + 1 located public reports (newest first) in the box (west, south, east,
    north), as plain rows: reference, category name, status, latitude, longitude, created_at.

    One query; the extra row tells the caller that the limit cut the answer.
    """
    reports = public_reports(filters).filter(latitude__isnull=False)
    if bbox is not None:
        west, south, east, north = bbox
        reports = reports.filter(
            longitude__gte=west, longitude__lte=east, latitude__gte=south, latitude__lte=north
        )
    return list(
        reports.values_list(
            "reference", "category__name", "status", "latitude", "longitude", "created_at"
        )[: limit + 1]
    )


# --- A report's page ----------------------------------------------------------------------------


def report_for_detail(reference: str) -> DefectReport | None:
    """The report with what its page shows beside it; None when there is none (any state)."""
    return (
        DefectReport.objects.select_related("category", "district", "duplicate_of")
        .filter(reference=reference)
        .first()
    )


def public_history(report: DefectReport) -> QuerySet[StatusUpdate]:
    """The report's public steps from confirmation on; who acted is never shown, only whether
    the city did."""
    return (
        report.updates.exclude(to_status=Status.SUBMITTED)
        .only("report_id", "from_status", "to_status", "note", "by_staff", "created_at")
        .order_by("created_at", "pk")
    )


def public_photos(report: DefectReport) -> QuerySet[Photo]:
    """Photos staff have released and that are processed (no EXIF left)."""
    return report.photos.filter(is_released=True, state=Photo.State.READY).only(
        "pk", "report_id", "alt_text"
    )


def public_duplicates(report: DefectReport) -> QuerySet[DefectReport]:
    """The public reports closed as duplicates of this one."""
    # duplicate_of_id: the related manager sets each row's duplicate_of to `report`.
    return (
        report.duplicates.public().only("reference", "duplicate_of_id").order_by("created_at", "pk")
    )


# --- Statistics ---------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's median (an ordered-set aggregate); other databases use `_median_days`."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months, oldest first, this month last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _median_days(durations: list[float]) -> float | None:
    return statistics.median(durations) / 86400 if durations else None


def _resolution_medians(
    reports: QuerySet[DefectReport],
) -> tuple[float | None, dict[int, float]]:
    """Median days from confirmation to resolution: overall and per category id.

    PostgreSQL computes it (percentile_cont over the seconds); elsewhere (SQLite, for trying
    the portal out) Python does, over one column of durations.
    """
    resolved = reports.filter(
        status=Status.RESOLVED, resolved_at__isnull=False, confirmed_at__isnull=False
    ).order_by()
    if connections[resolved.db].vendor == "postgresql":
        duration = Median(
            ExpressionWrapper(F("resolved_at") - F("confirmed_at"), output_field=DurationField()),
            output_field=DurationField(),
        )
        overall = resolved.aggregate(median=duration)["median"]
        per_category = {
            category_id: median.total_seconds() / 86400
            for category_id, median in resolved.values("category_id")
            .annotate(median=duration)
            .values_list("category_id", "median")
        }
        return (overall.total_seconds() / 86400 if overall is not None else None), per_category
    durations: dict[int, list[float]] = {}
    for category_id, confirmed_at, resolved_at in resolved.values_list(
        "category_id", "confirmed_at", "resolved_at"
    ):
        durations.setdefault(category_id, []).append((resolved_at - confirmed_at).total_seconds())
    overall = _median_days([seconds for values in durations.values() for seconds in values])
    return overall, {category_id: _median_days(values) for category_id, values in durations.items()}


def defect_statistics(*, today: date | None = None) -> dict[str, Any]:
    """Public reports per category, status and month (last 12), and the median days to
    resolution, overall and per category. Plain data (cacheable); five queries."""
    today = today or timezone.localdate()
    reports = DefectReport.objects.public()
    public_in = Q(reports__is_hidden=False) & ~Q(reports__status=Status.SUBMITTED)
    categories = list(
        # Meta.ordering does not apply to aggregating queries: order explicitly.
        Category.objects.order_by("order", "name")
        .annotate(
            total=Count("reports", filter=public_in),
            open=Count(
                "reports", filter=public_in & Q(reports__status__in=DefectReport.OPEN_STATUSES)
            ),
        )
        .values_list("pk", "name", "is_active", "total", "open")
    )
    per_status = dict(
        reports.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    starts = _month_starts(today, 12)
    per_month = {
        (month.year, month.month): n
        for month, n in reports.filter(created_at__gte=_start_of_day(starts[0]))
        .order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    }
    overall_median, category_medians = _resolution_medians(reports)
    return {
        "total": sum(per_status.values()),
        "open": sum(per_status.get(status, 0) for status in DefectReport.OPEN_STATUSES),
        "resolved": per_status.get(Status.RESOLVED, 0),
        # (name, reports, open reports) of every category that has reports or takes new ones.
        "per_category": [
            (name, total, open_count)
            for _pk, name, is_active, total, open_count in categories
            if total or is_active
        ],
        "per_status": [
            (str(status.label), per_status.get(status, 0)) for status in PUBLIC_STATUSES
        ],
        "per_month": [(start, per_month.get((start.year, start.month), 0)) for start in starts],
        "median_days": overall_median,
        "median_days_per_category": [
            (name, category_medians[pk])
            for pk, name, *_counts in categories
            if pk in category_medians
        ],
    }
