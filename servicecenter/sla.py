"""Business time: the service center's opening hours (Mon–Fri 8–18 by default), without NRW's
public holidays (from the `holidays` package) and without the city's own closing days.

Service-level targets count only this time: a ticket that arrives on Friday at 17:00 with a
target of two hours is due on Monday at 9:00 (or on Tuesday, if Monday is Easter Monday).
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

MAX_DAYS = 3660  # nothing is due more than ten years ahead: a guard against endless loops


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _opening() -> tuple[time, time]:
    opens, closes = settings.SERVICECENTER_OPENING_HOURS
    return opens, closes


@lru_cache(maxsize=32)
def public_holidays(year: int, region: str) -> dict[date, str]:
    """The public holidays of a German state (`NW`: Nordrhein-Westfalen) in a year."""
    return dict(holidays.country_holidays("DE", subdiv=region, years=year, language="de"))


def _closing_days() -> set[date]:
    from .models import ClosingDay

    return set(ClosingDay.objects.values_list("date", flat=True))


class BusinessCalendar:
    """Opening hours, weekdays, holidays and closing days, read once per calculation."""

    def __init__(self, closing_days: set[date] | None = None) -> None:
        self.opens, self.closes = _opening()
        self.weekdays = set(settings.SERVICECENTER_BUSINESS_DAYS)
        self.region = settings.SERVICECENTER_HOLIDAY_REGION
        self.closing_days = _closing_days() if closing_days is None else closing_days
        self.zone = _zone()

    def is_open_day(self, day: date) -> bool:
        return (
            day.weekday() in self.weekdays
            and day not in public_holidays(day.year, self.region)
            and day not in self.closing_days
        )

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` of business time after `start`."""
        moment = start.astimezone(self.zone)
        remaining = timedelta(minutes=minutes)
        day = moment.date()
        for _ in range(MAX_DAYS):
            if self.is_open_day(day):
                opens, closes = self._window(day)
                begin = max(moment, opens)
                if begin < closes:
                    if begin + remaining <= closes:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)
            moment = datetime.combine(day, time.min, tzinfo=self.zone)
        raise ValueError("no business time within ten years")

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of business time from `start` to `end` (0 if end is before start)."""
        start, end = start.astimezone(self.zone), end.astimezone(self.zone)
        if end <= start:
            return 0
        total = timedelta()
        day = start.date()
        while day <= end.date():
            if self.is_open_day(day):
                opens, closes = self._window(day)
                begin, finish = max(start, opens), min(end, closes)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)


def add_business_minutes(start: datetime, minutes: int) -> datetime:
    return BusinessCalendar().add(start, minutes)


def business_minutes_between(start: datetime, end: datetime) -> int:
    return BusinessCalendar().minutes_between(start, end)
