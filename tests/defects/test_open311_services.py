"""Open311 contract: discovery, services, service definitions, jurisdiction, formats, methods."""

import pytest
import time_machine

from lohmar_portal.cache import bump_content_version
from tests.defects.conftest import make_category
from tests.defects.open311_support import (
    API,
    FORMATS,
    as_text,
    assert_error,
    assert_w3,
    items,
    json_body,
    xml_root,
)

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]


@pytest.fixture
def services():
    lights = make_category(
        name="Straßenbeleuchtung",
        service_code="beleuchtung",
        description="Lampe defekt oder dauerhaft an",
        keywords="Laterne, Lampe",
        group="Straße",
        order=2,
    )
    holes = make_category(name="Straßenschäden <&>", service_code="strasse", order=1)
    make_category(name="Alt", service_code="alt", is_active=False)
    return holes, lights


def test_discovery_in_json(client):
    response = client.get(f"{API}discovery.json")
    assert response.status_code == 200
    body = json_body(response)
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    assert_w3(body["changeset"])
    assert "deutsch" in body["contact"] and "page_size" in body["contact"]
    assert "API-Schlüssel" in body["key_service"]
    [endpoint] = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://127.0.0.1:8000/open311/v2",
        "changeset": body["changeset"],
        "type": endpoint["type"],
        "formats": ["text/xml", "application/json"],
    }
    assert endpoint["type"] in {"production", "test"}


def test_discovery_in_xml(client):
    root = xml_root(client.get(f"{API}discovery.xml"))
    assert root.tag == "discovery"
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    assert_w3(root.findtext("changeset"))
    [endpoint] = root.find("endpoints")
    assert endpoint.tag == "endpoint"
    assert [child.tag for child in endpoint] == [
        "specification",
        "url",
        "changeset",
        "type",
        "formats",
    ]
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]
    assert endpoint.findtext("url") == "http://127.0.0.1:8000/open311/v2"


def test_the_changeset_moves_only_when_the_services_change(client, services):
    with time_machine.travel("2026-05-01 10:00 +02:00", tick=False) as traveller:
        first = json_body(client.get(f"{API}discovery.json"))["changeset"]
        assert first == "2026-05-01T10:00:00+02:00"
        traveller.shift(3600)
        bump_content_version()
        assert json_body(client.get(f"{API}discovery.json"))["changeset"] == first
        make_category(name="Spielplätze", service_code="spielplatz")
        bump_content_version()
        later = json_body(client.get(f"{API}discovery.json"))["changeset"]
    assert later == "2026-05-01T11:00:00+02:00" > first


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_the_active_categories_in_order(client, services, fmt):
    response = client.get(f"{API}services.{fmt}")
    assert response.status_code == 200
    found = items(response, fmt, "services", "service")
    assert [service["service_code"] for service in found] == ["strasse", "beleuchtung"]
    assert all(list(service) == SERVICE_FIELDS for service in found)
    expected = [
        {
            "service_code": "strasse",
            "service_name": "Straßenschäden <&>",
            "description": None,
            "metadata": False,
            "type": "realtime",
            "keywords": None,
            "group": None,
        },
        {
            "service_code": "beleuchtung",
            "service_name": "Straßenbeleuchtung",
            "description": "Lampe defekt oder dauerhaft an",
            "metadata": False,
            "type": "realtime",
            "keywords": "Laterne, Lampe",
            "group": "Straße",
        },
    ]
    if fmt == "xml":
        expected = [{key: as_text(value) for key, value in row.items()} for row in expected]
    assert found == expected


def test_xml_escapes_text(client, services):
    content = client.get(f"{API}services.xml").content
    assert b"Stra\xc3\x9fensch\xc3\xa4den &lt;&amp;&gt;" in content


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_has_no_attributes(client, services, fmt):
    response = client.get(f"{API}services/strasse.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert json_body(response) == {"service_code": "strasse", "attributes": []}
    else:
        root = xml_root(response)
        assert root.tag == "service_definition"
        assert [child.tag for child in root] == ["service_code", "attributes"]
        assert root.findtext("service_code") == "strasse"
        assert len(root.find("attributes")) == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["gibtesnicht", "alt"])
def test_an_unknown_or_retired_service_is_not_found(client, services, fmt, code):
    response = client.get(f"{API}services/{code}.{fmt}")
    assert_error(response, fmt, 404, "service_code")


ENDPOINTS = [
    "discovery.{fmt}",
    "services.{fmt}",
    "services/strasse.{fmt}",
    "requests.{fmt}",
    "requests/MM-2026-00001.{fmt}",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ENDPOINTS)
def test_another_jurisdiction_is_not_found(client, services, fmt, path):
    response = client.get(API + path.format(fmt=fmt), {"jurisdiction_id": "bonn.de"})
    assert_error(response, fmt, 404, "jurisdiction_id", "lohmar.de")


@pytest.mark.parametrize("path", ENDPOINTS[:4])
def test_our_jurisdiction_or_none_is_accepted(client, services, path, settings):
    for jurisdiction in ("lohmar.de", ""):
        response = client.get(API + path.format(fmt="json"), {"jurisdiction_id": jurisdiction})
        assert response.status_code == 200
    settings.OPEN311_JURISDICTION_ID = "example.org"
    bump_content_version()
    response = client.get(API + path.format(fmt="json"), {"jurisdiction_id": "example.org"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["discovery.html", "services.csv", "services/strasse.yaml", "requests.txt", "requests"]
)
def test_an_unknown_format_is_a_plain_not_found(client, services, path):
    response = client.get(API + path)
    assert response.status_code == 404
    assert not response["Content-Type"].startswith(("application/json", "text/xml"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "services.{fmt}", "GET, HEAD"),
        ("delete", "discovery.{fmt}", "GET, HEAD"),
        ("put", "requests.{fmt}", "GET, HEAD, POST"),
        ("post", "requests/MM-2026-00001.{fmt}", "GET, HEAD"),
    ],
)
def test_other_methods_are_not_allowed(client, services, fmt, method, path, allowed):
    response = getattr(client, method)(API + path.format(fmt=fmt))
    assert_error(response, fmt, 405, method.upper())
    assert response["Allow"] == allowed


def test_answers_are_cached_until_a_write(client, services, django_assert_num_queries):
    client.get(f"{API}services.json")
    with django_assert_num_queries(0):
        assert client.get(f"{API}services.json").status_code == 200
    make_category(name="Spielplätze", service_code="spielplatz")
    bump_content_version()  # what the admin's save request does after its commit
    with django_assert_num_queries(1):
        codes = [s["service_code"] for s in client.get(f"{API}services.json").json()]
    assert "spielplatz" in codes


def test_head_is_answered_like_get(client, services):
    response = client.head(f"{API}services.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
