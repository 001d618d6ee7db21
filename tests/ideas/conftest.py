"""Fixtures for the ideas tests: processes in a given phase, proposals, moderators."""

from datetime import timedelta
from itertools import count

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.utils import timezone

from ideas.models import Proposal
from participation.models import Phase, Process
from participation.services import RATING_PRIOR_MEAN
from tests.factories import PillarFactory, StaffFactory, UserFactory

_numbers = count(1)


def make_process(*, submit=True, rate=True, comment=True, slug=None) -> Process:
    """A public process whose running phase allows what is asked."""
    now = timezone.now()
    process = Process.objects.create(title="Ideen für Lohmar", slug=slug or f"p{next(_numbers)}")
    Phase.objects.create(
        process=process,
        name="Ideensammlung",
        starts_at=now - timedelta(days=7),
        ends_at=now + timedelta(days=7),
        allows_submit=submit,
        allows_rate=rate,
        allows_comment=comment,
    )
    return process


def make_proposal(*, process=None, pillar=None, author=None, **fields) -> Proposal:
    """A proposal as the services would leave it, without going through them."""
    n = next(_numbers)
    return Proposal.objects.create(
        reference=f"VS-2026-{n:04d}",
        process=process or make_process(),
        pillar=pillar or PillarFactory(),
        title=fields.pop("title", f"Vorschlag {n}"),
        summary=fields.pop("summary", "Eine kurze Zusammenfassung."),
        text=fields.pop("text", "Ein ausführlicher Text."),
        author=author or UserFactory(),
        rating_score=fields.pop("rating_score", RATING_PRIOR_MEAN),
        **fields,
    )


@pytest.fixture
def open_process():
    return make_process()


@pytest.fixture
def closed_process():
    return make_process(submit=False, rate=False, comment=False)


@pytest.fixture
def moderator():
    user = StaffFactory(display_name="Moderation Lohmar")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    TOTP.activate(user, generate_totp_secret())
    return user
