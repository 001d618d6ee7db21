"""Staff users who pass the admin's MFA gate, with and without the moderation right."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import StaffFactory


def _staff_with_model_permissions(*, moderate: bool):
    user = StaffFactory()
    permissions = Permission.objects.filter(content_type__app_label__in=["ideas", "participation"])
    if not moderate:
        permissions = permissions.exclude(codename="moderate")
    user.user_permissions.set(permissions)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def moderator(db):
    return _staff_with_model_permissions(moderate=True)


@pytest.fixture
def staff_without_moderation(db):
    """Staff with every model permission of ideas and participation, but not `moderate`."""
    return _staff_with_model_permissions(moderate=False)


@pytest.fixture
def moderator_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def staff_client(staff_without_moderation) -> Client:
    client = Client()
    client.force_login(staff_without_moderation)
    return client
