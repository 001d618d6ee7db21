"""The Mängelmelder's statistics page: reports per category, status and month, and the median
time to resolution, each as a bar chart (inline SVG, drawn here) with its table beside it.

No chart script: the SVG is decoration for sighted readers (aria-hidden); the table right
with it carries the same numbers for everybody.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lohmar_portal.cache import cache_public_page, cached_read

from .. import selectors

# Geometry of a horizontal bar chart, in SVG user units (the SVG scales to its box).
ROW_HEIGHT = 32
BAR_HEIGHT = 20
LABEL_WIDTH = 230
BAR_SPACE = 300
VALUE_SPACE = 110


def bar_chart(rows: list[tuple[str, float, str]]) -> dict[str, Any]:
    """Bars for (label, value, value as text) rows: positions and widths for the template."""
    maximum = max((value for _label, value, _text in rows), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = round(value / maximum * BAR_SPACE, 1)
        bars.append(
            {
                "label": label,
                "text": text,
                "bar_y": top + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                "text_y": top + ROW_HEIGHT / 2,
                "bar_x": LABEL_WIDTH,
                "width": width,
                "value_x": LABEL_WIDTH + width + 8,
            }
        )
    return {
        "bars": bars,
        "width": LABEL_WIDTH + BAR_SPACE + VALUE_SPACE,
        "height": max(len(rows), 1) * ROW_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
        "bar_height": BAR_HEIGHT,
    }


def _days(value: float | None) -> str:
    if value is None:
        return _("keine Angabe")
    return ngettext("%(days)s Tag", "%(days)s Tage", 1 if round(value, 1) == 1 else 2) % {
        "days": formats.number_format(value, 1)
    }


def _month(start: date, *, short: bool = False) -> str:
    return formats.date_format(start, "M Y" if short else "F Y")


@cache_public_page
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Public figures, computed once per content version for everybody."""
    data = cached_read("defects:statistics", compute=selectors.defect_statistics)
    per_month = [(_month(start), _month(start, short=True), n) for start, n in data["per_month"]]
    medians = [(name, days, _days(days)) for name, days in data["median_days_per_category"]]
    context = {
        "stats": data,
        "median_text": _days(data["median_days"]),
        "per_month": per_month,
        "medians": medians,
        "charts": {
            "category": bar_chart([(name, n, str(n)) for name, n, _open in data["per_category"]]),
            "status": bar_chart([(label, n, str(n)) for label, n in data["per_status"]]),
            "month": bar_chart([(short, n, str(n)) for _long, short, n in per_month]),
            "median": bar_chart(medians),
        },
    }
    return render(request, "defects/statistics.html", context)
