"""The work-order stream as the event store sees it: rows, hashes and what its events seal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hotline.domain.chain import sealed_digest
from hotline.domain.events import EventRecord, OrderSnapshot, event_hash, sealed_fields
from hotline.domain.lifecycle import Action
from hotline.eventstore.streams import SealCheck, Stream, stored_json, stored_time
from hotline.workorders.attachments import attachments_verify
from hotline.workorders.models import Attachment, WorkOrder, WorkOrderEvent

_ACTIONS = frozenset(a.value for a in Action)

# The order row's columns that the projection writes (besides version and last_hash).
ROW_FIELDS = tuple(f for f in OrderSnapshot.__dataclass_fields__ if f != "number")


def _event_row(record: EventRecord, order_id: int, prev: str, digest: str) -> WorkOrderEvent:
    return WorkOrderEvent.from_record(record, order_id=order_id, prev_hash=prev, hash=digest)


def _row_hash(row: Sequence[Any], prev: str) -> str:
    """The hash of a stored event from its raw row, without building a record: ``events
    verify`` calls this a million times per million events."""
    number, _, _, seq, at, action, actor, unit, to_unit, data, _, _ = row
    if action not in _ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    sealed = sealed_fields(
        order=number,
        seq=seq,
        at=stored_time(at),
        action=action,
        actor=actor,
        unit=unit,
        to_unit=to_unit,
        data=stored_json(data),
        prev_hash=prev,
    )
    return sealed_digest(sealed)


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
