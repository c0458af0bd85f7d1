"""Call-center read API for the center's director (中心负责人), administrators and supervisors
(天眼): imported logs and agent findings."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from hotline.accounts.access import callcenter_reader_of
from hotline.accounts.models import User
from hotline.api_common import answers
from hotline.callcenter import selectors

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
