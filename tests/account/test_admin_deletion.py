"""Administrators erase an account on request through the service, never by a hard delete."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from ideas.models import Proposal
from lohmar_portal.models import User
from participation import services as participation
from tests.factories import StaffFactory, UserFactory
from tests.ideas.conftest import make_process, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    administrator = StaffFactory(is_superuser=True)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    return client


def test_the_admin_offers_no_hard_delete_of_accounts(admin_client):
    user = UserFactory()
    assert admin_client.get(f"/admin/lohmar_portal/user/{user.pk}/delete/").status_code == 403


def test_the_delete_action_erases_personal_data_and_keeps_counters(admin_client):
    proposal = make_proposal(process=make_process())
    user = UserFactory(email="erika@example.org", real_name="Erika Muster")
    participation.rate(user=user, target=proposal, value=5)
    admin_client.post(
        "/admin/lohmar_portal/user/",
        {"action": "delete_accounts", "_selected_action": [user.pk]},
    )
    user.refresh_from_db()
    assert user.email != "erika@example.org" and user.real_name == "" and not user.is_active
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert (proposal.rating_count, proposal.rating_sum) == (1, 5)
    assert User.objects.filter(pk=user.pk).exists()
