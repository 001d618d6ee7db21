"""Business time: opening hours, weekends, NRW's public holidays, the city's closing days."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from servicecenter.models import ClosingDay
from servicecenter.sla import BusinessCalendar, add_business_minutes, business_minutes_between

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def calendar() -> BusinessCalendar:
    return BusinessCalendar(closing_days=set())


def test_time_within_a_day_counts_as_is():
    assert calendar().add(at(2026, 11, 18, 9, 0), 90) == at(2026, 11, 18, 10, 30)


def test_before_opening_the_clock_starts_at_eight():
    assert calendar().add(at(2026, 11, 18, 6, 30), 30) == at(2026, 11, 18, 8, 30)


def test_friday_evening_runs_over_the_weekend_to_monday():
    # Friday 20 Nov 2026, 17:00 + 2 h: one hour on Friday, one on Monday morning.
    assert calendar().add(at(2026, 11, 20, 17, 0), 120) == at(2026, 11, 23, 9, 0)
    assert calendar().minutes_between(at(2026, 11, 20, 17, 0), at(2026, 11, 23, 9, 0)) == 120


def test_easter_good_friday_and_easter_monday_are_skipped():
    # Thursday 2 Apr 2026, 17:00 + 2 h → Good Friday, weekend, Easter Monday → Tue 7 Apr 9:00.
    assert calendar().add(at(2026, 4, 2, 17, 0), 120) == at(2026, 4, 7, 9, 0)


def test_nrw_holidays_count_but_not_other_states_ones():
    cal = calendar()
    assert not cal.is_open_day(date(2026, 6, 4))  # Fronleichnam, a Thursday: closed in NRW
    assert not cal.is_open_day(date(2027, 11, 1))  # Allerheiligen, a Monday: closed in NRW
    assert cal.is_open_day(date(2029, 10, 31))  # Reformationstag, a Wednesday: open in NRW
    assert cal.is_open_day(date(2026, 11, 2))  # an ordinary Monday


@pytest.mark.django_db
def test_closing_days_from_the_admin_close_the_office():
    ClosingDay.objects.create(date=date(2027, 2, 8), name="Rosenmontag")
    assert add_business_minutes(at(2027, 2, 5, 17, 30), 60) == at(2027, 2, 9, 8, 30)
    assert business_minutes_between(at(2027, 2, 5, 8, 0), at(2027, 2, 9, 18, 0)) == 1200


def test_nothing_counts_backwards_or_at_night():
    cal = calendar()
    assert cal.minutes_between(at(2026, 11, 18, 12, 0), at(2026, 11, 18, 11, 0)) == 0
    assert cal.minutes_between(at(2026, 11, 18, 19, 0), at(2026, 11, 19, 7, 0)) == 0
