"""Figures of the service center for the public: aggregated counts and times, no personal data.

All figures cover the tickets that arrived in the chosen period (the last 30, 90 or 365 days);
SLA breaches count the escalations that happened in it. Times are medians of *calendar* time
(nights and weekends included): the business-time median would need every ticket's business
minutes, which is costly; the page says so.

Plain data (numbers, codes, dates), so it can be cached per content version.
"""

import statistics
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Channel, Ticket

Status = Ticket.Status
PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90


class Median(Aggregate):
    """PostgreSQL's ordered-set aggregate; other databases compute medians in Python."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _since(days: int, now: datetime) -> datetime:
    return now - timedelta(days=days)


def _month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, oldest first."""
    year, month = first.year, first.month
    starts = []
    while (year, month) <= (last.year, last.month):
        starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _durations(tickets) -> tuple[float | None, float | None]:
    """Median seconds to the first response and to the resolution (one query)."""
    response = ExpressionWrapper(
        F("first_response_at") - F("created_at"), output_field=DurationField()
    )
    resolution = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    answered = Q(first_response_at__isnull=False)
    done = Q(status__in=Ticket.DONE, resolved_at__isnull=False)
    if connections[tickets.db].vendor == "postgresql":
        medians = tickets.aggregate(
            response=Median(response, filter=answered, output_field=DurationField()),
            resolution=Median(resolution, filter=done, output_field=DurationField()),
        )
        return tuple(  # type: ignore[return-value]
            value.total_seconds() if value is not None else None
            for value in (medians["response"], medians["resolution"])
        )
    # SQLite (trying the portal out): three columns of the period's tickets, medians in Python.
    responses, resolutions = [], []
    for status, created, first_response, resolved in tickets.filter(answered | done).values_list(
        "status", "created_at", "first_response_at", "resolved_at"
    ):
        if first_response is not None:
            responses.append((first_response - created).total_seconds())
        if status in Ticket.DONE and resolved is not None:
            resolutions.append((resolved - created).total_seconds())
    return (
        statistics.median(responses) if responses else None,
        statistics.median(resolutions) if resolutions else None,
    )


def ticket_figures(*, days: int = DEFAULT_PERIOD, now: datetime | None = None) -> dict[str, Any]:
    """Counts by channel and status, the first-contact resolution rate, median times and SLA
    breaches per month, for the tickets of the last `days` days. Three queries."""
    now = now or timezone.now()
    since = _since(days, now)
    tickets = Ticket.objects.filter(created_at__gte=since, created_at__lte=now).order_by()
    rows = list(
        tickets.values("channel", "status", "resolved_at_first_contact")
        .annotate(n=Count("pk"))
        .values_list("channel", "status", "resolved_at_first_contact", "n")
    )
    per_channel = dict.fromkeys(Channel.values, 0)
    per_status = dict.fromkeys(Status.values, 0)
    done = first_contact = 0
    for channel, status, at_first_contact, n in rows:
        per_channel[channel] = per_channel.get(channel, 0) + n
        per_status[status] = per_status.get(status, 0) + n
        if status in Ticket.DONE:
            done += n
            first_contact += n if at_first_contact else 0
    response_seconds, resolution_seconds = _durations(tickets)
    zone = timezone.get_current_timezone()
    escalated = (
        Ticket.objects.filter(escalated_at__gte=since, escalated_at__lte=now)
        .order_by()
        .annotate(month=TruncMonth("escalated_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    breaches = {(month.year, month.month): n for month, n in escalated}
    months = _month_starts(
        timezone.localtime(since, zone).date(), timezone.localtime(now, zone).date()
    )
    return {
        "days": days,
        "total": sum(per_status.values()),
        "per_channel": list(per_channel.items()),
        "per_status": list(per_status.items()),
        "done": done,
        "first_contact": first_contact,
        "first_contact_rate": first_contact / done if done else None,
        "median_response_seconds": response_seconds,
        "median_resolution_seconds": resolution_seconds,
        "breaches_per_month": [
            (start, breaches.get((start.year, start.month), 0)) for start in months
        ],
        "breaches": sum(breaches.values()),
    }
