"""Reading Open311 answers in tests: both formats into comparable shapes, without the code
under test (the XML is walked element by element, the JSON is parsed as is)."""

import json
import re
from datetime import datetime

from lxml import etree

API = "/open311/v2/"
FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# ISO 8601 (w3 profile) with seconds and a numeric offset, as the spec's examples.
W3_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def xml_root(response) -> etree._Element:
    assert response["Content-Type"] == CONTENT_TYPES["xml"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return etree.fromstring(response.content)


def xml_items(response, root: str, item: str) -> list[dict[str, str]]:
    """`<root><item><field>text</field>…</item>…</root>` as a list of {field: text}."""
    element = xml_root(response)
    assert element.tag == root
    assert all(child.tag == item for child in element)
    return [{field.tag: field.text or "" for field in child} for child in element]


def json_body(response):
    assert response["Content-Type"] == CONTENT_TYPES["json"]
    return json.loads(response.content)


def items(response, fmt: str, root: str = "service_requests", item: str = "request") -> list:
    """The answer's list of items: JSON objects as they are, XML items as {field: text}."""
    return json_body(response) if fmt == "json" else xml_items(response, root, item)


def as_text(value) -> str:
    """How a JSON value reads in the XML twin (null is an empty element)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def errors(response, fmt: str) -> list[tuple[int, str]]:
    """The spec's error answer as (code, description) pairs."""
    if fmt == "json":
        body = json_body(response)
        assert isinstance(body, list) and body
        assert all(set(error) == {"code", "description"} for error in body)
        return [(error["code"], error["description"]) for error in body]
    found = xml_items(response, "errors", "error")
    assert found and all(set(error) == {"code", "description"} for error in found)
    return [(int(error["code"]), error["description"]) for error in found]


def assert_error(response, fmt: str, status: int, *fragments: str) -> None:
    """The answer is the spec's error with this status, and its text mentions each fragment."""
    assert response.status_code == status, response.content
    found = errors(response, fmt)
    assert all(code == status for code, _ in found)
    text = " ".join(description for _, description in found)
    for fragment in fragments:
        assert fragment in text, text


def assert_w3(value: str) -> datetime:
    assert W3_DATETIME.match(value), value
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None
    return moment
