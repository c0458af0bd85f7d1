"""Open311 writes: POST requests becomes ``workorder_create``, nothing more."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime

from hotline import clock
from hotline.domain import limits
from hotline.domain.lifecycle import Channel, Kind
from hotline.open311.models import Open311Key, ServiceAttribute
from hotline.open311.render import Open311Error
from hotline.reference.models import Category
from hotline.workorders import services as orders
from hotline.workorders.models import WorkOrder

_ATTRIBUTE = re.compile(r"attribute\[([^\]]+)\](\[\])?")


def attributes_of(form: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """``attribute[CODE]=v`` (and ``attribute[CODE][]`` for lists) from a form."""
    found: dict[str, list[str]] = {}
    for key, values in form.items():
        match = _ATTRIBUTE.fullmatch(key)
        if match:
            found.setdefault(match.group(1), []).extend(values)
    return found


def open311_request_create(
    *, api_key: str, form: Mapping[str, str], attributes: Mapping[str, list[str]]
) -> WorkOrder:
    """POST requests: check the key, the service, the location and the attributes, then 受理."""
    key = Open311Key.objects.filter(key=api_key, is_active=True).select_related("account").first()
    if not api_key or key is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")
    _check_form(form)
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    lat, long = _point(form)
    address = form.get("address_string", "").strip() or form.get("address_id", "").strip()
    if lat is None and not address:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    answers = _checked_attributes(category, attributes)
    name = " ".join(part for part in (form.get("first_name"), form.get("last_name")) if part)
    order = orders.workorder_create(
        actor=key.account,
        channel=Channel.OPEN311,
        kind=Kind.HELP,
        category=code,
        text=form.get("description", "").strip() or category.name,
        location=address,
        caller_name=name.strip()[:100],
        caller_phone=re.sub(r"[^0-9+\- ]", "", form.get("phone", ""))[:32],
        caller_email=form.get("email", "").strip()[:254],
        lat=lat,
        long=long,
        attributes=answers,
    )
    key.last_used_at = clock.now()
    key.save(update_fields=["last_used_at"])
    return order


# The same limits as the API's create (hotline.domain.limits); other fields are cut to their column.
_FORM_LIMITS = {"description": limits.TEXT_MAX, "address_string": limits.LOCATION_MAX}


def _check_form(form: Mapping[str, str]) -> None:
    """Every field storable (no NUL, no lone surrogate) and the free texts within the API's
    limits: a 400 naming the field, nothing written."""
    for name, value in form.items():
        if problem := limits.text_ok(value) or limits.text_ok(name):
            raise Open311Error(400, f"{name[:40]}: {problem}")
        limit = _FORM_LIMITS.get(name)
        if limit is not None and len(value) > limit:
            raise Open311Error(400, f"{name} is longer than {limit:,} characters")


def _point(form: Mapping[str, str]) -> tuple[float | None, float | None]:
    raw_lat, raw_long = form.get("lat", "").strip(), form.get("long", "").strip()
    if not raw_lat and not raw_long:
        return None, None
    try:
        lat, long = float(raw_lat), float(raw_long)
    except ValueError:
        raise Open311Error(400, "lat and long must both be decimal degrees") from None
    if not (math.isfinite(lat) and math.isfinite(long) and abs(lat) <= 90 and abs(long) <= 180):
        raise Open311Error(400, "lat must be within ±90 and long within ±180")
    return lat, long


def _checked_attributes(category: Category, given: Mapping[str, list[str]]) -> dict[str, str]:
    expected = {a.code: a for a in ServiceAttribute.objects.filter(category=category)}
    unknown = sorted(set(given) - set(expected))
    if unknown:
        raise Open311Error(400, f"attribute[{unknown[0]}] is not an attribute of {category.code}")
    answers: dict[str, str] = {}
    for code, attribute in expected.items():
        values = [value.strip() for value in given.get(code, []) if value.strip()]
        if not values:
            if attribute.required and attribute.variable:
                raise Open311Error(400, f"attribute[{code}] is required")
            continue
        _check_value(attribute, values)
        answers[code] = ",".join(values)
    return answers


def _check_value(attribute: ServiceAttribute, values: list[str]) -> None:
    name = f"attribute[{attribute.code}]"
    if attribute.datatype in ("singlevaluelist", "multivaluelist"):
        keys = {str(value.get("key")) for value in attribute.values or []}
        if attribute.datatype == "singlevaluelist" and len(values) > 1:
            raise Open311Error(400, f"{name} takes one value")
        wrong = [value for value in values if value not in keys]
        if wrong:
            raise Open311Error(400, f"{name}: {wrong[0]!r} is not one of {', '.join(sorted(keys))}")
    elif attribute.datatype == "number":
        try:
            float(values[0])
        except ValueError:
            raise Open311Error(400, f"{name} must be a number") from None
    elif attribute.datatype == "datetime":
        try:
            datetime.fromisoformat(values[0])
        except ValueError:
            raise Open311Error(400, f"{name} must be a W3C date-time") from None
