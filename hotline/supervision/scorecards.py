"""考核: the unit scorecards scored with the center's weights, and what a unit's page shows.

The counts come from the cached supervision report (read once per refresh); the scores, ranks
and trends are computed from them with the weights of the moment on every view, so a change of
weights shows on the next page without rebuilding the report.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hotline.accounts.access import can_supervise
from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import Role
from hotline.domain.supervision.scorecard import score_table
from hotline.reference.score_weights import score_weights
from hotline.supervision.selectors import supervision_report_cached

PERIOD_KINDS = ("month", "quarter")
EVIDENCE_PER_DETECTOR = 20


def scored(report: dict[str, Any], *, kind: str = "month") -> list[dict[str, Any]]:
    """The report's scorecards of one period kind, scored with the center's weights."""
    counts = (report.get("scorecard_counts") or {}).get(kind) or []
    rates, detectors = score_weights()
    return score_table(counts, weights=rates, finding_weights=detectors)


def scorecard_view(*, user: User, kind: str = "month", period: str = "") -> dict[str, Any] | None:
    """The scorecards of one period (the latest when ``period`` is not one of them), with the
    periods to choose from, newest first; None for a reader who may not supervise."""
    if not can_supervise(user):
        return None
    if kind not in PERIOD_KINDS:
        kind = "month"
    table = scored(supervision_report_cached(), kind=kind)
    periods = sorted({row["period"] for row in table}, reverse=True)
    if period not in periods:
        period = periods[0] if periods else ""
    return {
        "kind": kind,
        "period": period,
        "periods": periods,
        "rows": [row for row in table if row["period"] == period],
    }


def may_see_unit(*, user: User, code: str) -> bool:
    """Supervisors and admins see every unit; a unit lead sees their own unit."""
    if can_supervise(user):
        return True
    return user.hotline_role == Role.UNIT_LEAD and bool(code) and user.unit_code == code


def unit_overview(*, user: User, code: str) -> dict[str, Any] | None:
    """What the unit page shows: the unit, its findings by detector (with evidence), the units
    it hands orders to and receives them from, and its monthly scorecards; None when the unit
    does not exist or the reader may not see it."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not may_see_unit(user=user, code=code):
        return None
    report = supervision_report_cached()
    grouped: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in report.get("findings", []):
        if finding.get("unit") == code:
            grouped[finding["detector"]].append(finding)
    findings = [
        {"detector": detector, "count": len(items), "items": items[:EVIDENCE_PER_DETECTOR]}
        for detector, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    pairs = report.get("pairs", [])
    history = [row for row in scored(report, kind="month") if row["unit"] == code]
    return {
        "unit": unit,
        "findings": findings,
        "finding_total": sum(f["count"] for f in findings),
        "hands_to": [p for p in pairs if p["from"] == code and p["to"] != code],
        "receives_from": [p for p in pairs if p["to"] == code and p["from"] != code],
        "history": history,
    }
