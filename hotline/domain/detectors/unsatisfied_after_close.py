"""``unsatisfied_after_close`` (办结后不满意): the citizen says, at follow-up or rating, that the
closed problem is not solved or the handling was not satisfactory — a sign of a fake closure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "unsatisfied_after_close"


@dataclass(frozen=True)
class UnsatisfiedThresholds:
    max_bad_score: int = 2  # ratings of 1–5: this or lower counts as unsatisfied


def detect(log: EventLog, limits: UnsatisfiedThresholds | None = None) -> list[Finding]:
    limits = limits or UnsatisfiedThresholds()
    return run(log, SQL, [limits.max_bad_score], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    said = []
    if row["resolved"] is False:
        said.append("问题未解决")
    if row["satisfied"] is False:
        said.append("不满意")
    if row["score"] is not None:
        said.append(f"评价 {row['score']} 分")
    text = f"{row['unit_name']} 办结的工单，回访/评价时群众表示{'、'.join(said)}"
    return Finding(
        detector=CODE,
        severity=HIGH if row["resolved"] is False else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=tuple(seq for seq in (row["closed_seq"], row["seq"]) if seq),
        explanation=text + "。",
    )


# $1 worst score still counted as unsatisfied. One finding per order: its first bad verdict.
SQL = f"""
WITH verdicts AS (
  SELECT order_id, seq, action,
    CAST(data->>'$.resolved' AS BOOLEAN) AS resolved,
    CAST(data->>'$.satisfied' AS BOOLEAN) AS satisfied,
    CAST(data->>'$.score' AS INTEGER) AS score
  FROM events WHERE action IN ('follow_up', 'rate')
), bad AS (
  SELECT *, row_number() OVER (PARTITION BY order_id ORDER BY seq) AS nth FROM verdicts
  WHERE resolved = false OR satisfied = false OR score <= $1
), closure AS (
  SELECT b.order_id, b.seq, b.resolved, b.satisfied, b.score,
    max(e.seq) FILTER (WHERE e.action = 'approve_close') AS closed_seq,
    arg_max(e.to_unit, e.seq) FILTER (WHERE e.action IN ('dispatch', 'reassign')) AS unit
  FROM bad b JOIN events e ON e.order_id = b.order_id AND e.seq < b.seq
  WHERE b.nth = 1 GROUP BY ALL
)
SELECT *, {named("unit")} AS unit_name FROM closure WHERE unit IS NOT NULL ORDER BY order_id
"""
