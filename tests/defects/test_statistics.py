"""The Mängelmelder's statistics: numbers on a small known data set, the page's charts and
tables, caching per content version, and a flat number of queries."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from defects import selectors
from defects.models import DefectReport
from defects.views.statistics import bar_chart
from lohmar_portal.cache import bump_content_version
from tests.defects.conftest import make_category, make_report

pytestmark = pytest.mark.django_db

Status = DefectReport.Status
BERLIN = ZoneInfo("Europe/Berlin")
URL = "/maengel/statistik/"
TODAY = datetime(2026, 3, 15, 12, 0, tzinfo=BERLIN)


def at(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def report(category, created_at, status=Status.CONFIRMED, resolved_after_days=None, **fields):
    """A report filed at `created_at`, confirmed an hour later, resolved days after that."""
    made = make_report(category=category, status=status, created_at=created_at, **fields)
    confirmed_at = created_at + timedelta(hours=1)
    resolved_at = (
        confirmed_at + timedelta(days=resolved_after_days) if resolved_after_days else None
    )
    DefectReport.objects.filter(pk=made.pk).update(
        confirmed_at=None if status == Status.SUBMITTED else confirmed_at,
        resolved_at=resolved_at,
    )
    return made


@pytest.fixture
def known_data():
    """Eight public reports in two categories, plus a hidden and an unconfirmed one."""
    streets = make_category(name="Straßenschäden", order=1)
    lights = make_category(name="Beleuchtung", order=2)
    make_category(name="Spielplätze", order=3)  # takes reports, has none yet
    make_category(name="Alte Kategorie", order=4, is_active=False)  # neither
    resolved = Status.RESOLVED
    # Just after midnight in Lohmar is still the previous day in UTC: counted in March.
    report(streets, at(2026, 3, 1, 0, 30), resolved, resolved_after_days=1)
    report(streets, at(2026, 2, 10), resolved, resolved_after_days=3)
    report(streets, at(2026, 1, 20), resolved, resolved_after_days=10)
    report(streets, at(2025, 4, 1, 0, 10), Status.IN_PROGRESS)  # the oldest month counted
    report(streets, at(2025, 3, 31, 23, 50))  # a month too old for the months, still counted
    report(lights, at(2026, 3, 10), resolved, resolved_after_days=2)
    report(lights, at(2025, 12, 24), resolved, resolved_after_days=5)
    report(lights, at(2025, 11, 11), Status.CLOSED)
    # Not public: counted nowhere.
    report(
        streets,
        at(2026, 3, 5),
        resolved,
        resolved_after_days=100,
        is_hidden=True,
        hidden_reason="Beleidigung",
    )
    report(lights, at(2026, 3, 6), Status.SUBMITTED)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_statistics_on_a_known_data_set(frozen, known_data):
    stats = selectors.defect_statistics()
    assert stats["total"] == 8
    assert stats["open"] == 2
    assert stats["resolved"] == 5
    assert stats["per_category"] == [
        ("Straßenschäden", 5, 2),
        ("Beleuchtung", 3, 0),
        ("Spielplätze", 0, 0),
    ]
    assert stats["per_status"] == [
        ("gemeldet", 1),
        ("angenommen", 0),
        ("in Bearbeitung", 1),
        ("erledigt", 5),
        ("nicht zuständig", 0),
        ("Duplikat", 0),
        ("geschlossen", 1),
    ]
    months = [(start.isoformat(), n) for start, n in stats["per_month"]]
    assert months == [
        ("2025-04-01", 1),
        ("2025-05-01", 0),
        ("2025-06-01", 0),
        ("2025-07-01", 0),
        ("2025-08-01", 0),
        ("2025-09-01", 0),
        ("2025-10-01", 0),
        ("2025-11-01", 1),
        ("2025-12-01", 1),
        ("2026-01-01", 1),
        ("2026-02-01", 1),
        ("2026-03-01", 2),
    ]
    # Days to resolution: 1, 3, 10 (streets) and 2, 5 (lights); the hidden 100 is left out.
    assert stats["median_days"] == pytest.approx(3.0)
    assert stats["median_days_per_category"] == [
        ("Straßenschäden", pytest.approx(3.0)),
        ("Beleuchtung", pytest.approx(3.5)),
    ]


def test_statistics_without_reports():
    stats = selectors.defect_statistics()
    assert stats["total"] == stats["open"] == stats["resolved"] == 0
    assert stats["median_days"] is None
    assert stats["median_days_per_category"] == []
    assert len(stats["per_month"]) == 12
    assert all(n == 0 for _start, n in stats["per_month"])


@pytest.mark.postgres
def test_postgresql_computes_the_median_in_the_database(frozen, known_data):
    assert connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as queries:
        overall, per_category = selectors._resolution_medians(DefectReport.objects.public())
    assert len(queries) == 2
    assert all("PERCENTILE_CONT(0.5)" in query["sql"] for query in queries)
    assert overall == pytest.approx(3.0)
    assert sorted(per_category.values()) == [pytest.approx(3.0), pytest.approx(3.5)]


def test_the_page_shows_every_figure_as_a_chart_with_its_table(client, frozen, known_data):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Statistik des Mängelmelders" in html
    # Four charts, each hidden from assistive technology, each followed by its table.
    assert html.count('<svg class="portal-chart"') == 4
    assert html.count('aria-hidden="true"') >= 4
    assert html.count("<title>") == 4 + 1  # and the page's own
    assert html.count('<table class="kern-table') == 4
    for heading in [
        "Meldungen nach Kategorie",
        "Meldungen nach Status",
        "Neue Meldungen pro Monat (letzte 12 Monate)",
        "Dauer bis zur Erledigung nach Kategorie",
    ]:
        assert heading in html
    category_table = html[html.index("<caption", html.index('id="statistik-kategorie"')) :]
    assert '<th scope="row" class="kern-table__cell">Straßenschäden</th>' in category_table
    assert '<td class="kern-table__cell kern-table__cell--numeric">5</td>' in category_table
    assert "Alte Kategorie" not in html
    assert '<th scope="row" class="kern-table__cell">März 2026</th>' in html
    assert '<th scope="row" class="kern-table__cell">April 2025</th>' in html
    assert "März 2025" not in html
    assert ">3,0 Tage</td>" in html
    assert ">3,5 Tage</td>" in html
    assert "style=" not in html
    assert "<script>" not in html


def test_bars_are_proportional_to_their_values():
    chart = bar_chart([("a", 10, "10"), ("b", 5, "5"), ("c", 0, "0")])
    widths = [bar["width"] for bar in chart["bars"]]
    assert widths == [300, 150, 0]
    assert [bar["text"] for bar in chart["bars"]] == ["10", "5", "0"]
    assert chart["height"] == 3 * 32
    assert bar_chart([("leer", 0, "0")])["bars"][0]["width"] == 0


def total_on_page(client) -> int:
    html = client.get(URL).content.decode()
    return int(re.search(r"Meldungen insgesamt</dt>\s*<dd[^>]*>\s*(\d+)", html).group(1))


def test_the_statistics_are_cached_until_the_next_write(client, citizen):
    make_report()
    assert total_on_page(client) == 1
    make_report()
    assert total_on_page(client) == 1
    client.force_login(citizen)  # not the page cache: the shared figures
    assert total_on_page(client) == 1
    bump_content_version()  # what every committed write does
    assert total_on_page(client) == 2
    client.logout()
    assert total_on_page(client) == 2


def test_statistics_queries_do_not_grow_with_the_number_of_reports(client, citizen):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    category = make_category()
    make_report(category=category, status=Status.RESOLVED, resolved_at=None)
    one = queries()
    for n in range(19):
        report(
            make_category(),
            at(2026, 1, 1) + timedelta(days=n * 9),
            Status.RESOLVED,
            resolved_after_days=n + 1,
        )
    bump_content_version()
    assert queries() == one
    # Logged-in visitors share the figures (one computation per content version).
    client.force_login(citizen)
    bump_content_version()
    logged_in = queries()
    assert queries() < logged_in
