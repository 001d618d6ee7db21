"""Regression tests for what the security matrix found, at the level where it was fixed.

A proposal of a process that is not public does not exist for citizens (its page is 404), but
"Folgen" and "Melden" worked on it: a follow subscribed the citizen to e-mails about it, and
both answers told that it existed. Fixed in participation/permissions.py (the services refuse)
and ideas/views/proposals.py (the posts answer 404 as the page does); the posts per role are
in test_url_matrix.py (POST_MATRIX, "proposal of a process that is not public").
"""

import pytest
from django.core.exceptions import PermissionDenied

from participation import services as participation
from participation.models import Flag, Follow
from participation.permissions import can_flag, can_follow
from tests.factories import UserFactory
from tests.ideas.conftest import make_process, make_proposal
from tests.participation.factories import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpublished_proposal():
    process = make_process()
    process.is_public = False
    process.save(update_fields=["is_public"])
    return make_proposal(process=process)


def test_citizens_may_not_follow_or_flag_a_proposal_of_a_process_that_is_not_public(
    unpublished_proposal,
):
    citizen = UserFactory()
    assert can_follow(citizen, unpublished_proposal) is False
    assert can_flag(citizen, unpublished_proposal) is False
    with pytest.raises(PermissionDenied):
        participation.follow(user=citizen, target=unpublished_proposal)
    with pytest.raises(PermissionDenied):
        participation.flag(user=citizen, target=unpublished_proposal, reason="Spam")
    assert not Follow.objects.exists()
    assert not Flag.objects.exists()


def test_moderators_still_follow_and_flag_what_they_can_see(unpublished_proposal):
    moderator = make_moderator()
    assert can_follow(moderator, unpublished_proposal) is True
    assert can_flag(moderator, unpublished_proposal) is True


def test_the_same_citizen_follows_once_the_process_is_public(unpublished_proposal):
    citizen = UserFactory()
    unpublished_proposal.process.is_public = True
    unpublished_proposal.process.save(update_fields=["is_public"])
    participation.follow(user=citizen, target=unpublished_proposal)
    assert Follow.objects.filter(user=citizen).count() == 1
