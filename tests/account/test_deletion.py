"""Deleting a Bürgerkonto: personal data gone everywhere, public contributions and counters kept."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import models

from ideas.models import Proposal
from lohmar_portal import services
from lohmar_portal.models import User
from participation.models import Comment, Flag, Follow, Rating
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DELETE = "/konto/loeschen/"


def stored_text(value) -> str:
    return "" if value is None else str(value)


def rows_mentioning(secret: str) -> list[str]:
    """Every (model, field) of every installed model whose stored value contains `secret`."""
    hits = []
    for model in apps.get_models():
        text_fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        if not text_fields:
            continue
        for row in model._default_manager.all():
            for field in text_fields:
                if secret.lower() in stored_text(field.value_from_object(row)).lower():
                    hits.append(f"{model._meta.label}.{field.name} (pk {row.pk})")
    return hits


def test_deletion_leaves_no_personal_data_in_any_table(world, client):
    client.force_login(world.person)  # a session in the database
    services.delete_account(actor=world.person, user=world.person)

    for secret in world.secrets:
        assert rows_mentioning(secret) == [], secret
    sessions = [session.get_decoded() for session in Session.objects.all()]
    assert all(data.get("_auth_user_id") != str(world.person.pk) for data in sessions)
    person = User.objects.get(pk=world.person.pk)
    assert person.real_name == ""
    assert person.district is None
    assert person.email == f"geloescht-{person.pk}@invalid"
    assert person.display_name.startswith("gelöschtes Konto ")
    assert not person.is_active
    assert not person.has_usable_password()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not SocialAccount.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert not Follow.objects.filter(user=person).exists()


def test_deletion_keeps_contributions_counters_and_other_peoples_content(world):
    proposal = Proposal.objects.get(pk=world.neighbour_proposal.pk)
    assert proposal.rating_count == 1 and proposal.comment_count == 2
    before = (proposal.rating_count, proposal.rating_sum, proposal.rating_score)
    comment_count = proposal.comment_count

    services.delete_account(actor=world.person, user=world.person)

    proposal.refresh_from_db()
    assert (proposal.rating_count, proposal.rating_sum, proposal.rating_score) == before
    assert proposal.comment_count == comment_count
    assert Rating.objects.filter(pk=world.rating.pk, value=4).exists()
    assert Comment.objects.get(pk=world.comment.pk).text == world.comment.text
    assert Comment.objects.get(pk=world.reply_to_person.pk).author == world.neighbour
    assert Proposal.objects.get(pk=world.own_proposal.pk).author_id == world.person.pk
    assert Comment.objects.get(pk=world.neighbour_comment.pk).author == world.neighbour
    # The neighbour's follow of the deleted person's proposal stays; the person's own go.
    assert Follow.objects.filter(user=world.neighbour).count() == 1
    # Open reports go with the person; decided ones stay as moderation history.
    assert not Flag.objects.filter(pk=world.flag_open.pk).exists()
    assert Flag.objects.filter(pk=world.flag_resolved.pk).exists()
    neighbour = User.objects.get(pk=world.neighbour.pk)
    assert neighbour.is_active and neighbour.real_name == "Norbert Nachbar"


def test_public_pages_show_the_contributions_under_gelöschtes_konto(world, client):
    services.delete_account(actor=world.person, user=world.person)

    page = client.get(world.neighbour_proposal.get_absolute_url()).content.decode()
    assert "Gute Idee, gerne auch in Wahlscheid." in page
    assert "gelöschtes Konto" in page
    assert "Zaunkoenigin" not in page
    own = client.get(world.own_proposal.get_absolute_url()).content.decode()
    assert "Bücherschrank mit Tablet" in own and "gelöschtes Konto" in own


def test_two_deleted_accounts_both_get_a_unique_public_name(world):
    other = UserFactory()
    first = services.delete_account(actor=world.person, user=world.person)
    second = services.delete_account(actor=other, user=other)
    assert first.display_name.lower() != second.display_name.lower()


def test_nobody_can_delete_someone_elses_account(world):
    with pytest.raises(PermissionDenied):
        services.delete_account(actor=world.neighbour, user=world.person)
    assert User.objects.get(pk=world.person.pk).email == "annabella.q@example.org"


def test_deleted_person_can_no_longer_log_in(world, client):
    services.delete_account(actor=world.person, user=world.person)
    response = client.post(
        "/accounts/login/", {"login": "annabella.q@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deleting_asks_for_the_password_and_a_wrong_one_changes_nothing(world, client):
    client.force_login(world.person)
    response = client.post(DELETE, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")

    response = client.post(response["Location"], {"password": "falsch-falsch-falsch"})
    assert response.status_code == 200
    assert "Passwort" in response.content.decode()
    person = User.objects.get(pk=world.person.pk)
    assert person.is_active and person.email == "annabella.q@example.org"


def test_after_the_password_the_confirmed_deletion_runs_and_logs_out(world, client):
    client.force_login(world.person)
    response = client.post(DELETE, {"confirm": "on"})
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)

    assert "Ihr Bürgerkonto wurde gelöscht" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(pk=world.person.pk).is_active


def test_deletion_without_the_confirmation_box_is_refused(world, reauthenticated):
    client = reauthenticated(world.person)
    response = client.post(DELETE, {})
    assert response.status_code == 400
    assert "Bitte bestätigen Sie" in response.content.decode()
    assert User.objects.get(pk=world.person.pk).is_active
