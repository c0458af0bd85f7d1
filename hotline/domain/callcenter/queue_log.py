"""Asterisk ``queue_log`` → calls and agent-state spans, set-based in DuckDB.

A queue_log line is ``time|callid|queue|agent|event|data1|data2|…``. The file is read once by
DuckDB's parallel reader, one line per row; the row id is the line number, so every malformed
line is reported with its number. Calls are rebuilt per call id from whatever events arrived,
in any order: the terminal events carry the hold and talk times, so a call whose ENTERQUEUE is
missing or out of order is still timed correctly.

Field meanings follow Asterisk's queue_log documentation:

=================  ==============================================
CONNECT            holdtime | bridged channel | ringtime
COMPLETECALLER/…   holdtime | calltime | origposition
ABANDON            position | origposition | waittime
EXITWITHTIMEOUT    position | origposition | waittime
EXITEMPTY          position | origposition | waittime
EXITWITHKEY        key | position | origposition | waittime
*TRANSFER          (two fields) | holdtime | calltime | origposition
RINGNOANSWER       ringtime in milliseconds
PAUSE / PAUSEALL   reason
=================  ==============================================
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from hotline.domain.callcenter.calllog import CallLog, LoadReport
from hotline.domain.duck import open_connection, sql_list

ENTER = "ENTERQUEUE"
CONNECT = "CONNECT"
COMPLETES = ("COMPLETECALLER", "COMPLETEAGENT")
TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
EXITS = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")
RING_NO_ANSWER = "RINGNOANSWER"
CALL_EVENTS = (ENTER, CONNECT, *COMPLETES, *TRANSFERS, *EXITS, RING_NO_ANSWER)
LOGINS = ("ADDMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGIN")
LOGOUTS = ("REMOVEMEMBER", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF")
PAUSES = ("PAUSE", "PAUSEALL")
UNPAUSES = ("UNPAUSE", "UNPAUSEALL")
AGENT_EVENTS = (*LOGINS, *LOGOUTS, *PAUSES, *UNPAUSES)
# Real events that say nothing about calls answered or agents' states.
IGNORED_EVENTS = (
    "CONFIGRELOAD",
    "QUEUESTART",
    "SYSCOMPAT",
    "AGENTDUMP",
    "RINGCANCELED",
    "DID",
    "INFO",
    "PENALTY",
    "MIXMONITOR",
)
KNOWN_EVENTS = (*CALL_EVENTS, *AGENT_EVENTS, *IGNORED_EVENTS)

# Unix times outside 2000-01-01 .. 2100-01-01 are cut-off or garbled fields.
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800


def load_queue_log(
    path: str | Path,
    *,
    tz: str = "Asia/Shanghai",
    con: duckdb.DuckDBPyConnection | None = None,
) -> CallLog:
    """Read one queue_log file into ``calls``, ``agent_spans`` and ``rings`` tables."""
    con = con or open_connection()
    source = str(path)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_lines AS SELECT line FROM read_csv(?, "
        "columns={'line': 'VARCHAR'}, delim='\x01', quote='', escape='', header=false, "
        "auto_detect=false)",
        [source],
    )
    con.execute(_PARSE_SQL, [tz])
    malformed = con.execute(
        "SELECT q.line_no, q.problem, r.line FROM ql q JOIN raw_lines r ON r.rowid = q.line_no - 1 "
        "WHERE q.problem IS NOT NULL ORDER BY q.line_no"
    ).fetchall()
    lines, blank = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE line IS NULL OR trim(line) = '') FROM raw_lines"
    ).fetchone() or (0, 0)
    con.execute("DROP TABLE raw_lines")
    con.execute(_CALLS_SQL)
    con.execute(_AGENT_SQL)
    report = LoadReport(source=source, format="queue_log", lines=lines, blank_lines=blank)
    report.add_malformed(malformed)
    report.ignored_events = dict(
        con.execute(
            f"SELECT event, count(*) FROM ql WHERE problem IS NULL AND event IN "
            f"{sql_list(IGNORED_EVENTS)} GROUP BY event ORDER BY event"
        ).fetchall()
    )
    report.out_of_order = _count_out_of_order(con)
    valid = con.execute("SELECT count(*) FROM ql WHERE problem IS NULL").fetchone()
    report.valid_lines = int(valid[0]) if valid else 0
    con.execute("DROP TABLE ql")
    return CallLog(con, report)


def _count_out_of_order(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT count(*) FROM (SELECT ts, max(ts) OVER (ORDER BY line_no ROWS BETWEEN "
        "UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest FROM ql WHERE problem IS NULL) "
        "WHERE ts < latest"
    ).fetchone()
    return int(row[0]) if row else 0


def _num(field: str) -> str:
    return f"coalesce(TRY_CAST({field} AS DOUBLE) >= 0, false)"


def _blank(field: str) -> str:
    return f"({field} IS NULL OR {field} = '')"


_PROBLEM = f"""
CASE
  WHEN n < 5 THEN 'truncated: ' || n || ' field(s), a queue_log line has ts least 5 '
       || '(time|callid|queue|agent|event)'
  WHEN ts IS NULL THEN 'time "' || t || '" is neither a Unix time (2000–2100) nor a date-time'
  WHEN event NOT IN {sql_list(KNOWN_EVENTS)} THEN 'unknown event "' || event || '"'
  WHEN event IN {sql_list(CALL_EVENTS)} AND (callid IS NULL OR callid IN ('', 'NONE'))
    THEN event || ' without a call id'
  WHEN event IN {sql_list((CONNECT, *COMPLETES, *TRANSFERS, RING_NO_ANSWER, *AGENT_EVENTS))}
       AND (agent IS NULL OR agent IN ('', 'NONE'))
    THEN event || ' without an agent'
  WHEN event = '{CONNECT}' AND NOT {_num("d1")} THEN 'CONNECT needs the hold time (data1)'
  WHEN event IN {sql_list(COMPLETES)} AND NOT ({_num("d1")} AND {_num("d2")})
    THEN event || ' needs the hold and talk times (data1, data2)'
  WHEN event IN {sql_list(TRANSFERS)} AND NOT ({_num("d3")} AND {_num("d4")})
    THEN event || ' needs the hold and talk times (data3, data4)'
  WHEN event = 'ABANDON' AND NOT {_num("d3")} THEN 'ABANDON needs the wait time (data3)'
  WHEN event IN ('EXITWITHTIMEOUT', 'EXITEMPTY') AND NOT {_blank("d3")} AND NOT {_num("d3")}
    THEN event || ' has a wait time (data3) that is not a number'
  WHEN event = 'EXITWITHKEY' AND NOT {_blank("d4")} AND NOT {_num("d4")}
    THEN 'EXITWITHKEY has a wait time (data4) that is not a number'
  WHEN event = '{RING_NO_ANSWER}' AND NOT {_blank("d1")} AND NOT {_num("d1")}
    THEN 'RINGNOANSWER has a ring time (data1) that is not a number'
