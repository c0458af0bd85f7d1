"""``unreviewed_request`` (未经单位审核): a return or closure request reached the center while its
unit required its own lead to review such requests (单位审核), yet no lead saw it: it was neither
a lead's forward of a handler's submission (its data names the ``submission`` seq, and that seq
is a ``submit_*`` step of the same order) nor made by one of the unit's leads.

The lifecycle refuses such a request when it is made here; the detector catches the ones that
came another way: logs imported from other systems, and requests made while review was switched
off for a while. Its inputs besides the events are two tables (see :func:`ensure_review_inputs`):
the spans during which each unit required review, and the usernames of each unit's leads. With
neither given it finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "unreviewed_request"
# unit → [(since, until or None)] during which the unit required review (aware datetimes).
ReviewPeriods = Mapping[str, Iterable[tuple[datetime, datetime | None]]]
# unit → usernames of its leads (单位负责人).
UnitLeads = Mapping[str, Iterable[str]]

WHAT = {"request_return": "退单", "request_close": "办结"}


def ensure_review_inputs(
    log: EventLog, *, periods: ReviewPeriods | None = None, leads: UnitLeads | None = None
) -> None:
    """``review_periods(unit, since, until)`` and ``unit_leads(unit, username)`` for the detector;
    empty unless given (then it finds nothing)."""
    con = log.con
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS review_periods "
        "(unit VARCHAR, since TIMESTAMPTZ, until TIMESTAMPTZ)"
    )
    con.execute("CREATE TEMP TABLE IF NOT EXISTS unit_leads (unit VARCHAR, username VARCHAR)")
    if periods is not None:
        con.execute("DELETE FROM review_periods")
        spans = [[unit, since, until] for unit, rows in periods.items() for since, until in rows]
        if spans:
            con.executemany("INSERT INTO review_periods VALUES (?, ?, ?)", spans)
    if leads is not None:
        con.execute("DELETE FROM unit_leads")
        pairs = [[unit, name] for unit, names in leads.items() for name in names]
        if pairs:
            con.executemany("INSERT INTO unit_leads VALUES (?, ?)", pairs)


def detect(log: EventLog) -> list[Finding]:
    if not log.ours:
        return []
    ensure_review_inputs(log)
    return run(log, SQL, [], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    what = WHAT.get(row["action"], "")
    text = (
        f"{row['unit_name']} 于 {row['ts']:%Y-%m-%d %H:%M} 向中心提出的{what}申请未经单位负责人审核"
        f"（该单位自 {row['since']:%Y-%m-%d %H:%M} 起实行单位审核）"
    )
    if row["verdict"] in ("approve_return", "approve_close"):
        text += f"，且{what}申请已被通过"
    return Finding(
        detector=CODE,
        severity=HIGH if row["verdict"] in ("approve_return", "approve_close") else MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=(row["seq"],),
        explanation=text + "。",
    )


# A request is reviewed when it forwards a submit_* step of the same order made before it, or
# when one of the unit's leads made it. The review span is [since, until) in local time.
SQL = f"""
WITH requests AS (
  SELECT order_id, seq, ts, action, actor, unit,
         TRY_CAST(data->>'$.submission' AS BIGINT) AS submission,
         lead(action) OVER (PARTITION BY order_id ORDER BY seq) AS verdict
  FROM events
  WHERE action IN ('request_return', 'request_close', 'approve_return', 'reject_return',
                   'approve_close', 'reject_close')
), spans AS (
  SELECT unit, CAST(since AS TIMESTAMP) AS since, CAST(until AS TIMESTAMP) AS until
  FROM review_periods
), unreviewed AS (
  SELECT r.*, s.since
  FROM requests r JOIN spans s
    ON s.unit = r.unit AND r.ts >= s.since AND (s.until IS NULL OR r.ts < s.until)
  WHERE r.action IN ('request_return', 'request_close')
    AND NOT EXISTS (SELECT 1 FROM unit_leads l WHERE l.unit = r.unit AND l.username = r.actor)
    AND NOT EXISTS (
      SELECT 1 FROM events x
      WHERE x.order_id = r.order_id AND x.seq = r.submission AND x.seq < r.seq
        AND x.action IN ('submit_return', 'submit_close'))
)
SELECT order_id, seq, ts, action, unit, since, verdict, {named("unit")} AS unit_name
FROM unreviewed ORDER BY order_id, seq
"""
