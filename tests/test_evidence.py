"""Evidence the event store seals: attachments' digests in their events, supervision cases'
hash chain, and ``events verify`` reporting what was changed or removed."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from hotline.domain.chain import GENESIS_HASH
from hotline.domain.lifecycle import State
from hotline.eventstore.guard import install_event_guard, remove_event_guard
from hotline.supervision import services as cases
from hotline.supervision.models import CaseEvent, SupervisionCase
from hotline.workorders.interchange import events_verify
from hotline.workorders.models import WorkOrder
from tests.common.world import World
from tests.test_api import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 8


def _request_close(world: World, *files: tuple[str, bytes]) -> Any:
    order = world.walk(world.create(), State.HANDLING)
    body = {
        "result": "已整改",
        "attachments": [
            {"name": name, "content_base64": base64.b64encode(content).decode()}
            for name, content in files
        ],
    }
    return order, Api(world.handler_a).post(f"/orders/{order.number}/request_close", body)


def test_api_attachments_are_sealed_into_their_event(world: World) -> None:
    order, response = _request_close(world, ("现场照片.png", PNG), ("整改报告.pdf", PDF))
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    event = order.events.get(seq=order.version)
    sealed = event.data["attachments"]
    assert [(a["name"], a["content_type"], a["size"]) for a in sealed] == [
        ("现场照片.png", "image/png", len(PNG)),
        ("整改报告.pdf", "application/pdf", len(PDF)),
    ]
    stored = {a.name: a.sha256 for a in order.attachments.all()}
    assert stored == {a["name"]: a["sha256"] for a in sealed}
    result = events_verify()
    assert result.ok, result.broken
    assert result.sealed["attachments"] == 2


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ([("a.png", None)], "attachments[0].content_base64", "not valid base64"),
        ([("a.png", b"MZ not an image")], "attachments", "not a PNG, JPEG or PDF"),
        ([("a.pdf", PNG)], "attachments", "image/png named"),
        ([("a.png", PNG)] * 6, "attachments", "at most 5"),
    ],
)
def test_bad_api_attachments_name_the_field_and_change_nothing(
    world: World, files: list[tuple[str, bytes | None]], field: str, message: str
) -> None:
    order = world.walk(world.create(), State.HANDLING)
    body = {
        "result": "已整改",
        "attachments": [
            {
                "name": name,
                "content_base64": "%%%" if content is None else base64.b64encode(content).decode(),
            }
            for name, content in files
        ],
    }
    response = Api(world.handler_a).post(f"/orders/{order.number}/request_close", body)
    assert response.status_code == 422, response.content
    assert field in response.content.decode() and message in response.content.decode()
    after = WorkOrder.objects.get(pk=order.pk)
    assert (after.version, after.state) == (order.version, State.HANDLING)
    assert not after.attachments.exists()


def test_a_file_changed_on_disk_is_reported_by_verify(world: World) -> None:
    order, _ = _request_close(world, ("现场照片.png", PNG))
    attachment = order.attachments.get()
    Path(attachment.file.path).write_bytes(PNG + b"edited")
    broken = events_verify().broken
    assert broken is not None and (broken.stream, broken.number) == ("order", order.number)
    assert "changed on disk" in broken.reason


def test_a_file_removed_from_disk_is_reported_by_verify(world: World) -> None:
    order, _ = _request_close(world, ("现场照片.png", PNG))
    Path(order.attachments.get().file.path).unlink()
    broken = events_verify().broken
    assert broken is not None and "missing on disk" in broken.reason


@pytest.mark.usefixtures("_restore_event_guard")
def test_an_attachment_row_removed_from_the_database_is_reported(world: World) -> None:
    order, _ = _request_close(world, ("现场照片.png", PNG), ("整改报告.pdf", PDF))
    remove_event_guard(connection)
    order.attachments.filter(name="整改报告.pdf").delete()
    install_event_guard(connection)
    broken = events_verify().broken
    assert broken is not None and broken.number == order.number
    assert "sealed 2 attachment(s) but 1 are stored" in broken.reason


def test_attachment_rows_are_append_only(world: World) -> None:
    order, _ = _request_close(world, ("现场照片.png", PNG))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        order.attachments.update(name="other.png")


def _case(world: World) -> SupervisionCase:
    order = world.walk(world.create(), State.HANDLING)
    finding = {"order": order.number, "detector": "bounce", "evidence": [2]}
    case = cases.case_open(actor=world.supervisor, title="推诿扯皮", findings=[finding])
    cases.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    return SupervisionCase.objects.get(pk=case.pk)


def test_case_events_are_hash_chained_and_verified(world: World) -> None:
    case = _case(world)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [e.action for e in events] == ["open", "attach_order", "verify"]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert (case.version, case.last_hash) == (3, events[-1].hash)
    result = events_verify()
    assert result.ok, result.broken
    assert (result.counts["case"].heads, result.counts["case"].events) == (1, 3)


@pytest.mark.usefixtures("_restore_event_guard")
def test_a_changed_case_event_is_reported_by_verify(world: World) -> None:
    case = _case(world)
    remove_event_guard(connection)
    CaseEvent.objects.filter(case=case, seq=3).update(data={"confirmed": False, "note": "不实"})
    install_event_guard(connection)
    broken = events_verify().broken
    assert broken is not None
    assert (broken.stream, broken.number, broken.seq) == ("case", case.number, 3)
    assert "changed" in broken.reason


def test_case_numbers_come_from_a_counter(world: World) -> None:
    first, second = _case(world), _case(world)
    assert first.number[:10] == second.number[:10]
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