END
"""

_PARSE_SQL = f"""
CREATE OR REPLACE TEMP TABLE ql AS
WITH parts AS (
  SELECT rowid + 1 AS line_no, string_split(line, '|') AS f
  FROM raw_lines WHERE line IS NOT NULL AND trim(line) <> ''
), fields AS (
  SELECT line_no, len(f) AS n, trim(f[1]) AS t, f[2] AS callid, f[3] AS queue, f[4] AS agent,
         f[5] AS event, f[6] AS d1, f[7] AS d2, f[8] AS d3, f[9] AS d4,
         TRY_CAST(trim(f[1]) AS DOUBLE) AS epoch
  FROM parts
), timed AS (
  SELECT *, CASE
      WHEN epoch BETWEEN {_EPOCH_MIN} AND {_EPOCH_MAX} THEN to_timestamp(epoch) AT TIME ZONE $1
      WHEN epoch IS NULL THEN TRY_CAST(t AS TIMESTAMP)
    END AS ts
  FROM fields
)
SELECT line_no, ts, callid, queue, agent, event, d1, d2, d3, d4, {_PROBLEM} AS problem
FROM timed
"""

_CALLS_SQL = f"""
CREATE OR REPLACE TEMP TABLE calls AS
WITH e AS (
  SELECT * FROM ql WHERE problem IS NULL AND event IN {sql_list(CALL_EVENTS)}
), g AS (
  SELECT callid AS call_id,
    arg_min(queue, ts) AS queue,
    min(ts) FILTER (WHERE event = '{ENTER}') AS entered,
    arg_min(d2, ts) FILTER (WHERE event = '{ENTER}') AS caller,
    max(ts) FILTER (WHERE event = '{CONNECT}') AS connected,
    arg_max(TRY_CAST(d1 AS DOUBLE), ts) FILTER (WHERE event = '{CONNECT}') AS connect_hold,
    arg_max(agent, ts) FILTER (WHERE event IN {sql_list((CONNECT, *COMPLETES, *TRANSFERS))})
      AS agent,
    max(ts) FILTER (WHERE event IN {sql_list((*COMPLETES, *TRANSFERS))}) AS completed,
    arg_max(TRY_CAST(CASE WHEN event IN {sql_list(COMPLETES)} THEN d1 ELSE d3 END AS DOUBLE), ts)
      FILTER (WHERE event IN {sql_list((*COMPLETES, *TRANSFERS))}) AS complete_hold,
    arg_max(TRY_CAST(CASE WHEN event IN {sql_list(COMPLETES)} THEN d2 ELSE d4 END AS DOUBLE), ts)
      FILTER (WHERE event IN {sql_list((*COMPLETES, *TRANSFERS))}) AS talk,
    max(ts) FILTER (WHERE event IN {sql_list(EXITS)}) AS exited,
    arg_max(event, ts) FILTER (WHERE event IN {sql_list(EXITS)}) AS exit_event,
    arg_max(TRY_CAST(CASE WHEN event = 'EXITWITHKEY' THEN d4 ELSE d3 END AS DOUBLE), ts)
      FILTER (WHERE event IN {sql_list(EXITS)}) AS exit_wait,
    count(*) FILTER (WHERE event = '{RING_NO_ANSWER}') AS ring_no_answer,
    min(line_no) AS first_line,
    max(line_no) AS last_line
  FROM e GROUP BY callid
), timed AS (
  SELECT *,
    connected IS NOT NULL OR completed IS NOT NULL AS answered,
    coalesce(connected, completed - to_seconds(talk + 0.0)) AS answered_at
  FROM g
)
SELECT call_id, queue, caller,
  CASE WHEN answered THEN 'answered' WHEN exited IS NOT NULL THEN 'abandoned'
       ELSE 'incomplete' END AS outcome,
  CASE WHEN NOT answered THEN exit_event END AS exit_reason,
  coalesce(entered, answered_at - to_seconds(coalesce(connect_hold, complete_hold)),
           exited - to_seconds(exit_wait)) AS entered_at,
  answered_at,
  CASE WHEN answered THEN completed ELSE exited END AS ended_at,
  CASE WHEN answered THEN coalesce(connect_hold, complete_hold)
       ELSE coalesce(exit_wait, epoch(exited - entered)) END AS wait_seconds,
  CASE WHEN answered THEN talk END AS talk_seconds,
  CASE WHEN answered THEN agent END AS agent,
  ring_no_answer, first_line, last_line
