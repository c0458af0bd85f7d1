"""Unit scorecards per period (承办单位考核): the rates of 接诉即办, a score, a rank, a trend.

Every event is charged to the unit holding the order at that moment (the last dispatch target)
and to the period it happened in. Rates with nothing to divide are None, never 0 or 100 %.

=====================  ========================================================================
accept_on_time_rate    签收及时率: dispatches accepted by the 签收 deadline / dispatches accepted
closed_on_time_rate    按时办结率: closures requested by the 办理 deadline / closures
return_rate            退单率: approved returns / dispatches
return_rejection_rate  退单驳回率: rejected return requests / return requests
close_rejection_rate   办结驳回率: rejected closure requests / closure requests
reopen_rate            重办率: reopened orders / closures
resolved_rate          回访解决率 (解决率): follow-ups resolved / follow-ups reaching the citizen
satisfied_rate         满意率: follow-ups satisfied / follow-ups reaching the citizen
=====================  ========================================================================

响应率 is 签收及时率 here. The score weighs 响应率, 解决率 and 满意率 as the 接诉即办 assessment
does (10 / 45 / 45 by default); a rate that is None leaves its weight out.
"""

from __future__ import annotations

from typing import Any

from hotline.domain.detectors.base import rows
from hotline.domain.supervision.eventlog import EventLog

WEIGHTS = {"accept_on_time_rate": 0.10, "resolved_rate": 0.45, "satisfied_rate": 0.45}
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


def scorecards(
    log: EventLog, *, period: str = "month", weights: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """One row per (period, unit), ranked within the period, with the change since the last."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    counts = rows(log, _SQL.format(period=PERIODS[period]))
    weights = weights or WEIGHTS
    for row in counts:
        row["period"] = row["period"].date().isoformat()
        for name, (part, whole) in RATES.items():
            row[name] = row[part] / row[whole] if row[whole] else None
        row["score"] = _score(row, weights)
    return _rank(counts)


def _score(row: dict[str, Any], weights: dict[str, float]) -> float | None:
    present = {name: weight for name, weight in weights.items() if row.get(name) is not None}
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


_SQL = """
WITH charged AS (
  SELECT *,
    last_value(CASE WHEN action = 'dispatch' THEN to_unit END IGNORE NULLS)
      OVER (PARTITION BY order_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS in_charge,
    lag(action) OVER (PARTITION BY order_id ORDER BY seq) AS before
  FROM events
  WHERE action IN ('dispatch', 'accept', 'request_return', 'approve_return', 'reject_return',
                   'request_close', 'approve_close', 'reject_close', 'reopen', 'follow_up')
), accepts AS (
  SELECT d.order_id, d.seq, d.to_unit AS unit, d.ts,
    CAST(CAST(d.data->>'$.accept_deadline' AS TIMESTAMPTZ) AS TIMESTAMP) AS deadline,
    min(a.ts) AS accepted_at
  FROM events d JOIN events a ON a.order_id = d.order_id AND a.action = 'accept'
   AND a.seq > d.seq
  WHERE d.action = 'dispatch'
  GROUP BY ALL
), closes AS (
  SELECT c.order_id, c.seq, c.in_charge AS unit, c.ts,
    (SELECT max(r.ts) FROM charged r WHERE r.order_id = c.order_id
       AND r.action = 'request_close' AND r.seq < c.seq) AS requested_at,
    (SELECT arg_max(CAST(CAST(e.data->>'$.deadline' AS TIMESTAMPTZ) AS TIMESTAMP), e.seq)
       FROM events e WHERE e.order_id = c.order_id AND e.seq < c.seq
       AND e.data->>'$.deadline' IS NOT NULL) AS deadline
  FROM charged c WHERE c.action = 'approve_close'
), tallies AS (
  SELECT date_trunc('{period}', ts) AS period, in_charge AS unit,
    count(*) FILTER (WHERE action = 'dispatch') AS dispatches,
    count(*) FILTER (WHERE action = 'approve_return') AS returns,
    count(*) FILTER (WHERE action = 'request_return') AS return_requests,
    count(*) FILTER (WHERE action = 'reject_return') AS returns_rejected,
    count(*) FILTER (WHERE action = 'request_close') AS close_requests,
    count(*) FILTER (WHERE action = 'reject_close') AS closes_rejected,
    count(*) FILTER (WHERE action = 'reopen') AS reopens,
    count(*) FILTER (WHERE action = 'follow_up'
                     AND CAST(data->>'$.reached' AS BOOLEAN)) AS reached,
    count(*) FILTER (WHERE action = 'follow_up'
                     AND CAST(data->>'$.resolved' AS BOOLEAN)) AS resolved,
    count(*) FILTER (WHERE action = 'follow_up'
                     AND CAST(data->>'$.satisfied' AS BOOLEAN)) AS satisfied
  FROM charged WHERE in_charge IS NOT NULL GROUP BY ALL
), accept_tallies AS (
  SELECT date_trunc('{period}', ts) AS period, unit, count(*) AS accepted,
    count(*) FILTER (WHERE accepted_at <= deadline OR deadline IS NULL) AS accepted_on_time
  FROM accepts GROUP BY ALL
), close_tallies AS (
  SELECT date_trunc('{period}', ts) AS period, unit, count(*) AS closed,
    count(*) FILTER (WHERE requested_at <= deadline OR deadline IS NULL) AS closed_on_time
  FROM closes WHERE unit IS NOT NULL GROUP BY ALL
)
SELECT period, unit,
  coalesce(t.dispatches, 0) AS dispatches, coalesce(t.returns, 0) AS returns,
  coalesce(t.return_requests, 0) AS return_requests,
  coalesce(t.returns_rejected, 0) AS returns_rejected,
  coalesce(t.close_requests, 0) AS close_requests,
  coalesce(t.closes_rejected, 0) AS closes_rejected, coalesce(t.reopens, 0) AS reopens,
  coalesce(t.reached, 0) AS reached, coalesce(t.resolved, 0) AS resolved,
  coalesce(t.satisfied, 0) AS satisfied,
  coalesce(a.accepted, 0) AS accepted, coalesce(a.accepted_on_time, 0) AS accepted_on_time,
  coalesce(c.closed, 0) AS closed, coalesce(c.closed_on_time, 0) AS closed_on_time
FROM tallies t
FULL JOIN accept_tallies a USING (period, unit)
FULL JOIN close_tallies c USING (period, unit)
ORDER BY period, unit
"""
