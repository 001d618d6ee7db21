"""Reads behind the Open311 answers: services and public reports, in one query each.

Only public reports (confirmed, not hidden) are ever read, and only columns that may be public:
nothing about the reporter is selected, so nothing about the reporter can be written out.
"""

from typing import Any

from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, When

from ..models import Category, DefectReport, Photo, StatusUpdate
from .forms import RequestFilters

SERVICE_FIELDS = ("service_code", "name", "description", "keywords", "group")
REQUEST_FIELDS = (
    "reference",
    "status",
    "category__name",
    "category__service_code",
    "department__name",
    "description",
    "address",
    "district__name",
    "latitude",
    "longitude",
    "created_at",
)
ANNOTATIONS = ("updated", "status_note", "photo_id")


def active_services() -> list[dict[str, Any]]:
    """The categories that take reports, in their order."""
    return list(Category.objects.filter(is_active=True).values(*SERVICE_FIELDS))


def active_service(service_code: str) -> Category | None:
    return Category.objects.filter(is_active=True, service_code=service_code).first()


def _for_answer(reports: QuerySet[DefectReport]) -> QuerySet[DefectReport]:
    """With the current status note, the first public photo and the spec's update time."""
    # The note that explains the current status: the latest one given for the change to it.
    note = (
        StatusUpdate.objects.filter(report=OuterRef("pk"), to_status=OuterRef("status"))
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    photo = (
        Photo.objects.filter(report=OuterRef("pk"), is_released=True, state=Photo.State.READY)
        .order_by("created_at", "pk")
        .values("pk")[:1]
    )
    # GeoReport: "For requests with status=closed, this will be the date the request was closed."
    updated = Case(
        When(status__in=DefectReport.OPEN_STATUSES, then="updated_at"),
        default="status_changed_at",
    )
    return reports.annotate(status_note=Subquery(note), photo_id=Subquery(photo), updated=updated)


def request_rows(filters: RequestFilters) -> list[dict[str, Any]]:
    """The public reports the filters select, newest first, as plain rows."""
    reports = DefectReport.objects.public()
    if filters.ids:
        reports = reports.filter(reference__in=filters.ids)
        window = slice(0, len(filters.ids))
    else:
        conditions = Q(created_at__gte=filters.start)
        if filters.end is not None:
            conditions &= Q(created_at__lte=filters.end)
        if filters.service_codes:
            conditions &= Q(category__service_code__in=filters.service_codes)
        if filters.statuses:
            conditions &= Q(status__in=filters.statuses)
        reports = reports.filter(conditions)
        offset = (filters.page - 1) * filters.page_size
        window = slice(offset, offset + filters.page_size)
    reports = reports.order_by("-created_at", "-pk")
    rows = _for_answer(reports).values(*REQUEST_FIELDS, *ANNOTATIONS)
    return list(rows[window])


def request_row(reference: str) -> dict[str, Any] | None:
    """One public report as a row, or None when there is no such public report."""
    if "\x00" in reference:  # no reference holds it (and PostgreSQL refuses to compare it)
        return None
    rows = request_rows(RequestFilters(ids=(reference,)))
    return rows[0] if rows else None
