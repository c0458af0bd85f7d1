"""Every write on supervision cases: lock the case, check the workflow, append the hash-chained
event and move the case row through the event store, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hotline import clock
from hotline.accounts.access import can_supervise
from hotline.accounts.models import User
from hotline.domain.lifecycle import NotAllowed
from hotline.domain.supervision.cases import (
    CaseAction,
    CaseError,
    CaseRecord,
    CaseSnapshot,
    CaseState,
    apply_case_event,
    next_state,
    sanctions,
)
from hotline.eventstore import store
from hotline.supervision.models import CaseNumberCounter, CaseOrder, CaseSanction, SupervisionCase
from hotline.supervision.stream import CASE_STREAM
from hotline.workorders.models import WorkOrder

# What a step may change on the case row besides version and hash.
_ROW_FIELDS = ("state", "confirmed", "closed_at", "conclusion")


def _require_supervisor(actor: User) -> None:
    if not can_supervise(actor):
        raise NotAllowed(f"user {actor.username} may not work on supervision cases")


def _snapshot(row: SupervisionCase) -> CaseSnapshot | None:
    if row.pk is None:
        return None
    return CaseSnapshot(
        number=row.number,
        state=CaseState(row.state),
        version=row.version,
        confirmed=row.confirmed,
        closed_at=row.closed_at,
        conclusion=row.conclusion,
    )


def _event(case: SupervisionCase, actor: User, action: CaseAction, data: dict[str, Any]) -> None:
    """Fold the step onto the row with the domain projection and append it (event store)."""
    record = CaseRecord(
        case=case.number,
        seq=case.version + 1,
        at=clock.now(),
        action=action,
        actor=actor.username,
        data=data,
    )
    after = apply_case_event(_snapshot(case), record)
    case.state, case.confirmed = after.state, after.confirmed
    case.closed_at, case.conclusion = after.closed_at, after.conclusion
    store.stream_append(CASE_STREAM, head=case, records=[record], fields=_ROW_FIELDS)


def _next_number(now: datetime) -> str:
    day, number = store.counter_next_of_day(CaseNumberCounter, at=now)
    return f"XS{day}{number:04d}"


def case_open(
    *,
    actor: User,
    title: str,
    units: Sequence[str] = (),
    detector: str = "",
    findings: Sequence[Mapping[str, Any]] = (),
) -> SupervisionCase:
    """立线索, optionally with the findings (order, detector, explanation, evidence) behind it."""
    _require_supervisor(actor)
    if not title.strip():
        raise CaseError("title", "is required")
    now = clock.now()
    with store.write_transaction():
        case = SupervisionCase(
            number=_next_number(now),
            title=title.strip()[:200],
            detector=detector,
            units=sorted(set(units)),
            opened_by=actor.username,
            opened_at=now,
        )
        _event(case, actor, CaseAction.OPEN, {"title": case.title, "units": case.units})
        for finding in findings:
            _attach(case, actor, finding)
    return case


def _attach(case: SupervisionCase, actor: User, finding: Mapping[str, Any]) -> None:
    number = str(finding.get("order", "")).strip()
    if not WorkOrder.objects.filter(number=number).exists():
        raise CaseError("order", f"no work order {number!r}")
    _, created = CaseOrder.objects.get_or_create(
        case=case,
        order=number,
        defaults={
            "detector": str(finding.get("detector", "")),
            "explanation": str(finding.get("explanation", "")),
            "evidence": list(finding.get("evidence", [])),
            "attached_by": actor.username,
        },
    )
    if created:
        _event(case, actor, CaseAction.ATTACH_ORDER, {"order": number})


def _step(
    *, actor: User, case: SupervisionCase | str, action: CaseAction, data: dict[str, Any]
) -> SupervisionCase:
    _require_supervisor(actor)
    number = case if isinstance(case, str) else case.number
    with store.write_transaction():
        row = SupervisionCase.objects.select_for_update().filter(number=number).first()
        if row is None:
            raise CaseError("case", f"no supervision case {number!r}")
        next_state(CaseState(row.state), action, {"confirmed": row.confirmed, **data})
        if action is CaseAction.ATTACH_ORDER:
            _attach(row, actor, data)
            return row
        if action is CaseAction.HOLD_ACCOUNTABLE:
            CaseSanction.objects.bulk_create(
                CaseSanction(case=row, **sanction.as_dict())
                for sanction in sanctions(data["sanctions"])
            )
        _event(row, actor, action, data)
    return row


def case_attach_order(
    *, actor: User, case: SupervisionCase | str, order: str, detector: str = "",
    explanation: str = "", evidence: Sequence[int] = (),
) -> SupervisionCase:  # fmt: skip
    """联络员/监督员 adds an order to the case by hand, with what it shows."""
    data = {"order": order, "detector": detector, "explanation": explanation,
            "evidence": list(evidence)}  # fmt: skip
    return _step(actor=actor, case=case, action=CaseAction.ATTACH_ORDER, data=data)


def case_verify(
    *, actor: User, case: SupervisionCase | str, confirmed: bool, note: str
) -> SupervisionCase:
    """核实: was the problem real?"""
    data = {"confirmed": confirmed, "note": note}
    return _step(actor=actor, case=case, action=CaseAction.VERIFY, data=data)


def case_rectify(*, actor: User, case: SupervisionCase | str, note: str) -> SupervisionCase:
    """整改: what the unit has to put right, or has put right."""
    return _step(actor=actor, case=case, action=CaseAction.RECTIFY, data={"note": note})


def case_hold_accountable(
    *, actor: User, case: SupervisionCase | str, sanctions: Sequence[Mapping[str, str]]
) -> SupervisionCase:
    """问责: the people held accountable and the measure for each."""
    data = {"sanctions": [dict(item) for item in sanctions]}
    return _step(actor=actor, case=case, action=CaseAction.HOLD_ACCOUNTABLE, data=data)


def case_close(*, actor: User, case: SupervisionCase | str, conclusion: str) -> SupervisionCase:
    return _step(actor=actor, case=case, action=CaseAction.CLOSE, data={"conclusion": conclusion})
