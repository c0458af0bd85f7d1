"""``rejected_close`` (办结驳回): a unit asked again and again to close an order it had not
really handled, and the center sent it back each time (重办)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "rejected_close"


@dataclass(frozen=True)
class RejectedCloseThresholds:
    min_rejections: int = 2


def detect(log: EventLog, limits: RejectedCloseThresholds | None = None) -> list[Finding]:
    limits = limits or RejectedCloseThresholds()
    return run(log, SQL, [limits.min_rejections], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    text = f"{row['unit_name']} {row['requests']} 次申请办结，其中 {row['rejections']} 次被驳回重办"
    return Finding(
        detector=CODE,
        severity=HIGH if row["rejections"] >= 3 else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=tuple(sorted(row["evidence"])),
        explanation=text + "。",
    )


# $1 minimum rejections of one unit's closure requests on one order.
SQL = f"""
WITH reviews AS (
  SELECT order_id, seq, action, lag(unit) OVER w AS request_unit, lag(seq) OVER w AS request_seq
  FROM events WHERE action IN ('request_close', 'reject_close', 'approve_close')
  WINDOW w AS (PARTITION BY order_id ORDER BY seq)
), per_unit AS (
  SELECT order_id, request_unit AS unit,
         count(*) FILTER (WHERE action = 'reject_close') AS rejections,
         count(*) FILTER (WHERE action IN ('reject_close', 'approve_close')) AS requests,
         list(seq) || list(request_seq) AS evidence
  FROM reviews WHERE request_seq IS NOT NULL GROUP BY order_id, request_unit
)
SELECT *, {named("unit")} AS unit_name FROM per_unit WHERE rejections >= $1
ORDER BY order_id
"""
