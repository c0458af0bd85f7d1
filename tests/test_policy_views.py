"""Every surface shows exactly what hotline.domain.policy says: for every role and every order
field, step, step part and data key, the API detail and timeline, the web order page and the
order export; for the public, the tracking page and Open311. The expectations are read from the
policy's tables, so a new field, part, data key or role is covered without touching this file."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from hotline.accounts.models import ApiToken, User
from hotline.domain import policy
from hotline.domain.lifecycle import OPEN_STATES, Kind, Role
from hotline.domain.policy import Audience, OrderField, Shown, StepPart
from hotline.web import labels
from hotline.web.views.citizen import tracking_code
from hotline.web.views.orders import EXPORT_COLUMNS
from hotline.workorders import services as s
from hotline.workorders.api import OrderOut
from hotline.workorders.attachments import attachment_check
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from tests.common.second_factor import force_login_verified
from tests.common.world import World

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CALLER = {
    "caller_name": "欧阳锋",
    "caller_phone": "13812341234",
    "caller_address": "A市和平里小区3号楼2单元501",
    "caller_email": "oy@example.com",
}
TEXT = "夜间施工噪音扰民，回电13712345678"
REPLY = "已约谈施工方，电话13900001111"
KINDS = [Kind.COMPLAINT, Kind.REPORT]
ABSENT = object()
MILLISECOND = timedelta(milliseconds=1)


def walked(world: World, kind: str) -> WorkOrder:
    """A citizen's order through every kind of step a reader may or may not see, with a file."""
    order = s.workorder_create(
        actor=world.citizen,
        channel="web",
        kind=kind,
        category="noise",
        text=TEXT,
        location="和平里小区北门",
        lat=39.9042,
        long=116.4074,
        call_id="CALL-POLICY-1",
        suggested=[{"category": "noise", "score": 0.9}],
        **CALLER,
    )
    n, unit = order.number, world.handler_a
    s.workorder_dispatch(actor=world.dispatcher, order=n, to_unit="zhujian", assist=["lvhua"])
    s.workorder_accept(actor=unit, order=n)
    s.workorder_contact(actor=unit, order=n, note="已电话联系")
    s.workorder_reply(actor=unit, order=n, text=REPLY)
    photo = attachment_check(name="现场照片.png", content=PNG)
    s.workorder_request_extension(
        actor=unit, order=n, days=3, reason="需多部门会商", attachments=[photo]
    )
    s.workorder_approve_extension(actor=world.dispatcher, order=n)
    s.workorder_urge(actor=world.supervisor, order=n, note="请加快办理")
    s.workorder_request_close(actor=unit, order=n, result="已整改")
    s.workorder_approve_close(actor=world.dispatcher, order=n)
    s.workorder_follow_up(
        actor=world.dispatcher, order=n, reached=True, resolved=True, satisfied=True
    )
    return s.workorder_rate(actor=world.citizen, order=n, score=4, comment="满意")


# -- what the policy says, read from its tables ------------------------------------------------


def expected_order(audience: Audience, order: WorkOrder) -> dict[str, Any]:
    """Attribute → the value this audience gets (masked where masked), or ABSENT."""
    levels = policy.order_disclosure(audience=audience, kind=order.kind)
    expected: dict[str, Any] = {}
    for field, names in policy.ATTRIBUTES.items():
        for name in names:
            raw, level = getattr(order, name), levels[field]
            if level is Shown.HIDDEN:
                expected[name] = ABSENT
            elif level is Shown.MASKED and isinstance(raw, str):
                expected[name] = policy.MASKERS[field](raw)
            else:
                expected[name] = raw
    return expected


def visible_fields(audience: Audience, order: WorkOrder) -> set[str]:
    levels = policy.order_disclosure(audience=audience, kind=order.kind)
    return {str(f) for f, level in levels.items() if level is not Shown.HIDDEN}


def expected_caller(audience: Audience, order: WorkOrder) -> dict[str, str]:
    expected = expected_order(audience, order)
    return {
        key: "" if expected[policy.ATTRIBUTES[field][0]] is ABSENT else expected[f"caller_{key}"]
        for key, field in policy.CALLER_KEYS.items()
    }


