"""``overdue_follow_up`` (回访超时): a unit's closure that the center did not follow up (回访)
within the limit: the end of the ``working_days``-th working day after the closing day (see
:mod:`hotline.domain.follow_ups`), on the ``workdays`` table of the working calendar.

A follow-up is done by the first call that reached the citizen, or by the ``attempts``-th call
that did not (the center has tried enough). Each closure is judged on its own: a reopened order
counts again from its next closure, and a closure reopened before its deadline without a 回访 is
not judged (the order went back to work). Orders answered directly (``answer_directly``) need no
回访 and are never flagged. 回访 is the center's job, so the finding is charged to the center
unit (``center_unit``), never to the unit that closed the order; the scorecards leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.follow_ups import DEFAULT_ATTEMPTS, DEFAULT_WORKING_DAYS
from hotline.domain.supervision.eventlog import EventLog

CODE = "overdue_follow_up"


@dataclass(frozen=True)
class OverdueFollowUpThresholds:
    working_days: int = DEFAULT_WORKING_DAYS
    attempts: int = DEFAULT_ATTEMPTS
    center_unit: str = "center"


def detect(log: EventLog, limits: OverdueFollowUpThresholds | None = None) -> list[Finding]:
    """Needs a ``workdays(day)`` table (see eventlog.add_working_days); our own logs only."""
    if not log.ours:
        return []
    limits = limits or OverdueFollowUpThresholds()
    params = [int(limits.working_days), int(limits.attempts), limits.center_unit]
    return run(log, SQL, params, lambda row: _finding(row, limits))


def _finding(row: dict[str, Any], limits: OverdueFollowUpThresholds) -> Finding:
    days = row["late_minutes"] / 1440
    if row["done_seq"]:
        verb = f"超过时限 {days:.1f} 天才回访"
    elif row["reopen_seq"]:
        verb = "直到重办都未回访"
    else:
        verb = f"超过时限 {days:.1f} 天仍未回访"
    text = (
        f"{row['center_name']} 对 {row['unit_name']} {row['closed_at']:%Y-%m-%d %H:%M} 办结的工单"
        f"{verb}（回访时限为办结后 {limits.working_days} 个工作日，"
        f"至 {row['deadline'] - timedelta(days=1):%Y-%m-%d} 24:00）"
    )
    return Finding(
        detector=CODE,
        severity=MEDIUM if row["done_seq"] else HIGH,
        order=row["order_id"],
        unit=limits.center_unit,
        evidence=tuple(seq for seq in (row["close_seq"], row["done_seq"]) if seq),
        explanation=text + "。",
        minutes=row["late_minutes"],
    )


# $1 working days, $2 attempts, $3 the center's unit code. A closure's window runs to the next
# reopen; the deadline is midnight after the $1-th working day after the closing day (no row in
# ``workdays`` that far: the deadline lies after the log, not judged).
SQL = f"""
WITH steps AS (
  SELECT order_id, seq, ts, action, data,
    last_value(CASE WHEN action IN ('dispatch', 'reassign') THEN to_unit END IGNORE NULLS)
      OVER (PARTITION BY order_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS holder
  FROM events WHERE action IN ('dispatch', 'reassign', 'approve_close', 'reopen', 'follow_up')
), closures AS (
  SELECT c.order_id, c.seq AS close_seq, c.ts AS closed_at, c.holder AS unit,
    min(r.seq) AS reopen_seq, min(r.ts) AS reopened_at
  FROM steps c LEFT JOIN steps r
    ON r.order_id = c.order_id AND r.action = 'reopen' AND r.seq > c.seq
  WHERE c.action = 'approve_close'
  GROUP BY ALL
), calls AS (
  SELECT c.order_id, c.close_seq, f.seq, f.ts,
    coalesce(CAST(f.data->>'$.reached' AS BOOLEAN), false) AS reached,
    row_number() OVER (PARTITION BY c.order_id, c.close_seq ORDER BY f.seq) AS attempt
  FROM closures c JOIN steps f
    ON f.order_id = c.order_id AND f.action = 'follow_up' AND f.seq > c.close_seq
   AND f.seq < coalesce(c.reopen_seq, 9223372036854775807)
), done AS (
  SELECT order_id, close_seq, min(seq) AS done_seq, min(ts) AS done_at
  FROM calls WHERE reached OR attempt >= $2 GROUP BY ALL
), ranked AS (
  SELECT day, row_number() OVER (ORDER BY day) AS n FROM workdays
), due AS (
  SELECT c.*, d.done_seq, d.done_at,
    CAST(w2.day + INTERVAL 1 DAY AS TIMESTAMP) AS deadline
  FROM closures c
  LEFT JOIN done d USING (order_id, close_seq)
  LEFT JOIN workday_ranks w ON w.day = CAST(c.closed_at AS DATE)
  JOIN ranked w2 ON w2.n = coalesce(w.n, 0) + $1
), late AS (
  SELECT *, epoch(coalesce(done_at, reopened_at, (SELECT ts FROM as_of)) - deadline) / 60
    AS late_minutes
  FROM due
)
SELECT *, {named("unit")} AS unit_name, {named("$3")} AS center_name
FROM late WHERE late_minutes >= 0 ORDER BY order_id, close_seq
"""
