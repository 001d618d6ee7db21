"""Reads kept until their own data change: the signed-in account and the processes' phases.

What must hold: a change is seen at the next request (also one that commits while a read is
under way), a password reset or a deactivation ends the other sessions at once, and what is
not kept (permissions) is always read afresh.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lohmar_portal.backends import AccountBackend, account_version
from lohmar_portal.cache import bump_content_version, bump_version, versioned_read
from participation.models import PHASES_VERSION, Phase
from tests.factories import PASSWORD, UserFactory
from tests.ideas.conftest import make_process

pytestmark = pytest.mark.django_db

ACCOUNT_PAGE = "/konto/"
POSTBOX = "/konto/postfach/"


def test_a_read_is_kept_until_its_version_is_bumped():
    reads = []

    def compute():
        reads.append(1)
        return f"Lesung {len(reads)}"

    assert versioned_read("v", "k", compute=compute) == "Lesung 1"
    assert versioned_read("v", "k", compute=compute) == "Lesung 1"
    bump_version("v")
    assert versioned_read("v", "k", compute=compute) == "Lesung 2"
    cache.delete("v")  # evicted: a new version, never the old one again
    assert versioned_read("v", "k", compute=compute) == "Lesung 3"


def test_a_change_during_a_read_leaves_a_stale_entry_not_a_hidden_change():
    def read_while_it_changes():
        bump_version("v")  # the change commits after the version was read
        return "vorher"

    assert versioned_read("v", "k", compute=read_while_it_changes) == "vorher"
    assert versioned_read("v", "k", compute=lambda: "nachher") == "nachher"


def test_a_none_result_is_kept_too():
    assert versioned_read("v", "k", compute=lambda: None) is None
    assert versioned_read("v", "k", compute=lambda: pytest.fail("read again")) is None


def test_a_reload_reads_no_account_until_the_account_changes(client):
    def account_reads() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(POSTBOX).status_code == 200
        return sum('FROM "lohmar_portal_user"' in q["sql"] for q in queries.captured_queries)

    user = UserFactory(display_name="Vorher")
    client.force_login(user)
    assert account_reads() == 1
    assert account_reads() == 0

    user.display_name = "Nachher"
    user.save()
    assert account_reads() == 1
    assert account_reads() == 0


def test_a_new_password_ends_the_other_sessions_at_their_next_request(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(ACCOUNT_PAGE).status_code == 200  # the account is in the cache now

    user.set_password("ein ganz neues Passwort")
    user.save()

    response = client.get(ACCOUNT_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_account_is_logged_out_at_its_next_request(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(ACCOUNT_PAGE).status_code == 200

    user.is_active = False
    user.save()

    assert client.get(ACCOUNT_PAGE).status_code == 302


def test_a_deleted_account_is_logged_out_at_its_next_request(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(ACCOUNT_PAGE).status_code == 200

    user.delete()

    assert client.get(ACCOUNT_PAGE).status_code == 302


def test_the_login_still_works_with_the_portals_backends(client):
    user = UserFactory(email="clara@example.org")
    response = client.post("/accounts/login/", {"login": "clara@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(ACCOUNT_PAGE).context["user"] == user


def test_permissions_are_never_kept_with_the_account():
    user = UserFactory()
    backend = AccountBackend()
    assert not backend.get_user(user.pk).has_perm("participation.moderate")
    assert cache.get(account_version(user.pk)) is not None  # the account is kept

    user.user_permissions.add(Permission.objects.get(codename="moderate"))  # no save()

    assert backend.get_user(user.pk).has_perm("participation.moderate")


def test_a_changed_phase_is_seen_at_once():
    process = make_process()
    assert process.phase_at().allows_rate
    phase = process.phases.get()

    phase.allows_rate = False
    phase.save()
    assert not process.phase_at().allows_rate

    phase.ends_at = timezone.now() - timedelta(minutes=1)
    phase.save()
    assert process.phase_at() is None

    Phase.objects.create(
        process=process,
        name="Verlängert",
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(days=1),
        allows_rate=True,
    )
    assert process.phase_at().name == "Verlängert"

    process.phases.all().delete()
    assert process.phase_at() is None


def test_phases_are_read_once_whatever_else_is_written(django_assert_num_queries):
    process = make_process()
    process.phase_at()
    bump_content_version()  # what every rating and comment bumps
    with django_assert_num_queries(0):
        process.phase_at()
    cache.delete(PHASES_VERSION)
    with django_assert_num_queries(1):
        process.phase_at()


def test_a_client_of_another_person_never_gets_this_account():
    anna, bernd = UserFactory(display_name="Anna"), UserFactory(display_name="Bernd")
    clients = [Client(), Client()]
    clients[0].force_login(anna)
    clients[1].force_login(bernd)
    for _ in range(2):
        assert "Anna" in clients[0].get(ACCOUNT_PAGE).content.decode()
        assert "Bernd" in clients[1].get(ACCOUNT_PAGE).content.decode()
