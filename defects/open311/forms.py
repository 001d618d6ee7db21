"""The shape of Open311 input: the POST form of a new request and the filters of the list.

Every message names the parameter it is about (`description: …`), so the German text the
client shows its user also tells its developer what to fix.
"""

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import DefectReport

# GeoReport v2, GET Service Requests: "a span of 90 days or first 1000 requests returned".
WINDOW = timedelta(days=90)
LIMIT = 1000
DESCRIPTION_LIMIT = 4000  # the spec's limit, and the model's


class CreateRequestForm(forms.Form):
    """POST requests.{fmt}: the spec's arguments; media_url, attribute[…] and device_id are
    accepted and not used (we fetch nothing from other servers; no service has attributes)."""

    service_code = forms.CharField(
        max_length=50,
        error_messages={
            "required": gettext_lazy(
                "Bitte geben Sie die Dienstkennung an (siehe services.xml oder services.json)."
            )
        },
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=300)
    address_id = forms.CharField(required=False, max_length=100)
    description = forms.CharField(
        max_length=DESCRIPTION_LIMIT,
        error_messages={
            "required": gettext_lazy("Bitte beschreiben Sie den Mangel."),
            "max_length": gettext_lazy(
                "Die Beschreibung ist zu lang: höchstens %(limit_value)d Zeichen, "
                "übermittelt wurden %(show_value)d."
            ),
        },
    )
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": gettext_lazy(
                "Bitte geben Sie die E-Mail-Adresse der meldenden Person an: Die Meldung "
                "wird erst öffentlich, wenn sie über den Link in der E-Mail bestätigt ist."
            )
        },
    )
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    phone = forms.CharField(required=False, max_length=50)

    def clean(self):
        data = super().clean()
        lat, long = data.get("lat"), data.get("long")
        if "lat" in self.errors or "long" in self.errors:
            return data
        if (lat is None) != (long is None):
            self.add_error(
                "lat" if lat is None else "long",
                _("Bitte geben Sie lat und long zusammen an."),
            )
        elif lat is None and not data.get("address_string"):
            if data.get("address_id"):
                self.add_error(
                    "address_id",
                    _(
                        "Die Stadt führt kein Adressverzeichnis mit Kennungen. Bitte geben Sie "
                        "den Ort mit lat und long oder mit address_string an."
                    ),
                )
            else:
                self.add_error(
                    None,
                    _(
                        "Bitte geben Sie an, wo der Mangel ist: mit lat und long (WGS84) oder "
                        "mit address_string (Adresse oder Ortsbeschreibung)."
                    ),
                )
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        if len(name) > 200:
            self.add_error("last_name", _("Vor- und Nachname sind zusammen zu lang."))
        data["name"] = name
        return data

    def error_descriptions(self) -> list[str]:
        """Each error as `parameter: message` (a message about several parameters names them)."""
        return [
            message if field == "__all__" else f"{field}: {message}"
            for field, messages in self.errors.items()
            for message in messages
        ]


# What the services call a field, as the API calls the parameter.
SERVICE_FIELDS = {
    "category": "service_code",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "description": "description",
    "email": "email",
    "reporter_email": "email",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
}


def service_error_descriptions(error: ValidationError) -> list[str]:
    """A service's ValidationError as `parameter: message` lines."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        f"{SERVICE_FIELDS[field]}: {message}" if field in SERVICE_FIELDS else message
        for field, messages in error.message_dict.items()
        for message in messages
    ]


# --- GET requests.{fmt} --------------------------------------------------------------------------

STATUS_GROUPS = {
    "open": tuple(DefectReport.OPEN_STATUSES),
    "closed": tuple(
        status
        for status in DefectReport.Status.values
        if status not in DefectReport.OPEN_STATUSES and status != DefectReport.Status.SUBMITTED
    ),
}
# A "+" of a time-zone offset arrives as a space when the client forgot to encode it.
_UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


@dataclass(frozen=True)
class RequestFilters:
    """What GET requests.{fmt} asks for, checked and with the spec's defaults applied."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = LIMIT


def _values(params: QueryDict, name: str) -> list[str]:
    """A comma-separated argument, possibly given more than once; empty parts dropped."""
    return [
        part.strip() for value in params.getlist(name) for part in value.split(",") if part.strip()
    ]


def _datetime(params: QueryDict, name: str, errors: list[str]) -> datetime | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    parsed = None
    with contextlib.suppress(ValueError):  # well-formed but impossible, e.g. month 13
        parsed = parse_datetime(_UNENCODED_PLUS.sub(r"\1+\2", value))
    if parsed is None or parsed.tzinfo is None:
        errors.append(
            _(
                "%(name)s: „%(value)s“ ist kein Zeitpunkt nach ISO 8601 mit Zeitzone, "
                "z. B. 2026-05-01T00:00:00Z oder 2026-05-01T00:00:00+02:00."
            )
            % {"name": name, "value": value[:40]}
        )
        return None
    return parsed


def _positive(params: QueryDict, name: str, default: int, maximum: int, errors: list[str]) -> int:
    value = params.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        errors.append(
            _("%(name)s: Bitte eine ganze Zahl von 1 bis %(maximum)d angeben.")
            % {"name": name, "maximum": maximum}
        )
        return default
    return int(value)


def parse_filters(params: QueryDict, *, now: datetime) -> RequestFilters:
    """The list's filters from the query; raises ValidationError with every problem found.

    `service_request_id` overrides every other argument (spec). Without it the answer covers at
    most 90 days: the last 90 days by default, or 90 days from `start_date` / up to `end_date`.
    """
    for name, values in params.lists():
        if any("\x00" in value for value in values):  # no database text can hold it
            raise ValidationError(
                _("%(name)s: Der Wert enthält ein unzulässiges Zeichen.") % {"name": name[:40]}
            )
    ids = _values(params, "service_request_id")
    if ids:
        if len(ids) > LIMIT:
            raise ValidationError(
                _("service_request_id: Höchstens %(limit)d Kennungen auf einmal.")
                % {"limit": LIMIT}
            )
        return RequestFilters(ids=tuple(dict.fromkeys(ids)))

    errors: list[str] = []
    start = _datetime(params, "start_date", errors)
    end = _datetime(params, "end_date", errors)
    statuses = []
    for status in _values(params, "status"):
        if status not in STATUS_GROUPS:
            errors.append(
                _("status: „%(value)s“ ist unbekannt; möglich sind open und closed.")
                % {"value": status[:40]}
            )
        else:
            statuses.extend(STATUS_GROUPS[status])
    page = _positive(params, "page", 1, 1_000_000, errors)
    page_size = _positive(params, "page_size", LIMIT, LIMIT, errors)
    if start and end:
        if end < start:
            errors.append(_("end_date: Das Ende liegt vor dem Beginn (start_date)."))
        elif end - start > WINDOW:
            errors.append(
                _("start_date, end_date: Der Zeitraum darf höchstens %(days)d Tage umfassen.")
                % {"days": WINDOW.days}
            )
    if errors:
        raise ValidationError(errors)
    if start is None and end is None:
        start, end = now - WINDOW, None
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    return RequestFilters(
        service_codes=tuple(dict.fromkeys(_values(params, "service_code"))),
        start=start,
        end=end,
        statuses=tuple(dict.fromkeys(statuses)),
        page=page,
        page_size=page_size,
    )