def part_shown(audience: Audience, order: WorkOrder, event: WorkOrderEvent, part: StepPart) -> bool:
    if policy.STEP_DISCLOSURE[audience][part] is Shown.HIDDEN:
        return False
    if part is StepPart.ACTOR and event.action == "create":
        # Whoever filed the order may be its caller: shown only where some of the caller is.
        levels = policy.order_disclosure(audience=audience, kind=order.kind)
        return any(levels[f] is not Shown.HIDDEN for f in policy.REVEALABLE)
    return True


def expected_steps(audience: Audience, order: WorkOrder) -> list[WorkOrderEvent]:
    return [e for e in order.events.order_by("seq") if e.action in policy.STEPS[audience]]


def expected_keys(audience: Audience, order: WorkOrder, event: WorkOrderEvent) -> set[str]:
    levels = policy.data_disclosure(audience=audience, kind=order.kind)
    return {k for k in event.data if levels[policy.data_class(k)] is not Shown.HIDDEN}


def same(got: Any, want: Any, *, precision: timedelta = MILLISECOND) -> bool:
    """Equal as a client reads it: times as ISO text to ``precision`` (the API's JSON carries
    milliseconds, Open311's W3C times whole seconds)."""
    if isinstance(want, datetime):
        return isinstance(got, str) and abs(datetime.fromisoformat(got) - want) < precision
    if isinstance(want, tuple | list):
        return list(got) == list(want)
    return bool(got == want)


def leaks(audience: Audience, order: WorkOrder, body: str) -> list[str]:
    """Text values the audience may not see in full that appear in ``body`` anyway (a value it
    sees in full through another field does not count)."""
    expected = expected_order(audience, order)
    seen = {str(v) for v in expected.values() if v is not ABSENT}
    secrets = {
        raw
        for name, want in expected.items()
        if isinstance(raw := getattr(order, name), str) and (want is ABSENT or want != raw)
    }
    return sorted(v for v in secrets - seen if len(v) >= 4 and v in body)


# -- every role --------------------------------------------------------------------------------


def api_get(user: User, path: str) -> Any:
    _, token = ApiToken.issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api{path}")


def signed_in(user: User) -> Client:
    return force_login_verified(Client(), user)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", list(Role))
def test_api_detail_shows_what_the_policy_says(world: World, role: Role, kind: str) -> None:
    order = walked(world, kind)
    audience = policy.audience_of(role=role)
    response = api_get(world.by_role(role), f"/orders/{order.number}")
    assert response.status_code == 200
    body = response.json()
    wrong = []
    expected = expected_order(audience, order)
    for field, names in policy.ATTRIBUTES.items():
        for name in names:
            want = expected[name]
            if field in policy.CALLER_KEYS.values():
                # The caller is one object; what the reader may not see is "" there.
                got = body["caller"].get(name.removeprefix("caller_"), ABSENT)
                if want is ABSENT and got in (ABSENT, ""):
                    continue
            elif want is not ABSENT and name not in OrderOut.model_fields:
                wrong.append(f"{field}: {name} is visible but the API has no place for it")
                continue
            else:
                got = body.get(name, ABSENT)
            if (got is ABSENT) != (want is ABSENT) or (want is not ABSENT and not same(got, want)):
                wrong.append(f"{field}: {name} = {got!r}, policy says {want!r}")
    assert wrong == []
    assert leaks(audience, order, json.dumps(body, ensure_ascii=False)) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", list(Role))
def test_api_timeline_shows_what_the_policy_says(world: World, role: Role, kind: str) -> None:
    order = walked(world, kind)
    audience = policy.audience_of(role=role)
    timeline = api_get(world.by_role(role), f"/orders/{order.number}").json()["timeline"]
    steps = expected_steps(audience, order)
    assert [t["seq"] for t in timeline] == [e.seq for e in steps]
    caller = expected_caller(audience, order)
    wrong = []
    for event, got in zip(steps, timeline, strict=True):
        for part in StepPart:
            if part is StepPart.FILES:
                continue  # the API carries the files' seal in the data, not the files
            if (part.value in got) != part_shown(audience, order, event, part):
                wrong.append(f"#{event.seq} {event.action}: {part} shown={part.value in got}")
        if "data" not in got:
            continue
        if set(got["data"]) != expected_keys(audience, order, event):
            wrong.append(f"#{event.seq} {event.action}: data keys {sorted(got['data'])}")
        if "caller" in got["data"]:
            want = {k: caller.get(k, "") for k in event.data["caller"]}
            if got["data"]["caller"] != want:
                wrong.append(f"#{event.seq}: caller {got['data']['caller']} != {want}")
    assert wrong == []


