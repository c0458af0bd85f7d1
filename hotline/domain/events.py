"""Work-order events (工单事件): the record, its hash chain, and the projection onto an order.

The order row is a projection of its events: :func:`apply_event` folds one event onto a snapshot,
and services use the very same function, so replaying a log reproduces the row exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from hotline.domain.chain import GENESIS_HASH, canonical_json, canonical_time, sealed_digest
from hotline.domain.lifecycle import Action, IllegalTransition, State, check_transition

__all__ = [
    "GENESIS_HASH",
    "EventRecord",
    "OrderSnapshot",
    "apply_event",
    "canonical_json",
    "canonical_time",
    "event_hash",
    "hashed_bytes",
    "replay",
    "sealed_fields",
]


@dataclass(frozen=True)
class EventRecord:
    """One line of the interchange format (docs/design.md), the unit of the append-only log."""

    order: str
    seq: int
    at: datetime
    action: Action
    actor: str = ""
    unit: str = ""
    to_unit: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


def sealed_fields(
    *,
    order: str,
    seq: int,
    at: datetime,
    action: str,
    actor: str,
    unit: str,
    to_unit: str,
    data: Any,
    prev_hash: str,
) -> dict[str, Any]:
    """What an order event's hash seals: the interchange columns and the previous hash."""
    return {
        "order": order,
        "seq": seq,
        "at": canonical_time(at),
        "action": action,
        "actor": actor,
        "unit": unit,
        "to_unit": to_unit,
        "data": data,
        "prev_hash": prev_hash,
    }


def _sealed(record: EventRecord, prev_hash: str) -> dict[str, Any]:
    return sealed_fields(
        order=record.order,
        seq=record.seq,
        at=record.at,
        action=str(record.action),
        actor=record.actor,
        unit=record.unit,
        to_unit=record.to_unit,
        data=record.data,
        prev_hash=prev_hash,
    )


def hashed_bytes(record: EventRecord, prev_hash: str) -> bytes:
    """What :func:`event_hash` hashes: canonical JSON of the fields and the previous hash."""
    return canonical_json(_sealed(record, prev_hash))


def event_hash(record: EventRecord, prev_hash: str) -> str:
    """SHA-256 over :func:`hashed_bytes`: each event seals its own fields and its predecessor."""
    return sealed_digest(_sealed(record, prev_hash))


@dataclass(frozen=True)
class OrderSnapshot:
    """Everything the work-order row holds, derived from events alone."""

    number: str
    state: State
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str = ""
    channel: str = ""
    kind: str = ""
    category: str = ""
    text: str = ""
    location: str = ""
    area: str = ""  # 行政区划 code (street or district) for the dispatch catalogue
    urgency: str = "normal"
    caller_name: str = ""
    caller_phone: str = ""
    caller_address: str = ""
    caller_email: str = ""
    latitude: float | None = None
    longitude: float | None = None
    call_id: str = ""  # the call (来电) this order was taken from, for 受理率
    current_unit: str = ""
    first_unit: str = ""  # 首接单位: the first unit an order was dispatched to
    assist_units: tuple[str, ...] = ()
    accept_deadline: datetime | None = None
    handle_deadline: datetime | None = None
    paused_at: datetime | None = None  # SLA clock stopped while the center reviews
    extension_pending: bool = False
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    dispatch_count: int = 0
    return_count: int = 0  # approved returns
    urge_count: int = 0
    reached: bool | None = None
    resolved: bool | None = None
    satisfied: bool | None = None
    rating: int | None = None
    merged_into: str = ""


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _create(record: EventRecord) -> OrderSnapshot:
    data = record.data
    caller = data.get("caller") or {}
    return OrderSnapshot(
        number=record.order,
        state=State.RECEIVED,
        version=record.seq,
        created_at=record.at,
        updated_at=record.at,
        created_by=record.actor,
        channel=str(data.get("channel", "")),
        kind=str(data.get("kind", "")),
        category=str(data.get("category", "")),
        text=str(data.get("text", "")),
        location=str(data.get("location", "") or ""),
        area=str(data.get("area", "") or ""),
        urgency=str(data.get("urgency") or "normal"),
        caller_name=str(caller.get("name", "") or ""),
        caller_phone=str(caller.get("phone", "") or ""),
        caller_address=str(caller.get("address", "") or ""),
        caller_email=str(caller.get("email", "") or ""),
        latitude=_float(data.get("lat")),
        longitude=_float(data.get("long")),
        call_id=str(data.get("call_id", "") or ""),
    )


