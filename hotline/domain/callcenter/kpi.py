"""Call-center KPIs (话务指标) from a loaded :class:`CallLog`, as docs/design.md defines them.

Only calls that reached the queue and ended count as offered: a call that left in the IVR or is
still waiting when the log ends is reported on its own line, never in a rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.domain import erlang
from hotline.domain.callcenter import callbacks
from hotline.domain.callcenter.calllog import UNKNOWN_AGENT, CallLog
from hotline.domain.duck import insert_columns
from hotline.domain.inputs import InputError

ANSWER_TARGET_SECONDS = 15  # GB/T 33358-2016: 15秒接通率
CONNECT_RATE_TARGET = 0.95  # GB/T 33358-2016: 24小时人工接通率 ≥ 95 %
DAY_MINUTES = 24 * 60

DEFINITIONS = {
    "offered": "来电量 offered = answered + abandoned (calls that queued and ended; IVR-only "
    "calls and calls still waiting at the end of the log are not offered)",
    "connect_rate": "接通率 = answered / offered",
    "answered_within_15s_rate": "15秒接通率 = answered with wait ≤ 15 s / answered",
    "abandonment_rate": "放弃率 = abandoned / offered (caller hung up, or the queue timed out)",
    "asa_seconds": "ASA 平均应答速度 = mean wait of answered calls, in seconds",
    "aht_seconds": "AHT 平均通话时长 = mean talk time of answered calls (queue_log holds no "
    "after-call work), in seconds",
    "occupancy": "占用率 = talk time / (logged-in time − paused time)",
    "acceptance_rate": "受理率 = answered calls that became a work order / answered calls",
    "agents_needed": "Erlang C agents for the interval's offered calls and AHT at the target "
    "(default answer 80 % within 15 s, GB/T 33358-2016); erlang: that team's service level, "
    "ASA, occupancy and P(wait); positions_needed adds shrinkage",
    "expected_service_level_as_staffed": "Erlang C service level with the agents really "
    "available in the interval (staffed_agents, rounded down)",
    "callbacks": callbacks.DEFINITION,
    "outbound": "outbound calls (回拨) are never offered, answered or abandoned calls: they "
    "count only in callbacks and outbound",
}


class KpiInputError(InputError):
    """A report option is out of range; the message names it."""


@dataclass(frozen=True)
class KpiOptions:
    interval_minutes: int = 30
    target_seconds: float = erlang.DEFAULT_TARGET_SECONDS
    service_level: float = erlang.DEFAULT_SERVICE_LEVEL
    shrinkage: float = 0.0
    callback_window_minutes: int = callbacks.DEFAULT_WINDOW_MINUTES

    def __post_init__(self) -> None:
        for name, value in (
            ("target_seconds", self.target_seconds),
            ("service_level", self.service_level),
            ("shrinkage", self.shrinkage),
        ):
            if not math.isfinite(value):  # NaN passes every comparison in check_targets
                raise KpiInputError(f"must be a finite number, got {value}", field=name)
        erlang.check_targets(
            target_seconds=self.target_seconds,
            service_level_goal=self.service_level,
            shrinkage=self.shrinkage,
        )
        minutes = self.interval_minutes
        if minutes <= 0 or DAY_MINUTES % minutes:
            raise KpiInputError(
                f"interval must divide a day into whole intervals (15m, 30m, 60m…), got {minutes}m",
                field="interval",
            )


def parse_interval(text: str) -> int:
    """'30m', '1h', '15' → minutes."""
    value = text.strip().lower()
    try:
        if value.endswith("h"):
            return int(float(value[:-1]) * 60)
        return int(value.removesuffix("min").removesuffix("m"))
    except (ValueError, OverflowError):  # "xh", "infh"
        raise KpiInputError(f"{text[:40]!r} is not like 15m, 30m or 1h", field="interval") from None


def ratio(part: float | None, whole: float | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return part / whole


def call_rates(row: dict[str, Any]) -> dict[str, Any]:
    """Add the docs/design.md rates to a row of counts."""
    return {
        **row,
        "connect_rate": ratio(row["answered"], row["offered"]),
        "answered_within_15s_rate": ratio(row["answered_within_15s"], row["answered"]),
        "abandonment_rate": ratio(row["abandoned"], row["offered"]),
    }


_CALL_COUNTS = f"""
  count(*) FILTER (WHERE outcome IN ('answered', 'abandoned')) AS offered,
  count(*) FILTER (WHERE outcome = 'answered') AS answered,
  count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
  count(*) FILTER (WHERE outcome = 'answered' AND wait_seconds <= {ANSWER_TARGET_SECONDS})
    AS answered_within_15s,
  avg(wait_seconds) FILTER (WHERE outcome = 'answered') AS asa_seconds,
  avg(talk_seconds) FILTER (WHERE outcome = 'answered') AS aht_seconds
