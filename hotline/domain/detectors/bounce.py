"""``bounce`` (推诿扯皮): an order that comes back to a unit that already gave it up, passes
through too many units, or is returned again and again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog
from hotline.domain.supervision.handover import ensure_steps

CODE = "bounce"


@dataclass(frozen=True)
class BounceThresholds:
    min_returns: int = 5
    max_units: int = 6


def detect(log: EventLog, limits: BounceThresholds | None = None) -> list[Finding]:
    limits = limits or BounceThresholds()
    ensure_steps(log)
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


# $1 minimum approved returns, $2 most distinct units. Reads the handover ``steps`` (each order's
# unit sequence, repeats collapsed); lists are built only for the orders that fire.
SQL = f"""
WITH returns AS (
  SELECT order_id, count(*) AS returns, list(seq) AS return_seqs
  FROM events WHERE action = 'approve_return' GROUP BY order_id
), per_order AS (
  SELECT order_id, count(*) FILTER (WHERE revisit) AS revisits, count(DISTINCT unit) AS units
  FROM steps SEMI JOIN (SELECT order_id FROM steps WHERE pos > 1) moved USING (order_id)
  GROUP BY order_id
), firing AS (
  SELECT coalesce(p.order_id, r.order_id) AS order_id, coalesce(p.revisits, 0) AS revisits,
         coalesce(r.returns, 0) AS returns, coalesce(r.return_seqs, []) AS return_seqs
  FROM per_order p FULL JOIN returns r USING (order_id)
  WHERE coalesce(p.revisits, 0) > 0 OR coalesce(r.returns, 0) >= $1
     OR coalesce(p.units, 0) >= $2
), paths AS (
  SELECT s.order_id,
         list({named("s.unit")} ORDER BY s.pos) AS path,
         list(s.unit ORDER BY s.pos) AS codes,
         list({named("s.unit")} ORDER BY s.pos) FILTER (WHERE s.revisit) AS revisited,
         arg_max(s.unit, s.pos) FILTER (WHERE s.revisit) AS unit,
         list(s.seq) AS step_seqs
  FROM steps s SEMI JOIN firing f ON f.order_id = s.order_id
  GROUP BY s.order_id
)
SELECT f.order_id, coalesce(p.unit, p.codes[array_length(p.codes)]) AS unit,
       coalesce(p.path, []) AS path, coalesce(p.revisited, []) AS revisited, f.revisits, f.returns,
       coalesce(p.step_seqs, []) || f.return_seqs AS evidence
FROM firing f LEFT JOIN paths p USING (order_id)
ORDER BY f.order_id
"""
