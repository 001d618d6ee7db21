"""Shared by the staff-side tests: staff with a second factor, logged-in clients, tickets."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from servicecenter import services
from servicecenter.models import Channel, Ticket


def with_mfa(user):
    """The staff pages demand two factors, as the admin does."""
    TOTP.activate(user, generate_totp_secret())
    return user


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


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
