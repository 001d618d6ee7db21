"""Bar charts as inline SVG, drawn on the server (no chart script), for the statistics pages.

The drawing is decoration for sighted readers (aria-hidden); the table that every page puts
right with it carries the same numbers for everybody. See templates/components/bar_chart.html.
"""

from datetime import date
from typing import Any

from django.utils import formats

# Geometry of a horizontal bar chart, in SVG user units (the SVG scales to its box).
ROW_HEIGHT = 32
BAR_HEIGHT = 20
LABEL_WIDTH = 230
BAR_SPACE = 300
VALUE_SPACE = 120


def bar_chart(rows: list[tuple[str, float, str]]) -> dict[str, Any]:
    """Bars for (label, value, value as text) rows: positions and widths for the template."""
    largest = max((value for _label, value, _text in rows), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = round(value / largest * BAR_SPACE, 1)
        bars.append(
            {
                "label": label,
                "text": text,
                "bar_x": LABEL_WIDTH,
                "bar_y": top + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                "text_y": top + ROW_HEIGHT / 2,
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


def month_label(start: date, *, short: bool = False) -> str:
    """A month in the active language: "November 2026", or "Nov. 2026" for chart labels."""
    return formats.date_format(start, "M Y" if short else "F Y")
