"""Who may submit, edit and withdraw proposals; the phase decides, checked in the services."""

from participation.models import Process
from participation.permissions import can_moderate, is_citizen, phase_allows

from .models import Proposal


def can_submit_proposal(user, process: Process, when=None) -> bool:
    """Citizens submit while the process's active phase allows it."""
    return is_citizen(user) and process.is_public and phase_allows(process, "submit", when)


def is_untouched_by_staff(proposal: Proposal) -> bool:
    return (
        proposal.status == Proposal.Status.SUBMITTED
        and proposal.answered_at is None
        and not proposal.is_hidden
    )


def can_edit_proposal(user, proposal: Proposal, when=None) -> bool:
    """Authors edit while the submit phase runs and before the city has acted on it."""
    return (
        is_citizen(user)
        and proposal.author_id == user.pk
        and is_untouched_by_staff(proposal)
        and phase_allows(proposal.process, "submit", when)
    )


def can_withdraw_proposal(user, proposal: Proposal) -> bool:
    """Authors withdraw until the workshop has shortlisted it."""
    return (
        is_citizen(user)
        and proposal.author_id == user.pk
        and proposal.status in {Proposal.Status.SUBMITTED, Proposal.Status.IN_REVIEW}
    )


def can_see_hidden(user) -> bool:
    """Moderators see what moderation hid; everybody else sees the public reason."""
    return can_moderate(user)
