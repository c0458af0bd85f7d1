"""``away_from_post`` (脱岗): an agent not at the phones during a scheduled shift.

Needs the shift schedule (agent, start, end). Fires per shift when the agent was logged out for
more than ``absent_minutes`` inside the shift (a grace period at each end allows for the hand-
over), or was unreachable: rung ``unreachable_rings`` times in a row without answering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.domain.callcenter.calllog import CallLog
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding

CODE = "away_from_post"


@dataclass(frozen=True)
class ShiftSlot:
    agent: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class AwayThresholds:
    absent_minutes: float = 20.0
    grace_minutes: float = 5.0
    unreachable_rings: float = 3


def load_shifts(log: CallLog, shifts: Iterable[ShiftSlot]) -> int:
    """Put the schedule beside the calls; returns how many shifts there are."""
    log.con.execute(
        "CREATE OR REPLACE TEMP TABLE shifts (agent VARCHAR, start TIMESTAMP, stop TIMESTAMP)"
    )
    rows = [[slot.agent, slot.start, slot.end] for slot in shifts]
    if rows:
        log.con.executemany("INSERT INTO shifts VALUES (?, ?, ?)", rows)
    return len(rows)


def detect(log: CallLog, thresholds: AwayThresholds | None = None) -> list[Finding]:
    """Findings for every shift in the ``shifts`` table (see :func:`load_shifts`)."""
    if not log.has_agent_states or not log.has_table("shifts"):
        return []
    limits = thresholds or AwayThresholds()
    rows = log.rows(_SQL, [limits.grace_minutes, limits.absent_minutes, limits.unreachable_rings])
    return [_finding(row) for row in rows]


def _finding(row: dict[str, Any]) -> Finding:
    parts = [f"坐席 {row['agent']} 排班 {row['start']:%Y-%m-%d %H:%M}–{row['stop']:%H:%M}"]
    if row["never_in"]:
        parts.append("整班未登录")
    elif row["absent_minutes"] >= row["absent_limit"]:
        parts.append(
            f"班内签出 {row['absent_minutes']:.0f} 分钟（最长一段 "
            f"{row['gap_start']:%H:%M}–{row['gap_end']:%H:%M}），超过 "
            f"{row['absent_limit']:.0f} 分钟阈值"
        )
    if row["rings"]:
        parts.append(f"连续振铃未接 {row['rings']} 次（{row['ring_start']:%H:%M} 起）")
    severe = row["never_in"] or row["absent_minutes"] >= 3 * row["absent_limit"]
    return Finding(
        detector=CODE,
        severity=HIGH if severe else MEDIUM,
        explanation="，".join(parts) + "。",
        evidence=tuple(sorted({line for line in row["evidence"] if line})),
        agent=row["agent"],
        day=row["start"].date(),
        started_at=row["gap_start"] or row["ring_start"] or row["start"],
        ended_at=row["gap_end"] or row["ring_end"] or row["stop"],
        minutes=row["absent_minutes"],
    )


# $1 grace minutes, $2 absent minutes, $3 consecutive unanswered rings.
_SQL = """
WITH slots AS (
  SELECT agent, start, stop,
         start + to_minutes($1::BIGINT) AS s0, stop - to_minutes($1::BIGINT) AS s1
  FROM shifts WHERE stop > start
), present AS (
  SELECT s.agent, s.start,
    -- least/greatest skip NULLs, so shifts without any span need the FILTER.
    coalesce(sum(epoch(least(a.ended_at, s.s1) - greatest(a.started_at, s.s0)))
             FILTER (WHERE a.agent IS NOT NULL), 0) / 60 AS mins
  FROM slots s LEFT JOIN agent_spans a ON a.agent = s.agent AND a.state <> 'logged_out'
    AND a.started_at < s.s1 AND a.ended_at > s.s0
  GROUP BY ALL
), gaps AS (
  SELECT s.agent, s.start, greatest(a.started_at, s.s0) AS gap_start,
         least(a.ended_at, s.s1) AS gap_end, a.first_line, a.end_line
  FROM slots s JOIN agent_spans a ON a.agent = s.agent AND a.state = 'logged_out'
    AND a.started_at < s.s1 AND a.ended_at > s.s0
), longest_gap AS (
  SELECT agent, start, arg_max(gap_start, gap_end - gap_start) AS gap_start,
         arg_max(gap_end, gap_end - gap_start) AS gap_end,
         list(first_line) || list(end_line) AS lines
  FROM gaps GROUP BY ALL
), ring_runs AS (
  SELECT agent, run, count(*) AS rings, min(ts) AS ring_start, max(ts) AS ring_end,
         list(line_no) AS lines
  FROM (
    SELECT *, sum(1 - ring) OVER (PARTITION BY agent ORDER BY ts, line_no) AS run FROM (
      SELECT agent, ts, line_no, 1 AS ring FROM rings
      UNION ALL
      SELECT agent, answered_at, first_line, 0 FROM calls WHERE outcome = 'answered'))
  WHERE ring = 1 GROUP BY agent, run HAVING count(*) >= $3
), unreachable AS (
  SELECT s.agent, s.start, max(r.rings) AS rings, min(r.ring_start) AS ring_start,
         max(r.ring_end) AS ring_end, flatten(list(r.lines)) AS lines
  FROM slots s JOIN ring_runs r ON r.agent = s.agent
    AND r.ring_start < s.stop AND r.ring_end > s.start
  GROUP BY ALL
)
SELECT s.agent, s.start, s.stop, epoch(s.s1 - s.s0) / 60 - p.mins AS absent_minutes,
       $2::DOUBLE AS absent_limit, p.mins = 0 AS never_in,
       g.gap_start, g.gap_end, coalesce(u.rings, 0) AS rings, u.ring_start, u.ring_end,
       coalesce(g.lines, []) || coalesce(u.lines, []) AS evidence
FROM slots s JOIN present p USING (agent, start)
LEFT JOIN longest_gap g USING (agent, start)
LEFT JOIN unreachable u USING (agent, start)
WHERE epoch(s.s1 - s.s0) / 60 - p.mins >= $2 OR u.rings IS NOT NULL
ORDER BY s.start, s.agent
"""
