"""Mein Bürgerkonto: the person's contributions from every app, profile and notifications."""

import pytest

from lohmar_portal import services
from lohmar_portal.models import User
from lohmar_portal.sections import account_sections

pytestmark = pytest.mark.django_db


def test_the_account_lists_the_persons_contributions_with_links(world, client):
    client.force_login(world.person)
    page = client.get("/konto/").content.decode()

    proposal_url = world.neighbour_proposal.get_absolute_url()
    for heading in ("Meine Vorschläge", "Meine Bewertungen", "Meine Kommentare"):
        assert heading in page
    assert f'href="{world.own_proposal.get_absolute_url()}"' in page
    assert "Bücherschrank mit Tablet" in page
    assert page.count(f'href="{proposal_url}"') == 3  # rated, commented, followed
    assert "4 von 5 Sternen" in page
    assert "Gute Idee, gerne auch in Wahlscheid." in page
    assert "Danke für die Unterstützung!" not in page  # the neighbour's reply
    assert "Vertrauensniveau" in page and "substantiell" in page


def test_a_new_person_sees_empty_sections_with_a_hint(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    page = client.get("/konto/").content.decode()
    assert "Sie haben noch keinen Vorschlag eingereicht." in page
    assert "Sie folgen noch keinem Beitrag." in page
    assert "Vertrauensniveau" not in page


def test_every_app_section_is_registered_once_in_order():
    orders = [section.order for section in account_sections]
    assert orders == sorted(orders) and len(orders) == len(set(orders)) >= 4


def test_profile_and_notification_settings_are_saved(world, client):
    client.force_login(world.person)
    response = client.post(
        "/konto/",
        {"display_name": "Anna W.", "real_name": "", "district": "", "notify_status": "on"},
    )
    assert response.status_code == 302
    person = User.objects.get(pk=world.person.pk)
    assert (person.display_name, person.real_name, person.district) == ("Anna W.", "", None)
    assert person.notify_status and not person.notify_replies


def test_the_account_needs_a_login(client):
    response = client.get("/konto/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_trust_level_comes_from_the_state_accounts_claims(world, settings):
    assert services.trust_level(world.person) == "substantiell"
    settings.BUNDID_TRUST_LEVEL_CLAIM = "vertrauensniveau"
    assert services.trust_level(world.person) is None
