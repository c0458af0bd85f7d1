"""Reads of supervision cases, for supervisors only (everyone else sees nothing)."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.timezone import localtime

from hotline.accounts.access import can_supervise
from hotline.accounts.models import User
from hotline.caching import Cache
from hotline.domain.supervision.eventlog import EventLog
from hotline.supervision.models import CaseOrder, CaseSanction, SupervisionCase


def case_list(*, user: User) -> QuerySet[SupervisionCase]:
    if not can_supervise(user):
        return SupervisionCase.objects.none()
    return SupervisionCase.objects.all()


def case_get(*, user: User, number: str) -> SupervisionCase | None:
    return case_list(user=user).filter(number=number).first()


def supervision_totals(
    *, user: User, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """ "Reviewed 47 key orders, found 7 problems, 28 people held accountable", from records."""
    cases = case_list(user=user)
    if since:
        cases = cases.filter(opened_at__gte=since)
    if until:
        cases = cases.filter(opened_at__lt=until)
    ids = list(cases.values_list("pk", flat=True))
    measures = Counter(
        CaseSanction.objects.filter(case_id__in=ids).values_list("measure", flat=True)
    )
    return {
        "cases": len(ids),
        "orders_reviewed": CaseOrder.objects.filter(case_id__in=ids)
        .values("order")
        .distinct()
        .count(),
        "problems_found": cases.filter(confirmed=True).count(),
        "unfounded": cases.filter(confirmed=False).count(),
        "people_held_accountable": sum(measures.values()),
        "by_measure": dict(measures),
        "closed": cases.filter(state="closed").count(),
    }


def report_on(
    log: EventLog, *, period: str = "month", unit_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """The engine with this installation's thresholds and working calendar."""
    from django.conf import settings

    from hotline.domain.supervision.engine import supervise
    from hotline.reference.selectors import working_calendar

    return supervise(
        log,
        thresholds=settings.HOTLINE_SUPERVISION,
        unit_names=unit_names,
        is_working_day=working_calendar().is_working_day if log.ours else None,
        period=period,
    )


def database_report(
    *,
    period: str = "month",
    events: Path | None = None,
    as_of: datetime | None = None,
    since: date | None = None,
) -> dict[str, Any]:
    """The report on the database's events (or on an export of them, ``events``), unit names
    from the database; with the stored agent findings when it reads the database. Not scoped:
    the CLI calls it, and :func:`supervision_report` after checking the user."""
    from django.conf import settings

    from hotline.accounts.models import Unit
    from hotline.domain.supervision.eventlog import load_interchange, restrict_since
    from hotline.workorders.interchange import events_export

    with tempfile.TemporaryDirectory() as scratch:
        source = events
        if source is None:
            source = Path(scratch) / "events.jsonl"
            events_export(source)
        log = load_interchange(source, tz=settings.TIME_ZONE, as_of=as_of)
    if since:
        restrict_since(log, since)
    report = report_on(
        log, period=period, unit_names=dict(Unit.objects.values_list("code", "name"))
    )
    return report if events is not None else with_agent_findings(report)


def supervision_report(*, user: User, period: str = "month") -> dict[str, Any] | None:
    """Every detector, the handover metrics and the scorecards on the database's events."""
    if not can_supervise(user):
        return None
    return database_report(period=period)


def with_agent_findings(report: dict[str, Any]) -> dict[str, Any]:
    """Add the call center's stored agent findings (long_busy, away_from_post) to a report."""
    from hotline.callcenter.models import AgentFinding

    agents = [
        {
            "detector": row.detector,
            "severity": row.severity,
            "order": None,
            "unit": None,
            "agent": row.agent,
            "day": row.day.isoformat() if row.day else None,
            "started_at": localtime(row.started_at).isoformat() if row.started_at else None,
            "ended_at": localtime(row.ended_at).isoformat() if row.ended_at else None,
            "minutes": row.minutes,
            "evidence": row.evidence,
            "explanation": row.explanation,
        }
        for row in AgentFinding.objects.order_by("day", "agent")
    ]
    report["findings"] = report["findings"] + agents
    summary = report["summary"]
    summary["findings"] += len(agents)
    counts = Counter(summary["by_detector"])
    counts.update(finding["detector"] for finding in agents)
    summary["by_detector"] = dict(sorted(counts.items()))
    return report


# -- the 天眼 dashboard's report -----------------------------------------------------------------

REPORT_SECONDS = 120
# The engine reads the whole log (a second or more on a city's database): under `hotline serve`
# a page shows the last report and the refresh loop (hotline.web.warmup) computes the next.
_reports: Cache[None, dict[str, Any]] = Cache(
    name="supervision report", max_age=REPORT_SECONDS, serve_stale=True
)


def supervision_report_cached() -> dict[str, Any]:
    """The database's supervision report, at most REPORT_SECONDS old when fresh; an older one is
    shown until the refresh loop has the next. Callers check the reader may supervise."""
    # database_report is looked up at call time, so a test can replace it.
    return dict(_reports.get_or_build(None, build=lambda: database_report()))
