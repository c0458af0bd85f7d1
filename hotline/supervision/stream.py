"""The supervision-case stream (线索) as the event store sees it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hotline.domain.supervision.cases import CaseAction, CaseRecord, case_event_hash
from hotline.eventstore.streams import SealCheck, Stream, stored_json, stored_time
from hotline.supervision.case_files import case_files_verify
from hotline.supervision.models import CaseAttachment, CaseEvent, SupervisionCase


def _event_row(record: CaseRecord, case_id: int, prev: str, digest: str) -> CaseEvent:
    return CaseEvent.from_record(record, case_id=case_id, prev_hash=prev, hash=digest)


def _row_hash(row: Sequence[Any], prev: str) -> str:
    number, _, _, seq, at, action, actor, data, _, _ = row
    record = CaseRecord(number, seq, stored_time(at), CaseAction(action), actor, stored_json(data))
    return case_event_hash(record, prev)


CASE_STREAM = Stream(
    name="case",
    head_model=SupervisionCase,
    event_model=CaseEvent,
    head_key="case",
    event_row=_event_row,
    record_hash=case_event_hash,
    hashed_columns=("at", "action", "actor", "data"),
    row_hash=_row_hash,
    seals=(SealCheck("case files", case_files_verify),),
    append_only=(CaseAttachment._meta.db_table,),
)