def _changes(snap: OrderSnapshot, record: EventRecord, target: State) -> dict[str, Any]:
    """Field changes beyond state/version that ``record`` makes to ``snap``."""
    data, at, action = record.data, record.at, record.action
    deadline = _time(data.get("deadline"))
    match action:
        case Action.DISPATCH:
            return {
                "current_unit": record.to_unit,
                # A dispatcher may correct the category as they dispatch (改类).
                "category": str(data.get("category") or snap.category),
                "first_unit": snap.first_unit or record.to_unit,
                "assist_units": tuple(data.get("assist") or ()),
                "accept_deadline": _time(data.get("accept_deadline")),
                "handle_deadline": deadline,
                "dispatch_count": snap.dispatch_count + 1,
                "accepted_at": None,
            }
        case Action.REASSIGN:
            # 改派 before anyone signed for it: the new unit becomes 首接 if the old one was.
            first = snap.first_unit
            if first == snap.current_unit and snap.return_count == 0:
                first = record.to_unit
            return {
                "current_unit": record.to_unit,
                "first_unit": first,
                "assist_units": tuple(data.get("assist") or ()),
                "accept_deadline": _time(data.get("accept_deadline")) or snap.accept_deadline,
                "handle_deadline": deadline or snap.handle_deadline,
                "dispatch_count": snap.dispatch_count + 1,
            }
        case Action.ACCEPT:
            return {"accepted_at": at}
        case Action.REQUEST_EXTENSION:
            return {"extension_pending": True}
        case Action.APPROVE_EXTENSION:
            return {"extension_pending": False, "handle_deadline": deadline or snap.handle_deadline}
        case Action.REJECT_EXTENSION:
            return {"extension_pending": False}
        case Action.SUBMIT_RETURN | Action.SUBMIT_CLOSE:
            # Waiting for one's own lead is the unit's time: the SLA clock runs on.
            return {"extension_pending": False}
        case Action.SEND_BACK:
            return {"accepted_at": snap.accepted_at or at}
        case Action.REQUEST_RETURN | Action.REQUEST_CLOSE:
            return {"paused_at": at, "extension_pending": False}
        case Action.APPROVE_RETURN:
            return {
                "current_unit": "",
                "assist_units": (),
                "accept_deadline": None,
                "handle_deadline": None,
                "paused_at": None,
                "accepted_at": None,
                "return_count": snap.return_count + 1,
            }
        case Action.REJECT_RETURN | Action.REJECT_CLOSE:
            return {
                "paused_at": None,
                "handle_deadline": deadline or snap.handle_deadline,
                "accepted_at": snap.accepted_at or at,
            }
        case Action.APPROVE_CLOSE | Action.ANSWER_DIRECTLY:
            return {"closed_at": at, "paused_at": None}
        case Action.URGE:
            return {"urge_count": snap.urge_count + 1}
        case Action.FOLLOW_UP:
            return {
                "reached": data.get("reached"),
                "resolved": data.get("resolved"),
                "satisfied": data.get("satisfied"),
            }
        case Action.RATE:
            return {"rating": data.get("score")}
        case Action.REOPEN:
            return {
                "closed_at": None,
                "reached": None,
                "resolved": None,
                "satisfied": None,
                "rating": None,
                "handle_deadline": deadline,
            }
        case Action.MERGE:
            return {"merged_into": str(data.get("into", ""))}
    return {}


def apply_event(snap: OrderSnapshot | None, record: EventRecord) -> OrderSnapshot:
    """Fold one event onto an order; raise IllegalTransition for an impossible sequence."""
    expected_seq = 1 if snap is None else snap.version + 1
    if record.seq != expected_seq:
        raise IllegalTransition(f"seq {record.seq} out of order (expected {expected_seq})")
    target = check_transition(None if snap is None else snap.state, record.action)
    if snap is None:
        return _create(record)
    assert target is not None
    return replace(
        snap,
        state=target,
        version=record.seq,
        updated_at=record.at,
        **_changes(snap, record, target),
    )


def replay(records: Iterable[EventRecord]) -> OrderSnapshot | None:
    snap: OrderSnapshot | None = None
    for record in records:
        snap = apply_event(snap, record)
    return snap
