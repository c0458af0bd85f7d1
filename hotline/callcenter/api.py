"""Call-center API: imported logs and agent findings for the center's director (中心负责人),
administrators and supervisors (天眼); callbacks (回拨) recorded by agents and dispatchers."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from hotline.accounts.access import callcenter_reader_of
from hotline.accounts.models import User
from hotline.api_common import BodyIn, answers
from hotline.callcenter import selectors, services
from hotline.domain.callcenter.cdr import OUTBOUND_OUTCOMES

router = Router(tags=["call center"])


class FindingOut(Schema):
    id: int
    detector: str
    severity: str
    agent: str
    day: date | None
    started_at: datetime | None
    ended_at: datetime | None
    minutes: float | None
    evidence: list[int]
    explanation: str
    source: str = Field(alias="source.source")


class ImportOut(Schema):
    id: int
    source: str
    format: str
    lines: int
    malformed: int
    calls_added: int
    calls_already_known: int
    spans_added: int
    imported_at: datetime


class FindingQuery(Schema):
    detector: str | None = Field(None, max_length=32)
    agent: str | None = Field(None, max_length=64)
    limit: int = Field(100, ge=1, le=1000)


def _reader(request: HttpRequest) -> User:
    return callcenter_reader_of(request, "call-center data")


@router.get("/callcenter/findings", response=answers({200: list[FindingOut]}))
def finding_list(request: HttpRequest, query: Query[FindingQuery]) -> object:
    findings = selectors.agent_finding_list(
        user=_reader(request),
        detector=query.detector,
        agent=query.agent,
    )
    return findings.select_related("source")[: query.limit]


@router.get("/callcenter/imports", response=answers({200: list[ImportOut]}))
def import_list(request: HttpRequest) -> object:
    return selectors.calllog_import_list(user=_reader(request))[:100]


class CallbackIn(BodyIn):
    call_id: str = Field(min_length=1, max_length=64, description="the abandoned call's id")
    outcome: str = Field(description=f"one of {', '.join(OUTBOUND_OUTCOMES)}", max_length=16)
    note: str = Field("", max_length=500)


class CallbackOut(Schema):
    call_id: str
    callback_of: str
    caller: str
    outcome: str
    agent: str
    entered_at: datetime | None
    note: str


@router.post("/callcenter/callbacks", response=answers({201: CallbackOut}, 400, 404, 409))
def callback_create(request: HttpRequest, body: CallbackIn) -> object:
    """回拨登记: an agent or dispatcher called back the number of an abandoned call. 403 for any
    other role, 404 when no abandoned call with a number has that id, 409 when the caller was
    already reached by a callback, 422 for an outcome that is not answered / no_answer / busy /
    failed."""
    user = request.auth  # type: ignore[attr-defined]
    call = services.callback_record(
        actor=user, call_id=body.call_id, outcome=body.outcome, note=body.note
    )
    return Status(201, call)
