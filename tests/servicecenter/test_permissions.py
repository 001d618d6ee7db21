"""Who reaches the staff pages and their actions: agents everything, department staff their
department's tickets, everybody else "not found" (anonymous visitors: the login)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from servicecenter import services
from servicecenter.attachments import NewAttachment
from servicecenter.models import Priority, Ticket
from servicecenter.permissions import (
    can_work_ticket,
    can_work_tickets,
    is_agent,
    is_department_staff,
    tickets_for_staff,
)
from tests.factories import StaffFactory, UserFactory
from tests.servicecenter.staff_support import client_for, web_ticket, with_mfa

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ROLES = [
    "agent",
    "own_department",
    "other_department",
    "staff_without_queue",
    "citizen",
    "anonymous",
]


@pytest.fixture
def people(agent, department_staff, other_department_staff, citizen):
    for user in (agent, department_staff, other_department_staff):
        with_mfa(user)
    # Staff with two factors but neither a department nor the first-level permission.
    plain_staff = with_mfa(StaffFactory(display_name="Redaktion"))
    return {
        "agent": agent,
        "own_department": department_staff,
        "other_department": other_department_staff,
        "staff_without_queue": plain_staff,
        "citizen": citizen,
        "anonymous": None,
    }


@pytest.fixture
def ticket(agent, department, citizen):
    """A citizen's ticket, forwarded to the department, with a file on the first message."""
    ticket, _token = services.open_ticket(
        actor=citizen,
        subject="Bauantrag Gartenhaus",
        text="Brauche ich eine Genehmigung?",
        attachments=[NewAttachment(filename="plan.pdf", content=PDF)],
    )
    return services.forward(actor=agent, ticket=ticket, department=department, reason="Baurecht")


def _url(name: str, ticket: Ticket, **kwargs) -> str:
    return reverse(f"servicecenter:{name}", kwargs={"reference": ticket.reference, **kwargs})


# --- The predicates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "agent_", "department_", "queue", "works_it"),
    [
        ("agent", True, False, True, True),
        ("own_department", False, True, True, True),
        ("other_department", False, True, True, False),
        ("staff_without_queue", False, False, False, False),
        ("citizen", False, False, False, False),
    ],
)
def test_predicates(people, ticket, role, agent_, department_, queue, works_it):
    user = people[role]
    assert is_agent(user) is agent_
    assert is_department_staff(user) is department_
    assert can_work_tickets(user) is queue
    assert can_work_ticket(user, ticket) is works_it
    visible = tickets_for_staff(user, Ticket.objects.all())
    assert list(visible) == ([ticket] if works_it else [])


def test_an_inactive_agent_has_no_queue(people):
    agent = people["agent"]
    agent.is_active = False
    agent.save()
    assert not can_work_tickets(agent)


# --- The pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", 200),
        ("own_department", 200),
        ("other_department", 200),
        ("staff_without_queue", 404),
        ("citizen", 404),
        ("anonymous", 302),
    ],
)
def test_queue(people, ticket, role, expected):
    response = client_for(people[role]).get(reverse("servicecenter:queue"))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    if expected == 200:
        listed = ticket.reference.encode() in response.content
        assert listed is (role != "other_department")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", 200),
        ("own_department", 200),
        ("other_department", 404),
        ("staff_without_queue", 404),
        ("citizen", 404),  # even the ticket's own citizen: this is the staff's page
        ("anonymous", 302),
    ],
)
def test_workspace_and_attachment(people, ticket, role, expected):
    client = client_for(people[role])
    response = client.get(_url("staff_ticket", ticket))
    assert response.status_code == expected
    file = ticket.messages.get().attachments.get()
    response = client.get(_url("staff_attachment", ticket, pk=file.pk))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", 200),
        ("own_department", 404),
        ("other_department", 404),
        ("staff_without_queue", 404),
        ("citizen", 404),
        ("anonymous", 302),
    ],
)
def test_quick_entry(people, role, expected):
    client = client_for(people[role])
    assert client.get(reverse("servicecenter:quick_entry")).status_code == expected
    response = client.post(
        reverse("servicecenter:quick_entry"),
        {
            "channel": "phone",
            "contact_phone": "02246 1",
            "subject": "Anruf",
            "text": "Frage",
            "priority": "normal",
        },
    )
    assert response.status_code == (302 if expected in (200, 302) else expected)
    assert Ticket.objects.filter(subject="Anruf").exists() is (role == "agent")


def test_a_ticket_that_does_not_exist_is_not_found_for_agents(people):
    response = client_for(people["agent"]).get(
        reverse("servicecenter:staff_ticket", kwargs={"reference": "SC-2026-999999"})
    )
    assert response.status_code == 404


