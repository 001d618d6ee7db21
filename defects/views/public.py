"""The Mängelmelder's public side: the map with its list twin, the GeoJSON behind the map, a
report's page and its photos. Statistics live in `statistics.py`; their route is added here.

No view here shows or serves anything about a reporter (account, name, e-mail, phone).
"""

import json
import math
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page
from lohmar_portal.pagination import CappedPaginator

from .. import selectors
from ..models import Category, DefectReport, Photo
from ..permissions import can_work_report
from ..services import can_be_supported
from . import statistics

Status = DefectReport.Status
PAGE_SIZE = 20
# Long enough for browsers to keep a released photo, short enough that withholding it again
# takes effect the same day.
PUBLIC_PHOTO_MAX_AGE = 3600
SUPPORT_FORM = "defects/components/support_form.html"


def report_create_url() -> str | None:
    """Where "Mangel melden" leads (the reporting views' form), if they are installed."""
    try:
        return reverse("defects:report_create")
    except NoReverseMatch:
        return None


def geojson_limit() -> int:
    """The most reports one GeoJSON answer holds (the newest win)."""
    return getattr(settings, "DEFECTS_GEOJSON_LIMIT", 2000)


class ReportFilterForm(forms.Form):
    """The map's and the list's filters, as a GET form that works without JavaScript."""

    category = forms.ModelChoiceField(
        label=gettext_lazy("Kategorie"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("alle Kategorien"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("alle")),
            (
                gettext_lazy("Zusammengefasst"),
                [
                    (selectors.OPEN, gettext_lazy("offen (noch nicht erledigt)")),
                    (selectors.DONE, gettext_lazy("abgeschlossen")),
                ],
            ),
            (
                gettext_lazy("Einzelner Status"),
                [(status.value, status.label) for status in selectors.PUBLIC_STATUSES],
            ),
        ],
    )
    period = forms.TypedChoiceField(
        label=gettext_lazy("Zeitraum"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", gettext_lazy("gesamter Zeitraum")),
            ("7", gettext_lazy("letzte 7 Tage")),
            ("30", gettext_lazy("letzte 30 Tage")),
            ("365", gettext_lazy("letzte 12 Monate")),
        ],
    )
    since = forms.DateField(
        label=gettext_lazy("Gemeldet seit"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    FIELDS = ("category", "status", "period", "since")
    # Dates before this are refused: they say nothing here and some cannot even be stored.
    EARLIEST = date(1900, 1, 1)

    def clean_since(self) -> date | None:
        since = self.cleaned_data.get("since")
        if since is not None and since < self.EARLIEST:
            raise forms.ValidationError(_("Bitte geben Sie ein Datum ab dem Jahr 1900 an."))
        return since

    def filters(self) -> selectors.ReportFilters:
        """The valid filters; an invalid value is left out (the form shows why)."""
        self.is_valid()
        data = self.cleaned_data
        since = data.get("since")
        if data.get("period"):
            recent = timezone.localdate() - timedelta(days=data["period"])
            since = max(since, recent) if since else recent
        return selectors.ReportFilters(
            category=data.get("category"), status=data.get("status") or "", since=since
        )

    def query(self) -> str:
        """The valid filters as a query string, for the GeoJSON URL and the list's pages."""
        self.is_valid()
        values = {}
        for name in self.FIELDS:
            if name in self.errors or not self.data.get(name):
                continue
            value = self.cleaned_data.get(name)
            if name == "since" and value:
                values[name] = value.isoformat()
            elif value not in (None, ""):
                values[name] = self.data[name]
        return urlencode(values)


# --- The map and its list twin ------------------------------------------------------------------


@require_safe
@cache_public_page
def report_list(request: HttpRequest) -> HttpResponse:
    """The map of public reports and, below it, the same reports as a paginated list."""
    form = ReportFilterForm(request.GET)
    query = form.query()
    page = CappedPaginator(
        selectors.reports_for_listing(form.filters()),
        PAGE_SIZE,
        count_key=f"defects:{timezone.localdate()}:{query}",
    ).get_page(request.GET.get("page"))
    geojson_url = reverse("defects:report_geojson")
    return render(
        request,
        "defects/report_list.html",
        {
            "form": form,
            "page_obj": page,
            "filter_query": query,
            "geojson_url": f"{geojson_url}?{query}" if query else geojson_url,
            "map_messages": _map_messages(),
            "create_url": report_create_url(),
        },
    )


def _map_messages() -> dict[str, str]:
    """The map script's texts, translated for this request (placeholders: %(name)s)."""
    return {
        "category": _("Kategorie"),
        "status": _("Status"),
        "reported": _("Gemeldet am"),
        "markerAlt": _("Meldung %(reference)s: %(category)s, %(status)s"),
        "cluster": _("%(count)s Meldungen an dieser Stelle – zum Vergrößern auswählen"),
        "truncated": _(
            "Die Karte zeigt nur die %(count)s neuesten Meldungen in diesem Ausschnitt. "
            "Vergrößern Sie die Karte, um weitere zu sehen. Die Liste unter der Karte "
            "enthält alle."
        ),
        "loadFailed": _(
            "Die Meldungen konnten nicht auf der Karte angezeigt werden. "
            "Die Liste unter der Karte enthält alle."
        ),
        "pointLabel": _("Ort des Mangels"),
    }


def _parse_bbox(value: str) -> tuple[float, float, float, float] | None:
    """West, south, east, north (WGS84) from "w,s,e,n"; None when it is not such a box."""
    parts = value.split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        return None
    if not all(math.isfinite(number) for number in (west, south, east, north)):
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return west, south, east, north


def _json_error(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})


@require_safe
@cache_public_page(for_everyone=True)
def report_geojson(request: HttpRequest) -> HttpResponse:
    """A FeatureCollection of the located public reports (in `bbox` if given), newest first,
    at most DEFECTS_GEOJSON_LIMIT of them; `"truncated": true` says the limit cut it.

    Properties are the public minimum: reference, category, status, date and page URL.
    """
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return _json_error(
            _("Ungültiger Filter: %(fields)s.") % {"fields": ", ".join(sorted(form.errors))}
        )
    bbox = None
    if "bbox" in request.GET:
        bbox = _parse_bbox(request.GET["bbox"])
        if bbox is None:
            return _json_error(
                _(
                    "Ungültiger Kartenausschnitt: „bbox“ erwartet vier Zahlen "
                    "West,Süd,Ost,Nord in Grad (WGS84), z. B. 7.1,50.8,7.3,50.9."
                )
            )
    limit = geojson_limit()
    rows = selectors.map_rows(form.filters(), bbox, limit)
    # One reverse() for all rows: every report's page is the same path around its reference.
    url_start, url_end = reverse("defects:report_detail", kwargs={"reference": "REF"}).split("REF")
    labels = {status.value: str(status.label) for status in Status}
    local = timezone.get_current_timezone()
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                # GeoJSON orders coordinates longitude first.
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(longitude, 6), round(latitude, 6)],
                },
                "properties": {
                    "reference": reference,
                    "category": category,
                    "status": labels[status],
                    "date": created_at.astimezone(local).date().isoformat(),
                    "url": f"{url_start}{reference}{url_end}",
                },
            }
            for reference, category, status, latitude, longitude, created_at in rows[:limit]
        ],
    }
    if len(rows) > limit:
        collection["truncated"] = True
        collection["limit"] = limit
    return HttpResponse(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
        content_type="application/geo+json",
    )


