"""Reads of supervision cases, for supervisors only (everyone else sees nothing)."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils.timezone import localdate, localtime

from hotline import clock
from hotline.accounts.access import can_supervise
from hotline.accounts.models import User
from hotline.background import background_running
from hotline.caching import Cache
from hotline.domain.lifecycle import Role
from hotline.domain.supervision.cases import (
    DISCIPLINE,
    FORMS,
    STAGE_NAMES,
    CaseState,
    form_of,
    stage_of,
)
from hotline.domain.supervision.eventlog import EventLog
from hotline.supervision.models import (
    CaseOrder,
    CaseSanction,
    RectificationNotice,
    SupervisionCase,
)


def case_list(*, user: User) -> QuerySet[SupervisionCase]:
    if not can_supervise(user):
        return SupervisionCase.objects.none()
    return SupervisionCase.objects.all()


def case_get(*, user: User, number: str) -> SupervisionCase | None:
    return case_list(user=user).filter(number=number).first()


PERIODS = ("month", "quarter")
ORDINALS = ("一", "二", "三", "四")


def period_label(at: datetime, period: str) -> str:
    """2026年11月, or 2026年第四季度, of a time in the local zone."""
    local = localtime(at)
    if period == "quarter":
        return f"{local.year}年第{ORDINALS[(local.month - 1) // 3]}季度"
    return f"{local.year}年{local.month}月"


def _within(rows: QuerySet[Any], name: str, since: datetime | None, until: datetime | None) -> Any:
    if since:
        rows = rows.filter(**{f"{name}__gte": since})
    if until:
        rows = rows.filter(**{f"{name}__lt": until})
    return rows


def supervision_totals(
    *,
    user: User,
    since: datetime | None = None,
    until: datetime | None = None,
    period: str = "month",
) -> dict[str, Any]:
    """ "Reviewed 47 key orders, found 7 problems, 28 people held accountable", from records.

    Cases count by when they were opened, 整改通知 by when they were sent, sanctions by when
    the 问责 step recorded them (those of before, without a time, by their case's opening)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    cases = _within(case_list(user=user), "opened_at", since, until)
    allowed = case_list(user=user).values("pk")
    notices = _within(
        RectificationNotice.objects.filter(case__in=allowed), "notified_at", since, until
    )
    people = list(
        _within(
            CaseSanction.objects.filter(case__in=allowed).annotate(
                when=Coalesce("at", "case__opened_at")
            ),
            "when",
            since,
            until,
        ).values_list("measure", "severity", "unit", "when")
    )
    ids = list(cases.values_list("pk", flat=True))
    forms: Counter[str] = Counter()
    stages: Counter[int] = Counter()
    units: Counter[str] = Counter()
    periods: dict[str, dict[str, Any]] = {}

    def row(label: str) -> dict[str, Any]:
        return periods.setdefault(
            label,
            {"period": label, "cases": 0, "confirmed": 0, "closed": 0, "notices": 0,
             "people": 0, "stages": {1: 0, 2: 0, 3: 0, 4: 0}},
        )  # fmt: skip

    for opened, confirmed, state in cases.values_list("opened_at", "confirmed", "state"):
        entry = row(period_label(opened, period))
        entry["cases"] += 1
        entry["confirmed"] += confirmed is True
        entry["closed"] += state == CaseState.CLOSED
    for notified in notices.values_list("notified_at", flat=True):
        row(period_label(notified, period))["notices"] += 1
    for measure, severity, unit, when in people:
        stage = stage_of(measure, severity)
        forms[form_of(measure)] += 1
        stages[stage] += 1
        units[unit] += 1
        entry = row(period_label(when, period))
        entry["people"] += 1
        entry["stages"][stage] += 1
    today = localdate(clock.now())
    discipline = sum(1 for measure, *_ in people if form_of(measure) == DISCIPLINE)
    by_form = {form: forms[form] for form in FORMS if forms[form]}
    return {
        "cases": len(ids),
        "orders_reviewed": CaseOrder.objects.filter(case_id__in=ids)
        .values("order")
        .distinct()
        .count(),
        "problems_found": cases.filter(confirmed=True).count(),
        "unfounded": cases.filter(confirmed=False).count(),
        "closed": cases.filter(state=CaseState.CLOSED).count(),
        "notices_sent": notices.count(),
        "notices_reported": notices.exclude(reported_at=None).count(),
        "notices_reported_late": notices.filter(late=True).count(),
        "notices_overdue": notices.filter(reported_at=None, deadline__lt=today).count(),
        "people_held_accountable": len(people),
        "by_measure": by_form,
        "by_form": by_form,
        "by_unit": dict(units.most_common()),
        "by_stage": [
            {"stage": stage, "name": name, "people": stages[stage]}
            for stage, name in STAGE_NAMES.items()
        ],
        "discipline": discipline,
        "by_period": [periods[label] for label in sorted(periods, key=_period_order)],
        "sentences": [f"运用{name}处置 {stages[stage]} 人次" for stage, name in STAGE_NAMES.items()]
        + [f"给予党纪政务处分 {discipline} 人"],
    }


def _period_order(label: str) -> tuple[int, int]:
    year, rest = label.split("年", 1)
    if rest.startswith("第"):
        return int(year), ORDINALS.index(rest[1]) * 3
    return int(year), int(rest.rstrip("月"))


def rectifications_for(*, user: User) -> list[dict[str, Any]]:
    """A unit lead's open 整改通知: number, case title, requirements, deadline, overdue — and
    nothing else of the case (its sanctions are not theirs to read)."""
    if user.hotline_role is not Role.UNIT_LEAD or not user.unit_code:
        return []
    today = localdate(clock.now())
    notices = (
        RectificationNotice.objects.filter(unit=user.unit_code, reported_at=None)
        .exclude(case__state=CaseState.CLOSED)
        .select_related("case")
        .order_by("deadline", "id")
    )
    return [
        {
            "number": notice.case.number,
            "title": notice.case.title,
            "requirements": notice.requirements,
            "deadline": notice.deadline,
            "overdue": notice.deadline < today,
            "notified_at": notice.notified_at,
        }
        for notice in notices
    ]


def report_on(
    log: EventLog, *, period: str = "month", unit_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """The engine with this installation's thresholds and working calendar."""
    from django.conf import settings

    from hotline.accounts.unit_review import unit_leads, unit_review_periods
    from hotline.domain.supervision.engine import supervise
    from hotline.reference.selectors import working_calendar

    return supervise(
        log,
        thresholds=settings.HOTLINE_SUPERVISION,
        unit_names=unit_names,
        is_working_day=working_calendar().is_working_day if log.ours else None,
        period=period,
        review_periods=unit_review_periods() if log.ours else None,
        unit_leads=unit_leads() if log.ours else None,
    )


def database_report(
    *,
    period: str = "month",
    events: Path | str | None = None,
    as_of: datetime | None = None,
    since: date | None = None,
    engine: str = "duckdb",
) -> dict[str, Any]:
    """The report on the database's events (or on an export of them, ``events``) on
    ``engine`` (duckdb or spark), unit names from the database; with the stored agent findings
    when it reads the database. Not scoped: the CLI calls it, and :func:`supervision_report`
    after checking the user."""
    from django.conf import settings

    from hotline.accounts.models import Unit
    from hotline.domain.supervision.eventlog import load_interchange, restrict_since
    from hotline.workorders.interchange import events_export

    with tempfile.TemporaryDirectory() as scratch:
        source = events
        if source is None:
            source = Path(scratch) / "events.jsonl"
            events_export(source)
        log = load_interchange(source, tz=settings.TIME_ZONE, as_of=as_of, engine=engine)
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
# The engine reads the whole log (a second or more on a city's database), so the report is
# computed by whichever process refreshes (`hotline worker`, or the refresh thread of a
# one-process `hotline serve`: hotline.web.warmup) and kept in Django's cache, which every server
# process shares: a small stamp (its id and when it was made) and the report itself. Each process
# keeps the report it last read by its id, so a page view costs one stamp read while the report
# stays the same, and every process shows the new one as soon as it is stored.
_STAMP_KEY = "supervision:report:stamp"
_BODY_KEY = "supervision:report:body"
_WANTED_KEY = "supervision:report:wanted"
_read: Cache[str, dict[str, Any]] = Cache(name="supervision report", max_size=1)
_building = threading.Lock()
_now = time.time  # wall-clock seconds: the stamp is compared across processes


def supervision_report_store(report: dict[str, Any]) -> str:
    """Keep ``report`` as the one every process shows; returns its id. The body is written
    before the stamp, so a reader that sees the new stamp finds its report."""
    report_id = uuid.uuid4().hex
    cache.set(_BODY_KEY, {"id": report_id, "report": report}, timeout=None)
    cache.set(_STAMP_KEY, {"id": report_id, "built": _now()}, timeout=None)
    cache.delete(_WANTED_KEY)
    return report_id


def supervision_report_refresh(*, force: bool = False) -> bool:
    """Compute and store the next report when none is kept, or when the kept one is older than
    REPORT_SECONDS and a page was shown it since (or ``force``); returns whether it did."""
    stamp = cache.get(_STAMP_KEY)
    due = stamp is None or (_stale(stamp) and cache.get(_WANTED_KEY) is not None)
    if not (due or force):
        return False
    # database_report is looked up at call time, so a test can replace it.
    supervision_report_store(database_report())
    return True


def _stale(stamp: dict[str, Any]) -> bool:
    return bool(_now() - stamp["built"] > REPORT_SECONDS)


def _kept(stamp: dict[str, Any]) -> dict[str, Any] | None:
    def load() -> dict[str, Any]:
        body = cache.get(_BODY_KEY)
        # A newer report than the stamp read a moment ago is as good; a missing one is rebuilt.
        return body["report"] if body else {}

    report = _read.get_or_build(stamp["id"], build=load)
    return report or None


def supervision_report_cached() -> dict[str, Any]:
    """The supervision report every server process shows, at most REPORT_SECONDS old when
    fresh. An older one is shown while a refresher runs (hotline.background) and computed on
    this page view otherwise, as is the first one. Callers check the reader may supervise."""
    stamp = cache.get(_STAMP_KEY)
    if stamp is not None and (not _stale(stamp) or background_running()):
        report = _kept(stamp)
        if report is not None:
            if _stale(stamp):
                cache.add(_WANTED_KEY, True, timeout=None)
            return dict(report)
    with _building:  # one build per process; a thread that waited finds it done
        stamp = cache.get(_STAMP_KEY)
        if stamp is None or _stale(stamp) or _kept(stamp) is None:
            _read.put(supervision_report_store(report := database_report()), value=report)
            return dict(report)
        return dict(_kept(stamp) or {})
