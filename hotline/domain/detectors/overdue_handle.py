"""``overdue_handle`` (超期办结): work finished (closure requested) after the 办理 deadline in
force, or still not finished and past it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "overdue_handle"
DEADLINE_ACTIONS = (
    "dispatch",
    "reassign",
    "approve_extension",
    "reject_return",
    "reject_close",
    "reopen",
)


@dataclass(frozen=True)
class OverdueHandleThresholds:
    grace_minutes: float = 0.0


def detect(log: EventLog, limits: OverdueHandleThresholds | None = None) -> list[Finding]:
    limits = limits or OverdueHandleThresholds()
    return run(log, SQL, [limits.grace_minutes], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    days = row["late_minutes"] / 1440
    verb = "才申请办结" if row["done_seq"] else "仍未办结"
    due = f"{row['deadline']:%Y-%m-%d %H:%M}"
    text = f"{row['unit_name']} 超过办理时限 {days:.1f} 天{verb}（时限 {due}）"
    return Finding(
        detector=CODE,
        severity=HIGH if days >= 5 else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=tuple(seq for seq in (row["deadline_seq"], row["done_seq"]) if seq),
        explanation=text + "。",
        minutes=row["late_minutes"],
    )


_deadlines = ", ".join(f"'{action}'" for action in DEADLINE_ACTIONS)
# $1 grace minutes. Work is done when the approved closure was requested (the review time is the
# center's, not the unit's). An open order is measured against now, unless it waits in review
# (measured at the request) or is back with the center after an approved return (not measured).
SQL = f"""
WITH status AS (
  SELECT order_id,
    max(seq) FILTER (WHERE action IN ('approve_close', 'answer_directly', 'merge')) AS closed_seq,
    coalesce(max(seq) FILTER (WHERE action = 'reopen'), 0) AS reopen_seq,
    arg_max(action, seq) FILTER (WHERE action IN ('dispatch', 'reassign', 'request_close',
      'approve_close', 'reject_close', 'request_return', 'approve_return', 'reject_return',
      'reopen', 'answer_directly', 'merge')) AS last_step,
    max(seq) AS last_seq
  FROM events GROUP BY order_id
), reviews AS (
  SELECT order_id, seq, action, lag(seq) OVER (PARTITION BY order_id ORDER BY seq) AS request_seq
  FROM events WHERE action IN ('request_close', 'approve_close', 'reject_close')
), steps AS (
  SELECT order_id, max(seq) FILTER (WHERE action IN ('request_close', 'request_return')) AS seq
  FROM events GROUP BY order_id
), target AS (
  SELECT s.order_id, coalesce(s.closed_seq, 0) > s.reopen_seq AS closed,
    CASE WHEN coalesce(s.closed_seq, 0) > s.reopen_seq THEN r.request_seq
         WHEN s.last_step IN ('request_close', 'request_return') THEN p.seq END AS done_seq
  FROM status s
  LEFT JOIN reviews r ON r.order_id = s.order_id AND r.seq = s.closed_seq
  LEFT JOIN steps p ON p.order_id = s.order_id
  WHERE s.last_step IS DISTINCT FROM 'approve_return'
), measured AS (
  SELECT * FROM target WHERE NOT closed OR done_seq IS NOT NULL
), deadline AS (
  SELECT m.order_id, m.done_seq,
    arg_max(CAST(CAST(e.data->>'$.deadline' AS TIMESTAMPTZ) AS TIMESTAMP), e.seq) AS deadline,
    max(e.seq) AS deadline_seq,
    arg_max(e.to_unit, e.seq) FILTER (WHERE e.action IN ('dispatch', 'reassign')) AS unit
  FROM measured m JOIN events e ON e.order_id = m.order_id
   AND e.action IN ({_deadlines}) AND e.data->>'$.deadline' IS NOT NULL
   AND e.seq < coalesce(m.done_seq, 9223372036854775807)
  GROUP BY m.order_id, m.done_seq
), late AS (
  SELECT d.*, epoch(coalesce(x.ts, (SELECT ts FROM as_of)) - d.deadline) / 60 AS late_minutes
  FROM deadline d LEFT JOIN events x ON x.order_id = d.order_id AND x.seq = d.done_seq
)
SELECT *, {named("unit")} AS unit_name FROM late WHERE late_minutes > $1 AND unit IS NOT NULL
ORDER BY order_id
"""
