"""Rating distributions as small accessible SVG bar charts (inline, with a <title> as alt text)."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH, HEIGHT, BAR, GAP, LABEL = 220, 80, 32, 10, 14


def distribution_text(distribution: list[int]) -> str:
    parts = [
        ngettext("%(n)d-mal %(stars)d Stern", "%(n)d-mal %(stars)d Sterne", stars)
        % {"n": n, "stars": stars}
        for stars, n in enumerate(distribution, start=1)
    ]
    return _("Verteilung der Bewertungen: %(parts)s") % {"parts": ", ".join(parts)}


def distribution_svg(distribution: list[int]) -> str:
    """Five bars (1 to 5 stars), each with its count; the title carries the same numbers."""
    top = max(distribution) or 1
    usable = HEIGHT - 2 * LABEL
    bars = []
    for index, n in enumerate(distribution):
        height = round(usable * n / top)
        x = index * (BAR + GAP)
        y = LABEL + usable - height
        bars.append((x, y, BAR, height, x + BAR / 2, y - 3, n, x + BAR / 2, HEIGHT - 2, index + 1))
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar"></rect>'
        '<text x="{}" y="{}" class="count">{}</text>'
        '<text x="{}" y="{}" class="axis">{}★</text>',
        bars,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{}" height="{}" '
        'viewBox="0 0 {} {}" class="chart"><title>{}</title>{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        distribution_text(distribution),
        body,
    )
