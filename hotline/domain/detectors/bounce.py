"""``bounce`` (推诿扯皮): an order that comes back to a unit that already gave it up, passes
through too many units, or is returned again and again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "bounce"


@dataclass(frozen=True)
class BounceThresholds:
    min_returns: int = 5
    max_units: int = 6


def detect(log: EventLog, limits: BounceThresholds | None = None) -> list[Finding]:
    limits = limits or BounceThresholds()
    return run(log, SQL, [limits.min_returns, limits.max_units], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    path = " → ".join(row["path"])
    parts = [f"该工单先后流转 {path}"]
    if row["revisits"]:
        again = "、".join(dict.fromkeys(row["revisited"]))
        parts.append(f"{again} 已转出后又再次接收，往返 {row['revisits']} 次")
    if row["returns"]:
        parts.append(f"共退单 {row['returns']} 次")
    severe = row["revisits"] >= 2 or row["returns"] >= 5
    return Finding(
        detector=CODE,
        severity=HIGH if severe else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=tuple(sorted(set(row["evidence"]))),
        explanation="，".join(parts) + "。",
    )


# $1 minimum approved returns, $2 most distinct units.
SQL = f"""
WITH held AS (
  SELECT order_id, seq, holder AS unit,
         lag(holder) OVER (PARTITION BY order_id ORDER BY seq) AS before
  FROM events WHERE holder IS NOT NULL AND holder <> ''
), steps AS (
  SELECT order_id, seq, unit,
         row_number() OVER (PARTITION BY order_id ORDER BY seq) AS pos
  FROM held WHERE before IS NULL OR before <> unit
), marked AS (
  SELECT *, min(pos) OVER (PARTITION BY order_id, unit) < pos AS revisit FROM steps
), per_order AS (
  SELECT order_id,
         list({named("unit")} ORDER BY pos) AS path,
         list(unit ORDER BY pos) AS codes,
         list({named("unit")} ORDER BY pos) FILTER (WHERE revisit) AS revisited,
         arg_max(unit, pos) FILTER (WHERE revisit) AS unit,
         count(*) FILTER (WHERE revisit) AS revisits,
         count(DISTINCT unit) AS units,
         list(seq) AS step_seqs
  FROM marked GROUP BY order_id
), returns AS (
  SELECT order_id, count(*) AS returns, list(seq) AS return_seqs
  FROM events WHERE action = 'approve_return' GROUP BY order_id
)
SELECT p.order_id, coalesce(p.unit, p.codes[len(p.codes)]) AS unit, p.path,
       coalesce(p.revisited, []) AS revisited, p.revisits, coalesce(r.returns, 0) AS returns,
       p.step_seqs || coalesce(r.return_seqs, []) AS evidence
FROM per_order p LEFT JOIN returns r USING (order_id)
WHERE p.revisits > 0 OR coalesce(r.returns, 0) >= $1 OR p.units >= $2
ORDER BY p.order_id
"""
