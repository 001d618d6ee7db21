"""Shared by the Mobile Bürgerbüro tests: stops at a fixed moment, and their slots."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from servicecenter.models import MobileOfficeStop
from tests.factories import DistrictFactory

BERLIN = ZoneInfo("Europe/Berlin")
# Tests freeze time here (a Monday morning): stops lie in the days after.
NOW = datetime(2026, 5, 11, 8, 0, tzinfo=BERLIN)
TOMORROW = date(2026, 5, 12)
SERVICES = "Personalausweis beantragen\nReisepass abholen\nMeldebescheinigung"


def make_stop(
    *,
    day: date = TOMORROW,
    start: str = "09:00",
    end: str = "12:00",
    slot_minutes: int = 15,
    district=None,
    **fields,
) -> MobileOfficeStop:
    fields.setdefault("place", "Bürgerhaus Birk")
    fields.setdefault("address", "Birker Straße 1, 53797 Lohmar")
    fields.setdefault("services", SERVICES)
    return MobileOfficeStop.objects.create(
        district=district or DistrictFactory(name="Birk", slug="birk"),
        date=day,
        starts_at=time.fromisoformat(start),
        ends_at=time.fromisoformat(end),
        slot_minutes=slot_minutes,
        **fields,
    )


def at(day: date, clock: str) -> datetime:
    """A local wall-clock time as an aware datetime."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BERLIN)


def slot_key(moment: datetime) -> str:
    """A slot as the booking link names it."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def later(days: int) -> date:
    return TOMORROW + timedelta(days=days - 1)
