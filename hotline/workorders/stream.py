"""The work-order stream as the event store sees it: rows, hashes and what its events seal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hotline.domain.events import EventRecord, OrderSnapshot, event_hash
from hotline.domain.lifecycle import Action
from hotline.eventstore.streams import SealCheck, Stream, stored_json, stored_time
from hotline.workorders.attachments import attachments_verify
from hotline.workorders.models import Attachment, WorkOrder, WorkOrderEvent

_ACTIONS = frozenset(a.value for a in Action)

# The order row's columns that the projection writes (besides version and last_hash).
ROW_FIELDS = tuple(f for f in OrderSnapshot.__dataclass_fields__ if f != "number")


def _event_row(record: EventRecord, order_id: int, prev: str, digest: str) -> WorkOrderEvent:
    return WorkOrderEvent.from_record(record, order_id=order_id, prev_hash=prev, hash=digest)


def _row_hash(number: str, seq: int, values: Sequence[Any], prev: str) -> str:
    at, action, actor, unit, to_unit, data = values
    if action not in _ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    record = EventRecord(
        number, seq, stored_time(at), Action(action), actor, unit, to_unit, stored_json(data)
    )
    return event_hash(record, prev)


ORDER_STREAM = Stream(
    name="order",
    head_model=WorkOrder,
    event_model=WorkOrderEvent,
    head_key="order",
    event_row=_event_row,
    record_hash=event_hash,
    hashed_columns=("at", "action", "actor", "unit", "to_unit", "data"),
    row_hash=_row_hash,
    seals=(SealCheck("attachments", attachments_verify),),
    append_only=(Attachment._meta.db_table,),
)
