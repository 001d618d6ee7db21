"""The two wire formats of GeoReport v2: XML (the spec's own) and JSON (its Spark mapping).

Views build plain data (dicts, lists, str, float, bool, None) once; this module writes it as
either format. The JSON follows the spec's examples: a list answer is a bare array, an empty
value is null. The XML is built with lxml (never by joining strings), so text is always
escaped, and names a list's items after the list (`<services><service>…`).
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from lxml import etree

FORMATS = ("json", "xml")
# The content types the spec names (section "Format Support").
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
MIME_TYPES = ("text/xml", "application/json")  # as listed in the discovery document

# The element of one item of each list, as in the spec's examples.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# XML 1.0 cannot carry these characters at all, not even escaped; text from citizens might.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: etree._Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(etree.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS[element.tag]
        for child in value:
            _fill(etree.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """The document `<root>` holding `data` (a list becomes one item element per entry)."""
    element = etree.Element(root)
    _fill(element, data)
    return _DECLARATION + etree.tostring(element, encoding="UTF-8")


def to_json(data: Any) -> bytes:
    # A lone surrogate (possible in SQLite text) cannot be UTF-8: it becomes "?".
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """`data` as the answer in `fmt`; `root` names the XML document element."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, content_type=CONTENT_TYPES[fmt], status=status)


def render_errors(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    """The spec's error answer: `[{"code": …, "description": …}]` / `<errors><error>…`."""
    errors = [{"code": status, "description": str(text)} for text in descriptions]
    return render(fmt, "errors", errors, status=status)
