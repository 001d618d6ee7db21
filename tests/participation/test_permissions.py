"""Who may do what in which phase: the predicates the pages and the services share.

The Lohmar 2019 process: idea collection (submit, rate, comment) until 13 Oct 2019, workshop on
4 Nov 2019, council on 11 Dec 2019, implementation in 2020; nothing is allowed after the idea phase.
"""

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from ideas.permissions import can_edit_proposal, can_submit_proposal, can_withdraw_proposal
from participation.permissions import can_comment, can_flag, can_follow, can_rate
from tests.factories import UserFactory

from .factories import ProposalFactory, berlin, lohmar_2019_process, make_moderator

pytestmark = pytest.mark.django_db

MOMENTS = {
    "before": berlin(2019, 7, 1, 12),  # before any phase
    "ideas": berlin(2019, 9, 15, 12),  # idea collection: submit, rate, comment
    "workshop": berlin(2019, 11, 4, 12),  # workshop: nothing allowed
    "after": berlin(2021, 6, 1, 12),  # after the end of the last phase
}
PHASES = list(MOMENTS)  # the column order of the table below

# Y = allowed, . = refused; columns: before, ideas, workshop, after.
EXPECTED = {
    "can_submit_proposal": {
        "visitor": "....",
        "citizen": ".Y..",
        "author": ".Y..",
        "moderator": ".Y..",
    },
    "can_edit_proposal": {
        "visitor": "....",
        "citizen": "....",
        "author": ".Y..",
        "moderator": "....",
    },
    "can_withdraw_proposal": {
        "visitor": "....",
        "citizen": "....",
        "author": "YYYY",  # decided by the status (submitted), not by the phase
        "moderator": "....",
    },
    "can_rate": {
        "visitor": "....",
        "citizen": ".Y..",
        "author": "....",
        "moderator": ".Y..",
    },
    "can_comment": {
        "visitor": "....",
        "citizen": ".Y..",
        "author": ".Y..",
        "moderator": "YYYY",  # official answers at any time
    },
    "can_flag": {
        "visitor": "....",
        "citizen": "YYYY",
        "author": "....",
        "moderator": "YYYY",
    },
    "can_follow": {
        "visitor": "....",
        "citizen": "YYYY",
        "author": "YYYY",
        "moderator": "YYYY",
    },
}

PREDICATES = {
    "can_submit_proposal": lambda user, proposal: can_submit_proposal(user, proposal.process),
    "can_edit_proposal": can_edit_proposal,
    "can_withdraw_proposal": can_withdraw_proposal,
    "can_rate": can_rate,
    "can_comment": can_comment,
    "can_flag": can_flag,
    "can_follow": can_follow,
}

CASES = [
    pytest.param(
        predicate, role, phase, row[PHASES.index(phase)] == "Y", id=f"{predicate}-{role}-{phase}"
    )
    for predicate, roles in EXPECTED.items()
    for role, row in roles.items()
    for phase in PHASES
]


@pytest.fixture
def proposal():
    return ProposalFactory(process=lohmar_2019_process())


def actor(role: str, proposal):
    if role == "visitor":
        return AnonymousUser()
    if role == "author":
        return proposal.author
    if role == "moderator":
        return make_moderator()
    return UserFactory()


def test_the_table_covers_every_predicate_and_role():
    assert set(EXPECTED) == set(PREDICATES)
    for roles in EXPECTED.values():
        assert set(roles) == {"visitor", "citizen", "author", "moderator"}
        assert all(len(row) == len(PHASES) for row in roles.values())


@pytest.mark.parametrize(("predicate", "role", "phase", "allowed"), CASES)
def test_permission_matrix(proposal, predicate, role, phase, allowed):
    user = actor(role, proposal)
    with time_machine.travel(MOMENTS[phase], tick=False):
        assert PREDICATES[predicate](user, proposal) is allowed


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [(berlin(2019, 10, 13, 23, 59, 59), True), (berlin(2019, 10, 14, 0, 0), False)],
    ids=["last-second-of-13-october", "midnight"],
)
def test_the_idea_phase_ends_at_midnight_after_13_october_in_berlin(proposal, moment, allowed):
    citizen = UserFactory()
    with time_machine.travel(moment, tick=False):
        assert can_submit_proposal(citizen, proposal.process) is allowed
        assert can_rate(citizen, proposal) is allowed
        assert can_comment(citizen, proposal) is allowed


def test_a_hidden_proposal_takes_no_ratings_comments_flags_or_follows(proposal):
    proposal.is_hidden = True
    proposal.save()
    with time_machine.travel(MOMENTS["ideas"], tick=False):
        for user in (UserFactory(), make_moderator()):
            assert can_rate(user, proposal) is False
            assert can_comment(user, proposal) is False
            assert can_flag(user, proposal) is False
            assert can_follow(user, proposal) is False
        assert can_edit_proposal(proposal.author, proposal) is False


@pytest.mark.parametrize("status", ["adopted", "rejected", "withdrawn", "merged"])
def test_a_closed_proposal_takes_no_ratings_or_citizen_comments(proposal, status):
    proposal.status = status
    proposal.save()
    citizen, moderator = UserFactory(), make_moderator()
    with time_machine.travel(MOMENTS["ideas"], tick=False):
        assert can_rate(citizen, proposal) is False
        assert can_comment(citizen, proposal) is False
        assert can_comment(moderator, proposal) is True
        assert can_withdraw_proposal(proposal.author, proposal) is False


def test_a_deactivated_account_may_do_nothing(proposal):
    gone = UserFactory(is_active=False)
    with time_machine.travel(MOMENTS["ideas"], tick=False):
        assert [predicate(gone, proposal) for predicate in PREDICATES.values()] == [False] * 7


def test_staff_without_the_moderation_permission_are_citizens(proposal):
    staff = UserFactory(is_staff=True)
    with time_machine.travel(MOMENTS["workshop"], tick=False):
        assert can_comment(staff, proposal) is False
