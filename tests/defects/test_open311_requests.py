"""Open311 contract: GET requests (the list, its filters and limits) and GET one request."""

from datetime import UTC, timedelta
from urllib.parse import quote

import pytest
from django.urls import NoReverseMatch
from django.utils import timezone

from defects.models import DefectReport, Photo, StatusUpdate
from defects.open311 import views
from lohmar_portal.cache import bump_content_version
from tests.defects.conftest import make_category, make_report
from tests.defects.open311_support import (
    API,
    FORMATS,
    REQUEST_FIELDS,
    as_text,
    assert_error,
    assert_w3,
    items,
)
from tests.factories import DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = DefectReport.Status


@pytest.fixture
def holes():
    return make_category(name="Straßenschäden", service_code="strasse")


@pytest.fixture
def lights():
    return make_category(name="Beleuchtung", service_code="licht")


def _ids(response, fmt="json") -> list[str]:
    assert response.status_code == 200, response.content
    return [request["service_request_id"] for request in items(response, fmt)]


def _get(client, fmt="json", **params):
    return client.get(f"{API}requests.{fmt}", params)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_carries_the_spec_fields(client, holes, fmt):
    report = make_report(
        category=holes,
        description="Tiefes Schlagloch <&> vor Haus 3",
        address="Hauptstraße 3",
        district=DistrictFactory(name="Donrath"),
        latitude=50.8394,
        longitude=7.2164,
    )
    photo = Photo.objects.create(report=report, is_released=True, state=Photo.State.READY)
    [request] = items(_get(client, fmt), fmt)
    assert list(request) == REQUEST_FIELDS
    expected = {
        "service_request_id": report.reference,
        "status": "open",
        "status_notes": None,
        "service_name": "Straßenschäden",
        "service_code": "strasse",
        "description": "Tiefes Schlagloch <&> vor Haus 3",
        "agency_responsible": holes.department.name,
        "service_notice": None,
        "expected_datetime": None,
        "address": "Hauptstraße 3, Donrath",
        "address_id": None,
        "zipcode": None,
        "lat": 50.8394,
        "long": 7.2164,
        "media_url": f"http://127.0.0.1:8000/maengel/fotos/{photo.pk}/",
    }
    for name in ("requested_datetime", "updated_datetime"):
        moment = assert_w3(request[name])
        assert abs(moment - report.created_at) < timedelta(seconds=1)
        # Europe/Berlin: +01:00 in winter, +02:00 in summer
        assert request[name][-6:] in {"+01:00", "+02:00"}
    if fmt == "json":
        assert isinstance(request["service_request_id"], str)
        assert isinstance(request["lat"], float) and isinstance(request["long"], float)
    else:
        expected = {key: as_text(value) for key, value in expected.items()}
        assert float(request["lat"]) == 50.8394
    assert {key: request[key] for key in expected} == expected


def test_xml_escapes_the_description_and_drops_what_xml_cannot_carry(client, holes):
    make_report(category=holes, description="a <b> & c\x0b d \x1f")
    content = client.get(f"{API}requests.xml").content
    assert b"<description>a &lt;b&gt; &amp; c d </description>" in content


def test_a_report_without_point_has_no_coordinates(client, holes):
    make_report(category=holes, address="Am Markt, Lohmar")
    [request] = _get(client).json()
    assert request["lat"] is None and request["long"] is None
    assert request["address"] == "Am Markt, Lohmar"


def test_only_public_reports_are_listed(client, holes):
    public = make_report(category=holes)
    make_report(category=holes, status=Status.SUBMITTED)  # not yet confirmed
    make_report(category=holes, is_hidden=True)
    assert _ids(_get(client)) == [public.reference]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_reporter_data_in_any_answer(client, holes, fmt):
    citizen = UserFactory(email="konto@example.org", display_name="Anna Pseudonym")
    reports = [
        make_report(
            category=holes,
            reporter_email="geheim@example.org",
            reporter_name="Erika Mustermann",
            reporter_phone="02246 12345",
        ),
        make_report(category=holes, reporter=citizen),
    ]
    bodies = [_get(client, fmt).content] + [
        client.get(f"{API}requests/{report.reference}.{fmt}").content for report in reports
    ]
    for body in bodies:
        for secret in (
            "geheim@example.org",
            "Erika",
            "Mustermann",
            "12345",
            "konto@example.org",
            "Anna Pseudonym",
            "reporter",
            "email",
        ):
            assert secret.encode() not in body


