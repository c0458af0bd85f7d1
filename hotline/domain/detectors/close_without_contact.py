"""``close_without_contact`` (未联系群众即申请办结): a unit asked to close an order without a
single contact with the citizen or visit to the site since it received the order."""

from __future__ import annotations

from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "close_without_contact"


def detect(log: EventLog) -> list[Finding]:
    return run(log, SQL, [], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    text = f"{row['unit_name']} 自接单后未联系群众、未现场核查，即申请办结"
    if row["approved"]:
        text += "，且已办结"
    return Finding(
        detector=CODE,
        severity=HIGH if row["approved"] else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=tuple(seq for seq in (row["since"], row["seq"]) if seq),
        explanation=text + "。",
    )


SQL = f"""
WITH ordered AS (
  SELECT *, max(CASE WHEN action IN ('dispatch', 'reassign') THEN seq END)
              OVER (PARTITION BY order_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS since,
            lead(action) OVER (PARTITION BY order_id ORDER BY seq) AS verdict
  FROM events
  WHERE action IN ('dispatch', 'reassign', 'request_close', 'approve_close', 'reject_close')
), requests AS (
  SELECT order_id, seq, unit, since, verdict = 'approve_close' AS approved
  FROM ordered WHERE action = 'request_close'
), contacted AS (
  SELECT r.order_id, r.seq, count(c.seq) AS contacts
  FROM requests r LEFT JOIN events c
    ON c.order_id = r.order_id AND c.action IN ('contact', 'visit') AND c.unit = r.unit
   AND c.seq > coalesce(r.since, 0) AND c.seq < r.seq
  GROUP BY r.order_id, r.seq
), first_bad AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.order_id, r.unit ORDER BY r.seq) AS nth
  FROM requests r JOIN contacted USING (order_id, seq) WHERE contacts = 0
)
SELECT order_id, seq, unit, since, approved, {named("unit")} AS unit_name
FROM first_bad WHERE nth = 1 ORDER BY order_id
"""
