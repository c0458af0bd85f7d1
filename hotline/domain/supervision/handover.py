"""Handover metrics (工单流转): on each order's unit sequence with consecutive repeats collapsed,
handovers = changes of unit, revisits = positions whose unit appeared earlier, ABA = a unit equal
to the one two positions back. Per order, per unit, per ordered unit pair (the bounce network).

The unit sequence is the ``holder`` column of the events (eventlog): for our own logs, the target
of every dispatch (派单) and every reassign (改派), so a 改派 from A to B is a handover and A → B
→ A an ABA; assisting units (协办) never hold the order."""

from __future__ import annotations

from typing import Any

from hotline.domain.detectors.base import rows
from hotline.domain.supervision.eventlog import EventLog

# Most orders stay with their first unit: only orders held by two or more go through the
# (sorting) window functions; single-holder orders are appended as one step each.
STEPS_SQL = """
CREATE TEMP TABLE IF NOT EXISTS steps AS
WITH held AS (
  SELECT order_id, seq, holder AS unit FROM events WHERE holder IS NOT NULL AND holder <> ''
), sizes AS (
  SELECT order_id, count(*) AS n FROM held GROUP BY order_id
), moving AS (
  SELECT h.*, lag(h.unit) OVER (PARTITION BY h.order_id ORDER BY h.seq) AS before
  FROM held h SEMI JOIN sizes s ON s.order_id = h.order_id AND s.n > 1
), collapsed AS (
  SELECT order_id, seq, unit, row_number() OVER (PARTITION BY order_id ORDER BY seq) AS pos
  FROM moving WHERE before IS NULL OR before <> unit
)
SELECT order_id, seq, unit, pos,
  lag(unit) OVER (PARTITION BY order_id ORDER BY pos) AS came_from,
  min(pos) OVER (PARTITION BY order_id, unit) < pos AS revisit,
  coalesce(lag(unit, 2) OVER (PARTITION BY order_id ORDER BY pos) = unit, false) AS aba
FROM collapsed
UNION ALL
SELECT h.order_id, h.seq, h.unit, 1, NULL, false, false
FROM held h SEMI JOIN sizes s ON s.order_id = h.order_id AND s.n = 1
"""


def ensure_steps(log: EventLog) -> None:
    """Build the ``steps`` table (each order's collapsed unit sequence) once per loaded log;
    the handover metrics and the ``bounce`` detector both read it."""
    log.con.execute(STEPS_SQL)


def handover_metrics(log: EventLog) -> dict[str, Any]:
    ensure_steps(log)
    summary = rows(
        log,
        """
        SELECT (SELECT count(*) FILTER (WHERE seq = 1) FROM events) AS cases,
               (SELECT count(*) FROM events) AS events,
               count(*) FILTER (WHERE came_from IS NOT NULL) AS handovers,
               count(*) FILTER (WHERE revisit) AS revisits,
               count(DISTINCT order_id) FILTER (WHERE revisit) AS cases_with_revisit,
               count(DISTINCT order_id) FILTER (WHERE aba) AS cases_with_aba
        FROM steps
        """,
    )[0]
    return {key: int(value) for key, value in summary.items()}


def order_handovers(log: EventLog, limit: int = 1000) -> list[dict[str, Any]]:
    """Per order that changed hands: its unit path and counts, the worst first."""
    return rows(
        log,
        """
        SELECT order_id AS "order", list(unit ORDER BY pos) AS units,
               count(*) - 1 AS handovers, count(*) FILTER (WHERE revisit) AS revisits,
               count(*) FILTER (WHERE aba) AS aba
        FROM steps WHERE order_id IN (SELECT order_id FROM steps WHERE pos > 1)
        GROUP BY order_id ORDER BY revisits DESC, handovers DESC, order_id LIMIT ?
        """,
        [limit],
    )


def unit_pairs(log: EventLog, limit: int = 500) -> list[dict[str, Any]]:
    """The bounce network: handovers from one unit to another, and how many of them were
    back to a unit the order had already left."""
    return rows(
        log,
        """
        SELECT came_from AS "from", unit AS "to", count(*) AS handovers,
               count(*) FILTER (WHERE revisit) AS back_again,
               count(DISTINCT order_id) AS orders
        FROM steps WHERE came_from IS NOT NULL
        GROUP BY came_from, unit ORDER BY handovers DESC, "from", "to" LIMIT ?
        """,
        [limit],
    )


def unit_handovers(log: EventLog) -> dict[str, dict[str, int]]:
    found = rows(
        log,
        """
        WITH outgoing AS (
          SELECT came_from AS unit, count(*) AS handed_on FROM steps
          WHERE came_from IS NOT NULL GROUP BY 1
        ), incoming AS (
          SELECT unit, count(DISTINCT order_id) AS orders,
                 count(*) FILTER (WHERE came_from IS NOT NULL) AS received,
                 count(*) FILTER (WHERE revisit) AS received_again
          FROM steps GROUP BY 1
        )
        SELECT i.unit, i.orders, i.received, i.received_again,
               coalesce(o.handed_on, 0) AS handed_on
        FROM incoming i LEFT JOIN outgoing o USING (unit)
        """,
    )
    return {row.pop("unit"): row for row in found}