def test_open_and_closed_follow_the_status(client, holes):
    by_status = {status: make_report(category=holes, status=status) for status in Status.values}
    found = {request["service_request_id"]: request["status"] for request in _get(client).json()}
    assert by_status[Status.SUBMITTED].reference not in found
    for status in (Status.CONFIRMED, Status.ACKNOWLEDGED, Status.IN_PROGRESS):
        assert found[by_status[status].reference] == "open"
    for status in (Status.RESOLVED, Status.NOT_RESPONSIBLE, Status.DUPLICATE, Status.CLOSED):
        assert found[by_status[status].reference] == "closed"

    open_ids = set(_ids(_get(client, status="open")))
    closed_ids = set(_ids(_get(client, status="closed")))
    assert {found[ref] for ref in open_ids} == {"open"} and len(open_ids) == 3
    assert {found[ref] for ref in closed_ids} == {"closed"} and len(closed_ids) == 4
    assert set(_ids(_get(client, status="open,closed"))) == set(found)
    assert set(_ids(_get(client, status=""))) == set(found)  # empty is the same as absent


def test_status_notes_explain_the_current_status(client, holes):
    report = make_report(category=holes, status=Status.IN_PROGRESS)
    earlier = timezone.now() - timedelta(days=2)
    StatusUpdate.objects.create(
        report=report, to_status=Status.ACKNOWLEDGED, note="Angenommen.", created_at=earlier
    )
    StatusUpdate.objects.create(
        report=report,
        to_status=Status.IN_PROGRESS,
        note="Der Bauhof ist beauftragt.",
        created_at=earlier + timedelta(days=1),
    )
    StatusUpdate.objects.create(report=report, to_status=Status.IN_PROGRESS, note="")
    [request] = _get(client).json()
    assert request["status_notes"] == "Der Bauhof ist beauftragt."


def test_a_closed_request_was_updated_when_it_was_closed(client, holes):
    closed_at = timezone.now() - timedelta(days=3)
    report = make_report(category=holes, status=Status.RESOLVED, status_changed_at=closed_at)
    DefectReport.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    [request] = _get(client).json()
    assert abs(assert_w3(request["updated_datetime"]) - closed_at) < timedelta(seconds=1)


def test_filter_by_service_codes(client, holes, lights):
    hole = make_report(category=holes)
    light = make_report(category=lights)
    other = make_report()
    assert _ids(_get(client, service_code="strasse")) == [hole.reference]
    assert set(_ids(_get(client, service_code="strasse,licht"))) == {
        hole.reference,
        light.reference,
    }
    assert len(_ids(_get(client))) == 3 and other.reference in _ids(_get(client))
    assert _ids(_get(client, service_code="gibtesnicht")) == []


def test_service_request_ids_override_every_other_argument(client, holes, lights):
    old = make_report(category=holes, created_at=timezone.now() - timedelta(days=400))
    new = make_report(category=lights, status=Status.RESOLVED)
    hidden = make_report(category=holes, is_hidden=True)
    response = _get(
        client,
        service_request_id=f"{old.reference}, {new.reference},{hidden.reference},MM-0",
        service_code="gibtesnicht",
        status="open",
        start_date="nonsense",
        page="7",
    )
    assert set(_ids(response)) == {old.reference, new.reference}


def test_the_default_window_is_the_last_90_days(client, holes):
    now = timezone.now()
    recent = make_report(category=holes, created_at=now - timedelta(days=89))
    make_report(category=holes, created_at=now - timedelta(days=91))
    assert _ids(_get(client)) == [recent.reference]


def test_start_and_end_date_select_by_requested_time(client, holes):
    now = timezone.now().replace(microsecond=0)
    reports = {
        days: make_report(category=holes, created_at=now - timedelta(days=days))
        for days in (5, 20, 100, 150)
    }
    start = (now - timedelta(days=30)).isoformat()
    end = (now - timedelta(days=10)).isoformat()
    assert _ids(_get(client, start_date=start, end_date=end)) == [reports[20].reference]
    # Only a start: 90 days from it. Only an end: 90 days up to it.
    from_start = _get(client, start_date=(now - timedelta(days=160)).isoformat())
    assert _ids(from_start) == [reports[100].reference, reports[150].reference]
    up_to_end = _get(client, end_date=(now - timedelta(days=60)).isoformat())
    assert _ids(up_to_end) == [reports[100].reference, reports[150].reference]
    # Z and an offset mean the same instant; an unencoded "+" (a space) is understood.
    utc = (now - timedelta(days=30)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(_ids(_get(client, start_date=utc))) == 2
    plus = (now - timedelta(days=30)).astimezone(timezone.get_default_timezone()).isoformat()
    raw = client.get(f"{API}requests.json?start_date={plus}")  # "+" decodes to a space
    assert len(_ids(raw)) == 2
    assert "+" in plus


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start_date": "gestern"}, "start_date"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-05-01T00:00:00"}, "start_date"),  # no time zone
        ({"start_date": "2026-05-01"}, "start_date"),
        (
            {"start_date": "2026-05-10T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
            "end_date",
        ),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "90 Tage",
        ),
        ({"status": "offen"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "zwei"}, "page"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"service_code": "strasse\x00"}, "service_code"),
        ({"service_request_id": "MM\x00"}, "service_request_id"),
    ],
)
def test_bad_arguments_are_refused_in_the_error_format(client, holes, fmt, params, fragment):
    make_report(category=holes)
    assert_error(_get(client, fmt, **params), fmt, 400, fragment)


