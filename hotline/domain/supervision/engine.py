"""Run every detector that applies to a log, with thresholds, and shape the report."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from hotline.domain.detectors import (
    boilerplate_reply,
    bounce,
    close_without_contact,
    overdue_accept,
    overdue_follow_up,
    overdue_handle,
    rejected_close,
    rejected_return,
    repeat_request,
    reply_mismatch,
    stalled,
    unreviewed_request,
    unsatisfied_after_close,
)
from hotline.domain.detectors.base import ensure_unit_names
from hotline.domain.detectors.finding import Finding
from hotline.domain.hotspots.cluster import limits_from
from hotline.domain.supervision.eventlog import EventLog, add_working_days
from hotline.domain.supervision.handover import (
    handover_metrics,
    order_handovers,
    unit_handovers,
    unit_pairs,
)
from hotline.domain.supervision.hotspots import detect_hotspots
from hotline.domain.supervision.scorecard import score_table, scorecard_counts

# code → (run, thresholds class or None); order is the report's order.
DETECTORS: dict[str, tuple[Callable[..., list[Finding]], type | None]] = {
    "bounce": (bounce.detect, bounce.BounceThresholds),
    "rejected_return": (rejected_return.detect, None),
    "rejected_close": (rejected_close.detect, rejected_close.RejectedCloseThresholds),
    "close_without_contact": (close_without_contact.detect, None),
    "unreviewed_request": (unreviewed_request.detect, None),
    "overdue_accept": (overdue_accept.detect, overdue_accept.OverdueAcceptThresholds),
    "overdue_handle": (overdue_handle.detect, overdue_handle.OverdueHandleThresholds),
    "stalled": (stalled.detect, stalled.StalledThresholds),
    "overdue_follow_up": (
        overdue_follow_up.detect,
        overdue_follow_up.OverdueFollowUpThresholds,
    ),
    "unsatisfied_after_close": (
        unsatisfied_after_close.detect,
        unsatisfied_after_close.UnsatisfiedThresholds,
    ),
    "repeat_request": (repeat_request.detect, repeat_request.RepeatThresholds),
    "boilerplate_reply": (boilerplate_reply.detect, boilerplate_reply.BoilerplateThresholds),
    "reply_mismatch": (reply_mismatch.detect, reply_mismatch.MismatchThresholds),
}
# On a log with units only (no lifecycle actions) only these mean anything.
EXTERNAL_DETECTORS = ("bounce",)


def run_detectors(
    log: EventLog,
    *,
    thresholds: Mapping[str, Mapping[str, Any]] | None = None,
    only: tuple[str, ...] | None = None,
    timings: dict[str, float] | None = None,
) -> list[Finding]:
    found: list[Finding] = []
    wanted = only or (tuple(DETECTORS) if log.ours else EXTERNAL_DETECTORS)
    for code in wanted:
        detect, limits_class = DETECTORS[code]
        started = time.perf_counter()
        if limits_class is None:
            found += detect(log)
        else:
            found += detect(log, limits_class(**dict((thresholds or {}).get(code, {}))))
        if timings is not None:
            timings[code] = time.perf_counter() - started
    return found


def supervise(
    log: EventLog,
    *,
    thresholds: Mapping[str, Mapping[str, Any]] | None = None,
    unit_names: dict[str, str] | None = None,
    is_working_day: Callable[[date], bool] | None = None,
    timings: dict[str, float] | None = None,
    period: str = "month",
    review_periods: unreviewed_request.ReviewPeriods | None = None,
    unit_leads: unreviewed_request.UnitLeads | None = None,
) -> dict[str, Any]:
    """The whole report: summary, findings, units (with their findings by detector), the unit
    pairs (bounce network), the orders that changed hands (worst 1,000) and the unit scorecards
    per ``period``. ``review_periods`` and ``unit_leads`` (单位审核) feed ``unreviewed_request``."""
    ensure_unit_names(log, unit_names)
    unreviewed_request.ensure_review_inputs(log, periods=review_periods, leads=unit_leads)
    if log.ours:
        add_working_days(log, is_working_day or (lambda day: day.weekday() < 5))
    started = time.perf_counter()
    summary = handover_metrics(log)
    if timings is not None:
        timings["handover"] = time.perf_counter() - started
    findings = run_detectors(log, thresholds=thresholds, timings=timings)
    per_unit: dict[str, Counter[str]] = {}
    for finding in findings:
        per_unit.setdefault(finding.unit or "", Counter())[finding.detector] += 1
    handovers = unit_handovers(log)
    units: list[dict[str, Any]] = [
        {
            "unit": unit,
            "name": (unit_names or {}).get(unit, unit),
            **handovers.get(unit, {}),
            "findings": dict(sorted(per_unit.get(unit, Counter()).items())),
            "finding_count": sum(per_unit.get(unit, Counter()).values()),
        }
        for unit in sorted(set(handovers) | set(per_unit), key=str)
        if unit
    ]
    units.sort(key=lambda row: (-row["finding_count"], row["unit"]))
    by_detector = Counter(finding.detector for finding in findings)
    # 考核: counts per month and quarter (scored again with the center's weights by the caller).
    counts = (
        scorecard_counts(
            log, periods=dict.fromkeys((period, "month", "quarter")), findings=findings
        )
        if log.ours
        else {}
    )
    started = time.perf_counter()
    pairs = unit_pairs(log)
    if timings is not None:
        timings["pairs"] = time.perf_counter() - started
    started = time.perf_counter()
    hotspots = [hotspot.as_dict() for hotspot in detect_hotspots(log, limits_from(thresholds))]
    if timings is not None:
        timings["hotspots"] = time.perf_counter() - started
    return {
        "summary": {
            **summary,
            "findings": len(findings),
            "orders_flagged": len({finding.order for finding in findings}),
            "by_detector": dict(sorted(by_detector.items())),
            **_hotspot_counts(log, hotspots),
            "as_of": log.as_of.isoformat() if log.as_of else None,
        },
        "findings": [finding.as_dict() for finding in findings],
        "hotspots": hotspots,
        "units": units,
        "pairs": pairs,
        "orders": order_handovers(log),
        "scorecards": score_table(counts[period]) if counts else [],
        "scorecard_counts": counts,
    }


def _hotspot_counts(log: EventLog, hotspots: list[dict[str, Any]]) -> dict[str, int]:
    """热点 counts for the summary: only a log of ours says what an order was about."""
    if not log.ours:
        return {}
    return {
        "hotspots": len(hotspots),
        "growing_hotspots": sum(hotspot["growing"] for hotspot in hotspots),
    }