# --- A report's page ----------------------------------------------------------------------------


def _support_form_exists() -> bool:
    try:
        get_template(SUPPORT_FORM)
    except TemplateDoesNotExist:
        return False
    return True


@require_safe
@cache_public_page
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A report's public page. Unconfirmed ones do not exist for the public (404); a hidden
    one answers 410 Gone with the public reason. Staff who work on it see it all the same."""
    report = selectors.report_for_detail(reference)
    if report is None:
        raise Http404
    staff_view = not report.is_public and can_work_report(request.user, report)
    if not report.is_public and not staff_view:
        if report.status == Status.SUBMITTED:
            raise Http404
        return render(
            request,
            "defects/report_detail.html",
            {"report": report, "hidden_for_visitor": True},
            status=410,
        )
    context = {
        "report": report,
        "staff_view": staff_view,
        # Read inside the cached fragment: these querysets run only when it is rendered.
        "history": selectors.public_history(report),
        "photos": selectors.public_photos(report),
        "duplicates": selectors.public_duplicates(report),
        "duplicate_of_public": bool(report.duplicate_of and report.duplicate_of.is_public),
        "show_support": report.is_public and _support_form_exists(),
        "can_support": can_be_supported(report),
        "map_messages": _map_messages(),
    }
    return render(request, "defects/report_detail.html", context)


# --- Photos -------------------------------------------------------------------------------------


def _serve_photo(request: HttpRequest, pk: int, field: str) -> FileResponse:
    """A photo file through the portal: released and ready photos of public reports for all;
    any other only for staff who work on the report (for the admin), never cached."""
    photo = get_object_or_404(Photo.objects.select_related("report"), pk=pk)
    public = photo.is_public and photo.report.is_public
    if not public and not can_work_report(request.user, photo.report):
        raise Http404
    file = getattr(photo, field)
    if not file:
        raise Http404  # still being processed (or it failed): there is nothing to show yet
    response = FileResponse(file.open("rb"))
    response["Cache-Control"] = (
        f"public, max-age={PUBLIC_PHOTO_MAX_AGE}" if public else "private, no-store"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo, re-encoded without EXIF, at most 2048 px."""
    return _serve_photo(request, pk, "image")


@require_safe
def thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    """A photo's small preview."""
    return _serve_photo(request, pk, "thumbnail")


urlpatterns = [
    path("maengel/", report_list, name="report_list"),
    path("maengel/karte.geojson", report_geojson, name="report_geojson"),
    path("maengel/statistik/", statistics.statistics_page, name="statistics"),
    path("maengel/fotos/<int:pk>/", photo, name="photo"),
    path("maengel/fotos/<int:pk>/vorschau/", thumbnail, name="thumbnail"),
    # Last: a reference takes any single path segment.
    path("maengel/<str:reference>/", report_detail, name="report_detail"),
]
