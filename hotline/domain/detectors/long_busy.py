"""``long_busy`` (长时间置忙): an agent who sits in "busy" while citizens wait.

Fires per agent and day when one pause lasts longer than ``long_pause_minutes``, or when paused
time is more than ``paused_share`` of the time logged in (for agents logged in long enough for a
share to mean something). Pauses that overlap peak intervals (half hours at or above the day's
75th percentile of offered calls) raise the severity; the explanation counts the calls abandoned
meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.callcenter.calllog import CallLog
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding

CODE = "long_busy"


@dataclass(frozen=True)
class LongBusyThresholds:
    long_pause_minutes: float = 45.0
    paused_share: float = 0.35
    min_logged_in_minutes: float = 120.0
    peak_quantile: float = 0.75


def detect(log: CallLog, thresholds: LongBusyThresholds | None = None) -> list[Finding]:
    if not log.has_agent_states:
        return []
    limits = thresholds or LongBusyThresholds()
    rows = log.rows(
        _SQL,
        [
            limits.peak_quantile,
            limits.long_pause_minutes,
            limits.min_logged_in_minutes,
            limits.paused_share,
        ],
    )
    return [_finding(row, limits) for row in rows]


def _finding(row: dict[str, Any], limits: LongBusyThresholds) -> Finding:
    share = row["paused_minutes"] / row["logged_in_minutes"] if row["logged_in_minutes"] else 0
    parts = [
        f"坐席 {row['agent']} 于 {row['day']:%Y-%m-%d} 置忙 {row['pauses']} 次，"
        f"共 {row['paused_minutes']:.0f} 分钟，占登录时长 {share:.0%}"
    ]
    if share >= limits.paused_share:
        parts.append(f"超过 {limits.paused_share:.0%} 的阈值")
    if row["longest_minutes"] >= limits.long_pause_minutes:
        parts.append(
            f"最长一次 {row['longest_minutes']:.0f} 分钟"
            f"（{row['longest_start']:%H:%M}–{row['longest_end']:%H:%M}，"
            f"原因：{row['longest_reason'] or '未注明'}），超过 {limits.long_pause_minutes:.0f} "
            f"分钟阈值"
        )
    if row["peak_minutes"]:
        parts.append(
            f"其中 {row['peak_minutes']:.0f} 分钟处于话务高峰时段，"
            f"同期放弃来电 {row['abandoned_meanwhile']} 通"
        )
    severe = row["peak_minutes"] >= 30 or row["longest_minutes"] >= 2 * limits.long_pause_minutes
    return Finding(
        detector=CODE,
        severity=HIGH if severe else MEDIUM,
        explanation="；".join(parts) + "。",
        evidence=tuple(sorted(line for line in row["evidence"] if line)),
        agent=row["agent"],
        day=row["day"],
        started_at=row["longest_start"],
        ended_at=row["longest_end"],
        minutes=row["paused_minutes"],
    )


# $1 peak quantile, $2 long pause minutes, $3 minimum logged-in minutes, $4 paused share.
_SQL = """
WITH pauses AS (
  SELECT agent, CAST(started_at AS DATE) AS day, reason, started_at, ended_at,
         first_line, end_line, epoch(ended_at - started_at) / 60 AS minutes
  FROM agent_spans WHERE state = 'paused'
), logged AS (
  SELECT agent, CAST(started_at AS DATE) AS day,
         sum(epoch(ended_at - started_at)) / 60 AS minutes
  FROM agent_spans WHERE state <> 'logged_out' GROUP BY ALL
), buckets AS (
  SELECT time_bucket(INTERVAL 30 MINUTE, entered_at) AS start, count(*) AS offered,
         count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned
  FROM calls WHERE outcome IN ('answered', 'abandoned') GROUP BY 1
), peaks AS (
  SELECT start, start + INTERVAL 30 MINUTE AS stop FROM (
    SELECT start, offered,
           quantile_cont(offered, $1) OVER (PARTITION BY CAST(start AS DATE)) AS threshold
    FROM buckets)
  WHERE offered >= threshold
), days AS (
  SELECT p.agent, p.day, count(*) AS pauses, sum(p.minutes) AS paused_minutes,
         max(p.minutes) AS longest_minutes,
         arg_max(p.started_at, p.minutes) AS longest_start,
         arg_max(p.ended_at, p.minutes) AS longest_end,
         arg_max(p.reason, p.minutes) AS longest_reason,
         any_value(l.minutes) AS logged_in_minutes
  FROM pauses p JOIN logged l USING (agent, day)
  GROUP BY p.agent, p.day
), flagged AS (
  SELECT * FROM days
  WHERE longest_minutes >= $2
     OR (logged_in_minutes >= $3 AND paused_minutes >= $4 * logged_in_minutes)
), guilty AS (
  -- The pauses that make the case: the long ones, or every pause when the share is too high.
  SELECT p.* , f.longest_minutes >= $2 AS by_length FROM pauses p JOIN flagged f USING (agent, day)
  WHERE p.minutes >= $2 OR f.longest_minutes < $2
), at_peak AS (
  SELECT g.agent, g.day,
    sum(epoch(least(g.ended_at, k.stop) - greatest(g.started_at, k.start))) / 60 AS minutes
  FROM guilty g JOIN peaks k ON k.start < g.ended_at AND k.stop > g.started_at
  GROUP BY ALL
), lost AS (
  SELECT g.agent, g.day, count(c.call_id) AS abandoned
  FROM guilty g JOIN calls c ON c.outcome = 'abandoned'
    AND c.entered_at >= g.started_at AND c.entered_at < g.ended_at
  GROUP BY ALL
), evidence AS (
  SELECT agent, day, list(first_line) || list(end_line) AS lines FROM guilty GROUP BY ALL
)
SELECT f.*, coalesce(a.minutes, 0) AS peak_minutes, coalesce(l.abandoned, 0) AS abandoned_meanwhile,
       e.lines AS evidence
FROM flagged f
LEFT JOIN at_peak a USING (agent, day)
LEFT JOIN lost l USING (agent, day)
JOIN evidence e USING (agent, day)
ORDER BY f.day, f.agent
"""