def _web_steps(page: str) -> dict[int, str]:
    """seq → the HTML of that step on the order page."""
    blocks = re.split(r'<li class="[^"]*" id="seq-', page)[1:]
    return {int(block.split('"', 1)[0]): block.split("</li>\n", 1)[0] for block in blocks}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", list(Role))
def test_the_order_page_shows_what_the_policy_says(world: World, role: Role, kind: str) -> None:
    order = walked(world, kind)
    audience = policy.audience_of(role=role)
    page = signed_in(world.by_role(role)).get(f"/orders/{order.number}/").content.decode()
    assert set(re.findall(r'<dt data-field="(\w+)"', page)) == visible_fields(audience, order)
    expected = expected_order(audience, order)
    for field in policy.CALLER_KEYS.values():
        found = re.search(rf'<dd data-field="{field}">(.*?)</dd>', page)
        want = expected[policy.ATTRIBUTES[field][0]]
        shown_as = want if want is ABSENT else (want or "—")
        assert (found.group(1) if found else ABSENT) == shown_as, field
    assert leaks(audience, order, page) == []

    steps = _web_steps(page)
    assert list(steps) == [e.seq for e in expected_steps(audience, order)]
    filed = set(order.attachments.values_list("seq", flat=True))
    wrong = []
    for event in expected_steps(audience, order):
        html, keys = steps[event.seq], expected_keys(audience, order, event)
        has = {
            StepPart.ACTOR: bool(event.actor),
            StepPart.UNIT: bool(event.unit),
            StepPart.TO_UNIT: bool(event.to_unit),
            StepPart.DATA: bool(keys),
            StepPart.HASH: bool(event.hash),
            StepPart.FILES: event.seq in filed,
        }
        for part, present in has.items():  # every step shows its time (AT): no marker needed
            want = present and part_shown(audience, order, event, part)
            if (f'data-part="{part}"' in html) != want:
                wrong.append(f"#{event.seq} {event.action}: {part} expected shown={want}")
        if set(re.findall(r'data-key="(\w+)"', html)) != keys:
            wrong.append(f"#{event.seq} {event.action}: data keys differ from {sorted(keys)}")
    assert wrong == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", list(Role))
