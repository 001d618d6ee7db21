"""Download my data (GDPR Art. 15/20): everything of the person, nothing of others, owner only."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from lohmar_portal import services
from lohmar_portal.models import User

pytestmark = pytest.mark.django_db

REQUEST = "/konto/daten/"


def archive(response_or_bytes) -> tuple[dict, str]:
    content = getattr(response_or_bytes, "getvalue", None)
    raw = content() if content else response_or_bytes
    with zipfile.ZipFile(io.BytesIO(raw)) as zipped:
        return json.loads(zipped.read("daten.json")), zipped.read("uebersicht.html").decode()


def build(user) -> tuple[str, dict, str]:
    name = services.build_data_export(user)
    with services.open_data_export(user=user, name=name) as file:
        data, summary = archive(file.read())
    return name, data, summary


def test_the_archive_holds_every_kind_of_the_persons_data(world):
    _name, document, summary = build(world.person)
    data = document["data"]

    account = data["account"]
    assert account["email"] == "annabella.q@example.org"
    assert account["real_name"] == "Annabella Quastenberg"
    assert account["display_name"] == "Zaunkoenigin"
    assert account["district"] == "Wahlscheid"
    assert {a["email"] for a in account["email_addresses"]} == {
        "annabella.q@example.org",
        "quastenberg.zweit@example.org",
    }
    assert [f["type"] for f in account["second_factors"]] == ["totp"]
    assert account["social_logins"][0]["uid"] == "bundid-subject-4711"
    assert [p["reference"] for p in data["proposals"]] == [world.own_proposal.reference]
    assert [(r["value"], r["target"]["url"]) for r in data["ratings"]] == [
        (4, world.neighbour_proposal.get_absolute_url())
    ]
    assert [c["text"] for c in data["comments"]] == ["Gute Idee, gerne auch in Wahlscheid."]
    assert {f["reason"] for f in data["flags"]} == {"Werbung", "Spam"}
    assert [f["target"]["url"] for f in data["follows"]] == [
        world.neighbour_proposal.get_absolute_url()
    ]
    assert "Annabella Quastenberg" in summary and "Gute Idee" in summary
    assert '<html lang="de">' in summary


def test_the_archive_holds_nothing_of_other_people(world):
    _name, document, summary = build(world.person)
    text = json.dumps(document, ensure_ascii=False) + summary
    for foreign in (
        world.neighbour.email,
        "Norbert Nachbar",
        "Nachbar Nord",
        "Danke für die Unterstützung!",
        "Der Bücherschrank braucht ein Dach.",
    ):
        assert foreign not in text


def test_second_factors_are_listed_without_their_secret(world):
    _name, document, summary = build(world.person)
    assert world.secrets[-1] not in json.dumps(document) + summary


def test_requesting_needs_the_password_then_mails_a_link_that_downloads(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.person)
    response = client.post(REQUEST)
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert services.data_exports(world.person) == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], {"password": "Lohmar-Test-2026!"})
    assert response.status_code == 302

    [message] = mail.outbox
    assert message.to == ["annabella.q@example.org"]
    url = re.search(r"http://\S+(/konto/daten/\S+)", message.body).group(1)
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    data, _summary = archive(b"".join(download.streaming_content))
    assert data["data"]["account"]["email"] == "annabella.q@example.org"
    assert url.rsplit("/", 1)[1] in client.get("/konto/").content.decode()


def test_a_wrong_password_at_reauthentication_queues_nothing(world, client):
    client.force_login(world.person)
    response = client.post(REQUEST)
    response = client.post(response["Location"], {"password": "nicht-das-passwort"})
    assert response.status_code == 200
    assert "Passwort" in response.content.decode()
    assert mail.outbox == []
    assert services.data_exports(world.person) == []


def test_someone_elses_link_is_not_found(world, client):
    name = services.build_data_export(world.person)
    client.force_login(world.neighbour)
    response = client.get(f"/konto/daten/{name}")
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login(world, client):
    name = services.build_data_export(world.person)
    response = client.get(f"/konto/daten/{name}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_expired_link_is_refused_with_an_explanation(world, client):
    name = services.build_data_export(
        world.person, now=timezone.now() - timedelta(days=7, seconds=1)
    )
    client.force_login(world.person)
    response = client.get(f"/konto/daten/{name}")
    assert response.status_code == 410
    assert "abgelaufen" in response.content.decode()


def test_a_link_is_valid_for_seven_days(world, client):
    name = services.build_data_export(
        world.person, now=timezone.now() - timedelta(days=6, hours=23)
    )
    client.force_login(world.person)
    assert client.get(f"/konto/daten/{name}").status_code == 200


@pytest.mark.parametrize("name", ["..%2Fsecret", ".hidden", "123-unbekannt.zip"])
def test_made_up_names_are_not_found(world, client, name):
    client.force_login(world.person)
    assert client.get(f"/konto/daten/{name}").status_code == 404


def test_the_beat_job_removes_expired_archives_only(world):
    old = services.build_data_export(world.person, now=timezone.now() - timedelta(days=8))
    new = services.build_data_export(world.person)
    assert services.remove_expired_exports() == 1
    assert [export["name"] for export in services.data_exports(world.person)] == [new]
    assert old != new


def test_deleting_the_account_removes_its_archives(world):
    services.build_data_export(world.person)
    services.delete_account(actor=world.person, user=world.person)
    assert services.data_exports(User.objects.get(pk=world.person.pk)) == []
