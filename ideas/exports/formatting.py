"""German formatting of numbers and dates for files that carry text, not typed cells."""

from datetime import datetime

from django.utils import timezone

# Characters that make a spreadsheet read a CSV field as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def local(moment: datetime | None) -> datetime | None:
    """The moment in the city's time zone, without tzinfo (spreadsheets know no time zones)."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None)


def de_datetime(moment: datetime | None) -> str:
    value = local(moment)
    return value.strftime("%d.%m.%Y %H:%M") if value else ""


def de_number(value: float | None, places: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:.{places}f}".replace(".", ",")


def csv_text(value: str) -> str:
    """User text stays text in a spreadsheet: a leading formula character gets an apostrophe."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
