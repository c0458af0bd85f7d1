"""``stalled`` (长期未处理): an open order on which nothing has happened for N working days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, open_orders_sql, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "stalled"


@dataclass(frozen=True)
class StalledThresholds:
    working_days: int = 5


def detect(log: EventLog, limits: StalledThresholds | None = None) -> list[Finding]:
    """Needs a ``workdays(day)`` table (see eventlog.add_working_days); our own logs only."""
    if not log.ours:
        return []
    limits = limits or StalledThresholds()
    return run(log, SQL, [limits.working_days], lambda row: _finding(row, limits))


def _finding(row: dict[str, Any], limits: StalledThresholds) -> Finding:
    text = (
        f"该工单在 {row['unit_name']} 已 {row['idle_days']} 个工作日无任何处理记录"
        f"（最后一次处理在 {row['last_at']:%Y-%m-%d}，见证据所指的一步）"
    )
    return Finding(
        detector=CODE,
        severity=HIGH if row["idle_days"] >= 2 * limits.working_days else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=(row["last_seq"],),
        explanation=text + "。",
    )


# $1 idle working days. The order is with its last dispatch target (or the center).
SQL = f"""
WITH open AS ({open_orders_sql()}),
last AS (
  SELECT e.order_id, max(e.seq) AS last_seq, arg_max(e.action, e.seq) AS last_action,
         max(e.ts) AS last_at,
         coalesce(arg_max(e.to_unit, e.seq) FILTER (WHERE e.action IN ('dispatch', 'reassign')),
                  'center')
           AS dispatched_to,
         arg_max(e.action, e.seq)
           FILTER (WHERE e.action IN ('dispatch', 'reassign', 'approve_return'))
           AS placement
  FROM events e JOIN open USING (order_id) GROUP BY e.order_id
), idle AS (
  SELECT l.*, CASE WHEN placement <> 'approve_return' THEN dispatched_to ELSE 'center' END AS unit,
    (SELECT count(*) FROM workdays w
      WHERE w.day > CAST(l.last_at AS DATE) AND w.day <= CAST((SELECT ts FROM as_of) AS DATE))
      AS idle_days
  FROM last l
)
SELECT *, {named("unit")} AS unit_name FROM idle WHERE idle_days >= $1 ORDER BY order_id
"""