def test_an_attachment_of_another_ticket_is_not_found(people, ticket, citizen):
    other = web_ticket(citizen, subject="Anderes")
    file = ticket.messages.get().attachments.get()
    response = client_for(people["agent"]).get(_url("staff_attachment", other, pk=file.pk))
    assert response.status_code == 404


def test_staff_without_two_factors_are_sent_to_set_them_up(agent):
    # `agent` has no second factor here.
    response = client_for(agent).get(reverse("servicecenter:queue"), follow=True)
    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    assert "Zwei-Faktor-Authentifizierung" in response.content.decode()


def test_a_citizen_with_two_factors_still_finds_nothing():
    citizen = UserFactory()
    TOTP.activate(citizen, generate_totp_secret())
    assert client_for(citizen).get(reverse("servicecenter:queue")).status_code == 404


def test_staff_pages_are_never_cached(people):
    response = client_for(people["agent"]).get(reverse("servicecenter:queue"))
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


# --- The actions -------------------------------------------------------------------------------

ACTIONS = {
    # name: (POST data, which roles may do it)
    "staff_reply": ({"antwort-text": "Antwort"}, {"agent", "own_department"}),
    "staff_note": ({"notiz-text": "Notiz"}, {"agent", "own_department"}),
    "staff_resolve": ({"erledigen-text": ""}, {"agent", "own_department"}),
    "staff_forward": ({"weiterleiten-reason": "Andere Zuständigkeit"}, {"agent"}),
    "staff_send_back": ({"zurueck-reason": "Nicht unser Thema"}, {"agent", "own_department"}),
    "staff_assign": ({"zuweisen-agent": ""}, {"agent"}),
    "staff_classify": ({"einordnen-priority": Priority.HIGH}, {"agent", "own_department"}),
    "staff_close": ({}, {"agent", "own_department"}),
}


def _state(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.department_id,
        ticket.priority,
        ticket.agent_id,
        ticket.messages.count(),
        ticket.events.count(),
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_action_matrix(people, ticket, department, action, role):
    data, allowed = ACTIONS[action]
    if action == "staff_forward":
        data = {**data, "weiterleiten-department": department.pk}
    before = _state(ticket)
    response = client_for(people[role]).post(_url(action, ticket), data)
    if role in allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert _state(ticket) != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        assert _state(ticket) == before


@pytest.mark.parametrize("role", ROLES)
def test_reopen_matrix(people, ticket, agent, role):
    services.close(actor=agent, ticket=ticket)
    before = _state(ticket)
    response = client_for(people[role]).post(_url("staff_reopen", ticket))
    if role in {"agent", "own_department"}:
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.FORWARDED
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert _state(ticket) == before


def test_actions_refuse_get(people, ticket):
    response = client_for(people["agent"]).get(_url("staff_close", ticket))
    assert response.status_code == 405


def test_department_staff_lose_the_ticket_they_sent_back(people, ticket):
    client = client_for(people["own_department"])
    response = client.post(_url("staff_send_back", ticket), {"zurueck-reason": "Falsch hier"})
    assert response["Location"] == reverse("servicecenter:queue")
    assert client.get(_url("staff_ticket", ticket)).status_code == 404
    assert client_for(people["agent"]).get(_url("staff_ticket", ticket)).status_code == 200


def test_a_citizens_own_ticket_on_the_web_is_not_the_staffs_of_another_department(people, citizen):
    ticket = web_ticket(citizen)
    assert client_for(people["own_department"]).get(_url("staff_ticket", ticket)).status_code == 404


def test_forwarded_elsewhere_the_department_loses_it(people, ticket, agent, citizen):
    other_department = people["other_department"].department
    services.forward(actor=agent, ticket=ticket, department=other_department, reason="Schule")
    assert client_for(people["own_department"]).get(_url("staff_ticket", ticket)).status_code == 404
    assert (
        client_for(people["other_department"]).get(_url("staff_ticket", ticket)).status_code == 200
    )


def test_a_revoked_permission_takes_effect_with_the_next_write(people):
    from lohmar_portal.cache import bump_content_version

    client = client_for(people["agent"])
    assert client.get(reverse("servicecenter:queue")).status_code == 200
    people["agent"].user_permissions.clear()
    bump_content_version()  # what the admin's save does after its commit
    assert client.get(reverse("servicecenter:queue")).status_code == 404


def test_writes_check_permission_afresh_while_access_is_remembered(people, ticket, department):
    client = client_for(people["agent"])
    assert client.get(_url("staff_ticket", ticket)).status_code == 200
    people["agent"].user_permissions.clear()  # no write through the portal: access is remembered
    before = _state(ticket)
    response = client.post(_url("staff_assign", ticket), {"zuweisen-agent": ""})
    assert response.status_code == 404
    assert _state(ticket) == before