def test_the_export_shows_what_the_policy_says(world: World, role: Role, kind: str) -> None:
    order = walked(world, kind)
    audience = policy.audience_of(role=role)
    export = signed_in(world.by_role(role)).get("/orders/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)  # type: ignore[union-attr]
    (row,) = [r for r in rows[1:] if r[0] == order.number]
    expected = expected_order(audience, order)
    for (title, name), cell in zip(EXPORT_COLUMNS, row, strict=True):
        want = expected[name]
        if want is ABSENT:
            assert cell is None, title  # a blank cell
        elif isinstance(want, str) and name not in {"state", "kind", "category", "current_unit"}:
            assert cell == (want or None), title
        else:
            assert cell not in (None, ""), title


def test_without_a_role_there_is_nothing_to_open(world: World) -> None:
    order = walked(world, Kind.COMPLAINT)
    nobody = User.objects.create_user(username="nobody", password="x")
    assert api_get(nobody, f"/orders/{order.number}").status_code == 404
    assert signed_in(nobody).get(f"/orders/{order.number}/").status_code == 404
    assert Client().get(f"/orders/{order.number}/").status_code == 302  # to the log-in page


@pytest.mark.parametrize("role", list(Role))
def test_the_files_are_for_those_who_see_them(world: World, role: Role) -> None:
    order = walked(world, Kind.COMPLAINT)
    attachment = order.attachments.get()
    audience = policy.audience_of(role=role)
    url = f"/orders/{order.number}/attachments/{attachment.pk}/"
    shown = policy.shows_part(audience=audience, part=StepPart.FILES)
    assert signed_in(world.by_role(role)).get(url).status_code == (200 if shown else 404)


def test_every_field_has_a_label_on_the_pages() -> None:
    assert set(labels.ORDER_FIELDS) == {str(f) for f in OrderField}


# -- the public --------------------------------------------------------------------------------

PUBLIC = Audience.PUBLIC


@pytest.mark.parametrize("signed_in_as", [None, *Role])
@pytest.mark.parametrize("kind", KINDS)
def test_the_tracking_page_shows_what_the_public_sees(
    world: World, kind: str, signed_in_as: Role | None
) -> None:
    order = walked(world, kind)
    client = Client() if signed_in_as is None else signed_in(world.by_role(signed_in_as))
    page = client.get(f"/track/?code={tracking_code(order.number)}").content.decode()
    assert set(re.findall(r'<dt data-field="(\w+)"', page)) == visible_fields(PUBLIC, order)
    steps = re.findall(r'<li data-action="(\w+)">(.*?)</li>', page, flags=re.S)
    assert [action for action, _ in steps] == [e.action for e in expected_steps(PUBLIC, order)]
    for (_, html), event in zip(steps, expected_steps(PUBLIC, order), strict=True):
        assert set(re.findall(r'data-key="(\w+)"', html)) == expected_keys(PUBLIC, order, event)
        for part in ("actor", "unit", "to_unit", "hash", "files"):
            assert f'data-part="{part}"' not in html
    assert leaks(PUBLIC, order, page) == []
    for secret in (*CALLER.values(), "13712345678", "13900001111"):
        assert secret not in page
    if signed_in_as is None:  # signed in, the page header names oneself
        assert "handler_a" not in page and "dispatcher" not in page


# Where GeoReport v2 carries each order field the public may see, and the value it should hold.
OPEN311_SLOTS: dict[OrderField, dict[str, Any]] = {
    OrderField.NUMBER: {"service_request_id": lambda o, e: e["number"]},
    OrderField.STATE: {
        "status": lambda o, e: "open" if e["state"] in OPEN_STATES else "closed",
    },
    OrderField.CATEGORY: {"service_code": lambda o, e: e["category"]},
    OrderField.TEXT: {"description": lambda o, e: e["text"]},
    OrderField.LOCATION: {"address": lambda o, e: e["location"]},
    OrderField.COORDINATES: {
        "lat": lambda o, e: e["latitude"],
        "long": lambda o, e: e["longitude"],
    },
    OrderField.UNIT: {"agency_responsible": lambda o, e: "市住建局"},
    OrderField.HANDLE_DEADLINE: {"expected_datetime": lambda o, e: e["handle_deadline"]},
    OrderField.TIMES: {
        "requested_datetime": lambda o, e: e["created_at"],
        "updated_datetime": lambda o, e: e["updated_at"],
    },
}


@pytest.mark.parametrize("kind", KINDS)
def test_open311_shows_what_the_public_sees(world: World, kind: str) -> None:
    order = walked(world, kind)
    response = Client().get(f"/open311/v2/requests/{order.number}.json")
    listed = Client().get("/open311/v2/requests.json").json()
    if kind in policy.UNLISTED_KINDS:
        assert response.status_code == 404 and listed == []
        return
    (request,) = response.json()
    assert listed == [request]
    expected = expected_order(PUBLIC, order)
    for field in visible_fields(PUBLIC, order):
        assert OrderField(field) in OPEN311_SLOTS, f"{field} is public but has no Open311 slot"
    for field, slots in OPEN311_SLOTS.items():
        for key, value in slots.items():
            shown = field in visible_fields(PUBLIC, order)
            want = value(order, expected)
            if shown:
                assert same(request[key], want, precision=timedelta(seconds=1)), (key, want)
            else:
                assert not request[key], key
    assert request["status_notes"] == "已约谈施工方，电话139****1111"  # the last public reply
    assert leaks(PUBLIC, order, json.dumps(request, ensure_ascii=False)) == []