FROM timed
"""

# Agent state per event, then spans between events: logged out / ready / paused (with reason).
# Membership is counted per queue, so leaving one of two queues keeps the agent logged in.
# An agent with no log-in events ts all is a static queue member, logged in throughout.
_AGENT_SQL = f"""
CREATE OR REPLACE TEMP TABLE agent_events AS
SELECT agent, ts, line_no, event, queue, d1 AS reason FROM ql
WHERE problem IS NULL AND event IN {sql_list(AGENT_EVENTS)};

CREATE OR REPLACE TEMP TABLE rings AS
SELECT agent, ts, line_no, callid AS call_id FROM ql
WHERE problem IS NULL AND event = '{RING_NO_ANSWER}';

CREATE OR REPLACE TEMP TABLE agent_spans AS
WITH log_end AS (
  SELECT max(ts) AS ts FROM ql WHERE problem IS NULL
), membership AS (
  SELECT agent, ts, line_no, queue,
         CASE WHEN event IN {sql_list(LOGINS)} THEN 1 ELSE 0 END AS member,
         row_number() OVER (PARTITION BY agent, queue ORDER BY ts, line_no) AS nth
  FROM agent_events WHERE event IN {sql_list((*LOGINS, *LOGOUTS))}
), membership_delta AS (
  SELECT agent, ts, line_no,
         member - coalesce(lag(member) OVER (PARTITION BY agent, queue ORDER BY ts, line_no),
                           1 - member) AS delta,
         CASE WHEN nth = 1 AND member = 0 THEN 1 ELSE 0 END AS was_in_before
  FROM membership
), start_queues AS (
  SELECT a.agent,
         CASE WHEN count(m.agent) = 0 THEN 1 ELSE coalesce(sum(m.was_in_before), 0) END AS queues
  FROM (SELECT DISTINCT agent FROM agent_events UNION SELECT DISTINCT agent FROM calls
        WHERE agent IS NOT NULL) a
  LEFT JOIN membership_delta m USING (agent)
  GROUP BY a.agent
), steps AS (
  SELECT agent, ts, line_no, delta, NULL::BOOLEAN AS paused, NULL AS reason
  FROM membership_delta
  UNION ALL
  SELECT agent, ts, line_no, 0, event IN {sql_list(PAUSES)},
         CASE WHEN event IN {sql_list(PAUSES)} THEN coalesce(nullif(reason, ''), '未注明') END
  FROM agent_events WHERE event IN {sql_list((*PAUSES, *UNPAUSES))}
  UNION ALL
  SELECT agent, min(entered_at), 0, 0, NULL, NULL FROM calls
  WHERE agent IS NOT NULL GROUP BY agent
), states AS (
  SELECT s.agent, s.ts, s.line_no,
    q.queues + sum(s.delta) OVER w AS queues,
    coalesce(last_value(s.paused IGNORE NULLS) OVER w, false) AS paused,
    last_value(CASE WHEN s.paused IS NOT NULL THEN coalesce(s.reason, '') END IGNORE NULLS)
      OVER w AS reason,
    lead(s.ts) OVER (PARTITION BY s.agent ORDER BY s.ts, s.line_no) AS next_at
  FROM steps s JOIN start_queues q USING (agent)
  WINDOW w AS (PARTITION BY s.agent ORDER BY s.ts, s.line_no
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), labelled AS (
  SELECT agent, ts, line_no, coalesce(next_at, (SELECT ts FROM log_end)) AS until,
    CASE WHEN queues <= 0 THEN 'logged_out' WHEN paused THEN 'paused' ELSE 'ready' END AS state,
    CASE WHEN queues > 0 AND paused THEN nullif(reason, '') END AS reason
  FROM states
), islands AS (
  SELECT *, sum(changed) OVER (PARTITION BY agent ORDER BY ts, line_no) AS island FROM (
    SELECT *, CASE WHEN state IS NOT DISTINCT FROM lag(state) OVER p
                    AND reason IS NOT DISTINCT FROM lag(reason) OVER p THEN 0 ELSE 1 END AS changed
    FROM labelled WINDOW p AS (PARTITION BY agent ORDER BY ts, line_no))
)
SELECT agent, state, reason, started_at, ended_at, first_line,
       lead(first_line) OVER (PARTITION BY agent ORDER BY started_at) AS end_line
FROM (
  SELECT agent, any_value(state) AS state, any_value(reason) AS reason,
         min(ts) AS started_at, max(until) AS ended_at,
         min(line_no) FILTER (WHERE line_no > 0) AS first_line
  FROM islands GROUP BY agent, island
)
WHERE ended_at > started_at;
"""
