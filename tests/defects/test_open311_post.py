"""Open311 contract: POST requests, a report like the web form's, and every refusal."""

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from defects import services
from defects.models import ApiClient, DefectReport
from defects.open311.keys import create_api_client
from lohmar_portal.cache import bump_content_version, content_version
from participation.models import Channel
from tests.defects.conftest import IN_LOHMAR, IN_THE_SEA, make_category
from tests.defects.open311_support import API, FORMATS, assert_error, items

pytestmark = pytest.mark.django_db
Status = DefectReport.Status


@pytest.fixture
def api_client():
    client, raw_key = create_api_client("Stadt-App", "app@example.org", 100)
    client.raw_key = raw_key
    return client


@pytest.fixture
def holes():
    return make_category(name="Straßenschäden", service_code="strasse")


def _form(api_client, **changes) -> dict:
    data = {
        "api_key": api_client.raw_key,
        "service_code": "strasse",
        "lat": str(IN_LOHMAR[0]),
        "long": str(IN_LOHMAR[1]),
        "description": "Schlagloch vor der Bushaltestelle",
        "email": "melderin@example.org",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "phone": "02246 12345",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _post(client, fmt, data, capture):
    with capture(execute=True):
        return client.post(f"{API}requests.{fmt}", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_files_a_report_that_awaits_confirmation(
    client, api_client, holes, fmt, django_capture_on_commit_callbacks
):
    response = _post(client, fmt, _form(api_client), django_capture_on_commit_callbacks)
    assert response.status_code == 200, response.content
    [answer] = items(response, fmt)
    assert list(answer) == ["service_request_id", "service_notice", "account_id"]
    report = DefectReport.objects.get()
    assert answer["service_request_id"] == report.reference
    assert "bestätigt" in answer["service_notice"]
    assert answer["account_id"] == ("" if fmt == "xml" else None)

    assert report.status == Status.SUBMITTED and report.confirmed_at is None
    assert report.api_client == api_client
    assert report.category == holes and report.department == holes.department
    assert (report.latitude, report.longitude) == IN_LOHMAR
    assert report.description == "Schlagloch vor der Bushaltestelle"
    assert report.reporter is None
    assert report.reporter_email == "melderin@example.org"
    assert report.reporter_name == "Erika Mustermann"
    assert report.reporter_phone == "02246 12345"
    assert report.channel == Channel.WEB
    [message] = mail.outbox
    assert message.to == ["melderin@example.org"]
    # Nothing about the reporter comes back.
    for secret in (b"melderin", b"Erika", b"Mustermann", b"12345"):
        assert secret not in response.content


def test_the_report_is_listed_only_once_confirmed(
    client, api_client, holes, django_capture_on_commit_callbacks
):
    response = _post(client, "json", _form(api_client), django_capture_on_commit_callbacks)
    reference = response.json()[0]["service_request_id"]
    assert client.get(f"{API}requests.json").json() == []
    assert client.get(f"{API}requests/{reference}.json").status_code == 404

    token = re.search(r"/maengel/bestaetigen/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert services.confirm_report(token=token).reference == reference
    bump_content_version()  # the confirmation page's request does this after its commit
    [listed] = client.get(f"{API}requests.json").json()
    assert listed["service_request_id"] == reference and listed["status"] == "open"
    assert client.get(f"{API}requests/{reference}.json").status_code == 200


def test_an_api_report_is_the_same_as_a_web_report(
    client, api_client, holes, django_capture_on_commit_callbacks
):
    _post(client, "json", _form(api_client), django_capture_on_commit_callbacks)
    by_api = DefectReport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        by_web = services.submit_report(
            actor=None,
            category=holes,
            description="Schlagloch vor der Bushaltestelle",
            latitude=IN_LOHMAR[0],
            longitude=IN_LOHMAR[1],
            email="melderin@example.org",
            name="Erika Mustermann",
            phone="02246 12345",
        )
    fields = [
        "status",
        "category_id",
        "department_id",
        "description",
        "latitude",
        "longitude",
        "address",
        "reporter_id",
        "reporter_email",
        "reporter_name",
        "reporter_phone",
        "channel",
        "confirmed_at",
        "is_hidden",
    ]
    assert {f: getattr(by_api, f) for f in fields} == {f: getattr(by_web, f) for f in fields}
    assert by_api.confirmation_hash and by_web.confirmation_hash
    assert list(by_api.updates.values_list("to_status", flat=True)) == [Status.SUBMITTED]
    api_mail, web_mail = mail.outbox  # the same confirmation mail
    assert api_mail.to == web_mail.to
    assert api_mail.subject.replace(by_api.reference, by_web.reference) == web_mail.subject


def test_a_place_may_be_given_as_address_string(
    client, api_client, holes, django_capture_on_commit_callbacks
):
    data = _form(api_client, lat=None, long=None, address_string="Hauptstraße 3, Lohmar")
    response = _post(client, "json", data, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    report = DefectReport.objects.get()
    assert report.address == "Hauptstraße 3, Lohmar" and report.latitude is None


def test_media_url_and_attributes_are_ignored_and_said_so(
    client, api_client, holes, django_capture_on_commit_callbacks
):
    data = _form(api_client, media_url="https://example.org/foto.jpg", **{"attribute[WHAT]": "x"})
    response = _post(client, "json", data, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "media_url" in response.json()[0]["service_notice"]
    assert not DefectReport.objects.get().photos.exists()


def test_api_clients_post_without_csrf_token(api_client, holes):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{API}requests.json", _form(api_client))
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)  # the version is bumped when the write commits
def test_a_post_makes_cached_answers_stale(api_client, holes):
    client = Client()
    before = content_version()
    client.post(f"{API}requests.json", _form(api_client))
    assert content_version() != before


def test_the_key_is_stamped_when_used(client, api_client, holes):
    client.post(f"{API}requests.json", _form(api_client))
    assert ApiClient.objects.get(pk=api_client.pk).last_used_at is not None


# --- Refusals: the spec's error answer, nothing saved, no mail -----------------------------------


def _inactive(api_client):
    ApiClient.objects.filter(pk=api_client.pk).update(is_active=False)
    return api_client.raw_key


REFUSALS = [
    # (name, changes to the form, status, fragments of the description)
    ("no key", {"api_key": None}, 403, ["api_key"]),
    ("unknown key", {"api_key": "falsch"}, 403, ["api_key", "ungültig"]),
    ("no service_code", {"service_code": None}, 400, ["service_code"]),
    ("unknown service_code", {"service_code": "gibtesnicht"}, 404, ["service_code"]),
    ("retired service_code", {"service_code": "alt"}, 404, ["service_code"]),
    ("no place", {"lat": None, "long": None}, 400, ["lat", "address_string"]),
    ("lat without long", {"long": None}, 400, ["long"]),
    ("only address_id", {"lat": None, "long": None, "address_id": "4711"}, 400, ["address_id"]),
    ("not a number", {"lat": "Nord"}, 400, ["lat"]),
    ("not finite", {"lat": "nan"}, 400, ["lat"]),
    ("out of range", {"long": "200"}, 400, ["long"]),
    ("point in the sea", {"lat": str(IN_THE_SEA[0]), "long": str(IN_THE_SEA[1])}, 400,
     ["lat", "außerhalb"]),
    ("no description", {"description": None}, 400, ["description"]),
    ("blank description", {"description": "   "}, 400, ["description"]),
    ("NUL character", {"description": "Loch\x00"}, 400, ["description"]),
    ("5000 characters", {"description": "x" * 5000}, 400, ["description", "zu lang", "4000"]),
    ("no email", {"email": None}, 400, ["email"]),
    ("bad email", {"email": "keine-adresse"}, 400, ["email"]),
    ("long phone", {"phone": "1" * 51}, 400, ["phone"]),
    ("other jurisdiction", {"jurisdiction_id": "bonn.de"}, 404, ["jurisdiction_id"]),
]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("changes", "status", "fragments"),
    [refusal[1:] for refusal in REFUSALS],
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_bad_posts_are_refused_and_nothing_is_saved(
    client, api_client, holes, fmt, changes, status, fragments, django_capture_on_commit_callbacks
):
    make_category(name="Alt", service_code="alt", is_active=False)
    response = _post(client, fmt, _form(api_client, **changes), django_capture_on_commit_callbacks)
    assert_error(response, fmt, status, *fragments)
    assert not DefectReport.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_inactive_key_is_refused(
    client, api_client, holes, fmt, django_capture_on_commit_callbacks
):
    data = _form(api_client, api_key=_inactive(api_client))
    assert_error(_post(client, fmt, data, django_capture_on_commit_callbacks), fmt, 403, "api_key")
    assert not DefectReport.objects.exists()


def test_all_problems_are_named_at_once(client, api_client, holes):
    response = client.post(
        f"{API}requests.json",
        _form(api_client, service_code=None, email=None, description="x" * 4001),
    )
    assert_error(response, "json", 400, "service_code", "email", "description")
    assert len(response.json()) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_over_its_hourly_limit_is_refused(client, holes, fmt):
    api_client, raw_key = create_api_client("Kleine App", "", 2)
    api_client.raw_key = raw_key
    with time_machine.travel("2026-05-01 10:00 +02:00", tick=False) as traveller:
        statuses = [
            client.post(f"{API}requests.{fmt}", _form(api_client)).status_code for _ in range(2)
        ]
        assert statuses == [200, 200]
        response = client.post(f"{API}requests.{fmt}", _form(api_client))
        assert_error(response, fmt, 429, "2 Meldungen pro Stunde")
        assert response["Retry-After"] == "3600"
        assert DefectReport.objects.count() == 2
        # Another client has its own budget; the next hour starts afresh.
        other, other_key = create_api_client("Andere App", "", 2)
        other.raw_key = other_key
        assert client.post(f"{API}requests.{fmt}", _form(other)).status_code == 200
        traveller.shift(3600)
        assert client.post(f"{API}requests.{fmt}", _form(api_client)).status_code == 200
