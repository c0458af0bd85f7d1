"""``repeat_request`` (重复诉求): the same caller, or the same place, asks again about the same
category soon after an order was closed — the problem was closed, not solved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "repeat_request"


@dataclass(frozen=True)
class RepeatThresholds:
    within_days: int = 30


def detect(log: EventLog, limits: RepeatThresholds | None = None) -> list[Finding]:
    if not log.ours:
        return []
    limits = limits or RepeatThresholds()
    return run(log, SQL, [limits.within_days], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    same = "同一来电人" if row["via"] == "caller" else f"同一地点（{row['place']}）"
    text = (
        f"{same}在工单 {row['earlier']} 由 {row['unit_name']} 办结后 {row['days']:.0f} 天内"
        f"就同一类问题再次反映"
    )
    return Finding(
        detector=CODE,
        severity=MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=(1,),
        explanation=text + "。",
    )


# $1 days after the earlier order's closure. Keys: caller phone, or place, with the category.
SQL = f"""
WITH created AS (
  SELECT order_id, ts,
    data->>'$.category' AS category,
    nullif(data->>'$.caller.phone', '') AS phone,
    nullif(data->>'$.location', '') AS place
  FROM events WHERE action = 'create'
), closed AS (
  SELECT order_id, max(ts) FILTER (WHERE action IN ('approve_close', 'answer_directly')) AS ts,
    arg_max(to_unit, seq) FILTER (WHERE action IN ('dispatch', 'reassign')) AS unit
  FROM events GROUP BY order_id
), keyed AS (
  SELECT order_id, ts, category, 'caller' AS via, phone AS key FROM created WHERE phone IS NOT NULL
  UNION ALL
  SELECT order_id, ts, category, 'place', place FROM created WHERE place IS NOT NULL
), earlier AS (
  SELECT k.order_id, k.via, k.key, k.ts, p.order_id AS earlier_id, c.ts AS closed_at, c.unit
  FROM keyed k
  JOIN keyed p ON p.key = k.key AND p.via = k.via AND p.category = k.category
   AND p.order_id <> k.order_id AND p.ts < k.ts
  JOIN closed c ON c.order_id = p.order_id
  WHERE c.ts < k.ts AND c.ts >= k.ts - to_days($1::BIGINT)
), first AS (
  SELECT *, row_number() OVER (PARTITION BY order_id ORDER BY closed_at DESC, via) AS nth
  FROM earlier
)
SELECT order_id, via, key AS place, earlier_id AS earlier, coalesce(unit, 'center') AS unit,
       epoch(ts - closed_at) / 86400 AS days, {named("coalesce(unit, 'center')")} AS unit_name
FROM first WHERE nth = 1 ORDER BY order_id
"""
