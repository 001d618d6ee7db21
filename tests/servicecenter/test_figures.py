"""Figures for the city on a small known data set: counts, the first-contact rate, calendar-time
medians and escalations per month; the public page with its tables, period and query count."""

import statistics
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from lohmar_portal.cache import bump_content_version
from servicecenter.figures import ticket_figures
from servicecenter.models import Channel, Ticket

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
Status = Ticket.Status


def make_ticket(n, *, channel, status, created, response=None, resolved=None, **fields):
    return Ticket.objects.create(
        reference=f"SC-2026-{n:06d}",
        channel=channel,
        status=status,
        subject=f"Anliegen {n}",
        contact_name="Erika Mustermann",
        contact_email=f"erika{n}@example.org",
        created_at=created,
        first_response_at=created + response if response else None,
        resolved_at=created + resolved if resolved else None,
        **fields,
    )


@pytest.fixture
def tickets():
    return [
        make_ticket(
            1,
            channel=Channel.PHONE,
            status=Status.RESOLVED,
            created=NOW - 10 * DAY,
            response=HOUR,
            resolved=HOUR,
            resolved_at_first_contact=True,
        ),
        make_ticket(
            2,
            channel=Channel.WEB,
            status=Status.RESOLVED,
            created=NOW - 20 * DAY,
            response=3 * HOUR,
            resolved=51 * HOUR,
            was_forwarded=True,
        ),
        make_ticket(
            3,
            channel=Channel.EMAIL,
            status=Status.CLOSED,
            created=NOW - 5 * DAY,
            response=2 * HOUR,
            resolved=2 * HOUR,
            resolved_at_first_contact=True,
        ),
        make_ticket(
            4,
            channel=Channel.WEB,
            status=Status.FORWARDED,
            created=NOW - 40 * DAY,
            response=5 * HOUR,
            was_forwarded=True,
            escalated_at=NOW - 36 * DAY,
        ),
        make_ticket(5, channel=Channel.CHAT, status=Status.NEW, created=NOW - HOUR),
        # Outside 90 days, inside 365:
        make_ticket(
            6,
            channel=Channel.WALK_IN,
            status=Status.RESOLVED,
            created=NOW - 200 * DAY,
            response=HOUR,
            resolved=HOUR,
            escalated_at=NOW - 199 * DAY,
        ),
        # Not yet arrived at NOW (a clock test): never counted.
        make_ticket(7, channel=Channel.WEB, status=Status.NEW, created=NOW + HOUR),
    ]


def test_counts_by_channel_and_status(tickets):
    figures = ticket_figures(days=90, now=NOW)
    assert figures["total"] == 5
    assert dict(figures["per_channel"]) == {
        "web": 2,
        "email": 1,
        "phone": 1,
        "chat": 1,
        "walk_in": 0,
        "mobile_office": 0,
    }
    assert dict(figures["per_status"]) == {
        "new": 1,
        "open": 0,
        "waiting_for_citizen": 0,
        "forwarded": 1,
        "resolved": 2,
        "closed": 1,
    }


def test_first_contact_rate_counts_resolved_and_closed_tickets(tickets):
    figures = ticket_figures(days=90, now=NOW)
    assert figures["done"] == 3
    assert figures["first_contact"] == 2
    assert figures["first_contact_rate"] == pytest.approx(2 / 3)


def test_medians_are_calendar_time(tickets):
    figures = ticket_figures(days=90, now=NOW)
    # First responses after 1, 3, 2 and 5 hours; resolutions after 1, 51 and 2 hours.
    assert figures["median_response_seconds"] == pytest.approx(2.5 * 3600)
    assert figures["median_resolution_seconds"] == pytest.approx(2 * 3600)


def test_breaches_per_month_of_the_escalation(tickets):
    figures = ticket_figures(days=90, now=NOW)
    months = figures["breaches_per_month"]
    # 90 days before 31 March reach back to 31 December.
    assert [start.isoformat() for start, _n in months] == [
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
    ]
    assert [n for _start, n in months] == [0, 0, 1, 0]
    assert figures["breaches"] == 1


def test_a_longer_period_counts_older_tickets(tickets):
    figures = ticket_figures(days=365, now=NOW)
    assert figures["total"] == 6
    assert figures["first_contact_rate"] == pytest.approx(2 / 4)
    assert figures["breaches"] == 2
    assert len(figures["breaches_per_month"]) == 13


def test_no_tickets_no_rate_and_no_medians():
    figures = ticket_figures(days=30, now=NOW)
    assert figures["total"] == 0
    assert figures["first_contact_rate"] is None
    assert figures["median_response_seconds"] is None
    assert figures["median_resolution_seconds"] is None


def test_figures_are_three_queries(tickets, django_assert_num_queries):
    with django_assert_num_queries(3):
        ticket_figures(days=90, now=NOW)


@pytest.mark.postgres
def test_postgres_median_matches_the_python_median(tickets):
    assert connection.vendor == "postgresql"
    for n in range(8, 19):  # an even number of resolved tickets: the median interpolates
        make_ticket(
            n,
            channel=Channel.WEB,
            status=Status.RESOLVED,
            created=NOW - n * DAY,
            response=n * HOUR,
            resolved=(3 * n + 1) * HOUR,
        )
    figures = ticket_figures(days=90, now=NOW)
    inside = Ticket.objects.filter(created_at__gte=NOW - 90 * DAY, created_at__lte=NOW)
    expected = statistics.median(
        (t.resolved_at - t.created_at).total_seconds() for t in inside if t.status in Ticket.DONE
    )
    assert figures["median_resolution_seconds"] == pytest.approx(expected)


# --- The page -----------------------------------------------------------------------------------


def test_page_shows_tables_with_the_figures(client, tickets, time_machine):
    time_machine.move_to(NOW)
    response = client.get(reverse("servicecenter:figures"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kalenderzeit" in page
    assert "67 %" in page  # the rate
    assert "65 %" in page  # the city's target
    assert "2,5 Stunden" in page and "2,0 Stunden" in page
    assert "Das Ziel ist in diesem Zeitraum erreicht." in page
    assert '<th scope="row" class="kern-table__cell">Online-Formular</th>' in page
    assert page.count('aria-hidden="true"') >= 5  # the charts; the tables carry the numbers
    # Aggregates only: nobody's name or address.
    assert "Mustermann" not in page
    assert "@example.org" not in page


def test_page_switches_the_period(client, tickets, time_machine):
    time_machine.move_to(NOW)
    page = client.get(reverse("servicecenter:figures"), {"tage": "365"}).content.decode()
    assert "Die letzten 365 Tage" in page
    assert '<option value="365" selected>' in page
    assert "50 %" in page


def test_unknown_period_is_refused_with_a_message(client, tickets):
    response = client.get(reverse("servicecenter:figures"), {"tage": "7"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bitte wählen Sie einen der angebotenen Zeiträume." in page
    assert 'href="#id_tage"' in page


@pytest.mark.parametrize("count", [1, 20])
def test_page_queries_do_not_grow(client, count, django_assert_num_queries):
    now = datetime.now(UTC)
    for n in range(count):
        make_ticket(
            n + 1,
            channel=Channel.PHONE,
            status=Status.RESOLVED,
            created=now - n * DAY,
            response=HOUR,
            resolved=2 * HOUR,
            escalated_at=now - n * DAY,
        )
    bump_content_version()
    with django_assert_num_queries(3):
        assert client.get(reverse("servicecenter:figures")).status_code == 200
    # Cached for the content version: the next visitor costs no query.
    with django_assert_num_queries(0):
        assert client.get(reverse("servicecenter:figures")).status_code == 200
