"""Supervision cases (线索) and their workflow: open → 核实 → 整改 → 问责 → closed.

A case found unfounded at 核实 closes at once; one found true goes to 整改, and to 问责 when
people are to be held accountable. Orders (with the finding that pointed at them) may be
attached while the case is still being worked. Pure: the Django services follow this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hotline.domain.chain import canonical_time, chain_hash


class CaseState(StrEnum):
    OPEN = "open"  # 已立线索
    VERIFYING = "verifying"  # 核实中
    RECTIFYING = "rectifying"  # 整改中
    ACCOUNTABILITY = "accountability"  # 问责
    CLOSED = "closed"  # 办结


class CaseAction(StrEnum):
    OPEN = "open"
    ATTACH_ORDER = "attach_order"
    VERIFY = "verify"  # 核实: confirmed or not
    RECTIFY = "rectify"  # 整改 done / ordered
    HOLD_ACCOUNTABLE = "hold_accountable"  # 问责: people and sanctions
    CLOSE = "close"


S = CaseState
TRANSITIONS: dict[CaseAction, tuple[frozenset[CaseState], CaseState | None]] = {
    CaseAction.ATTACH_ORDER: (frozenset({S.OPEN, S.VERIFYING, S.RECTIFYING}), None),
    CaseAction.VERIFY: (frozenset({S.OPEN}), S.VERIFYING),
    CaseAction.RECTIFY: (frozenset({S.VERIFYING}), S.RECTIFYING),
    CaseAction.HOLD_ACCOUNTABLE: (frozenset({S.RECTIFYING}), S.ACCOUNTABILITY),
    CaseAction.CLOSE: (frozenset({S.VERIFYING, S.RECTIFYING, S.ACCOUNTABILITY}), S.CLOSED),
}
del S

# 问责方式 (accountability measures), in rising order of weight.
SANCTIONS = (
    "批评教育",
    "责令检查",
    "诫勉谈话",
    "通报批评",
    "组织处理",
    "党纪处分",
    "政务处分",
)


@dataclass(frozen=True)
class CaseRecord:
    """One step of a case, hash-chained like a work order's events."""

    case: str
    seq: int
    at: datetime
    action: CaseAction
    actor: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


def case_event_hash(record: CaseRecord, prev_hash: str) -> str:
    body = {
        "case": record.case,
        "seq": record.seq,
        "at": canonical_time(record.at),
        "action": str(CaseAction(record.action)),
        "actor": record.actor,
        "data": record.data,
    }
    return chain_hash(body, prev_hash)


@dataclass(frozen=True)
class CaseSnapshot:
    """What the case row holds of its workflow, derived from its events alone."""

    number: str
    state: CaseState
    version: int
    confirmed: bool | None = None
    closed_at: datetime | None = None
    conclusion: str = ""


def apply_case_event(snap: CaseSnapshot | None, record: CaseRecord) -> CaseSnapshot:
    """Fold one step onto a case; raises CaseError for a step the workflow refuses."""
    expected = 1 if snap is None else snap.version + 1
    if record.seq != expected:
        raise CaseError("seq", f"{record.seq} out of order (expected {expected})")
    action = CaseAction(record.action)
    if snap is None:
        if action is not CaseAction.OPEN:
            raise CaseError("action", "a case starts with open")
        return CaseSnapshot(number=record.case, state=CaseState.OPEN, version=record.seq)
    data = dict(record.data)
    target = next_state(snap.state, action, {"confirmed": snap.confirmed, **data})
    return CaseSnapshot(
        number=snap.number,
        state=target,
        version=record.seq,
        confirmed=bool(data["confirmed"]) if action is CaseAction.VERIFY else snap.confirmed,
        closed_at=record.at if action is CaseAction.CLOSE else snap.closed_at,
        conclusion=str(data["conclusion"]) if action is CaseAction.CLOSE else snap.conclusion,
    )


def replay_case(records: list[CaseRecord]) -> CaseSnapshot | None:
    snap: CaseSnapshot | None = None
    for record in records:
        snap = apply_case_event(snap, record)
    return snap


class CaseError(ValueError):
    """A case action refused; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Sanction:
    person: str
    unit: str
    position: str
    measure: str

    def as_dict(self) -> dict[str, str]:
        return {
            "person": self.person,
            "unit": self.unit,
            "position": self.position,
            "measure": self.measure,
        }


def next_state(state: CaseState, action: CaseAction, data: Mapping[str, Any]) -> CaseState:
    """The state after ``action``; raises CaseError when it is not allowed or data is wrong."""
    sources, target = TRANSITIONS[action]
    if state not in sources:
        allowed = ", ".join(sorted(sources))
        raise CaseError("action", f"{action} is not allowed in state {state} (only: {allowed})")
    if action is CaseAction.VERIFY:
        if not isinstance(data.get("confirmed"), bool):
            raise CaseError("confirmed", "say whether the problem was confirmed (true/false)")
        _text(data, "note")
    if action is CaseAction.RECTIFY:
        if state is CaseState.VERIFYING and data.get("confirmed") is False:
            raise CaseError("action", "an unfounded case is closed, not rectified")
        _text(data, "note")
    if action is CaseAction.HOLD_ACCOUNTABLE:
        sanctions(data.get("sanctions"))
    if action is CaseAction.CLOSE:
        _text(data, "conclusion")
    return target or state


def sanctions(value: Any) -> list[Sanction]:
    """Checked sanctions: a non-empty list of {person, unit, position, measure}."""
    if not isinstance(value, list) or not value:
        raise CaseError("sanctions", "list at least one person and the measure taken")
    checked = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise CaseError(f"sanctions[{index}]", "must be an object")
        person = str(item.get("person", "")).strip()
        measure = str(item.get("measure", "")).strip()
        if not person:
            raise CaseError(f"sanctions[{index}].person", "is required")
        if measure not in SANCTIONS:
            raise CaseError(f"sanctions[{index}].measure", f"must be one of {'、'.join(SANCTIONS)}")
        checked.append(
            Sanction(
                person=person,
                unit=str(item.get("unit", "")).strip(),
                position=str(item.get("position", "")).strip(),
                measure=measure,
            )
        )
    return checked


def _text(data: Mapping[str, Any], field: str) -> None:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CaseError(field, "is required")
