"""Celery entry points of the service center: notices by e-mail, escalation, housekeeping.

Notices to citizens never carry a message's content: only that there is news, and the link.
"""

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from lohmar_portal.tasks import send_templated_email


def _mail(*, template: str, to: str, context: dict) -> None:
    send_templated_email(f"servicecenter/email/{template}", to=to, context=context)


def citizen_link(ticket) -> str:
    """Where the citizen reads the ticket: the postbox, or the secret link."""
    if ticket.citizen_id:
        path = reverse("servicecenter:ticket", kwargs={"reference": ticket.reference})
    else:
        path = reverse(
            "servicecenter:ticket_access",
            kwargs={"reference": ticket.reference, "token": ticket.access_token},
        )
    return settings.PORTAL_BASE_URL + path


def _ticket(ticket_id: int):
    from .models import Ticket

    return (
        Ticket.objects.select_related("citizen", "agent", "department__lead")
        .filter(pk=ticket_id)
        .first()
    )


@shared_task(acks_late=True)
def send_receipt(ticket_id: int) -> bool:
    """Confirm that a ticket arrived, with its reference and the link to it."""
    ticket = _ticket(ticket_id)
    if ticket is None or not ticket.notify_address:
        return False
    _mail(
        template="receipt",
        to=ticket.notify_address,
        context={"ticket": ticket, "url": citizen_link(ticket)},
    )
    return True


@shared_task(acks_late=True)
def notify_new_message(ticket_id: int) -> bool:
    """ "You have a new message" — without the message."""
    ticket = _ticket(ticket_id)
    if ticket is None or not ticket.notify_address:
        return False
    if ticket.citizen_id and not ticket.citizen.is_active:
        return False
    _mail(
        template="new_message",
        to=ticket.notify_address,
        context={"ticket": ticket, "url": citizen_link(ticket)},
    )
    return True


def _staff_url(ticket) -> str:
    return settings.PORTAL_BASE_URL + reverse(
        "servicecenter:staff_ticket", kwargs={"reference": ticket.reference}
    )


@shared_task(acks_late=True)
def notify_department(ticket_id: int) -> bool:
    """Tell a department's mailbox that a ticket was forwarded to it."""
    ticket = _ticket(ticket_id)
    if ticket is None or ticket.department is None or not ticket.department.email:
        return False
    _mail(
        template="forwarded",
        to=ticket.department.email,
        context={"ticket": ticket, "url": _staff_url(ticket)},
    )
    return True


@shared_task(acks_late=True)
def notify_citizen_reply(ticket_id: int) -> bool:
    """Tell whoever works the ticket that the citizen answered: the department's mailbox while
    it is forwarded, else the assigned agent (unassigned tickets wait in the queue)."""
    ticket = _ticket(ticket_id)
    if ticket is None:
        return False
    if ticket.department_id:
        address = ticket.department.email
    else:
        address = ticket.agent.email if ticket.agent and ticket.agent.is_active else ""
    if not address:
        return False
    _mail(
        template="citizen_reply", to=address, context={"ticket": ticket, "url": _staff_url(ticket)}
    )
    return True


def escalation_address(ticket) -> str:
    """The lead of the department working on it (or its mailbox); for tickets still with the
    service center, the lead of the service center's department."""
    from lohmar_portal.models import Department

    department = ticket.department or (
        Department.objects.select_related("lead")
        .filter(slug=settings.SERVICECENTER_DEPARTMENT)
        .first()
    )
    if department is None:
        return ""
    if department.lead and department.lead.is_active:
        return department.lead.email
    return department.email


@shared_task(acks_late=True)
def notify_escalation(ticket_id: int) -> bool:
    ticket = _ticket(ticket_id)
    address = escalation_address(ticket) if ticket else ""
    if not address:
        return False
    _mail(
        template="escalation",
        to=address,
        context={"ticket": ticket, "url": _staff_url(ticket)},
    )
    return True


@shared_task
def escalate_breaches() -> int:
    """Beat: mark tickets past their service level and tell the leads."""
    from . import services

    return services.escalate_breaches()


@shared_task
def erase_old_contacts() -> int:
    """Beat: contact details of long-closed tickets without an account are erased."""
    from . import services

    return services.erase_old_contacts()
