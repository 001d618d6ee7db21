"""The Mängelmelder's statistics page: reports per category, status and month, and the median
time to resolution, each as a bar chart (inline SVG, drawn here) with its table beside it.

No chart script: the SVG is decoration for sighted readers (aria-hidden); the table right
with it carries the same numbers for everybody.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page, cached_read
from lohmar_portal.charts import bar_chart, month_label

from .. import selectors


def _days(value: float | None) -> str:
    if value is None:
        return _("keine Angabe")
    return ngettext("%(days)s Tag", "%(days)s Tage", 1 if round(value, 1) == 1 else 2) % {
        "days": formats.number_format(value, 1)
    }


@require_safe
@cache_public_page
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Public figures, computed once per content version for everybody."""
    data = cached_read("defects:statistics", compute=selectors.defect_statistics)
    per_month = [
        (month_label(start), month_label(start, short=True), n) for start, n in data["per_month"]
    ]
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
