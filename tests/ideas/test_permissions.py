"""The proposal predicates beyond the phase: the status, staff action and visibility decide too."""

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from ideas.models import Proposal
from ideas.permissions import (
    can_edit_proposal,
    can_see_hidden,
    can_submit_proposal,
    can_withdraw_proposal,
)
from tests.factories import UserFactory
from tests.participation.factories import (
    ProposalFactory,
    berlin,
    lohmar_2019_process,
    make_moderator,
)

pytestmark = pytest.mark.django_db

IDEA_PHASE = berlin(2019, 9, 15, 12)

WITHDRAWABLE = {
    "submitted": True,
    "in_review": True,
    "shortlisted": False,
    "recommended": False,
    "adopted": False,
    "rejected": False,
    "deferred": False,
    "withdrawn": False,
    "merged": False,
}


@pytest.fixture
def proposal():
    return ProposalFactory(process=lohmar_2019_process())


def test_a_process_that_is_not_public_takes_no_proposals(proposal):
    process = proposal.process
    process.is_public = False
    process.save()
    with time_machine.travel(IDEA_PHASE, tick=False):
        assert can_submit_proposal(UserFactory(), process) is False


@pytest.mark.parametrize(
    "change",
    [
        {"status": Proposal.Status.IN_REVIEW},
        {"answered_at": IDEA_PHASE},
        {"is_hidden": True},
    ],
    ids=["status-changed", "answered", "hidden"],
)
def test_the_author_cannot_edit_once_staff_acted(proposal, change):
    for field, value in change.items():
        setattr(proposal, field, value)
    proposal.save()
    with time_machine.travel(IDEA_PHASE, tick=False):
        assert can_edit_proposal(proposal.author, proposal) is False


def test_the_author_edits_an_untouched_proposal_in_the_idea_phase(proposal):
    with time_machine.travel(IDEA_PHASE, tick=False):
        assert can_edit_proposal(proposal.author, proposal) is True
    assert can_edit_proposal(proposal.author, proposal, when=IDEA_PHASE) is True
    assert can_edit_proposal(proposal.author, proposal, when=timezone.now()) is False


@pytest.mark.parametrize(("status", "allowed"), WITHDRAWABLE.items())
def test_the_author_withdraws_until_the_shortlist(proposal, status, allowed):
    assert set(WITHDRAWABLE) == set(Proposal.Status.values)
    proposal.status = status
    proposal.save()
    assert can_withdraw_proposal(proposal.author, proposal) is allowed
    assert can_withdraw_proposal(UserFactory(), proposal) is False


def test_a_proposal_entered_on_behalf_has_no_author_who_could_edit_or_withdraw(proposal):
    proposal.author = None
    proposal.save()
    with time_machine.travel(IDEA_PHASE, tick=False):
        for user in (AnonymousUser(), UserFactory(), make_moderator()):
            assert can_edit_proposal(user, proposal) is False
            assert can_withdraw_proposal(user, proposal) is False


def test_only_moderators_see_hidden_proposals():
    assert can_see_hidden(make_moderator()) is True
    assert can_see_hidden(UserFactory(is_staff=True)) is False
    assert can_see_hidden(UserFactory()) is False
    assert can_see_hidden(AnonymousUser()) is False
