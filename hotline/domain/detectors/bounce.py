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


# $1 minimum approved returns, $2 most distinct units. Lists are built only for the orders
# that fire: an order held by a single unit can neither revisit nor pass through many.
SQL = f"""
WITH held AS (
  SELECT order_id, seq, holder AS unit FROM events WHERE holder IS NOT NULL AND holder <> ''
), moving AS (
  SELECT h.*, lag(h.unit) OVER (PARTITION BY h.order_id ORDER BY h.seq) AS before
  FROM held h SEMI JOIN (SELECT order_id FROM held GROUP BY 1 HAVING count(*) > 1) m
    ON m.order_id = h.order_id
), steps AS (
  SELECT order_id, seq, unit, row_number() OVER (PARTITION BY order_id ORDER BY seq) AS pos
  FROM moving WHERE before IS NULL OR before <> unit
), marked AS (
  SELECT *, min(pos) OVER (PARTITION BY order_id, unit) < pos AS revisit FROM steps
), returns AS (
  SELECT order_id, count(*) AS returns, list(seq) AS return_seqs
  FROM events WHERE action = 'approve_return' GROUP BY order_id
), per_order AS (
  SELECT order_id, count(*) FILTER (WHERE revisit) AS revisits, count(DISTINCT unit) AS units
  FROM marked GROUP BY order_id
), firing AS (
  SELECT coalesce(p.order_id, r.order_id) AS order_id, coalesce(p.revisits, 0) AS revisits,
         coalesce(r.returns, 0) AS returns, coalesce(r.return_seqs, []) AS return_seqs
  FROM per_order p FULL JOIN returns r USING (order_id)
  WHERE coalesce(p.revisits, 0) > 0 OR coalesce(r.returns, 0) >= $1
     OR coalesce(p.units, 0) >= $2
), paths AS (
  SELECT m.order_id,
         list({named("m.unit")} ORDER BY m.pos) AS path,
         list(m.unit ORDER BY m.pos) AS codes,
         list({named("m.unit")} ORDER BY m.pos) FILTER (WHERE m.revisit) AS revisited,
         arg_max(m.unit, m.pos) FILTER (WHERE m.revisit) AS unit,
         list(m.seq) AS step_seqs
  FROM marked m SEMI JOIN firing f ON f.order_id = m.order_id
  GROUP BY m.order_id
)
SELECT f.order_id, coalesce(p.unit, p.codes[len(p.codes)],
         (SELECT arg_max(unit, seq) FROM held h WHERE h.order_id = f.order_id)) AS unit,
       coalesce(p.path, [(SELECT arg_max(h.unit, h.seq) FROM held h
                          WHERE h.order_id = f.order_id)]) AS path,
       coalesce(p.revisited, []) AS revisited, f.revisits, f.returns,
       coalesce(p.step_seqs, []) || f.return_seqs AS evidence
FROM firing f LEFT JOIN paths p USING (order_id)
ORDER BY f.order_id
"""
