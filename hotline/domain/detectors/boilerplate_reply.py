"""``boilerplate_reply`` (答复雷同/模板化答复): a unit that answers many different orders with the
same text, numbers and punctuation aside — replies written without looking at the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "boilerplate_reply"


@dataclass(frozen=True)
class BoilerplateThresholds:
    min_orders: int = 5
    min_characters: int = 6


def detect(log: EventLog, limits: BoilerplateThresholds | None = None) -> list[Finding]:
    if not log.ours:
        return []
    limits = limits or BoilerplateThresholds()
    return run(log, SQL, [limits.min_orders, limits.min_characters], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    sample = row["sample"] if len(row["sample"]) <= 30 else row["sample"][:30] + "…"
    text = f"{row['unit_name']} 对 {row['orders']} 件不同工单的答复内容雷同（“{sample}”）"
    return Finding(
        detector=CODE,
        severity=MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=(row["seq"],),
        explanation=text + "。",
    )


# $1 orders sharing one reply, $2 shortest reply that counts (after normalising).
SQL = f"""
WITH replies AS (
  SELECT order_id, seq, unit, data->>'$.text' AS text,
    regexp_replace(lower(data->>'$.text'), '[\\pP\\pS\\pN\\s]', '', 'g') AS shape
  FROM events WHERE action = 'reply'
), clusters AS (
  SELECT unit, shape, count(DISTINCT order_id) AS orders, any_value(text) AS sample
  FROM replies WHERE length(shape) >= $2 GROUP BY unit, shape HAVING count(DISTINCT order_id) >= $1
), flagged AS (
  SELECT r.order_id, min(r.seq) AS seq, r.unit, any_value(c.orders) AS orders,
         any_value(c.sample) AS sample
  FROM replies r JOIN clusters c USING (unit, shape) GROUP BY r.order_id, r.unit
)
SELECT *, {named("unit")} AS unit_name FROM flagged ORDER BY order_id
"""
