"""Accounts never verified are removed after the configured days (a beat job)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lohmar_portal import services
from lohmar_portal.celery import app
from lohmar_portal.models import User
from lohmar_portal.tasks import remove_unverified_accounts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_unverified_accounts_go_after_the_configured_days(settings):
    settings.ACCOUNT_UNVERIFIED_DELETE_DAYS = 14
    old = timezone.now() - timedelta(days=15)
    stale = UserFactory(verified=False, date_joined=old)
    fresh = UserFactory(verified=False, date_joined=timezone.now() - timedelta(days=13))
    verified = UserFactory(date_joined=old)
    staff = UserFactory(verified=False, date_joined=old, is_staff=True)

    assert remove_unverified_accounts.delay().get() == 1

    remaining = set(User.objects.values_list("pk", flat=True))
    assert stale.pk not in remaining
    assert {fresh.pk, verified.pk, staff.pk} <= remaining


def test_the_days_are_configurable(settings):
    stale = UserFactory(verified=False, date_joined=timezone.now() - timedelta(days=3))
    settings.ACCOUNT_UNVERIFIED_DELETE_DAYS = 5
    assert services.remove_unverified_accounts() == 0
    settings.ACCOUNT_UNVERIFIED_DELETE_DAYS = 2
    assert services.remove_unverified_accounts() == 1
    assert not User.objects.filter(pk=stale.pk).exists()


def test_beat_runs_the_cleanups_daily():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "lohmar_portal.tasks.remove_unverified_accounts",
        "lohmar_portal.tasks.remove_expired_exports",
    } <= tasks