"""


def kpi_report(
    log: CallLog, options: KpiOptions | None = None, *, order_call_ids: set[str] | None = None
) -> dict[str, Any]:
    """The whole report: totals, then per interval, day, queue and agent."""
    options = options or KpiOptions()
    totals = call_rates(log.rows(f"SELECT {_CALL_COUNTS} FROM calls")[0])
    not_offered = dict(
        log.con.execute(
            "SELECT outcome, count(*) FROM calls WHERE outcome NOT IN ('answered', 'abandoned') "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    outbound = dict(
        log.con.execute(
            "SELECT outcome, count(*) FROM outbound_calls GROUP BY 1 ORDER BY 1"
        ).fetchall()
        if log.has_table("outbound_calls")
        else []
    )
    agent_time = _agent_time_totals(log)
    totals["occupancy"] = ratio(agent_time.get("talk"), agent_time.get("available"))
    return {
        **totals,
        "not_offered": not_offered,
        "acceptance": _acceptance(log, order_call_ids),
        "outbound": outbound,
        "callbacks": callbacks.callback_counts(log, window_minutes=options.callback_window_minutes),
        "callback_window_minutes": options.callback_window_minutes,
        "interval_minutes": options.interval_minutes,
        "targets": {
            "answer_within_seconds": options.target_seconds,
            "service_level": options.service_level,
            "shrinkage": options.shrinkage,
        },
        "definitions": DEFINITIONS,
        "intervals": interval_table(log, options),
        "days": _period_table(log, "date_trunc('day', entered_at)"),
        "queues": _period_table(log, "queue"),
        "agents": agent_table(log),
        "input": log.report.as_dict(),
        # Lines kept with a data-quality problem (an answered call with no agent…): the first
        # ones, and how many in all.
        "warnings": log.report.warnings_list(),
        "warnings_total": log.report.warnings,
    }


def _period_table(log: CallLog, key: str) -> list[dict[str, Any]]:
    rows = log.rows(
        f"SELECT {key} AS key, {_CALL_COUNTS} FROM calls WHERE entered_at IS NOT NULL "
        f"GROUP BY 1 ORDER BY 1"
    )
    return [call_rates(_keyed(row)) for row in rows]


def _keyed(row: dict[str, Any]) -> dict[str, Any]:
    key = row.pop("key")
    if isinstance(key, datetime):
        key = key.date().isoformat() if key.time() == datetime.min.time() else key.isoformat()
    return {"key": key, **row}


def interval_table(log: CallLog, options: KpiOptions) -> list[dict[str, Any]]:
    """Per interval: call counts and rates, staffed agents, pauses, and Erlang C's answer.

    Every interval with calls or with agents logged in has a row, quiet ones included.
    """
    width = f"INTERVAL {options.interval_minutes} MINUTE"
    counts = {
        row.pop("start"): row
        for row in log.rows(
            f"SELECT time_bucket({width}, entered_at) AS start, {_CALL_COUNTS} FROM calls "
            f"WHERE entered_at IS NOT NULL GROUP BY 1"
        )
    }
    seconds = _agent_seconds_by_interval(log, width)
    aht_rows = log.rows("SELECT avg(talk_seconds) AS aht FROM calls WHERE outcome = 'answered'")
    overall_aht = aht_rows[0]["aht"]
    quiet = dict.fromkeys(("offered", "answered", "abandoned", "answered_within_15s"), 0)
    table = []
    for start in sorted(counts.keys() | seconds.keys()):
        row = counts.get(start) or {**quiet, "asa_seconds": None, "aht_seconds": None}
        entry = call_rates({"start": start.isoformat(), **row})
        entry.update(_staffing(entry, seconds.get(start, {}), options, overall_aht))
        table.append(entry)
    return table


def _staffing(
    entry: dict[str, Any],
    agent: dict[str, Any],
    options: KpiOptions,
    overall_aht: float | None,
) -> dict[str, Any]:
    interval_seconds = options.interval_minutes * 60
    available = agent.get("available", 0.0)
    result: dict[str, Any] = {
        "staffed_agents": available / interval_seconds if agent else None,
        "occupancy": ratio(agent.get("talk"), available),
        "paused_seconds": agent.get("paused_by_reason", {}),
    }
    aht = entry["aht_seconds"] or overall_aht
    if aht:
        plan = erlang.staff_interval(
            calls=entry["offered"],
            interval_minutes=options.interval_minutes,
            aht_seconds=aht,
            target_seconds=options.target_seconds,
            service_level_goal=options.service_level,
            shrinkage=options.shrinkage,
        )
        result["agents_needed"] = plan.agents
        result["positions_needed"] = plan.positions
        result["erlang"] = {
            "traffic_erlangs": plan.traffic_erlangs,
            "service_level": plan.service_level,
            "asa_seconds": plan.asa_seconds,
            "occupancy": plan.occupancy,
            "waiting_probability": plan.waiting_probability,
        }
        staffed = result["staffed_agents"]
        if staffed is not None:
            # What Erlang C expects from the agents who were really there (floor: whole people).
            load = plan.traffic_erlangs
            result["expected_service_level_as_staffed"] = erlang.service_level(
                int(staffed), load, aht_seconds=aht, target_seconds=options.target_seconds
            )
    return result


def _agent_seconds_by_interval(log: CallLog, width: str) -> dict[datetime, dict[str, Any]]:
    """Seconds of logged-in, paused (by reason) and talk time inside each interval."""
    if not log.has_agent_states:
        return {}
    split = f"""
      SELECT time_bucket({width}, bucket) AS start, kind, reason,
             sum(epoch(least(ended_at, bucket + {width}) - greatest(started_at, bucket))) AS s
      FROM (
        SELECT CASE WHEN state = 'paused' THEN 'paused' ELSE 'ready' END AS kind, reason,
               started_at, ended_at FROM agent_spans WHERE state <> 'logged_out'
        UNION ALL
        SELECT 'talk', NULL, answered_at, answered_at + to_seconds(talk_seconds) FROM calls
        WHERE outcome = 'answered' AND talk_seconds > 0
      ), unnest(generate_series(time_bucket({width}, started_at), ended_at, {width})) AS g(bucket)
      WHERE ended_at > bucket
      GROUP BY ALL
    """
    result: dict[datetime, dict[str, Any]] = {}
    for start, kind, reason, secs in log.con.execute(split).fetchall():
        slot = result.setdefault(start, {"ready": 0.0, "paused": 0.0, "talk": 0.0})
        slot[kind] += secs
        if kind == "paused":
            slot.setdefault("paused_by_reason", {})[reason or "未注明"] = secs
    for slot in result.values():
        slot["available"] = slot["ready"]
    return result


def _agent_time_totals(log: CallLog) -> dict[str, float]:
    talk = log.rows("SELECT sum(talk_seconds) AS s FROM calls WHERE outcome = 'answered'")[0]["s"]
    if not log.has_agent_states:
        return {"talk": talk or 0.0}
    ready = log.rows(
        "SELECT sum(epoch(ended_at - started_at)) AS s FROM agent_spans WHERE state = 'ready'"
    )[0]["s"]
    return {"talk": talk or 0.0, "available": ready or 0.0}


def agent_table(log: CallLog) -> list[dict[str, Any]]:
    """Per agent: calls answered, talk, and (from a queue_log) time logged in and paused.

    Answered calls whose log names no agent are one row, agent ``unknown``, so the rows add up
    to the calls answered.
    """
    calls = {
        row["agent"]: row
        for row in log.rows(
            "SELECT coalesce(agent, ?) AS agent, count(*) AS answered, "
            "sum(talk_seconds) AS talk_seconds, avg(talk_seconds) AS aht_seconds, "
            "avg(wait_seconds) AS asa_seconds FROM calls WHERE outcome = 'answered' GROUP BY 1",
            [UNKNOWN_AGENT],
        )
    }
    states: dict[str, dict[str, Any]] = {}
    if log.has_agent_states:
        for row in log.rows(_AGENT_STATE_SQL):
            states[row.pop("agent")] = row
    table = []
    for agent in sorted(set(calls) | set(states)):
        row = {"agent": agent, "answered": 0, "talk_seconds": 0.0, "aht_seconds": None}
        row.update({k: v for k, v in calls.get(agent, {}).items() if k != "agent"})
        state = states.get(agent)
        if state is not None:
            by_reason = dict(zip(state.pop("reasons"), state.pop("reason_seconds"), strict=True))
            row.update(state, paused_by_reason=by_reason)
            available = state["logged_in_seconds"] - state["paused_seconds"]
            row["occupancy"] = ratio(row["talk_seconds"], available)
        table.append(row)
    return table


_AGENT_STATE_SQL = """
SELECT s.agent,
  coalesce(sum(epoch(ended_at - started_at)) FILTER (WHERE state <> 'logged_out'), 0)
    AS logged_in_seconds,
  coalesce(sum(epoch(ended_at - started_at)) FILTER (WHERE state = 'paused'), 0)
    AS paused_seconds,
  coalesce(max(epoch(ended_at - started_at)) FILTER (WHERE state = 'paused'), 0)
    AS longest_pause_seconds,
  count(*) FILTER (WHERE state = 'paused') AS pauses,
  coalesce(any_value(r.ring_no_answer), 0) AS ring_no_answer,
  coalesce(any_value(p.reasons), []) AS reasons,
  coalesce(any_value(p.seconds), []) AS reason_seconds
