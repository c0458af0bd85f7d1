"""Supervision API (天眼), for supervisors only: everyone else gets 403."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from hotline.accounts.access import staff_of, supervisor_of
from hotline.accounts.models import Unit, User
from hotline.api_common import BodyIn, BoundedTime, RowId, answers
from hotline.domain.supervision.cases import CaseError
from hotline.supervision import selectors, services
from hotline.supervision.circular import build_circular, circular_docx, circular_html
from hotline.supervision.models import SupervisionCase
from hotline.workorders.api import AttachmentIn
from hotline.workorders.attachments import attachments_decode

router = Router(tags=["supervision"])

EVIDENCE_MAX, FINDINGS_MAX, UNITS_MAX = 100, 100, 50
Code = Annotated[str, Field(min_length=1, max_length=64)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CIRCULAR_TYPES = {
    DOCX: {"schema": {"type": "string", "format": "binary"}},
    "text/html": {"schema": {"type": "string"}},
}


def _supervisor(request: HttpRequest) -> User:
    return supervisor_of(request, "supervision")


class ReportQuery(Schema):
    period: Literal["week", "month", "quarter", "year"] = "month"
    detector: str | None = Field(None, max_length=32)
    unit: str | None = Field(None, max_length=64)


@router.get("/supervision/report", response=answers({200: dict[str, Any]}))
def report(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """Findings, handover metrics, the bounce network and the scorecards, from the database."""
    result = selectors.supervision_report(user=_supervisor(request), period=query.period)
    assert result is not None
    result["findings"] = [
        f
        for f in result["findings"]
        if (query.detector is None or f["detector"] == query.detector)
        and (query.unit is None or f["unit"] == query.unit)
    ]
    return result


@router.get("/supervision/findings", response=answers({200: list[dict[str, Any]]}))
def findings(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """The findings alone (filter by ``detector`` and ``unit``)."""
    return report(request, query)["findings"]


@router.get("/supervision/scorecards", response=answers({200: list[dict[str, Any]]}))
def scorecards(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """Unit scorecards per period, ranked, with the trend, scored with the center's weights."""
    from hotline.supervision.scorecards import scored

    result = scored(report(request, query), kind=query.period)
    return [row for row in result if query.unit is None or row["unit"] == query.unit]


class FindingIn(BodyIn):
    order: str = Field(max_length=32)
    detector: str = Field("", max_length=32)
    explanation: str = Field("", max_length=2000)
    evidence: list[RowId] = Field([], max_length=EVIDENCE_MAX, description="event ids")


class CaseIn(BodyIn):
    title: str = Field(min_length=1, max_length=200)
    units: list[Code] = Field([], max_length=UNITS_MAX)
    detector: str = Field("", max_length=32)
    findings: list[FindingIn] = Field([], max_length=FINDINGS_MAX)


class CaseOut(Schema):
    number: str
    title: str
    state: str
    detector: str
    units: list[str]
    assignee: str
    confirmed: bool | None
    opened_at: datetime
    closed_at: datetime | None
    conclusion: str
    orders: list[str]
    people_held_accountable: int


CASE_FIELDS = (
    "number", "title", "state", "detector", "units", "assignee", "confirmed", "opened_at",
    "closed_at", "conclusion",
)  # fmt: skip


def _out(case: SupervisionCase) -> dict[str, Any]:
    return {
        **{name: getattr(case, name) for name in CASE_FIELDS},
        "orders": sorted(case.orders.values_list("order", flat=True)),
        "people_held_accountable": case.sanctions.count(),
    }


def _case_error(error: CaseError) -> HttpError:
    return HttpError(422, str(error))


@router.get("/supervision/cases", response=answers({200: list[CaseOut]}))
def case_list(request: HttpRequest) -> Any:
    return [_out(case) for case in selectors.case_list(user=_supervisor(request))[:200]]


@router.post("/supervision/cases", response=answers({201: CaseOut}, 400))
def case_open(request: HttpRequest, payload: CaseIn) -> Any:
    try:
        case = services.case_open(
            actor=_supervisor(request),
            title=payload.title,
            units=payload.units,
            detector=payload.detector,
            findings=[finding.dict() for finding in payload.findings],
        )
    except CaseError as error:
        raise _case_error(error) from None
    return Status(201, _out(case))


class SanctionIn(BodyIn):
    person: str = Field(min_length=1, max_length=100)
    unit: str = Field("", max_length=64, description="unit code")
    position: str = Field("", max_length=100)
    form: str = Field(
        "", max_length=32, description="问责方式: 谈话提醒、批评教育、责令检查、通报批评、诫勉、"
        "组织处理、党纪政务处分、立案审查",
    )  # fmt: skip
    measure: str = Field("", max_length=32, description="the older name of form")
    severity: str = Field("", max_length=8, description="轻处分 / 重处分 (党纪政务处分)")


class StepIn(BodyIn):
    order: str | None = Field(None, max_length=32)
    detector: str = Field("", max_length=32)
    explanation: str = Field("", max_length=2000)
    evidence: list[RowId] = Field([], max_length=EVIDENCE_MAX)
    assignee: str | None = Field(None, max_length=150, description="分派承办: a supervisor")
    confirmed: bool | None = None
    note: str | None = Field(None, max_length=5000)
    unit: str | None = Field(None, max_length=64, description="整改通知: one of the case's units")
    deadline: date | None = Field(None, description="整改通知: YYYY-MM-DD")
    requirements: str | None = Field(None, max_length=5000)
    sanctions: list[SanctionIn] | None = Field(None, max_length=FINDINGS_MAX)
    conclusion: str | None = Field(None, max_length=5000)
    attachments: list[AttachmentIn] = Field([], max_length=5, description="核实: PNG/JPEG/PDF")


