"""A citizen with data of every kind, a neighbour with their own, and private file storage."""

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount

from participation import services as participation
from tests.factories import PASSWORD, DistrictFactory, UserFactory
from tests.participation.factories import ProposalFactory


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@dataclass
class World:
    person: object
    neighbour: object
    own_proposal: object
    neighbour_proposal: object
    rating: object
    comment: object
    reply_to_person: object
    flag_open: object
    flag_resolved: object
    follow: object
    neighbour_comment: object
    secrets: list


@pytest.fixture
def world(db) -> World:
    """Anna has a proposal, a rating, a comment, reports, a follow, two addresses, TOTP, BundID."""
    person = UserFactory(
        email="annabella.q@example.org",
        display_name="Zaunkoenigin",
        real_name="Annabella Quastenberg",
        district=DistrictFactory(name="Wahlscheid", slug="wahlscheid"),
    )
    EmailAddress.objects.create(
        user=person, email="quastenberg.zweit@example.org", verified=True, primary=False
    )
    totp_secret = generate_totp_secret()
    TOTP.activate(person, totp_secret)
    SocialAccount.objects.create(
        user=person,
        provider="bundid",
        uid="bundid-subject-4711",
        extra_data={"userinfo": {"email": person.email, "acr": "substantiell"}},
    )
    neighbour = UserFactory(display_name="Nachbar Nord", real_name="Norbert Nachbar")
    own_proposal = ProposalFactory(author=person, title="Bücherschrank mit Tablet")
    neighbour_proposal = ProposalFactory(author=neighbour, title="Glasfaser für Birk")
    rating = participation.rate(user=person, target=neighbour_proposal, value=4)
    participation.rate(user=neighbour, target=own_proposal, value=2)
    comment = participation.add_comment(
        actor=person, target=neighbour_proposal, text="Gute Idee, gerne auch in Wahlscheid."
    )
    reply_to_person = participation.add_comment(
        actor=neighbour,
        target=neighbour_proposal,
        text="Danke für die Unterstützung!",
        parent=comment,
    )
    neighbour_comment = participation.add_comment(
        actor=neighbour, target=own_proposal, text="Der Bücherschrank braucht ein Dach."
    )
    flag_open = participation.flag(user=person, target=neighbour_comment, reason="Werbung")
    flag_resolved = participation.flag(user=person, target=reply_to_person, reason="Spam")
    flag_resolved.resolved_at = flag_resolved.created_at
    flag_resolved.save(update_fields=["resolved_at"])
    follow = participation.follow(user=person, target=neighbour_proposal)
    participation.follow(user=neighbour, target=own_proposal)
    return World(
        person=person,
        neighbour=neighbour,
        own_proposal=own_proposal,
        neighbour_proposal=neighbour_proposal,
        rating=rating,
        comment=comment,
        reply_to_person=reply_to_person,
        flag_open=flag_open,
        flag_resolved=flag_resolved,
        follow=follow,
        neighbour_comment=neighbour_comment,
        secrets=[
            "annabella.q@example.org",
            "quastenberg.zweit@example.org",
            "Annabella Quastenberg",
            "Zaunkoenigin",
            "bundid-subject-4711",
            totp_secret,
        ],
    )


@pytest.fixture
def reauthenticated(client):
    """Log a user in and confirm the password, as allauth's re-authentication asks."""

    def login(user):
        client.force_login(user)
        response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return login
