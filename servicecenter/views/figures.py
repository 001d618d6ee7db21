"""Figures for the city: tickets by channel and status, the first-contact resolution rate
against the city's target, median times and SLA breaches, each as bars with a table.

The bars are inline SVG drawn by the shared include `components/bar_chart.html`
(hidden from assistive technology); the table right with each chart carries the same numbers.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page, cached_read
from lohmar_portal.charts import bar_chart, month_label

from ..figures import DEFAULT_PERIOD, PERIODS, ticket_figures
from ..models import Channel, Ticket

# The contract of the bar chart include: rows of SVG user units (the SVG scales to its box).


class PeriodForm(forms.Form):
    tage = forms.TypedChoiceField(
        label=gettext_lazy("Zeitraum"),
        coerce=int,
        choices=[],
        initial=DEFAULT_PERIOD,
        error_messages={
            "invalid_choice": gettext_lazy("Bitte wählen Sie einen der angebotenen Zeiträume."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tage"].choices = [
            (days, ngettext("letzter %(days)d Tag", "letzte %(days)d Tage", days) % {"days": days})
            for days in PERIODS
        ]


def duration_text(seconds: float | None) -> str:
    """A calendar duration in words: minutes, hours or days."""
    if seconds is None:
        return _("keine Angabe")
    hours = seconds / 3600
    if hours < 1:
        minutes = max(round(seconds / 60), 1)
        return ngettext("%(n)d Minute", "%(n)d Minuten", minutes) % {"n": minutes}
    if hours < 48:
        return _("%(n)s Stunden") % {"n": formats.number_format(round(hours, 1), 1)}
    return _("%(n)s Tage") % {"n": formats.number_format(round(hours / 24, 1), 1)}


def percent_text(rate: float | None) -> str:
    if rate is None:
        return _("keine Angabe")
    # number_format cuts decimals off: round first (2/3 is 67 %, not 66 %).
    return f"{formats.number_format(round(rate * 100), 0)} %"


def _context(data: dict[str, Any]) -> dict[str, Any]:
    target = getattr(settings, "SERVICECENTER_FIRST_CONTACT_TARGET", 0.65)
    rate = data["first_contact_rate"]
    per_channel = [(Channel(code).label, n) for code, n in data["per_channel"]]
    per_status = [(Ticket.Status(code).label, n) for code, n in data["per_status"]]
    breaches = [
        (month_label(start), month_label(start, short=True), n)
        for start, n in data["breaches_per_month"]
    ]
    response = data["median_response_seconds"]
    resolution = data["median_resolution_seconds"]
    medians = [
        (_("Erste Antwort"), response, duration_text(response)),
        (_("Erledigung"), resolution, duration_text(resolution)),
    ]
    return {
        "figures": data,
        "per_channel": per_channel,
        "per_status": per_status,
        "breaches": breaches,
        "medians": medians,
        "rate_text": percent_text(rate),
        "target_text": percent_text(target),
        "target_met": rate is not None and rate >= target,
        "charts": {
            "channel": bar_chart([(label, n, str(n)) for label, n in per_channel]),
            "status": bar_chart([(label, n, str(n)) for label, n in per_status]),
            "first_contact": bar_chart(
                [
                    (_("Erstlösungsquote"), (rate or 0) * 100, percent_text(rate)),
                    (_("Ziel der Stadt"), target * 100, percent_text(target)),
                ]
            ),
            "medians": bar_chart(
                [(label, (seconds or 0) / 3600, text) for label, seconds, text in medians]
            ),
            "breaches": bar_chart([(short, n, str(n)) for _long, short, n in breaches]),
        },
    }


@require_safe
@cache_public_page
def figures_page(request: HttpRequest) -> HttpResponse:
    """Public figures of the chosen period, computed once per content version."""
    form = PeriodForm(request.GET or None)
    days, status = DEFAULT_PERIOD, 200
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["tage"]
        else:
            status = 400
    else:
        form = PeriodForm(initial={"tage": DEFAULT_PERIOD})
    data = cached_read("servicecenter:figures", days, compute=lambda: ticket_figures(days=days))
    context = {"form": form, **_context(data)}
    return render(request, "servicecenter/figures.html", context, status=status)


urlpatterns = [
    path("service/kennzahlen/", figures_page, name="figures"),
]
