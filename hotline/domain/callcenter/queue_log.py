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
CALLOUTBOUND       (unused) | the number dialled
=================  ==============================================

Outbound calls (回拨) follow QueueMetrics' convention for outbound queue_log lines (the dialplan
writes them with ``QueueLog()``): a ``CALLOUTBOUND`` line opens the call on an outbound queue, with
the agent who dials and the number dialled in data2; a ``CONNECT`` and a ``COMPLETEAGENT`` /
``COMPLETECALLER`` follow when the citizen picks up. A call id with a ``CALLOUTBOUND`` line is an
outbound call, kept in the ``outbound_calls`` table and never in ``calls`` (no KPI counts it as
offered or answered): ``answered`` when it connected, else ``no_answer`` (queue_log does not tell a
busy line from a failed dial).

Not UTF-8 and over-long lines are fatal; a line that cannot be an event is malformed (left out,
listed with its field); CONNECT, COMPLETE… or TRANSFER without an agent is a warning: the call
counts as answered by :data:`~hotline.domain.callcenter.calllog.UNKNOWN_AGENT`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from hotline.domain.callcenter.calllog import (
    EARLIEST,
    LATEST,
    MAX_CALL_SECONDS,
    MAX_NAME,
    UNKNOWN_AGENT,
    CallLog,
    CallLogInputError,
    LoadReport,
    cleaned_copy,
    scan_text,
)
from hotline.domain.duck import open_connection, sql_list
from hotline.domain.inputs import MAX_LINE_BYTES, InputError, input_file

ENTER = "ENTERQUEUE"
OUTBOUND = "CALLOUTBOUND"
CONNECT = "CONNECT"
COMPLETES = ("COMPLETECALLER", "COMPLETEAGENT")
TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
EXITS = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")
RING_NO_ANSWER = "RINGNOANSWER"
CALL_EVENTS = (ENTER, OUTBOUND, CONNECT, *COMPLETES, *TRANSFERS, *EXITS, RING_NO_ANSWER)
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
# Events that say an agent took the call: without the agent, still an answered call.
ANSWER_EVENTS = (CONNECT, *COMPLETES, *TRANSFERS)

# Unix times outside 2000-01-01 .. 2100-01-01 are cut-off or garbled fields.
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800
SAMPLE = 100
_MAX_RING_MS = 1000 * MAX_CALL_SECONDS


