"""The service center in the admin: tickets read-only and scoped, service levels, closing days,
and the department's lead."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicecenter import services
from servicecenter.models import ClosingDay, SlaPolicy, Ticket
from tests.factories import StaffFactory
from tests.servicecenter.staff_support import (
    client_for,
    forwarded_ticket,
    phone_ticket,
    web_ticket,
    with_mfa,
)

pytestmark = pytest.mark.django_db
TICKETS = reverse("admin:servicecenter_ticket_changelist")


def change_url(ticket: Ticket) -> str:
    return reverse("admin:servicecenter_ticket_change", args=[ticket.pk])


@pytest.fixture
def admin_client_(db):
    return client_for(with_mfa(StaffFactory(is_superuser=True)))


def test_agents_list_every_ticket_with_a_link_to_the_workspace(agent, citizen, department):
    ticket = forwarded_ticket(agent, department, citizen, subject="Bauantrag")
    other = web_ticket(citizen, subject="Ummeldung")
    page = client_for(with_mfa(agent)).get(TICKETS).content.decode()
    assert "Bauantrag" in page and "Ummeldung" in page
    workspace = reverse("servicecenter:staff_ticket", kwargs={"reference": ticket.reference})
    assert workspace in page and other.reference in page
    assert reverse("servicecenter:queue") in page  # where the work is done


def test_department_staff_list_and_open_only_their_departments_tickets(
    agent, citizen, department, department_staff
):
    ours = forwarded_ticket(agent, department, citizen, subject="Bauantrag")
    theirs = web_ticket(citizen, subject="Ummeldung")
    client = client_for(with_mfa(department_staff))
    page = client.get(TICKETS).content.decode()
    assert "Bauantrag" in page and "Ummeldung" not in page
    assert client.get(change_url(ours)).status_code == 200
    # Another's ticket "does not exist" for them: the admin sends them away, nothing shown.
    response = client.get(change_url(theirs))
    assert response.status_code == 302 and "Ummeldung" not in response.content.decode()


def test_the_change_view_is_read_only_with_messages_and_history(agent, citizen):
    ticket = web_ticket(citizen)
    services.add_note(actor=agent, ticket=ticket, text="Rückruf vereinbart.")
    client = client_for(with_mfa(agent))
    page = client.get(change_url(ticket)).content.decode()
    assert "Rückruf vereinbart." in page and "interne Notiz" in page
    assert "Verlauf (wer, was, wann)" in page and "angelegt" in page
    assert 'name="_save"' not in page
    # No editing by a hand-made POST either.
    client.post(change_url(ticket), {"subject": "Geändert"})
    ticket.refresh_from_db()
    assert ticket.subject == "Ummeldung nach Umzug"


def test_tickets_are_not_added_or_deleted_in_the_admin(admin_client_, citizen):
    ticket = web_ticket(citizen)
    assert admin_client_.get(reverse("admin:servicecenter_ticket_add")).status_code == 403
    response = admin_client_.get(reverse("admin:servicecenter_ticket_delete", args=[ticket.pk]))
    assert response.status_code == 403


def test_filter_late_tickets(admin_client_, citizen, service_levels, agent):
    with time_machine.travel("2026-11-18 09:00 +0100", tick=False):
        late = web_ticket(citizen, subject="Spät dran")
    with time_machine.travel("2026-11-18 15:00 +0100", tick=False):
        phone_ticket(agent, subject="Gerade erst")
        page = admin_client_.get(TICKETS, {"servicelevel": "ueberfaellig"}).content.decode()
    assert late.subject in page and "Gerade erst" not in page


def test_the_ticket_list_runs_a_constant_number_of_queries(
    admin_client_, agent, citizen, department
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client_.get(TICKETS).status_code == 200
        return len(queries)

    forwarded_ticket(agent, department, citizen)
    admin_client_.get(TICKETS)  # the account is read once, then kept in the cache
    one = count()
    for n in range(10):
        forwarded_ticket(agent, department, citizen, subject=f"Anliegen {n}")
        phone_ticket(agent, subject=f"Anruf {n}")
    assert count() == one


def test_service_levels_are_shown_in_hours(admin_client_, service_levels):
    page = admin_client_.get(reverse("admin:servicecenter_slapolicy_changelist")).content.decode()
    assert "4 Std." in page and "30 Std." in page
    page = admin_client_.get(reverse("admin:servicecenter_slapolicy_add")).content.decode()
    assert "600 Minuten sind ein Arbeitstag" in page
    assert SlaPolicy.objects.count() == 2


@time_machine.travel("2026-06-01 12:00 +0200", tick=False)
def test_closing_days_list_the_holidays_already_skipped(admin_client_):
    ClosingDay.objects.create(date=date(2026, 2, 16), name="Rosenmontag")
    page = admin_client_.get(reverse("admin:servicecenter_closingday_changelist")).content
    page = page.decode()
    assert "Rosenmontag" in page
    for holiday in ("Tag der Deutschen Einheit", "Fronleichnam", "Allerheiligen"):
        assert holiday in page
    assert "03.10.2026" in page and "01.01.2027" in page


def test_the_department_has_a_lead(admin_client_, department):
    page = admin_client_.get(
        reverse("admin:lohmar_portal_department_change", args=[department.pk])
    ).content.decode()
    assert 'name="lead"' in page


def test_the_knowledge_base_and_mobile_office_admins_are_registered(admin_client_):
    for name in ("knowledgearticle", "lifesituation", "mobileofficestop"):
        assert (
            admin_client_.get(reverse(f"admin:servicecenter_{name}_changelist")).status_code == 200
        )