def test_every_bad_argument_is_named_at_once(client, holes):
    response = _get(client, start_date="x", status="y", page_size="0")
    assert_error(response, "json", 400, "start_date", "status", "page_size")
    assert len(response.json()) == 3


def _many_reports(category, count: int) -> list[DefectReport]:
    now = timezone.now()
    return DefectReport.objects.bulk_create(
        DefectReport(
            reference=f"MM-2026-9{n:04d}",
            category=category,
            department=category.department,
            description=f"Meldung {n}",
            latitude=50.8394,
            longitude=7.2164,
            status=Status.CONFIRMED,
            confirmed_at=now,
            created_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )


def test_at_most_1000_requests_and_pages_beyond(client, holes):
    _many_reports(holes, 1001)
    first = _ids(_get(client))
    assert len(first) == 1000
    assert first[0] == "MM-2026-90000" and first[-1] == "MM-2026-90999"
    assert _ids(_get(client, page="2")) == ["MM-2026-91000"]


def test_page_and_page_size_walk_the_list_newest_first(client, holes):
    _many_reports(holes, 5)
    assert _ids(_get(client, page_size="2")) == ["MM-2026-90000", "MM-2026-90001"]
    assert _ids(_get(client, page_size="2", page="3")) == ["MM-2026-90004"]
    assert _ids(_get(client, page_size="2", page="4")) == []


def test_an_unreleased_photo_is_not_linked(client, holes):
    report = make_report(category=holes)
    Photo.objects.create(report=report, is_released=False, state=Photo.State.READY)
    Photo.objects.create(report=report, is_released=True, state=Photo.State.PENDING)
    [request] = _get(client).json()
    assert request["media_url"] is None


def test_media_url_is_left_empty_while_the_photo_view_is_missing(client, holes, monkeypatch):
    report = make_report(category=holes)
    Photo.objects.create(report=report, is_released=True, state=Photo.State.READY)

    def no_photo_view(name, *args, **kwargs):
        raise NoReverseMatch(name)

    monkeypatch.setattr(views, "reverse", no_photo_view)
    [request] = _get(client).json()
    assert request["media_url"] is None


def _report_with_history(category) -> None:
    report = make_report(category=category, status=Status.IN_PROGRESS)
    StatusUpdate.objects.create(report=report, to_status=Status.IN_PROGRESS, note="Läuft.")
    Photo.objects.create(report=report, is_released=True, state=Photo.State.READY)


def test_the_list_costs_the_same_queries_for_1_and_20_requests(
    client, holes, django_assert_num_queries
):
    _report_with_history(holes)
    with django_assert_num_queries(1):
        assert len(_ids(_get(client))) == 1
    for _ in range(19):
        _report_with_history(make_category())
    bump_content_version()  # else the cached answer is served
    with django_assert_num_queries(1):
        assert len(_ids(_get(client, "xml"), "xml")) == 20
    bump_content_version()
    with django_assert_num_queries(1):
        assert len(_ids(_get(client))) == 20


def test_a_cached_list_is_fresh_after_a_write(client, holes, django_assert_num_queries):
    first = make_report(category=holes)
    assert _ids(_get(client)) == [first.reference]
    with django_assert_num_queries(0):
        assert _ids(_get(client)) == [first.reference]
    second = make_report(category=holes)
    bump_content_version()  # every committed write does this (lohmar_portal/cache.py)
    assert _ids(_get(client)) == [second.reference, first.reference]


# --- GET one request -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_a_list_of_one(client, holes, fmt):
    report = make_report(category=holes, description="Laterne flackert")
    make_report(category=holes)
    response = client.get(f"{API}requests/{report.reference}.{fmt}")
    [request] = items(response, fmt)
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == report.reference
    assert request["description"] == "Laterne flackert"
    assert_w3(request["requested_datetime"])


def test_one_old_request_is_found_outside_the_window(client, holes):
    report = make_report(category=holes, created_at=timezone.now() - timedelta(days=500))
    assert _ids(client.get(f"{API}requests/{report.reference}.json")) == [report.reference]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("state", ["unknown", "unconfirmed", "hidden"])
def test_an_unknown_or_private_request_is_not_found(client, holes, fmt, state):
    reference = "MM-2026-77777"
    if state == "unconfirmed":
        make_report(category=holes, reference=reference, status=Status.SUBMITTED)
    elif state == "hidden":
        make_report(category=holes, reference=reference, is_hidden=True)
    response = client.get(f"{API}requests/{quote(reference)}.{fmt}")
    assert_error(response, fmt, 404, "service_request_id", reference)


def test_a_nul_character_in_the_id_is_not_found(client):
    assert_error(client.get(f"{API}requests/MM%00.json"), "json", 404, "service_request_id")
