"""Every write on supervision cases: lock the case, check the workflow, append the hash-chained
event and move the case row through the event store, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.utils.timezone import localdate

from hotline import clock
from hotline.accounts.access import can_supervise
from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import NotAllowed, Role
from hotline.domain.supervision.cases import (
    CaseAction,
    CaseError,
    CaseRecord,
    CaseSnapshot,
    CaseState,
    apply_case_event,
    deadline_of,
    may_take_step,
    sanctions,
)
from hotline.eventstore import store
from hotline.supervision.case_files import case_files_store
from hotline.supervision.models import (
    CaseNumberCounter,
    CaseOrder,
    CaseSanction,
    RectificationNotice,
    SupervisionCase,
)
from hotline.supervision.stream import CASE_STREAM
from hotline.workorders.attachments import CheckedFile, attachments_sealed
from hotline.workorders.selectors import restrict_orders

# What a step may change on the case row besides version and hash.
_ROW_FIELDS = ("state", "confirmed", "closed_at", "conclusion", "assignee")


def _require_step(actor: User, action: CaseAction) -> None:
    """Who may take the step: :func:`hotline.domain.supervision.cases.may_take_step`."""
    if not may_take_step(role=actor.hotline_role, action=action):
        raise NotAllowed(f"user {actor.username} may not {action} on supervision cases")


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
        assignee=row.assignee,
        units=tuple(row.units),
        open_notices=frozenset(
            RectificationNotice.objects.filter(case=row, reported_at=None).values_list(
                "unit", flat=True
            )
        ),
    )


def _event(
    case: SupervisionCase, actor: User, action: CaseAction, data: dict[str, Any]
) -> CaseRecord:
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
    case.assignee = after.assignee
    store.stream_append(CASE_STREAM, head=case, records=[record], fields=_ROW_FIELDS)
    return record


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
    _require_step(actor, CaseAction.OPEN)
    if not title.strip():
        raise CaseError("title", "is required")
    unknown = sorted(
        set(units) - set(Unit.objects.filter(code__in=units).values_list("code", flat=True))
    )
    if unknown:
        raise CaseError("units", f"no unit {', '.join(unknown)}")
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
    # Only orders the actor may read: all for the inspectors, their scope for a 联络员.
    if not restrict_orders(actor).filter(number=number).exists():
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


def _locked(number: str) -> SupervisionCase:
    row = SupervisionCase.objects.select_for_update().filter(number=number).first()
    if row is None:
        raise CaseError("case", f"no supervision case {number!r}")
    return row


def _step(
    *,
    actor: User,
    case: SupervisionCase | str,
    action: CaseAction,
    data: dict[str, Any],
    files: Sequence[CheckedFile] = (),
) -> SupervisionCase:
    _require_step(actor, action)
    number = case if isinstance(case, str) else case.number
    with store.write_transaction():
        row = _locked(number)
        if action is CaseAction.ATTACH_ORDER:
            apply_case_event(_snapshot(row), _probe(row, action, data))
            _attach(row, actor, data)
            return row
        if action is CaseAction.HOLD_ACCOUNTABLE:
            checked = sanctions(data.get("sanctions"))
            for index, sanction in enumerate(checked):
                if sanction.unit and not Unit.objects.filter(code=sanction.unit).exists():
                    raise CaseError(f"sanctions[{index}].unit", f"no unit {sanction.unit!r}")
            data = {"sanctions": [sanction.as_dict() for sanction in checked]}
        if files:
            data = {**data, "attachments": attachments_sealed(files)}
        record = _event(row, actor, action, data)
        if action is CaseAction.HOLD_ACCOUNTABLE:
            CaseSanction.objects.bulk_create(
                CaseSanction(case=row, at=record.at, **sanction.as_dict()) for sanction in checked
            )
        if action is CaseAction.NOTIFY_RECTIFICATION:
            RectificationNotice.objects.create(
                case=row,
                seq=record.seq,
                unit=data["unit"],
                deadline=deadline_of(data["deadline"]),
                requirements=data["requirements"],
                notified_by=actor.username,
                notified_at=record.at,
            )
        if files:
            case_files_store(actor=actor.username, case=row, seq=record.seq, files=files)
    return row


def _probe(row: SupervisionCase, action: CaseAction, data: dict[str, Any]) -> CaseRecord:
    """A record to check a step with before anything is written."""
    return CaseRecord(case=row.number, seq=row.version + 1, at=clock.now(), action=action,
                      data=data)  # fmt: skip


def case_attach_order(
    *, actor: User, case: SupervisionCase | str, order: str, detector: str = "",
    explanation: str = "", evidence: Sequence[int] = (),
) -> SupervisionCase:  # fmt: skip
    """联络员/监督员 adds an order to the case by hand, with what it shows."""
    data = {"order": order, "detector": detector, "explanation": explanation,
            "evidence": list(evidence)}  # fmt: skip
    return _step(actor=actor, case=case, action=CaseAction.ATTACH_ORDER, data=data)


def case_assign(*, actor: User, case: SupervisionCase | str, assignee: str) -> SupervisionCase:
    """分派承办: the case goes to a named supervisor (or administrator)."""
    person = User.objects.filter(username=assignee.strip(), is_active=True).first()
    if person is None or not can_supervise(person):
        raise CaseError("assignee", f"{assignee!r} is not a supervisor")
    data = {"assignee": person.username}
    return _step(actor=actor, case=case, action=CaseAction.ASSIGN, data=data)


def case_verify(
    *,
    actor: User,
    case: SupervisionCase | str,
    confirmed: bool,
    note: str,
    attachments: Sequence[CheckedFile] = (),
) -> SupervisionCase:
    """核实: was the problem real? With the files that show it, sealed into the step."""
    data = {"confirmed": confirmed, "note": note}
    return _step(actor=actor, case=case, action=CaseAction.VERIFY, data=data, files=attachments)


def case_rectify(*, actor: User, case: SupervisionCase | str, note: str) -> SupervisionCase:
    """整改 in one step (the older form): what the unit has to put right, or has put right."""
    return _step(actor=actor, case=case, action=CaseAction.RECTIFY, data={"note": note})


def case_notify_rectification(
    *, actor: User, case: SupervisionCase | str, unit: str, deadline: date, requirements: str
) -> SupervisionCase:
    """整改通知: ``unit`` (one of the case's) is to put things right by ``deadline``."""
    if not isinstance(deadline, date):
        deadline = deadline_of(deadline)
    if deadline < localdate(clock.now()):
        raise CaseError("deadline", "must be today or later")
    data = {"unit": unit, "deadline": deadline.isoformat(), "requirements": requirements}
    return _step(actor=actor, case=case, action=CaseAction.NOTIFY_RECTIFICATION, data=data)


def case_report_rectification(
    *,
    actor: User,
    case: SupervisionCase | str,
    report: str,
    attachments: Sequence[CheckedFile] = (),
) -> SupervisionCase:
    """整改报告 by the lead of the notified unit; a late one is accepted and marked late."""
    unit = actor.unit_code
    if actor.hotline_role is not Role.UNIT_LEAD or not unit:
        raise NotAllowed(f"user {actor.username} is not a unit lead")
    number = case if isinstance(case, str) else case.number
    with store.write_transaction():
        row = SupervisionCase.objects.select_for_update().filter(number=number).first()
        notices = RectificationNotice.objects.filter(case=row, unit=unit)
        if row is None or not notices.exists():
            raise NotAllowed(f"{unit} has no rectification notice on case {number}")
        notice = notices.filter(reported_at=None).first()
        now = clock.now()
        late = notice is not None and localdate(now) > notice.deadline
        data: dict[str, Any] = {"unit": unit, "report": report, "late": late}
        if attachments:
            data["attachments"] = attachments_sealed(attachments)
        record = _event(row, actor, CaseAction.REPORT_RECTIFICATION, data)
        assert notice is not None  # the domain refuses a report without an open notice
        notice.report, notice.reported_by, notice.reported_at = report, actor.username, record.at
        notice.report_seq, notice.late = record.seq, late
        notice.save(update_fields=["report", "reported_by", "reported_at", "report_seq", "late"])
        if attachments:
            case_files_store(actor=actor.username, case=row, seq=record.seq, files=attachments)
    return row


def case_hold_accountable(
    *, actor: User, case: SupervisionCase | str, sanctions: Sequence[Mapping[str, str]]
) -> SupervisionCase:
    """问责: the people held accountable, each with the form (and severity) taken."""
    data = {"sanctions": [dict(item) for item in sanctions]}
    return _step(actor=actor, case=case, action=CaseAction.HOLD_ACCOUNTABLE, data=data)


def case_close(*, actor: User, case: SupervisionCase | str, conclusion: str) -> SupervisionCase:
    """办结, with the conclusion."""
    return _step(actor=actor, case=case, action=CaseAction.CLOSE, data={"conclusion": conclusion})
