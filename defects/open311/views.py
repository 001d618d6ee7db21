"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for the Mängelmelder.

Endpoints under /open311/v2/, each in XML and JSON by its extension: discovery, services,
services/<service_code>, requests (GET list, POST new) and requests/<service_request_id>.

Choices where the spec leaves room, stated once here and in the discovery document:
- Error descriptions are German, like the rest of the portal, and start with the parameter they
  are about (`description: …`); the spec says they are shown to the user.
- A report filed through the API is a web report without an account: it becomes public (and
  listed here) only after the reporter confirms it by the link e-mailed to them; `email` is
  therefore required. `media_url` is ignored (the city fetches nothing from other servers),
  so are `attribute[…]`, `device_id` and `account_id` (no service has attributes).
- The list takes `page` (from 1) and `page_size` (at most 1000), the common extension.
- Answers to GET are cached per content version: any committed write makes them fresh.
"""

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from lohmar_portal import ratelimit
from lohmar_portal.cache import bump_content_version, cache_public_page

from .. import services
from ..models import DefectReport
from . import keys, selectors
from .formats import MIME_TYPES, render, render_errors
from .forms import CreateRequestForm, parse_filters, service_error_descriptions

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
READ = ("GET", "HEAD")
RATE_PERIOD = 3600  # ApiClient.requests_per_hour
OPEN = frozenset(DefectReport.OPEN_STATUSES)
_PK_PLACEHOLDER = 987654321


def _jurisdiction() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", "lohmar.de")


def _param(request: HttpRequest, name: str) -> str:
    """An argument from the form body (POST) or the query string; empty means not given."""
    if request.method == "POST" and request.POST.get(name):
        return request.POST[name].strip()
    return request.GET.get(name, "").strip()


def endpoint(*methods: str):
    """Refuse other methods (405) and a jurisdiction_id other than ours (404), in the spec's
    error format; the format comes from the URL's extension."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = render_errors(
                    fmt,
                    405,
                    [
                        _("Die Methode %(method)s ist hier nicht erlaubt; erlaubt: %(allowed)s.")
                        % {"method": request.method, "allowed": ", ".join(methods)}
                    ],
                )
                response["Allow"] = ", ".join(methods)
                return response
            jurisdiction = _param(request, "jurisdiction_id")
            if jurisdiction and jurisdiction != _jurisdiction():
                return render_errors(
                    fmt,
                    404,
                    [
                        _(
                            "jurisdiction_id nicht gefunden: Dieser Server antwortet nur für "
                            "„%(id)s“."
                        )
                        % {"id": _jurisdiction()}
                    ],
                )
            return view(request, *args, fmt=fmt, **kwargs)

        return wrapper

    return decorate


def _w3(moment) -> str:
    """ISO 8601 with the offset of the city's time zone, e.g. 2026-05-01T14:03:00+02:00."""
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat(timespec="seconds")


def _or_none(value: str) -> str | None:
    return value or None


# --- Discovery and services ---------------------------------------------------------------------


def _changeset(services_data: list[dict[str, Any]]) -> str:
    """When the service list last changed, as far as this cache remembers (sortable).

    Categories carry no timestamps; the list's digest is remembered with the time it was first
    seen. A forgotten digest (evicted cache) only tells clients to refresh once more.
    """
    digest = hashlib.sha256(repr(services_data).encode()).hexdigest()
    remembered = cache.get("open311:changeset")
    if remembered and remembered[0] == digest:
        return remembered[1]
    stamp = _w3(timezone.now())
    cache.set("open311:changeset", (digest, stamp), timeout=None)
    return stamp


def _endpoint_url() -> str:
    path = reverse("open311:discovery", kwargs={"fmt": "xml"}).rsplit("/", 1)[0]
    return settings.PORTAL_BASE_URL + path


@cache_public_page(for_everyone=True)
@endpoint(*READ)
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = _changeset(selectors.active_services())
    contact = getattr(settings, "OPEN311_CONTACT", settings.PORTAL_CONTACT_ADDRESS)
    document = {
        "changeset": changeset,
        "contact": _(
            "%(contact)s. Fehlermeldungen (description) sind deutsch und beginnen mit dem "
            "Namen des betroffenen Parameters. Über die Schnittstelle eingereichte Meldungen "
            "werden öffentlich, sobald die meldende Person sie über den Link in der E-Mail "
            "bestätigt hat (email ist daher Pflicht); media_url wird nicht übernommen. Die "
            "Liste der Meldungen kennt page und page_size (höchstens 1000)."
        )
        % {"contact": contact},
        "key_service": _(
            "API-Schlüssel vergibt die Stadtverwaltung auf Anfrage: %(contact)s. Schlüssel "
            "sind nur für das Einreichen von Meldungen (POST) nötig."
        )
        % {"contact": contact},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _endpoint_url(),
                "changeset": changeset,
                "type": "test" if settings.DEBUG else "production",
                "formats": list(MIME_TYPES),
            }
        ],
    }
    return render(fmt, "discovery", document)


def _service(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_code": row["service_code"],
        "service_name": row["name"],
        "description": _or_none(row["description"]),
        "metadata": False,  # no service has attributes
        "type": "realtime",  # the id is returned at once
        "keywords": _or_none(row["keywords"]),
        "group": _or_none(row["group"]),
    }


