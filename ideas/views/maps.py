"""The public map of located proposals, its accessible list twin, and the GeoJSON behind it.

Routes of this module are added to ideas/urls.py through `urlpatterns`.
"""

import math
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page
from lohmar_portal.pagination import CappedPaginator

from .. import selectors
from ..forms import ProposalFilterForm
from ..models import Proposal

# The GeoJSON never grows beyond this many features (the newest win); the list has them all.
GEOJSON_LIMIT = 1000
PAGE_SIZE = 20
FILTERS = ("pillar", "status", "district")


class ProposalMapFilterForm(ProposalFilterForm):
    """The list's filters by pillar, status and district; the map has no search or sorting."""

    q = None
    sort = None
    seed = None


def _valid_filters(form: ProposalMapFilterForm) -> dict[str, str]:
    """The filter values that passed validation, as given (slugs); invalid ones are dropped."""
    form.is_valid()
    return {
        name: form.data[name] for name in FILTERS if form.data.get(name) and name not in form.errors
    }


def _located_proposals(form: ProposalMapFilterForm) -> QuerySet[Proposal]:
    """The list's proposals (same filters, same visibility) that have a map point, newest first."""
    form.is_valid()  # an invalid value is left out of cleaned_data, so it filters nothing
    data = form.cleaned_data
    filters = selectors.ProposalFilters(
        pillar=data.get("pillar"),
        status=data.get("status") or "",
        district=data.get("district"),
        sort="newest",
    )
    return selectors.proposals_for_listing(filters).filter(latitude__isnull=False)


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
@cache_public_page
def proposal_map(request: HttpRequest) -> HttpResponse:
    form = ProposalMapFilterForm(request.GET)
    query = urlencode(_valid_filters(form))
    page = CappedPaginator(
        _located_proposals(form), PAGE_SIZE, count_key=f"located:{query}"
    ).get_page(request.GET.get("page"))
    geojson_url = reverse("ideas:proposal_geojson")
    return render(
        request,
        "ideas/proposal_map.html",
        {
            "form": form,
            "page_obj": page,
            "filter_query": query,
            "geojson_url": f"{geojson_url}?{query}" if query else geojson_url,
        },
    )


@require_safe
@cache_public_page(for_everyone=True)
def proposal_geojson(request: HttpRequest) -> HttpResponse:
    """A FeatureCollection of the located, listed proposals; no personal data."""
    form = ProposalMapFilterForm(request.GET)
    if not form.is_valid():
        return _json_error(
            _("Ungültiger Filter: %(fields)s.") % {"fields": ", ".join(sorted(form.errors))}
        )
    proposals = _located_proposals(form)
    if "bbox" in request.GET:
        bbox = _parse_bbox(request.GET["bbox"])
        if bbox is None:
            return _json_error(
                _(
                    "Ungültiger Kartenausschnitt: „bbox“ erwartet vier Zahlen "
                    "West,Süd,Ost,Nord in Grad (WGS84), z. B. 7.1,50.8,7.3,50.9."
                )
            )
        west, south, east, north = bbox
        proposals = proposals.filter(
            longitude__gte=west, longitude__lte=east, latitude__gte=south, latitude__lte=north
        )
    rows = list(
        proposals.values(
            "reference",
            "title",
            "latitude",
            "longitude",
            "status",
            "rating_count",
            "rating_sum",
            "pillar__title",
        )[: GEOJSON_LIMIT + 1]
    )
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [_feature(row) for row in rows[:GEOJSON_LIMIT]],
    }
    if len(rows) > GEOJSON_LIMIT:
        collection["truncated"] = True
    return JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    count = row["rating_count"]
    return {
        "type": "Feature",
        # GeoJSON orders coordinates longitude first.
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": {
            "reference": row["reference"],
            "title": row["title"],
            "url": reverse("ideas:proposal_detail", kwargs={"reference": row["reference"]}),
            "pillar": row["pillar__title"],
            "status": row["status"],
            "status_label": str(Proposal.Status(row["status"]).label),
            "rating_mean": round(row["rating_sum"] / count, 1) if count else None,
            "rating_count": count,
        },
    }


urlpatterns = [
    path("vorschlaege/karte/", proposal_map, name="proposal_map"),
    path("vorschlaege/karte.geojson", proposal_geojson, name="proposal_geojson"),
]
