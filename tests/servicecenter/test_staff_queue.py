"""The staff queue: who sees what, filters, due times, breach markers, paging and query counts."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lohmar_portal.cache import bump_content_version
from servicecenter import services
from servicecenter.models import Channel, LifeSituation, Ticket
from servicecenter.selectors import QueueFilters, ticket_queue
from servicecenter.views.staff_ticket import due_text
from tests.factories import DepartmentFactory, StaffFactory
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.staff_support import (
    client_for,
    forwarded_ticket,
    phone_ticket,
    web_ticket,
    with_mfa,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
QUEUE = reverse("servicecenter:queue")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def listed(response) -> list[str]:
    """The references in the queue's table, in order."""
    return re.findall(r">(SC-\d{4}-\d{6})</a>", response.content.decode())


@pytest.fixture
def agent_client(agent):
    return client_for(with_mfa(agent))


# --- Who sees what -----------------------------------------------------------------------------


def test_agents_see_every_open_ticket_department_staff_only_theirs(
    agent, agent_client, department, department_staff, citizen
):
    with_mfa(department_staff)
    mine = forwarded_ticket(agent, department, citizen, subject="Bauantrag")
    elsewhere = forwarded_ticket(agent, DepartmentFactory(), citizen, subject="Schule")
    with_the_center = web_ticket(citizen, subject="Ummeldung")
    done = services.resolve(actor=agent, ticket=web_ticket(citizen, subject="Erledigt"))
    assert set(listed(agent_client.get(QUEUE))) == {
        mine.reference,
        elsewhere.reference,
        with_the_center.reference,
    }
    assert listed(client_for(department_staff).get(QUEUE)) == [mine.reference]
    # Done tickets are one filter away.
    response = agent_client.get(QUEUE, {"status": "resolved"})
    assert listed(response) == [done.reference]


def test_department_staff_have_no_department_or_assignment_filter(
    agent, department, department_staff, citizen
):
    with_mfa(department_staff)
    forwarded_ticket(agent, department, citizen)
    page = client_for(department_staff).get(QUEUE).content.decode()
    assert 'name="department"' not in page and 'name="assignment"' not in page
    # A hand-made department filter changes nothing for them.
    other = DepartmentFactory()
    response = client_for(department_staff).get(QUEUE, {"department": other.pk})
    assert len(listed(response)) == 1


# --- Columns and order -------------------------------------------------------------------------


def test_rows_show_what_an_agent_needs_sorted_by_due_time(
    agent, agent_client, citizen, moving, service_levels
):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        later = web_ticket(citizen, subject="Normal", life_situation=moving)
        sooner = phone_ticket(agent, subject="Dringend", priority="urgent")
    with time_machine.travel(at(2026, 11, 18, 10, 0), tick=False):
        response = agent_client.get(QUEUE)
    page = response.content.decode()
    assert listed(response) == [sooner.reference, later.reference]
    for text in ("Normal", "Dringend", "Telefon", "Online-Formular", "Umzug", "dringend", "neu"):
        assert text in page
    assert "in Bearbeitung" in page  # the phone ticket is open at once
    assert agent.display_name in page  # the phone ticket's agent
    # Local time, and how long is left.
    assert "18.11.2026 13:00" in page and "in 3 Std." in page
    assert "18.11.2026 17:00" in page and "in 7 Std." in page


def test_a_breached_ticket_carries_a_marker_in_words(agent_client, citizen, service_levels):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        ticket = web_ticket(citizen)
    with time_machine.travel(at(2026, 11, 18, 16, 0), tick=False):
        page = agent_client.get(QUEUE).content.decode()
    assert "überfällig" in page and "seit 3 Std. überfällig" in page
    assert "kern-icon--warning" in page
    # The beat job escalates it: the marker says so.
    with time_machine.travel(at(2026, 11, 18, 16, 5), tick=False):
        services.escalate_breaches()
        page = agent_client.get(QUEUE).content.decode()
    assert "eskaliert" in page
    assert ticket.reference in page