@cache_public_page(for_everyone=True)
@endpoint(*READ)
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service(row) for row in selectors.active_services()])


def _unknown_service(fmt: str) -> HttpResponse:
    return render_errors(
        fmt,
        404,
        [
            _(
                "service_code: Diese Dienstkennung gibt es nicht (mehr); gültige Kennungen "
                "nennt services.xml bzw. services.json."
            )
        ],
    )


@cache_public_page(for_everyone=True)
@endpoint(*READ)
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = selectors.active_service(service_code)
    if category is None:
        return _unknown_service(fmt)
    return render(
        fmt, "service_definition", {"service_code": category.service_code, "attributes": []}
    )


# --- Service requests ---------------------------------------------------------------------------


def _photo_url_builder() -> Callable[[int | None], str | None]:
    """Photo id → absolute URL of the public photo view; reversed once per answer."""
    try:
        path = reverse("defects:photo", kwargs={"pk": _PK_PLACEHOLDER})
    except NoReverseMatch:
        return lambda pk: None
    head, _sep, tail = path.partition(str(_PK_PLACEHOLDER))
    base = settings.PORTAL_BASE_URL + head
    return lambda pk: f"{base}{pk}{tail}" if pk else None


def _request(row: dict[str, Any], photo_url: Callable[[int | None], str | None]) -> dict:
    is_open = row["status"] in OPEN
    place = ", ".join(filter(None, [row["address"], row["district__name"]]))
    return {
        "service_request_id": row["reference"],
        "status": "open" if is_open else "closed",
        "status_notes": _or_none(row["status_note"] or ""),
        "service_name": row["category__name"],
        "service_code": row["category__service_code"],
        "description": row["description"],
        "agency_responsible": row["department__name"],
        "service_notice": None,
        "requested_datetime": _w3(row["created_at"]),
        "updated_datetime": _w3(row["updated"]),  # for closed ones: when it was closed
        "expected_datetime": None,
        "address": _or_none(place),
        "address_id": None,
        "zipcode": None,
        "lat": row["latitude"],
        "long": row["longitude"],
        "media_url": photo_url(row["photo_id"]),
    }


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        filters = parse_filters(request.GET, now=timezone.now())
    except ValidationError as error:
        return render_errors(fmt, 400, error.messages)
    photo_url = _photo_url_builder()
    rows = selectors.request_rows(filters)
    return render(fmt, "service_requests", [_request(row, photo_url) for row in rows])


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    raw_key = _param(request, "api_key")
    client = keys.authenticate(raw_key)
    if client is None:
        message = (
            _("api_key fehlt: Meldungen können nur mit einem API-Schlüssel eingereicht werden.")
            if not raw_key
            else _("api_key ist ungültig oder wurde deaktiviert.")
        )
        return render_errors(fmt, 403, [message])
    if not ratelimit.hit(f"open311:{client.pk}", client.requests_per_hour, RATE_PERIOD):
        response = render_errors(
            fmt,
            429,
            [
                _(
                    "Zu viele Meldungen: Dieser Zugang darf %(limit)d Meldungen pro Stunde "
                    "einreichen. Bitte versuchen Sie es später erneut."
                )
                % {"limit": client.requests_per_hour}
            ],
        )
        response["Retry-After"] = str(ratelimit.retry_after(RATE_PERIOD))
        return response
    form = CreateRequestForm(request.POST)
    if not form.is_valid():
        return render_errors(fmt, 400, form.error_descriptions())
    data = form.cleaned_data
    category = selectors.active_service(data["service_code"])
    if category is None:
        return _unknown_service(fmt)
    try:
        report = services.submit_report(
            actor=None,
            category=category,
            description=data["description"],
            latitude=data["lat"],
            longitude=data["long"],
            address=data["address_string"],
            email=data["email"],
            name=data["name"],
            phone=data["phone"],
            api_client=client,
        )
    except ValidationError as error:
        return render_errors(fmt, 400, service_error_descriptions(error))
    # Anonymous writes do not bump the version by themselves (see lohmar_portal/cache.py).
    transaction.on_commit(bump_content_version)
    notice = _(
        "Die Meldung ist eingegangen. Sie wird öffentlich und hier abrufbar, sobald die "
        "meldende Person sie über den Link in der E-Mail bestätigt hat; unbestätigte "
        "Meldungen werden nach %(days)d Tagen gelöscht."
    ) % {"days": settings.DEFECTS_CONFIRMATION_DAYS}
    if _param(request, "media_url"):
        notice += " " + _(
            "media_url wurde nicht übernommen: Die Stadt lädt keine Dateien von anderen "
            "Servern. Fotos nimmt das Meldeformular im Bürgerportal an."
        )
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": report.reference, "service_notice": notice, "account_id": None}],
    )


@csrf_exempt  # clients authenticate with api_key, not with a session
@cache_public_page(for_everyone=True)  # passes POST through
@endpoint(*READ, "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@cache_public_page(for_everyone=True)
@endpoint(*READ)
def service_request(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    row = selectors.request_row(service_request_id)
    if row is None:
        return render_errors(
            fmt,
            404,
            [
                _("service_request_id: Es gibt keine öffentliche Meldung mit der Kennung „%(id)s“.")
                % {"id": service_request_id[:40]}
            ],
        )
    return render(fmt, "service_requests", [_request(row, _photo_url_builder())])