def load_queue_log(
    path: str | Path,
    *,
    tz: str = "Asia/Shanghai",
    con: duckdb.DuckDBPyConnection | None = None,
) -> CallLog:
    """Read one queue_log file into ``calls``, ``agent_spans`` and ``rings`` tables."""
    try:
        checked = input_file(path)
    except InputError as exc:
        raise CallLogInputError(exc.message, source=path) from None
    con = con or open_connection()
    source = str(path)
    try:
        _read_lines(con, checked)
    except duckdb.Error as exc:
        # Only a file DuckDB refuses pays for a byte-level scan: it names the line that is not
        # UTF-8 or too long (fatal), or finds bytes a cleaned copy can carry (U+0001, lone CR).
        if not scan_text(checked):
            raise _unreadable(exc, source) from None
        with tempfile.TemporaryDirectory() as scratch:
            readable = Path(scratch) / "queue_log"
            cleaned_copy(checked, readable)
            try:
                _read_lines(con, readable)
            except duckdb.Error as again:
                raise _unreadable(again, source) from None
    con.execute(_PARSE_SQL, [tz])
    malformed = con.execute(
        "SELECT q.line_no, q.problem, r.line, q.field FROM ql q "
        "JOIN raw_lines r ON r.rowid = q.line_no - 1 "
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
    report.add_warnings(
        (line, "agent", f"{event} without an agent: the call counts as answered by {UNKNOWN_AGENT}")
        for line, event in con.execute(
            f"SELECT line_no, event FROM ql WHERE warn_field IS NOT NULL ORDER BY line_no "
            f"LIMIT {SAMPLE}"
        ).fetchall()
    )
    warned = con.execute("SELECT count(*) FROM ql WHERE warn_field IS NOT NULL").fetchone()
    report.warnings = int(warned[0]) if warned else 0
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


def _read_lines(con: duckdb.DuckDBPyConnection, readable: Path) -> None:
    """One row per line, by DuckDB's parallel reader, which refuses what is not UTF-8."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_lines AS SELECT line FROM read_csv(?, "
        "columns={'line': 'VARCHAR'}, delim='\x01', quote='', escape='', header=false, "
        f"auto_detect=false, max_line_size={MAX_LINE_BYTES + 2})",
        [str(readable)],
    )


def _unreadable(exc: duckdb.Error, source: str) -> CallLogInputError:
    """A safety net: what scan_text let through and DuckDB still refused, in one line."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return CallLogInputError(f"cannot be read as a queue_log: {first}", source=source)


def _count_out_of_order(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT count(*) FROM (SELECT ts, max(ts) OVER (ORDER BY line_no ROWS BETWEEN "
        "UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest FROM ql WHERE problem IS NULL) "
        "WHERE ts < latest"
    ).fetchone()
    return int(row[0]) if row else 0


def _num(field: str, high: float = MAX_CALL_SECONDS) -> str:
    """A duration: a number from 0 to a day (NaN and infinity fail BETWEEN)."""
    return f"coalesce(TRY_CAST({field} AS DOUBLE) BETWEEN 0 AND {high}, false)"


def _long(field: str) -> str:
    return f"coalesce(length({field}) > {MAX_NAME}, false)"


def _blank(field: str) -> str:
    return f"({field} IS NULL OR {field} = '')"


# [problem, field] of a line that cannot be used, NULL for a good one.
_PROBLEM = f"""
CASE
  WHEN n < 5 THEN ['truncated: ' || n || ' field(s), a queue_log line has at least 5 '
       || '(time|callid|queue|agent|event)', 'event']
  WHEN control THEN ['a control character in the line', NULL]
  WHEN ts IS NULL THEN ['time "' || left(t, 40) || '" is neither a Unix time nor a date-time '
       || 'between {EARLIEST.year} and {LATEST.year}', 'time']
  WHEN event NOT IN {sql_list(KNOWN_EVENTS)} THEN ['unknown event "' || left(event, 40) || '"',
       'event']
  WHEN event IN {sql_list(CALL_EVENTS)} AND (callid IS NULL OR callid IN ('', 'NONE'))
    THEN [event || ' without a call id', 'callid']
  WHEN {_long("callid")} THEN ['callid is longer than {MAX_NAME} characters', 'callid']
  WHEN {_long("queue")} THEN ['queue is longer than {MAX_NAME} characters', 'queue']
  WHEN {_long("agent")} THEN ['agent is longer than {MAX_NAME} characters', 'agent']
  WHEN event = '{ENTER}' AND {_long("d2")}
    THEN ['the caller (data2) is longer than {MAX_NAME} characters', 'data2']
  WHEN event = '{OUTBOUND}' AND {_long("d2")}
    THEN ['the number dialled (data2) is longer than {MAX_NAME} characters', 'data2']
  WHEN event IN {sql_list(PAUSES)} AND {_long("d1")}
    THEN ['the pause reason (data1) is longer than {MAX_NAME} characters', 'data1']
  WHEN event IN {sql_list((RING_NO_ANSWER, *AGENT_EVENTS))}
       AND (agent IS NULL OR agent IN ('', 'NONE'))
    THEN [event || ' without an agent', 'agent']
  WHEN event = '{CONNECT}' AND NOT {_num("d1")}
    THEN ['CONNECT needs the hold time (data1), 0 to {MAX_CALL_SECONDS} s', 'data1']
  WHEN event IN {sql_list(COMPLETES)} AND NOT {_num("d1")}
    THEN [event || ' needs the hold and talk times (data1, data2), 0 to {MAX_CALL_SECONDS} s',
          'data1']
  WHEN event IN {sql_list(COMPLETES)} AND NOT {_num("d2")}
    THEN [event || ' needs the hold and talk times (data1, data2), 0 to {MAX_CALL_SECONDS} s',
          'data2']
  WHEN event IN {sql_list(TRANSFERS)} AND NOT {_num("d3")}
    THEN [event || ' needs the hold and talk times (data3, data4), 0 to {MAX_CALL_SECONDS} s',
          'data3']
  WHEN event IN {sql_list(TRANSFERS)} AND NOT {_num("d4")}
    THEN [event || ' needs the hold and talk times (data3, data4), 0 to {MAX_CALL_SECONDS} s',
          'data4']
  WHEN event = 'ABANDON' AND NOT {_num("d3")}
    THEN ['ABANDON needs the wait time (data3), 0 to {MAX_CALL_SECONDS} s', 'data3']
  WHEN event IN ('EXITWITHTIMEOUT', 'EXITEMPTY') AND NOT {_blank("d3")} AND NOT {_num("d3")}
    THEN [event || ' has a wait time (data3) that is not 0 to {MAX_CALL_SECONDS} s', 'data3']
  WHEN event = 'EXITWITHKEY' AND NOT {_blank("d4")} AND NOT {_num("d4")}
    THEN ['EXITWITHKEY has a wait time (data4) that is not 0 to {MAX_CALL_SECONDS} s', 'data4']
  WHEN event = '{RING_NO_ANSWER}' AND NOT {_blank("d1")} AND NOT {_num("d1", _MAX_RING_MS)}
    THEN ['RINGNOANSWER has a ring time (data1) that is not a number of milliseconds', 'data1']
END
"""

_PARSE_SQL = f"""
CREATE OR REPLACE TEMP TABLE ql AS
WITH parts AS (
  SELECT rowid + 1 AS line_no, string_split(line, '|') AS f,
         regexp_matches(line, '[\\x00-\\x08\\x0b-\\x1f\\x7f]') AS control
  FROM raw_lines WHERE line IS NOT NULL AND trim(line) <> ''
), fields AS (
  SELECT line_no, control, len(f) AS n, trim(f[1]) AS t, f[2] AS callid, f[3] AS queue,
         f[4] AS agent, f[5] AS event, f[6] AS d1, f[7] AS d2, f[8] AS d3, f[9] AS d4,
         TRY_CAST(trim(f[1]) AS DOUBLE) AS epoch
  FROM parts
), stamped AS (
  SELECT *, CASE WHEN epoch IS NULL THEN TRY_CAST(t AS TIMESTAMP) END AS stamp FROM fields
), timed AS (
  SELECT *, CASE
      WHEN epoch BETWEEN {_EPOCH_MIN} AND {_EPOCH_MAX} THEN to_timestamp(epoch) AT TIME ZONE $1
      WHEN stamp >= TIMESTAMP '{EARLIEST:%Y-%m-%d}' AND stamp < TIMESTAMP '{LATEST:%Y-%m-%d}'
        THEN stamp
    END AS ts
  FROM stamped
), checked AS (
  SELECT *, {_PROBLEM} AS pf FROM timed
)
SELECT line_no, ts, callid, queue, agent, event, d1, d2, d3, d4,
  pf[1] AS problem, pf[2] AS field,
  CASE WHEN pf IS NULL AND event IN {sql_list(ANSWER_EVENTS)}
            AND (agent IS NULL OR agent IN ('', 'NONE')) THEN 'agent' END AS warn_field
FROM checked
"""

_CALLS_SQL = f"""
CREATE OR REPLACE TEMP TABLE all_calls AS
WITH e AS (
  SELECT * FROM ql WHERE problem IS NULL AND event IN {sql_list(CALL_EVENTS)}
), g AS (
  SELECT callid AS call_id,
    arg_min(queue, ts) AS queue,
    min(ts) FILTER (WHERE event = '{ENTER}') AS entered,
    arg_min(d2, ts) FILTER (WHERE event = '{ENTER}') AS caller,
    max(ts) FILTER (WHERE event = '{CONNECT}') AS connected,
    arg_max(TRY_CAST(d1 AS DOUBLE), ts) FILTER (WHERE event = '{CONNECT}') AS connect_hold,
    arg_max(agent, ts) FILTER (WHERE event IN {sql_list(ANSWER_EVENTS)}
                                 AND agent NOT IN ('', 'NONE')) AS agent,
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
    count(*) FILTER (WHERE event = '{OUTBOUND}') > 0 AS outbound,
    min(ts) FILTER (WHERE event = '{OUTBOUND}') AS outbound_at,
    arg_min(d2, ts) FILTER (WHERE event = '{OUTBOUND}') AS dialled,
    arg_min(agent, ts) FILTER (WHERE event = '{OUTBOUND}' AND agent NOT IN ('', 'NONE'))
      AS dialled_by,
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
  ring_no_answer, first_line, last_line,
  outbound, outbound_at, nullif(trim(dialled), '') AS dialled,
  coalesce(dialled_by, agent) AS dialled_by,
  answered
FROM timed;

CREATE OR REPLACE TEMP TABLE calls AS
SELECT call_id, queue, caller, outcome, exit_reason, entered_at, answered_at, ended_at,
  wait_seconds, talk_seconds, agent, ring_no_answer, first_line, last_line
FROM all_calls WHERE NOT outbound;

CREATE OR REPLACE TEMP TABLE outbound_calls AS
SELECT call_id, queue, dialled AS caller,
  CASE WHEN answered THEN 'answered' ELSE 'no_answer' END AS outcome,
  outbound_at AS entered_at, talk_seconds, dialled_by AS agent, first_line, last_line
FROM all_calls WHERE outbound;

DROP TABLE all_calls;
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