def test_a_waiting_ticket_shows_its_clock_paused(agent, agent_client, citizen, service_levels):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        ticket = web_ticket(citizen)
        services.reply(actor=agent, ticket=ticket, text="Welche Adresse?", wait_for_citizen=True)
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):
        page = agent_client.get(QUEUE).content.decode()
    assert "Frist angehalten" in page
    assert "sc-marker" not in page and " überfällig<" not in page
    assert "wartet auf Bürger/in" in page


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=45), "in 45 Min."),
        (timedelta(hours=2, minutes=10), "in 2 Std."),
        (timedelta(days=3, hours=1), "in 3 Tagen"),
        (timedelta(days=1, hours=1), "in 25 Std."),
        (-timedelta(hours=3, minutes=5), "seit 3 Std. überfällig"),
        (-timedelta(days=2), "seit 2 Tagen überfällig"),
        (-timedelta(seconds=20), "seit 1 Min. überfällig"),
    ],
)
def test_due_text(delta, text):
    now = timezone.now()
    assert due_text(now + delta, now) == text


def test_due_text_without_a_due_time_is_empty():
    assert due_text(None, timezone.now()) == ""


# --- Filters -----------------------------------------------------------------------------------


def test_filter_mine_and_unassigned(agent, agent_client, citizen):
    colleague = make_agent(display_name="Kollegin")
    mine = phone_ticket(agent, subject="Meins")
    theirs = phone_ticket(colleague, subject="Ihres")
    nobodys = web_ticket(citizen, subject="Offen")
    assert listed(agent_client.get(QUEUE, {"assignment": "mine"})) == [mine.reference]
    assert listed(agent_client.get(QUEUE, {"assignment": "unassigned"})) == [nobodys.reference]
    assert theirs.reference in listed(agent_client.get(QUEUE))


def test_filter_by_department_or_still_with_the_service_center(
    agent, agent_client, department, citizen
):
    forwarded = forwarded_ticket(agent, department, citizen)
    here = web_ticket(citizen)
    assert listed(agent_client.get(QUEUE, {"department": department.pk})) == [forwarded.reference]
    assert listed(agent_client.get(QUEUE, {"department": "ohne"})) == [here.reference]


def test_filter_by_status_and_channel(agent, agent_client, citizen):
    phone = phone_ticket(agent)
    web = web_ticket(citizen)
    assert listed(agent_client.get(QUEUE, {"status": "new"})) == [web.reference]
    assert listed(agent_client.get(QUEUE, {"channel": Channel.PHONE})) == [phone.reference]


def test_filter_breached_only(agent_client, citizen, service_levels):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        late = web_ticket(citizen, subject="Spät")
    with time_machine.travel(at(2026, 11, 18, 14, 0), tick=False):
        web_ticket(citizen, subject="Frisch")
        response = agent_client.get(QUEUE, {"breached": "on"})
    assert listed(response) == [late.reference]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sperrmüll", "phone"),
        ("ERIKA", "phone"),
        ("02246 12345", "phone"),
        ("umzug", "web"),
    ],
)
def test_search_by_subject_and_contact(agent, agent_client, citizen, query, expected):
    tickets = {
        "phone": phone_ticket(agent, subject="Frage zum Sperrmüll"),
        "web": web_ticket(citizen, subject="Umzug innerhalb Lohmars"),
    }
    assert listed(agent_client.get(QUEUE, {"q": query})) == [tickets[expected].reference]


def test_search_by_reference_and_by_the_citizens_address(agent, agent_client, citizen):
    ticket = web_ticket(citizen)
    phone_ticket(agent)
    assert listed(agent_client.get(QUEUE, {"q": ticket.reference.lower()})) == [ticket.reference]
    assert listed(agent_client.get(QUEUE, {"q": citizen.email})) == [ticket.reference]


def test_unknown_filter_values_drop_the_filter_not_the_page(agent, agent_client, citizen):
    ticket = web_ticket(citizen)
    response = agent_client.get(
        QUEUE, {"status": "verloren", "channel": "brieftaube", "department": "999", "page": "x"}
    )
    assert response.status_code == 200
    assert listed(response) == [ticket.reference]


def test_an_empty_result_says_so(agent_client):
    assert "Zurzeit sind keine Anliegen offen." in agent_client.get(QUEUE).content.decode()
    page = agent_client.get(QUEUE, {"q": "nichts"}).content.decode()
    assert "Keine Anliegen gefunden" in page


# --- Paging and queries ------------------------------------------------------------------------


