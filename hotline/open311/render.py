"""GeoReport v2 bodies as XML (the spec's required format) or JSON, with the spec's errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Lists inside an object repeat a singular element in XML (the spec's examples).
SINGULAR = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    """Answered with the spec's error body: ``<errors><error><code>…``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)


def w3c(moment: datetime) -> str:
    """2010-04-14T06:37:38-08:00: W3C date-time with the offset, no microseconds."""
    return moment.replace(microsecond=0).isoformat()


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    child = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(child, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _append(child, SINGULAR.get(name, "item"), inner)
    else:
        child.text = _text(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, dict):
        return {key: _jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_jsonable(inner) for inner in value]
    return value


def render(fmt: str, root: str, payload: Any, *, item: str = "", status: int = 200) -> HttpResponse:
    """``payload`` is a dict (one object) or a list of dicts (XML: ``root`` of ``item``s)."""
    if fmt == "json":
        import json

        body = json.dumps(_jsonable(payload), ensure_ascii=False)
    else:
        element = ElementTree.Element(root)
        if isinstance(payload, list):
            for entry in payload:
                _append(element, item, entry)
        else:
            for key, value in payload.items():
                _append(element, key, value)
        body = '<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(
            element, encoding="unicode"
        )
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    body = [{"code": error.status, "description": error.description}]
    return render(fmt, "errors", body, item="error", status=error.status)
