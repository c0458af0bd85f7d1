"""``overdue_accept`` (超时签收): a unit that let a dispatched order wait past its 签收 deadline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "overdue_accept"


@dataclass(frozen=True)
class OverdueAcceptThresholds:
    grace_minutes: float = 0.0


def detect(log: EventLog, limits: OverdueAcceptThresholds | None = None) -> list[Finding]:
    limits = limits or OverdueAcceptThresholds()
    return run(log, SQL, [limits.grace_minutes], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    hours = row["late_minutes"] / 60
    if row["accept_seq"]:
        text = f"{row['unit_name']} 超过签收时限 {hours:.1f} 小时才签收"
    else:
        text = f"{row['unit_name']} 超过签收时限 {hours:.1f} 小时仍未签收"
    return Finding(
        detector=CODE,
        severity=HIGH if hours >= 24 else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=tuple(seq for seq in (row["seq"], row["accept_seq"]) if seq),
        explanation=text + f"（时限 {row['deadline']:%Y-%m-%d %H:%M}）。",
        minutes=row["late_minutes"],
    )


# $1 grace minutes. The wait ends at the accept, at whatever took the order away (a return
# request, or its submission to the unit's lead (单位审核), a merge, a 改派 to another unit),
# or now. A 改派 starts the new unit's wait.
SQL = f"""
WITH dispatches AS (
  SELECT order_id, seq, to_unit AS unit,
         CAST(CAST(data->>'$.accept_deadline' AS TIMESTAMPTZ) AS TIMESTAMP) AS deadline,
         lead(seq) OVER (PARTITION BY order_id ORDER BY seq) AS next_dispatch
  FROM events WHERE action IN ('dispatch', 'reassign')
), ends AS (
  SELECT d.order_id, d.seq, d.unit, d.deadline,
         min(e.seq) FILTER (WHERE e.action = 'accept') AS accept_seq,
         min(e.ts) FILTER (WHERE e.action = 'accept') AS accepted_at,
         min(e.ts) FILTER (WHERE e.action IN ('request_return', 'submit_return', 'merge',
                                          'answer_directly', 'reassign'))
           AS left_at
  FROM dispatches d LEFT JOIN events e
    ON e.order_id = d.order_id AND e.seq > d.seq
   AND e.seq <= coalesce(d.next_dispatch, 9223372036854775807)
  WHERE d.deadline IS NOT NULL
  GROUP BY ALL
), late AS (
  SELECT *, epoch(coalesce(accepted_at, left_at, (SELECT ts FROM as_of)) - deadline) / 60
           AS late_minutes
  FROM ends
)
SELECT *, {named("unit")} AS unit_name FROM late WHERE late_minutes > $1
ORDER BY order_id, seq
"""
