"""Supervision cases (线索) and their workflow: open → 核实 → 整改 → 问责 → closed.

A case found unfounded at 核实 closes at once; one found true goes to 整改, and to 问责 when
people are to be held accountable. Orders (with the finding that pointed at them) may be
attached while the case is still being worked. Pure: the Django services follow this table.

The steps:

- ``assign`` (分派承办): the case goes to a named supervisor; in every state but closed.
- ``verify`` (核实): ``confirmed`` yes/no, a ``note``, and optionally the sealed ``attachments``
  (name, type, size, SHA-256 of each file, as work-order events seal theirs).
- ``notify_rectification`` (整改通知): from a confirmed case; ``unit`` (one of the case's units,
  without a notice still open), ``deadline`` (a date, ``YYYY-MM-DD``) and ``requirements``.
  The case is then 整改中.
- ``report_rectification`` (整改报告): by the unit lead of the notified unit, while the notice is
  open (整改中, or 问责 when the inspectors have gone on before the report came); ``report`` text,
  attachments, and ``late`` — a report after the deadline is accepted and marked late.
- ``rectify`` (整改, one step): the older form, kept for stored events and API callers.
- ``hold_accountable`` (问责): one or more sanctions {person, unit, position, form, severity}.
- ``close`` (办结): a ``conclusion``.

问责方式 and 监督执纪"四种形态":

=================================================  ==========
谈话提醒、批评教育、责令检查、通报批评、诫勉         第一种形态
组织处理；党纪政务处分（轻处分）                     第二种形态
党纪政务处分（重处分）                               第三种形态
立案审查（严重违纪涉嫌违法、移送司法）               第四种形态
=================================================  ==========

Stored events may name the measures of before: 诫勉谈话 (now 诫勉), 党纪处分 and 政务处分 (now
党纪政务处分; without a severity they count as 轻处分, the second form). They replay and count.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hotline.domain.chain import canonical_time, chain_hash
from hotline.domain.lifecycle import Role
from hotline.domain.policy import Area, may_enter


class CaseState(StrEnum):
    OPEN = "open"  # 已立线索
    VERIFYING = "verifying"  # 核实中
    RECTIFYING = "rectifying"  # 整改中
    ACCOUNTABILITY = "accountability"  # 问责
    CLOSED = "closed"  # 办结


class CaseAction(StrEnum):
    OPEN = "open"
    ATTACH_ORDER = "attach_order"
    ASSIGN = "assign"  # 分派承办
    VERIFY = "verify"  # 核实: confirmed or not
    RECTIFY = "rectify"  # 整改 done / ordered (one step, the older form)
    NOTIFY_RECTIFICATION = "notify_rectification"  # 整改通知 to a unit
    REPORT_RECTIFICATION = "report_rectification"  # 整改报告 by the unit's lead
    HOLD_ACCOUNTABLE = "hold_accountable"  # 问责: people and sanctions
    CLOSE = "close"


S = CaseState
_WORKING = frozenset({S.OPEN, S.VERIFYING, S.RECTIFYING, S.ACCOUNTABILITY})
TRANSITIONS: dict[CaseAction, tuple[frozenset[CaseState], CaseState | None]] = {
    CaseAction.ATTACH_ORDER: (frozenset({S.OPEN, S.VERIFYING, S.RECTIFYING}), None),
    CaseAction.ASSIGN: (_WORKING, None),
    CaseAction.VERIFY: (frozenset({S.OPEN}), S.VERIFYING),
    CaseAction.RECTIFY: (frozenset({S.VERIFYING}), S.RECTIFYING),
    CaseAction.NOTIFY_RECTIFICATION: (frozenset({S.VERIFYING, S.RECTIFYING}), S.RECTIFYING),
    CaseAction.REPORT_RECTIFICATION: (frozenset({S.RECTIFYING, S.ACCOUNTABILITY}), None),
    CaseAction.HOLD_ACCOUNTABLE: (frozenset({S.RECTIFYING, S.ACCOUNTABILITY}), S.ACCOUNTABILITY),
    CaseAction.CLOSE: (frozenset({S.VERIFYING, S.RECTIFYING, S.ACCOUNTABILITY}), S.CLOSED),
}
del S

# Who takes a case's steps: the inspectors (whoever may enter 天眼: supervisors, administrators)
# every step but the unit's own 整改报告 (its lead's, checked by the service); a 联络员 only
# hands an order of their scope to a case still being worked (attach_order) and reads nothing
# else of the case but its number and title.
LIAISON_STEPS = frozenset({CaseAction.ATTACH_ORDER})


def may_take_step(*, role: Role | None, action: CaseAction) -> bool:
    """Whether ``role`` may take ``action`` on a case (the case's state decides the rest)."""
    if action is CaseAction.REPORT_RECTIFICATION:
        return role is Role.UNIT_LEAD
    if role is Role.LIAISON:
        return action in LIAISON_STEPS
    return may_enter(role=role, area=Area.SUPERVISION)


# 问责方式 (forms of accountability), in rising order of weight, each with its 形态 (1-4).
FORMS = (
    "谈话提醒",
    "批评教育",
    "责令检查",
    "通报批评",
    "诫勉",
    "组织处理",
    "党纪政务处分",
    "立案审查",
)
DISCIPLINE = "党纪政务处分"
SEVERITIES = ("轻处分", "重处分")
# Measures stored events may name, and the form each is now.
LEGACY_FORMS = {"诫勉谈话": "诫勉", "党纪处分": DISCIPLINE, "政务处分": DISCIPLINE}
STAGE_NAMES = {1: "第一种形态", 2: "第二种形态", 3: "第三种形态", 4: "第四种形态"}
# Kept for callers of before: the measures a sanction may name.
SANCTIONS = FORMS


def form_of(measure: str) -> str:
    """The form a stored measure counts as (诫勉谈话 → 诫勉, 党纪处分 → 党纪政务处分)."""
    return LEGACY_FORMS.get(measure, measure)


def stage_of(measure: str, severity: str = "") -> int:
    """The 形态 (1-4) of a form of accountability; an unknown one raises ValueError."""
    form = form_of(measure)
    if form not in FORMS:
        raise ValueError(f"unknown form of accountability {measure!r}")
    if form == "立案审查":
        return 4
    if form == DISCIPLINE:
        return 3 if severity == "重处分" else 2
    if form == "组织处理":
        return 2
    return 1


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
    assignee: str = ""
    units: tuple[str, ...] | None = None  # None: not known (a row of before), any unit goes
    open_notices: frozenset[str] = frozenset()  # units with a 整改通知 not yet answered


def apply_case_event(snap: CaseSnapshot | None, record: CaseRecord) -> CaseSnapshot:
    """Fold one step onto a case; raises CaseError for a step the workflow refuses."""
    expected = 1 if snap is None else snap.version + 1
    if record.seq != expected:
        raise CaseError("seq", f"{record.seq} out of order (expected {expected})")
    action = CaseAction(record.action)
    data = dict(record.data)
    if snap is None:
        if action is not CaseAction.OPEN:
            raise CaseError("action", "a case starts with open")
        units = data.get("units")
        return CaseSnapshot(
            number=record.case,
            state=CaseState.OPEN,
            version=record.seq,
            units=tuple(str(u) for u in units) if isinstance(units, list) else None,
        )
    target = next_state(
        snap.state,
        action,
        {"confirmed": snap.confirmed, **data},
        units=snap.units,
        open_notices=snap.open_notices,
    )
    notices = set(snap.open_notices)
    if action is CaseAction.NOTIFY_RECTIFICATION:
        notices.add(str(data["unit"]))
    if action is CaseAction.REPORT_RECTIFICATION:
        notices.discard(str(data["unit"]))
    return CaseSnapshot(
        number=snap.number,
        state=target,
        version=record.seq,
        confirmed=bool(data["confirmed"]) if action is CaseAction.VERIFY else snap.confirmed,
        closed_at=record.at if action is CaseAction.CLOSE else snap.closed_at,
        conclusion=str(data["conclusion"]) if action is CaseAction.CLOSE else snap.conclusion,
        assignee=str(data["assignee"]) if action is CaseAction.ASSIGN else snap.assignee,
        units=snap.units,
        open_notices=frozenset(notices),
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
        self.message = message


@dataclass(frozen=True)
class Sanction:
    person: str
    unit: str
    position: str
    measure: str  # the form of accountability (问责方式)
    severity: str = ""  # 轻处分 / 重处分, for 党纪政务处分 only

    @property
    def stage(self) -> int:
        return stage_of(self.measure, self.severity)

    def as_dict(self) -> dict[str, str]:
        return {
            "person": self.person,
            "unit": self.unit,
            "position": self.position,
            "measure": self.measure,
            "severity": self.severity,
        }


def next_state(
    state: CaseState,
    action: CaseAction,
    data: Mapping[str, Any],
    *,
    units: Collection[str] | None = None,
    open_notices: Collection[str] = (),
) -> CaseState:
    """The state after ``action``; raises CaseError when it is not allowed or data is wrong.

    ``units`` are the case's units (None: any), ``open_notices`` the units whose 整改通知 is
    not yet answered."""
    sources, target = TRANSITIONS[action]
    if state not in sources:
        allowed = ", ".join(sorted(sources))
        raise CaseError("action", f"{action} is not allowed in state {state} (only: {allowed})")
    if action is CaseAction.ASSIGN:
        _text(data, "assignee")
    if action is CaseAction.VERIFY:
        if not isinstance(data.get("confirmed"), bool):
            raise CaseError("confirmed", "say whether the problem was confirmed (true/false)")
        _text(data, "note")
        _files(data)
    rectifying = action in (CaseAction.RECTIFY, CaseAction.NOTIFY_RECTIFICATION)
    if rectifying and state is CaseState.VERIFYING and data.get("confirmed") is not True:
        raise CaseError("action", "an unfounded case is closed, not rectified")
    if action is CaseAction.RECTIFY:
        _text(data, "note")
    if action is CaseAction.NOTIFY_RECTIFICATION:
        _notice(data, units=units, open_notices=open_notices)
    if action is CaseAction.REPORT_RECTIFICATION:
        _text(data, "unit")
        if data["unit"] not in open_notices:
            raise CaseError("unit", f"{data['unit']} has no open rectification notice")
        _text(data, "report")
        if not isinstance(data.get("late", False), bool):
            raise CaseError("late", "must be true or false")
        _files(data)
    if action is CaseAction.HOLD_ACCOUNTABLE:
        sanctions(data.get("sanctions"))
    if action is CaseAction.CLOSE:
        _text(data, "conclusion")
    return target or state


def _notice(
    data: Mapping[str, Any], *, units: Collection[str] | None, open_notices: Collection[str]
) -> None:
    _text(data, "unit")
    unit = data["unit"]
    if units is not None and unit not in units:
        raise CaseError("unit", f"{unit} is not one of the case's units")
    if unit in open_notices:
        raise CaseError("unit", f"{unit} already has an open rectification notice")
    deadline_of(data.get("deadline"))
    _text(data, "requirements")


def deadline_of(value: Any) -> date:
    """A notice's deadline (``YYYY-MM-DD``); CaseError naming ``deadline`` if it is not one."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        raise CaseError("deadline", "must be a date (YYYY-MM-DD)") from None


def sanctions(value: Any) -> list[Sanction]:
    """Checked sanctions: a non-empty list of {person, unit, position, form, severity}.

    ``form`` may be given as ``measure`` (the older key); the older measure names are read as
    the forms they are now. 党纪政务处分 needs a severity (轻处分 / 重处分), except when stored
    as 党纪处分 or 政务处分 before severities were recorded (then 轻处分)."""
    if not isinstance(value, list) or not value:
        raise CaseError("sanctions", "list at least one person and the measure taken")
    checked = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise CaseError(f"sanctions[{index}]", "must be an object")
        person = str(item.get("person", "")).strip()
        given = str(item.get("form") or item.get("measure") or "").strip()
        form = form_of(given)
        if not person:
            raise CaseError(f"sanctions[{index}].person", "is required")
        if form not in FORMS:
            raise CaseError(f"sanctions[{index}].form", f"must be one of {'、'.join(FORMS)}")
        severity = str(item.get("severity") or "").strip()
        if form != DISCIPLINE:
            severity = ""
        elif not severity and given in LEGACY_FORMS:
            severity = "轻处分"
        elif severity not in SEVERITIES:
            raise CaseError(
                f"sanctions[{index}].severity", f"{DISCIPLINE} needs {'或'.join(SEVERITIES)}"
            )
        checked.append(
            Sanction(
                person=person[:100],
                unit=str(item.get("unit", "")).strip(),
                position=str(item.get("position", "")).strip()[:100],
                measure=form,
                severity=severity,
            )
        )
    return checked


def _text(data: Mapping[str, Any], field: str) -> None:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CaseError(field, "is required")


def _files(data: Mapping[str, Any]) -> None:
    files = data.get("attachments", [])
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise CaseError("attachments", "must be a list of sealed files")
