"""Unit scorecards per period (承办单位考核): the rates of 接诉即办, the conduct the 天眼 detectors
found, a score, a rank, a trend.

Every event is charged to the unit holding the order at that moment (the last dispatch or
改派 target; never an assisting unit, 协办) and to the period it happened in; a finding is
charged to the unit it names and to the period of its first evidence event. A 改派 counts as
a dispatch to the new unit; the old unit is not credited with the new unit's 签收. Rates with
nothing to divide are None, never 0 or 100 %.

=====================  ========================================================================
accept_on_time_rate    签收及时率: dispatches accepted by the 签收 deadline / dispatches accepted
closed_on_time_rate    按时办结率: closures requested by the 办理 deadline / closures
return_rate            退单率: approved returns / dispatches
return_rejection_rate  退单驳回率: rejected return requests / return requests
close_rejection_rate   办结驳回率: rejected closure requests / closure requests
reopen_rate            重办率: reopened orders / closures
resolved_rate          回访解决率 (解决率): follow-ups resolved / follow-ups reaching the citizen
satisfied_rate         满意率: follow-ups satisfied / follow-ups reaching the citizen
conduct_rate           履职规范率: 1 − (weighted findings charged to the unit / orders it handled),
                       at least 0; "orders handled" are the orders with an event charged to the
                       unit in the period. None when no findings were given (not measured).
=====================  ========================================================================

The score. No official formula exists: 12345 assessments publish 响应率, 解决率 and 满意率
(weighed 10 / 45 / 45 here, as Beijing's 接诉即办 assessment does) but nothing for what the
supervisors find. This one is a weighted mean, on 0–100, of the rates that are not None::

    score = 100 × Σ weight(r) × r / Σ weight(r)   over r in DEFAULT_WEIGHTS with a value

with 响应率 = accept_on_time_rate and the conduct part ``conduct_rate`` weighed 50 by default,
so that a unit that bounces orders or closes them without contacting the citizen ranks low even
when its citizens end up satisfied. Each finding counts with its detector's weight
(DEFAULT_FINDING_WEIGHTS: 3 for a bounce or a closure without contact, down to ½ for a late
签收; 0 leaves a detector out); a unit with one weighted finding per five orders has a conduct
rate of 80 %. The center may change every weight (a rate weighed 0
leaves the score); a rate that is None leaves its weight out.

:func:`scorecard_counts` reads the log once (month and quarter, the counts only), and
:func:`score_table` turns counts into rates, scores, ranks and trends with any weights, so a
cached report can be scored again with the center's weights without reading the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from hotline.domain.detectors.base import rows
from hotline.domain.detectors.finding import Finding
from hotline.domain.duck import insert_columns
from hotline.domain.supervision.eventlog import EventLog

DEFAULT_WEIGHTS: dict[str, float] = {
    "accept_on_time_rate": 10.0,
    "resolved_rate": 45.0,
    "satisfied_rate": 45.0,
    "conduct_rate": 50.0,
}
WEIGHTS = DEFAULT_WEIGHTS
# The order detectors whose findings name a unit (agent detectors name nobody's unit), weighed by
# the kind of misconduct: 推诿扯皮 (bounce, returns without basis) and 虚假办结 (closing without
# contacting the citizen, closures rejected) count most, as the 接诉即办 rules name them first;
# 敷衍 (boilerplate, unsatisfied, repeat) counts one; delays, which the 时效 rates already
# measure, count one half (签收) or one.
DEFAULT_FINDING_WEIGHTS: dict[str, float] = {
    "bounce": 3.0,
    "close_without_contact": 3.0,
    "rejected_return": 2.0,
    "rejected_close": 2.0,
    "unreviewed_request": 2.0,
    "boilerplate_reply": 1.0,
    "reply_mismatch": 1.0,
    "unsatisfied_after_close": 1.0,
    "repeat_request": 1.0,
    "overdue_handle": 1.0,
    "stalled": 1.0,
    "overdue_accept": 0.5,
}
# Findings about the center's own work (回访超时 is charged to the center unit): not a handling
# unit's conduct, so the unit scorecards leave them out.
CENTER_DETECTORS = frozenset({"overdue_follow_up"})
PERIODS = {"month": "month", "week": "week", "quarter": "quarter", "year": "year"}
RATES = {
    "accept_on_time_rate": ("accepted_on_time", "accepted"),
    "closed_on_time_rate": ("closed_on_time", "closed"),
    "return_rate": ("returns", "dispatches"),
    "return_rejection_rate": ("returns_rejected", "return_requests"),
    "close_rejection_rate": ("closes_rejected", "close_requests"),
    "reopen_rate": ("reopens", "closed"),
    "resolved_rate": ("resolved", "reached"),
    "satisfied_rate": ("satisfied", "reached"),
}
FindingLike = Finding | Mapping[str, Any]


def scorecards(
    log: EventLog,
    *,
    period: str = "month",
    weights: Mapping[str, float] | None = None,
    findings: Iterable[FindingLike] | None = None,
    finding_weights: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """One row per (period, unit), ranked within the period, with the change since the last."""
    counts = scorecard_counts(log, periods=(period,), findings=findings)[period]
    return score_table(counts, weights=weights, finding_weights=finding_weights)


def scorecard_counts(
    log: EventLog,
    *,
    periods: Iterable[str] = ("month", "quarter"),
    findings: Iterable[FindingLike] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per period kind, one row of counts per (period, unit): JSON-ready (the period as an ISO
    date, ``findings`` as {detector: count}, or None when no findings were given)."""
    periods = tuple(periods)
    for period in periods:
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    measured = findings is not None
    _load_findings(log, findings or ())
    for statement in _ROWS_SQL:
        log.con.execute(statement)
    out: dict[str, list[dict[str, Any]]] = {}
    for period in periods:
        table = rows(log, _SQL.format(period=PERIODS[period]))
        for row in table:
            row["period"] = row["period"].date().isoformat()
            detectors = row.pop("detectors") or []
            row["findings"] = dict(sorted(Counter(detectors).items())) if measured else None
        out[period] = table
    return out


