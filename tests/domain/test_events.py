"""Hash chain and projection, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain.events import (
    GENESIS_HASH,
    EventRecord,
    apply_event,
    canonical_time,
    event_hash,
    replay,
)
from hotline.domain.lifecycle import Action, IllegalTransition, State
from hotline.domain.masking import mask_address, mask_name, mask_phone

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def _create(order: str = "N1") -> EventRecord:
    data = {
        "channel": "web",
        "kind": "help",
        "category": "c",
        "text": "求助",
        "caller": {"name": "张三", "phone": "13800000000"},
    }
    return EventRecord(order, 1, T0, Action.CREATE, "agent", "center", "", data)


def test_hash_is_stable_across_time_zones_and_key_order() -> None:
    a = _create()
    b = EventRecord(
        "N1",
        1,
        T0.astimezone(UTC),
        Action.CREATE,
        "agent",
        "center",
        "",
        dict(reversed(list(a.data.items()))),
    )
    assert event_hash(a, GENESIS_HASH) == event_hash(b, GENESIS_HASH)
    assert canonical_time(T0) == "2025-03-03T01:00:00.000000+00:00"


@given(st.text(min_size=1, max_size=5))
def test_any_change_changes_the_hash(text: str) -> None:
    a = _create()
    b = EventRecord("N1", 1, T0, Action.CREATE, "agent", "center", "", {**a.data, "x": text})
    assert event_hash(a, GENESIS_HASH) != event_hash(b, GENESIS_HASH)
    assert event_hash(a, GENESIS_HASH) != event_hash(a, "f" * 64)


def test_projection_follows_the_events() -> None:
    deadline = (T0 + timedelta(days=7)).isoformat()
    events = [
        _create(),
        EventRecord(
            "N1",
            2,
            T0 + timedelta(hours=1),
            Action.DISPATCH,
            "d",
            "center",
            "a",
            {"assist": ["b"], "deadline": deadline},
        ),
        EventRecord(
            "N1",
            3,
            T0 + timedelta(hours=2),
            Action.REQUEST_RETURN,
            "h",
            "a",
            "",
            {"reason": "r", "basis": "b", "suggested_unit": "c"},
        ),
        EventRecord("N1", 4, T0 + timedelta(hours=3), Action.APPROVE_RETURN, "d", "center"),
        EventRecord("N1", 5, T0 + timedelta(hours=4), Action.DISPATCH, "d", "center", "c"),
    ]
    snap = replay(events)
    assert snap is not None
    assert (snap.state, snap.current_unit, snap.first_unit) == (State.DISPATCHED, "c", "a")
    assert (snap.return_count, snap.dispatch_count, snap.version) == (1, 2, 5)
    assert snap.caller_phone == "13800000000"


def test_out_of_order_or_illegal_events_are_refused() -> None:
    snap = apply_event(None, _create())
    with pytest.raises(IllegalTransition, match="seq"):
        apply_event(snap, EventRecord("N1", 3, T0, Action.URGE, data={"note": "x"}))
    with pytest.raises(IllegalTransition):
        apply_event(snap, EventRecord("N1", 2, T0, Action.ACCEPT))


@pytest.mark.parametrize(
    ("fn", "raw", "masked"),
    [
        (mask_phone, "13812341234", "138****1234"),
        (mask_phone, "", ""),
        (mask_phone, "12345", "***45"),
        (mask_name, "张三丰", "张**"),
        (mask_address, "A市和平里小区3号楼", "A市和平里****"),
    ],
)
def test_masking(fn: object, raw: str, masked: str) -> None:
    assert fn(raw) == masked  # type: ignore[operator]
