"""Export → import → export round trips; bad lines are reported and nothing is imported; the
hash chain catches a changed byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from hotline.domain.lifecycle import UNIT_REVIEW_STATES, Action, State
from hotline.eventstore.guard import remove_event_guard
from hotline.workorders.interchange import events_export, events_import, events_verify
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from tests.common.world import World, perform

pytestmark = pytest.mark.django_db


def _populate(world: World) -> None:
    # The unit-review walks switch unit a's review on: they come last, and it goes off again.
    for state in sorted(State, key=lambda state: state in UNIT_REVIEW_STATES):
        world.walk(world.create(), state)
    world.review_on(required=False)
    order = world.walk(world.create(), State.HANDLING)
    perform(world, Action.REQUEST_RETURN, order, world.handler_a)
    perform(world, Action.REJECT_RETURN, order, world.dispatcher)
    perform(world, Action.URGE, order, world.supervisor)


def _wipe() -> None:
    from hotline.notify.models import OutboxMessage

    remove_event_guard(connection)
    OutboxMessage.objects.all().delete()
    WorkOrderEvent.objects.all().delete()
    from hotline.workorders.models import IdempotencyKey, PersonalDataAccess

    IdempotencyKey.objects.all().delete()
    PersonalDataAccess.objects.all().delete()
    WorkOrder.objects.all().delete()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_export_import_export_is_identical(world: World, tmp_path: Path, suffix: str) -> None:
    _populate(world)
    first = tmp_path / f"first{suffix}"
    count = events_export(first)
    rows_before = {o.number: o.to_snapshot() for o in WorkOrder.objects.all()}
    hashes_before = set(WorkOrderEvent.objects.values_list("hash", flat=True))
    _wipe()
    result = events_import(first)
    assert result.ok, result.errors
    assert result.events == count
    second = tmp_path / f"second{suffix}"
    events_export(second)
    assert first.read_bytes() == second.read_bytes()
    assert {o.number: o.to_snapshot() for o in WorkOrder.objects.all()} == rows_before
    assert set(WorkOrderEvent.objects.values_list("hash", flat=True)) == hashes_before
    assert events_verify().ok


def _line(**fields: object) -> str:
    base: dict[str, object] = {
        "order": "X1",
        "seq": 1,
        "at": "2025-03-03T09:00:00+08:00",
        "action": "create",
        "actor": "",
        "unit": "other-platform",
        "to_unit": "",
        "data": {"channel": "web", "kind": "help", "category": "noise", "text": "求助"},
    }
    base.update(fields)
    return json.dumps(base, ensure_ascii=False)


def test_bad_lines_are_reported_by_number_and_nothing_is_imported(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                _line(),
                _line(seq=2, action="dispatch", to_unit="zhujian", at="2025-03-03T10:00:00+08:00"),
                "{not json",
                _line(order="X2", action="fly"),
                _line(order="X3", at="yesterday"),
                _line(order="X4", data=[1]),
                _line(order="X5", action="accept"),
                _line(order="X6", extra=1),
            ]
        ),
        encoding="utf-8",
    )
    result = events_import(path)
    assert [e.line for e in result.errors] == [3, 4, 5, 6, 7, 8]
    messages = " | ".join(str(e) for e in result.errors)
    assert "action 'fly'" in messages and "ISO 8601" in messages and "extra" in messages
    assert "not allowed in state None" in messages or "accept" in messages
    assert WorkOrder.objects.count() == 0 and WorkOrderEvent.objects.count() == 0


def test_missing_seq_is_assigned_in_time_order_ties_keep_file_order(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "noseq.jsonl"
    path.write_text(
        "\n".join(
            [
                _line(seq=None, action="urge", at="2025-03-03T10:00:00+08:00", data={"note": "b"}),
                _line(seq=None, at="2025-03-03T09:00:00+08:00"),
                _line(seq=None, action="urge", at="2025-03-03T10:00:00+08:00", data={"note": "c"}),
            ]
        ),
        encoding="utf-8",
    )
    assert events_import(path).ok
    notes = [e.data.get("note") for e in WorkOrderEvent.objects.order_by("seq")]
    assert notes == [None, "b", "c"]


def test_import_appends_to_an_existing_order(world: World, tmp_path: Path) -> None:
    order = world.create()
    path = tmp_path / "more.jsonl"
    path.write_text(
        _line(
            order=order.number,
            seq=None,
            action="urge",
            at="2030-01-01T00:00:00+08:00",
            data={"note": "外部平台督办"},
        ),
        encoding="utf-8",
    )
    assert events_import(path).ok
    order.refresh_from_db()
    assert (order.version, order.urge_count) == (2, 1)
    assert events_verify().ok


def test_changing_one_byte_of_one_event_is_caught(world: World) -> None:
    _populate(world)
    assert events_verify().ok
    victim = WorkOrderEvent.objects.filter(action="request_return").first()
    assert victim is not None and victim.data["suggested_unit"] == "chengguan"
    remove_event_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workorders_workorderevent"
            " SET data = REPLACE(CAST(data AS TEXT), 'chengguan', 'chengguax')"
            + ("::jsonb" if connection.vendor == "postgresql" else "")
            + " WHERE id = %s",
            [victim.pk],
        )
    result = events_verify()
    assert not result.ok and result.broken is not None
    assert (result.broken.number, result.broken.seq) == (victim.order.number, victim.seq)
    assert "changed" in result.broken.reason


def test_deleting_the_last_event_is_caught(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    remove_event_guard(connection)
    WorkOrderEvent.objects.filter(order=order, seq=order.version).delete()
    result = events_verify()
    assert result.broken is not None and result.broken.number == order.number


def test_swapping_two_events_is_caught(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    remove_event_guard(connection)
    with connection.cursor() as cursor:
        table = "workorders_workorderevent"
        cursor.execute(f"UPDATE {table} SET seq = 100 WHERE order_id = %s AND seq = 2", [order.pk])
        cursor.execute(f"UPDATE {table} SET seq = 2 WHERE order_id = %s AND seq = 3", [order.pk])
        cursor.execute(f"UPDATE {table} SET seq = 3 WHERE order_id = %s AND seq = 100", [order.pk])
    broken = events_verify().broken
    assert broken is not None and (broken.number, broken.seq) == (order.number, 2)
