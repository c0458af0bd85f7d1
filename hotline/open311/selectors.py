"""Open311 reads: public by design, so each request is what the policy lets the public see
(hotline.domain.policy: no personal data, free text masked), and 举报 are never listed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hotline import clock
from hotline.accounts.models import Unit
from hotline.domain import policy
from hotline.domain.lifecycle import OPEN_STATES, Action
from hotline.domain.policy import Audience
from hotline.open311.render import Open311Error
from hotline.reference.models import Category
from hotline.workorders import selectors as order_selectors
from hotline.workorders.models import WorkOrder, WorkOrderEvent

MAX_REQUESTS = 1000
MAX_WINDOW = timedelta(days=90)
# Public replies: what the unit answered, or the agent's direct answer.
PUBLIC_REPLIES = {Action.REPLY: "text", Action.ANSWER_DIRECTLY: "answer"}


def services() -> list[dict[str, Any]]:
    rows = Category.objects.filter(is_active=True).select_related("parent").order_by("code")
    with_attributes = set(
        Category.objects.filter(attributes__isnull=False).values_list("code", flat=True)
    )
    return [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description,
            "metadata": category.code in with_attributes,
            "type": "realtime",
            "keywords": category.keywords,
            "group": category.parent.name if category.parent else "",
        }
        for category in rows
    ]


def service_definition(code: str) -> dict[str, Any]:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": attribute.order,
                "description": attribute.description,
                "values": [
                    {"key": value.get("key", ""), "name": value.get("name", "")}
                    for value in attribute.values or []
                ],
            }
            for attribute in category.attributes.order_by("order", "code")
        ],
    }


def _public() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.exclude(kind__in=policy.UNLISTED_KINDS)


def requests(
    *,
    ids: list[str] | None = None,
    service_codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: list[str] | None = None,
) -> list[dict[str, Any]]:
    """GET requests: by ids (which override every other filter), else the filters within a
    window of at most 90 days (default: the last 90), newest first, at most 1,000."""
    orders = _public()
    if ids:
        orders = orders.filter(number__in=ids[:MAX_REQUESTS])
    else:
        end = end or clock.now()
        start = start or end - MAX_WINDOW
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > MAX_WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        orders = orders.filter(created_at__gte=start, created_at__lte=end)
        if service_codes:
            orders = orders.filter(category__in=service_codes)
        if status:
            orders = _by_status(orders, status)
    return _as_requests(orders.order_by("-created_at")[:MAX_REQUESTS])


def _by_status(orders: QuerySet[WorkOrder], status: list[str]) -> QuerySet[WorkOrder]:
    unknown = set(status) - {"open", "closed"}
    if unknown:
        raise Open311Error(400, f"status must be open or closed, not {', '.join(sorted(unknown))}")
    if status == ["open"]:
        return orders.filter(state__in=OPEN_STATES)
    if status == ["closed"]:
        return orders.exclude(state__in=OPEN_STATES)
    return orders


def request(number: str) -> dict[str, Any]:
    found = _as_requests(_public().filter(number=number))
    if not found:
        raise Open311Error(404, f"service_request_id {number} not found")
    return found[0]


def request_id_for_token(token: str) -> dict[str, Any]:
    """Our tokens are the request ids themselves: requests are created synchronously."""
    if not _public().filter(number=token).exists():
        raise Open311Error(404, f"token {token} not found")
    return {"service_request_id": token, "token": token}


def _as_requests(orders: Iterable[WorkOrder]) -> list[dict[str, Any]]:
    orders = list(orders)
    notes = _status_notes(orders)
    names = dict(Category.objects.values_list("code", "name"))
    units = dict(Unit.objects.values_list("code", "name"))
    return [
        _as_request(
            order_selectors.order_shown(audience=Audience.PUBLIC, order=order),
            note=notes.get(order.pk, ""),
            names=names,
            units=units,
        )
        for order in orders
    ]


def _as_request(
    shown: dict[str, Any], *, note: str, names: dict[str, str], units: dict[str, str]
) -> dict[str, Any]:
    """One GeoReport request from what the public may see of the order (the rest left out); the
    policy has masked the public's free text (text, location, replies) already."""
    category = shown.get("category", "")
    unit = shown.get("current_unit") or shown.get("first_unit") or ""
    return {
        "service_request_id": shown["number"],
        "status": "open" if shown.get("state") in OPEN_STATES else "closed",
        "status_notes": note,
        "service_name": names.get(category, category),
        "service_code": category,
        "description": shown.get("text", ""),
        "agency_responsible": units.get(unit, ""),
        "service_notice": "",
        "requested_datetime": _local(shown.get("created_at")),
        "updated_datetime": _local(shown.get("updated_at")),
        "expected_datetime": _local(shown.get("handle_deadline")),
        "address": shown.get("location", ""),
        "address_id": "",
        "zipcode": "",
        "lat": shown.get("latitude"),
        "long": shown.get("longitude"),
        "media_url": "",
    }


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(timezone.get_current_timezone())


def _status_notes(orders: list[WorkOrder]) -> dict[int, str]:
    """The last public reply of each order (答复意见), as the public may see it (masked)."""
    kinds = {order.pk: order.kind for order in orders}
    notes: dict[int, str] = {}
    events = (
        WorkOrderEvent.objects.filter(order_id__in=list(kinds), action__in=list(PUBLIC_REPLIES))
        .order_by("order_id", "seq")
        .values_list("order_id", "seq", "action", "data")
    )
    for order_id, seq, action, data in events:
        step = policy.disclose_step(
            audience=Audience.PUBLIC,
            kind=kinds[order_id],
            step={"seq": seq, "action": action, "data": data or {}},
            caller={},
        )
        if step is not None:
            notes[order_id] = str(step.get("data", {}).get(PUBLIC_REPLIES[Action(action)], ""))
    return notes
