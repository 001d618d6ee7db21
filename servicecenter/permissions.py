"""Who may see and work on tickets.

- First-level agents (permission `servicecenter.work_first_level`) see and work every ticket.
- Department staff see and work only tickets forwarded to their department.
- A citizen reads their own tickets (account), or one ticket with its secret link.
Anybody else gets "not found", never "forbidden": the existence of a ticket is not disclosed.
"""

import hmac

from django.db.models import QuerySet

from lohmar_portal.models import User

from .models import Ticket

FIRST_LEVEL = "servicecenter.work_first_level"


def is_agent(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perm(FIRST_LEVEL)
    )


def is_department_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.department_id)


def can_work_tickets(user: User) -> bool:
    """Staff who have a queue at all."""
    return is_agent(user) or is_department_staff(user)


def can_work_ticket(user: User, ticket: Ticket) -> bool:
    if is_agent(user):
        return True
    return (
        is_department_staff(user)
        and ticket.department_id is not None
        and ticket.department_id == user.department_id
    )


def tickets_for_staff(user: User, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    if is_agent(user):
        return tickets
    if is_department_staff(user):
        return tickets.filter(department_id=user.department_id)
    return tickets.none()


def token_matches(ticket: Ticket, token: str | None) -> bool:
    expected = ticket.access_token
    return bool(token and expected and hmac.compare_digest(expected, token))


def is_owner(user: User, ticket: Ticket) -> bool:
    return bool(user.is_authenticated and ticket.citizen_id == user.pk)


def can_read_ticket(user: User, ticket: Ticket, token: str | None = None) -> bool:
    """The citizen's view of a ticket (postbox): the owner, or whoever holds the secret link."""
    return is_owner(user, ticket) or token_matches(ticket, token)
