"""Shared by the staff-side tests: staff with a second factor, logged-in clients, tickets."""

from servicecenter import services
from servicecenter.models import Channel, Ticket
from tests.staff_clients import client_for, with_mfa

__all__ = [
    "client_for",
    "forwarded_ticket",
    "phone_ticket",
    "web_ticket",
    "with_mfa",
]


def web_ticket(citizen, *, subject: str = "Ummeldung nach Umzug", **fields) -> Ticket:
    """A ticket a citizen opened on the web with their account."""
    ticket, _token = services.open_ticket(
        actor=citizen, subject=subject, text="Wie melde ich mich um?", **fields
    )
    return ticket


def phone_ticket(agent, *, subject: str = "Frage zum Sperrmüll", **fields) -> Ticket:
    """A ticket an agent entered for a caller without e-mail."""
    fields.setdefault("contact_name", "Erika Anruferin")
    fields.setdefault("contact_phone", "02246 12345")
    ticket, _token = services.open_ticket(
        actor=agent,
        channel=Channel.PHONE,
        subject=subject,
        text="Wann kommt der Sperrmüll?",
        **fields,
    )
    return ticket


def forwarded_ticket(agent, department, citizen, **fields) -> Ticket:
    ticket = web_ticket(citizen, **fields)
    return services.forward(
        actor=agent, ticket=ticket, department=department, reason="Fachliche Prüfung nötig"
    )
