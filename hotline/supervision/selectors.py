"""Reads of supervision cases, for supervisors only (everyone else sees nothing)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from hotline.accounts.models import User
from hotline.supervision.models import CaseOrder, CaseSanction, SupervisionCase
from hotline.supervision.services import SUPERVISING


def case_list(*, user: User) -> QuerySet[SupervisionCase]:
    if user.hotline_role not in SUPERVISING:
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


def supervision_report(*, user: User, period: str = "month") -> dict[str, Any] | None:
    """Every detector, the handover metrics and the scorecards on the database's events."""
    if user.hotline_role not in SUPERVISING:
        return None
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from hotline.accounts.models import Unit
    from hotline.domain.supervision.engine import supervise
    from hotline.domain.supervision.eventlog import load_interchange
    from hotline.workorders.interchange import events_export
    from hotline.workorders.services import working_calendar

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "events.jsonl"
        events_export(path)
        log = load_interchange(path, tz=settings.TIME_ZONE)
        return supervise(
            log,
            thresholds=settings.HOTLINE_SUPERVISION,
            unit_names=dict(Unit.objects.values_list("code", "name")),
            is_working_day=working_calendar().is_working_day,
            period=period,
        )