FROM agent_spans s
LEFT JOIN (SELECT agent, count(*) AS ring_no_answer FROM rings GROUP BY agent) r USING (agent)
LEFT JOIN (
  SELECT agent, list(reason ORDER BY reason) AS reasons, list(s ORDER BY reason) AS seconds
  FROM (SELECT agent, coalesce(reason, '未注明') AS reason,
               sum(epoch(ended_at - started_at)) AS s
        FROM agent_spans WHERE state = 'paused' GROUP BY ALL)
  GROUP BY agent
) p USING (agent)
GROUP BY s.agent
"""


def _acceptance(log: CallLog, order_call_ids: set[str] | None) -> dict[str, Any] | None:
    """受理率: answered calls whose call id a work order records."""
    if order_call_ids is None:
        return None
    log.con.execute("CREATE OR REPLACE TEMP TABLE order_calls (call_id VARCHAR PRIMARY KEY)")
    insert_columns(log.con, "order_calls", {"call_id": sorted(order_call_ids)})
    row = log.rows(
        "SELECT count(*) AS answered, count(o.call_id) AS with_order FROM calls c "
        "LEFT JOIN order_calls o USING (call_id) WHERE c.outcome = 'answered'"
    )[0]
    return {**row, "acceptance_rate": ratio(row["with_order"], row["answered"])}