def _bulk_tickets(count: int, *, department=None, start: datetime | None = None) -> None:
    start = start or timezone.now()
    situation = LifeSituation.objects.get_or_create(
        slug="bauen", defaults={"name": "Bauen", "summary": "Bauen in Lohmar"}
    )[0]
    agent = make_agent()
    Ticket.objects.bulk_create(
        Ticket(
            reference=f"SC-2026-{900000 + n:06d}",
            subject=f"Anliegen {n}",
            life_situation=situation,
            agent=agent if n % 2 else None,
            department=department if n % 3 == 0 else None,
            status=Ticket.Status.FORWARDED if department and n % 3 == 0 else Ticket.Status.OPEN,
            first_response_due=start + timedelta(hours=n),
            resolution_due=start + timedelta(hours=n, minutes=30),
        )
        for n in range(count)
    )


def test_fifty_per_page_sorted_by_due_time(agent_client):
    _bulk_tickets(60)
    first = listed(agent_client.get(QUEUE))
    assert len(first) == 50
    assert first[:2] == ["SC-2026-900000", "SC-2026-900001"]
    second = agent_client.get(QUEUE, {"page": 2})
    assert listed(second)[0] == "SC-2026-900050" and len(listed(second)) == 10
    assert "Seite 2 von 2" in second.content.decode()


def test_paging_links_keep_the_filters(agent_client):
    _bulk_tickets(60)
    page = agent_client.get(QUEUE, {"channel": "web"}).content.decode()
    assert "?channel=web&amp;page=2" in page


def _count_queries(client, **params) -> int:
    client.get(QUEUE, params)  # the account is read once, then kept in the cache
    bump_content_version()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"breached": "on", "q": "Anliegen"}, {"status": "closed"}])
def test_the_queue_runs_a_constant_number_of_queries(agent_client, department, params):
    _bulk_tickets(1, department=department)
    one = _count_queries(agent_client, **params)
    Ticket.objects.all().delete()
    _bulk_tickets(30, department=department)
    assert _count_queries(agent_client, **params) == one


def test_the_department_queue_runs_a_constant_number_of_queries(department, department_staff):
    client = client_for(with_mfa(department_staff))
    _bulk_tickets(1, department=department)
    one = _count_queries(client)
    Ticket.objects.all().delete()
    _bulk_tickets(30, department=department)
    assert _count_queries(client) == one


def test_the_selector_uses_the_queue_index_condition(agent):
    """The planner can only use the partial indexes if the WHERE clause repeats them."""
    sql = str(ticket_queue(agent, QueueFilters()).query)
    assert 'NOT ("servicecenter_ticket"."status" IN (' in sql
    assert "ORDER BY" in sql and '"servicecenter_ticket"."resolution_due" ASC' in sql


def test_a_cached_queue_reads_no_tickets(agent_client, citizen):
    web_ticket(citizen)
    agent_client.get(QUEUE)
    with CaptureQueriesContext(connection) as queries:
        response = agent_client.get(QUEUE)
    assert len(listed(response)) == 1
    assert not any("servicecenter_ticket" in query["sql"] for query in queries.captured_queries)


def test_a_change_through_the_staff_pages_shows_at_once(
    agent_client, citizen, django_capture_on_commit_callbacks
):
    ticket = web_ticket(citizen)
    assert listed(agent_client.get(QUEUE)) == [ticket.reference]
    close = reverse("servicecenter:staff_close", kwargs={"reference": ticket.reference})
    with django_capture_on_commit_callbacks(execute=True):  # the write's content version bump
        agent_client.post(close)
    assert listed(agent_client.get(QUEUE)) == []


def test_a_ticket_from_outside_a_request_shows_within_a_minute(agent_client, citizen):
    with time_machine.travel(at(2026, 11, 18, 9, 0, 10), tick=False):
        assert listed(agent_client.get(QUEUE)) == []
        ticket = web_ticket(citizen)  # e-mail intake, an anonymous form: no staff write
    with time_machine.travel(at(2026, 11, 18, 9, 1, 0), tick=False):
        assert listed(agent_client.get(QUEUE)) == [ticket.reference]


def test_the_queue_is_not_shared_between_departments(agent, department, department_staff, citizen):
    other_staff = with_mfa(StaffFactory(department=DepartmentFactory()))
    with_mfa(department_staff)
    ticket = forwarded_ticket(agent, department, citizen)
    assert listed(client_for(department_staff).get(QUEUE)) == [ticket.reference]
    assert listed(client_for(other_staff).get(QUEUE)) == []