def score_table(
    counts: Iterable[Mapping[str, Any]],
    *,
    weights: Mapping[str, float] | None = None,
    finding_weights: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Rates, conduct, score, rank and trend from :func:`scorecard_counts` rows (one kind)."""
    weights = DEFAULT_WEIGHTS if weights is None else weights
    finding_weights = DEFAULT_FINDING_WEIGHTS if finding_weights is None else finding_weights
    table = []
    for counted in counts:
        row = dict(counted)
        for name, (part, whole) in RATES.items():
            row[name] = row[part] / row[whole] if row[whole] else None
        found = row.get("findings")
        row["finding_count"] = sum(found.values()) if found is not None else None
        if found is None or not row.get("orders"):
            row["conduct_rate"] = None
        else:
            weighted = sum(finding_weights.get(k, 1.0) * n for k, n in found.items())
            row["conduct_rate"] = max(0.0, 1 - weighted / row["orders"])
        row["score"] = _score(row, weights)
        table.append(row)
    return _rank(table)


def _load_findings(log: EventLog, findings: Iterable[FindingLike]) -> None:
    """``scorecard_findings(order_id, unit, detector, seq)``: findings that name a unit and an
    order, at their first evidence event."""
    charged = []
    for finding in findings:
        item = finding.as_dict() if isinstance(finding, Finding) else finding
        if item.get("detector") in CENTER_DETECTORS:
            continue
        if item.get("unit") and item.get("order") and item.get("evidence"):
            charged.append(
                (str(item["order"]), item["unit"], item["detector"], min(item["evidence"]))
            )
    log.con.execute(
        "CREATE OR REPLACE TEMP TABLE scorecard_findings "
        "(order_id VARCHAR, unit VARCHAR, detector VARCHAR, seq BIGINT)"
    )
    names = ("order_id", "unit", "detector", "seq")
    insert_columns(
        log.con, "scorecard_findings", {n: [c[i] for c in charged] for i, n in enumerate(names)}
    )


def _score(row: Mapping[str, Any], weights: Mapping[str, float]) -> float | None:
    present = {
        name: weight for name, weight in weights.items() if weight and row.get(name) is not None
    }
    if not present:
        return None
    total = sum(present.values())
    return round(100 * sum(row[name] * weight for name, weight in present.items()) / total, 2)


def _rank(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_period: dict[str, list[dict[str, Any]]] = {}
    for row in table:
        by_period.setdefault(row["period"], []).append(row)
    previous: dict[str, dict[str, Any]] = {}
    for period in sorted(by_period):
        ranked = sorted(by_period[period], key=lambda r: (r["score"] is None, -(r["score"] or 0)))
        for rank, row in enumerate(ranked, start=1):
            row["rank"] = rank if row["score"] is not None else None
            before = previous.get(row["unit"])
            row["score_change"] = (
                round(row["score"] - before["score"], 2)
                if before and row["score"] is not None and before["score"] is not None
                else None
            )
            row["rank_change"] = (
                before["rank"] - row["rank"] if before and before["rank"] and row["rank"] else None
            )
        previous = {row["unit"]: row for row in ranked}
    return sorted(table, key=lambda r: (r["period"], r["rank"] or 10**9, r["unit"]))


# Actions whose data carries the order's handling deadline (the interchange format's ``deadline``).
_DEADLINE_ACTIONS = (
    "'dispatch', 'reassign', 'approve_extension', 'reject_return', 'reject_close', 'reopen'"
)
_CHARGED_ACTIONS = (
    "'dispatch', 'reassign', 'accept', 'request_return', 'approve_return', 'reject_return', "
    "'request_close', 'approve_close', 'reject_close', 'reopen', 'follow_up'"
)

# The event-level rows, once for every period kind: each event charged to the unit holding the
# order then (the last dispatch or 改派 target), with what a closure needs (when the closure was
# requested, the deadline in force) and a send's 签收 (the accept that follows it before the
# next send: between two sends the lifecycle allows one accept at most). Window functions over
# the events of those actions, never a join of the events with themselves.
_ROWS_SQL = (
    f"""
CREATE OR REPLACE TEMP TABLE scorecard_events AS
WITH flow AS (
  SELECT order_id, seq, ts, action, to_unit,
    CASE WHEN action = 'follow_up' THEN data END AS follow_up,
    last_value(CASE WHEN action IN ('dispatch', 'reassign') THEN to_unit END IGNORE NULLS)
      OVER upto AS in_charge,
    last_value(CASE WHEN action = 'request_close' THEN ts END IGNORE NULLS)
      OVER before AS requested_at,
    last_value(CASE WHEN action IN ({_DEADLINE_ACTIONS})
        THEN CAST(CAST(data->>'$.deadline' AS TIMESTAMPTZ) AS TIMESTAMP) END IGNORE NULLS)
      OVER before AS deadline
  FROM events
  WHERE action IN ({_CHARGED_ACTIONS}, 'approve_extension')
  WINDOW upto AS (PARTITION BY order_id ORDER BY seq ROWS UNBOUNDED PRECEDING),
         before AS (PARTITION BY order_id ORDER BY seq
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT order_id, seq, ts, action, in_charge, requested_at, deadline,
  CAST(follow_up->>'$.reached' AS BOOLEAN) AS reached,
  CAST(follow_up->>'$.resolved' AS BOOLEAN) AS resolved,
  CAST(follow_up->>'$.satisfied' AS BOOLEAN) AS satisfied
FROM flow WHERE action IN ({_CHARGED_ACTIONS})
""",
    """
CREATE OR REPLACE TEMP TABLE scorecard_accepts AS
WITH sends AS (
  SELECT order_id, action, to_unit AS unit, ts,
    CAST(CAST(data->>'$.accept_deadline' AS TIMESTAMPTZ) AS TIMESTAMP) AS deadline,
    lead(action) OVER next AS next_action, lead(ts) OVER next AS next_ts
  FROM events WHERE action IN ('dispatch', 'reassign', 'accept')
  WINDOW next AS (PARTITION BY order_id ORDER BY seq)
)
SELECT unit, ts, deadline, next_ts AS accepted_at FROM sends
WHERE action IN ('dispatch', 'reassign') AND next_action = 'accept'
""",
    """
CREATE OR REPLACE TEMP TABLE scorecard_found AS
SELECT e.ts, f.unit, f.detector
FROM scorecard_findings f JOIN events e ON e.order_id = f.order_id AND e.seq = f.seq
""",
)

# Per period kind: sums over the rows above.
_SQL = """
WITH tallies AS (
  SELECT date_trunc('{period}', ts) AS period, in_charge AS unit,
    count(DISTINCT order_id) AS orders,
    count(*) FILTER (WHERE action IN ('dispatch', 'reassign')) AS dispatches,
    count(*) FILTER (WHERE action = 'approve_return') AS returns,
    count(*) FILTER (WHERE action = 'request_return') AS return_requests,
    count(*) FILTER (WHERE action = 'reject_return') AS returns_rejected,
    count(*) FILTER (WHERE action = 'request_close') AS close_requests,
    count(*) FILTER (WHERE action = 'reject_close') AS closes_rejected,
    count(*) FILTER (WHERE action = 'reopen') AS reopens,
    count(*) FILTER (WHERE action = 'follow_up' AND reached) AS reached,
    count(*) FILTER (WHERE action = 'follow_up' AND resolved) AS resolved,
    count(*) FILTER (WHERE action = 'follow_up' AND satisfied) AS satisfied
  FROM scorecard_events WHERE in_charge IS NOT NULL GROUP BY ALL
), accept_tallies AS (
  SELECT date_trunc('{period}', ts) AS period, unit, count(*) AS accepted,
    count(*) FILTER (WHERE accepted_at <= deadline OR deadline IS NULL) AS accepted_on_time
  FROM scorecard_accepts GROUP BY ALL
), close_tallies AS (
  SELECT date_trunc('{period}', ts) AS period, in_charge AS unit, count(*) AS closed,
    count(*) FILTER (WHERE requested_at <= deadline OR deadline IS NULL) AS closed_on_time
  FROM scorecard_events WHERE action = 'approve_close' AND in_charge IS NOT NULL GROUP BY ALL
), finding_tallies AS (
  SELECT date_trunc('{period}', ts) AS period, unit, list(detector) AS detectors
  FROM scorecard_found GROUP BY ALL
)
SELECT period, unit,
  coalesce(t.orders, 0) AS orders, coalesce(t.dispatches, 0) AS dispatches,
  coalesce(t.returns, 0) AS returns,
  coalesce(t.return_requests, 0) AS return_requests,
  coalesce(t.returns_rejected, 0) AS returns_rejected,
  coalesce(t.close_requests, 0) AS close_requests,
  coalesce(t.closes_rejected, 0) AS closes_rejected, coalesce(t.reopens, 0) AS reopens,
  coalesce(t.reached, 0) AS reached, coalesce(t.resolved, 0) AS resolved,
  coalesce(t.satisfied, 0) AS satisfied,
  coalesce(a.accepted, 0) AS accepted, coalesce(a.accepted_on_time, 0) AS accepted_on_time,
  coalesce(c.closed, 0) AS closed, coalesce(c.closed_on_time, 0) AS closed_on_time,
  coalesce(f.detectors, []) AS detectors
FROM tallies t
FULL JOIN accept_tallies a USING (period, unit)
FULL JOIN close_tallies c USING (period, unit)
FULL JOIN finding_tallies f USING (period, unit)
ORDER BY period, unit
"""