Step = Literal[
    "attach_order", "assign", "verify", "rectify", "notify_rectification", "hold_accountable",
    "close",
]  # fmt: skip


@router.post(
    "/supervision/cases/{number}/{step}", response=answers({200: CaseOut}, 400, 403, 404, 422)
)
def case_step(request: HttpRequest, number: str, step: Step, payload: StepIn) -> Any:
    actor = _supervisor(request)
    if selectors.case_get(user=actor, number=number) is None:
        raise HttpError(404, f"no supervision case {number}")
    try:
        case = _run_step(actor, number, step, payload)
    except CaseError as error:
        raise _case_error(error) from None
    return _out(case)


def _run_step(actor: User, number: str, step: str, payload: StepIn) -> SupervisionCase:
    if step == "attach_order":
        return services.case_attach_order(
            actor=actor, case=number, order=payload.order or "", detector=payload.detector,
            explanation=payload.explanation, evidence=payload.evidence,
        )  # fmt: skip
    if step == "assign":
        return services.case_assign(actor=actor, case=number, assignee=payload.assignee or "")
    if step == "verify":
        if payload.confirmed is None:
            raise CaseError("confirmed", "say whether the problem was confirmed (true/false)")
        files = attachments_decode([a.dict() for a in payload.attachments])
        return services.case_verify(
            actor=actor, case=number, confirmed=payload.confirmed, note=payload.note or "",
            attachments=files,
        )  # fmt: skip
    if step == "rectify":
        return services.case_rectify(actor=actor, case=number, note=payload.note or "")
    if step == "notify_rectification":
        if payload.deadline is None:
            raise CaseError("deadline", "is required (YYYY-MM-DD)")
        return services.case_notify_rectification(
            actor=actor, case=number, unit=payload.unit or "", deadline=payload.deadline,
            requirements=payload.requirements or "",
        )  # fmt: skip
    if step == "hold_accountable":
        return services.case_hold_accountable(
            actor=actor, case=number, sanctions=[s.dict() for s in payload.sanctions or []]
        )
    return services.case_close(actor=actor, case=number, conclusion=payload.conclusion or "")


class RectificationOut(Schema):
    number: str
    title: str
    requirements: str
    deadline: date
    overdue: bool
    notified_at: datetime


@router.get("/supervision/rectifications", response=answers({200: list[RectificationOut]}))
def rectifications(request: HttpRequest) -> Any:
    """A unit lead's open 整改通知 (empty for everyone else)."""
    return selectors.rectifications_for(user=staff_of(request, "rectifications"))


class ReportIn(BodyIn):
    report: str = Field(min_length=1, max_length=5000, description="整改报告")
    attachments: list[AttachmentIn] = Field([], max_length=5, description="PNG/JPEG/PDF")


class ReportOut(Schema):
    number: str
    state: str
    late: bool


@router.post(
    "/supervision/rectifications/{number}/report",
    response=answers({200: ReportOut}, 400, 403, 404, 422),
)
def rectification_report(request: HttpRequest, number: str, payload: ReportIn) -> Any:
    """整改报告 by the lead of the notified unit; a late one is accepted and marked late."""
    actor = staff_of(request, "rectifications")
    files = attachments_decode([a.dict() for a in payload.attachments])
    try:
        case = services.case_report_rectification(
            actor=actor, case=number, report=payload.report, attachments=files
        )
    except CaseError as error:
        raise _case_error(error) from None
    notice = case.notices.filter(unit=actor.unit_code).order_by("-id").first()
    return {"number": case.number, "state": case.state, "late": bool(notice and notice.late)}


class TotalsQuery(Schema):
    since: BoundedTime | None = None
    until: BoundedTime | None = None
    period: Literal["month", "quarter"] = "month"


@router.get("/supervision/totals", response=answers({200: dict[str, Any]}))
def totals(request: HttpRequest, query: Query[TotalsQuery]) -> Any:
    """Cases, 整改通知, and people held accountable by form, unit, period and 四种形态."""
    return selectors.supervision_totals(
        user=_supervisor(request), since=query.since, until=query.until, period=query.period
    )


class CircularQuery(Schema):
    cases: str = Field(description="case numbers, comma separated")
    title: str = Field("关于12345热线办理中典型问题的通报", max_length=200)
    issuer: str = Field("市纪委监委", max_length=100)
    document_number: str = Field("", max_length=100)
    format: Literal["docx", "html"] = "docx"


@router.get(
    "/supervision/circular",
    response=answers({200: None}, 404),
    openapi_extra={"responses": {200: {"description": "the 通报", "content": CIRCULAR_TYPES}}},
)
def circular(request: HttpRequest, query: Query[CircularQuery]) -> HttpResponse:
    """通报 of the chosen cases, as .docx (default) or HTML."""
    user = _supervisor(request)
    numbers = [n.strip() for n in query.cases.split(",") if n.strip()]
    chosen = list(selectors.case_list(user=user).filter(number__in=numbers).order_by("number"))
    missing = sorted(set(numbers) - {case.number for case in chosen})
    if missing or not chosen:
        raise HttpError(404, f"no supervision case {', '.join(missing) or '(none given)'}")
    today = date.today()
    content = build_circular(
        chosen,
        title=query.title,
        issuer=query.issuer,
        document_number=query.document_number or f"纪通〔{today.year}〕号",
        issued_on=today,
        unit_names=dict(Unit.objects.values_list("code", "name")),
    )
    if query.format == "html":
        return HttpResponse(circular_html(content), content_type="text/html; charset=utf-8")
    response = HttpResponse(
        circular_docx(content),
        content_type=DOCX,
    )
    response["Content-Disposition"] = 'attachment; filename="circular.docx"'
    return response
