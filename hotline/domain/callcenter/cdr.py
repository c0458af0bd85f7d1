"""The plain CDR CSV of docs/design.md → the ``calls`` table.

Columns: ``call_id, started_at, queued, wait_seconds, outcome, agent, talk_seconds`` (``queue``,
``caller`` and ``direction`` may be added). ``direction`` is ``in`` (the default) or ``out``: an
outbound call (a callback, 回拨) whose ``caller`` is the number dialled and whose outcome is one of
:data:`OUTBOUND_OUTCOMES`. Outbound calls go to their own table, ``outbound_calls``, never to
``calls``: no KPI counts them as offered or answered.

Rows are checked one by one while streaming; a bad row is reported with its line number and
field and left out, the good ones go to a normalised file that DuckDB reads. What is fatal,
what is a malformed row and what is only a warning: see
:mod:`hotline.domain.callcenter.calllog`.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
)
from hotline.domain.duck import open_connection
from hotline.domain.inputs import InputError, csv_lines, input_file

REQUIRED = ("call_id", "started_at", "outcome")
OPTIONAL = ("queued", "wait_seconds", "agent", "talk_seconds", "queue", "caller", "direction")
OUTCOMES = ("answered", "abandoned", "ivr_only", "other")
OUTBOUND_OUTCOMES = ("answered", "no_answer", "busy", "failed")
DIRECTIONS = ("in", "out")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}
_NORMALISED = (
    "call_id",
    "queue",
    "caller",
    "outcome",
    "exit_reason",
    "entered_at",
    "wait_seconds",
    "talk_seconds",
    "agent",
    "line",
    "direction",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

__all__ = ["CallLogInputError", "RowProblem", "load_cdr"]


class RowProblem(InputError):
    """One row cannot be a call: it is left out and listed (line, field, problem)."""


def load_cdr(
    path: str | Path,
    *,
    tz: str = "Asia/Shanghai",
    con: duckdb.DuckDBPyConnection | None = None,
) -> CallLog:
    try:
        source = input_file(path)
    except InputError as exc:
        raise CallLogInputError(exc.message, source=path) from None
    con = con or open_connection()
    report = LoadReport(source=str(source), format="cdr")
    zone = ZoneInfo(tz)
    with tempfile.TemporaryDirectory() as scratch:
        normalised = Path(scratch) / "calls.csv"
        with normalised.open("w", newline="") as out:
            _normalise(source, csv.writer(out), report, zone)
        con.execute(_CALLS_SQL, [str(normalised)])
        con.execute(_OUTBOUND_SQL)
        con.execute("DELETE FROM calls WHERE direction = 'out'")
        con.execute("ALTER TABLE calls DROP COLUMN direction")
    return CallLog(con, report)


def _normalise(source: Path, out: Any, report: LoadReport, zone: ZoneInfo) -> None:
    reader = csv.DictReader(csv_lines(source, error=CallLogInputError))
    try:
        _rows(reader, out, report, zone)
    except csv.Error as exc:  # an unbalanced quote swallowing the file, a NUL byte
        raise CallLogInputError(
            f"not readable as CSV: {exc}", source=source, line=reader.line_num
        ) from None


def _rows(reader: csv.DictReader[str], out: Any, report: LoadReport, zone: ZoneInfo) -> None:
    source = report.source
    header = [name.strip() for name in reader.fieldnames or ()]
    if not any(header):
        raise CallLogInputError("the file is empty", source=source)
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CallLogInputError(
            f"CDR column(s) missing: {', '.join(missing)} (found: {', '.join(header)[:300]})",
            source=source,
            line=1,
        )
    doubled = sorted({name for name in header if header.count(name) > 1 and name})
    if doubled:
        raise CallLogInputError(
            f"CDR column(s) named twice: {', '.join(doubled)[:300]}", source=source, line=1
        )
    out.writerow(_NORMALISED)
    seen: dict[str, int] = {}
    bad: list[tuple[int, str, str, str | None]] = []
    warned: list[tuple[int, str, str]] = []
    report.lines = 1
    for row in reader:
        line = reader.line_num
        report.lines = line
        if not any(str(value or "").strip() for value in row.values()):
            report.blank_lines += 1
            continue
        try:
            out.writerow(_checked(row, line, seen, zone, warned))
            report.valid_lines += 1
        except RowProblem as problem:
            text = ",".join(str(v or "") for v in row.values())
            bad.append((line, problem.message, text, problem.field))
    report.add_malformed(bad)
    report.add_warnings(warned)


def _checked(
    row: dict[Any, Any],
    line: int,
    seen: dict[str, int],
    zone: ZoneInfo,
    warned: list[tuple[int, str, str]],
) -> list[Any]:
    if None in row:
        raise RowProblem(f"{len(row) - 1 + len(row[None])} fields, the header has {len(row) - 1}")
    call_id = _name(row, "call_id")
    if not call_id:
        raise RowProblem("call_id is empty", field="call_id")
    if call_id in seen:
        raise RowProblem(
            f"duplicate call_id {call_id!r} (first on line {seen[call_id]})", field="call_id"
        )
    direction = _text(row, "direction").lower() or "in"
    if direction not in DIRECTIONS:
        raise RowProblem(
            f"direction {direction[:40]!r} is not one of {', '.join(DIRECTIONS)}",
            field="direction",
        )
    outcome = _text(row, "outcome").lower()
    allowed = OUTCOMES if direction == "in" else OUTBOUND_OUTCOMES
    if outcome not in allowed:
        kind = "an inbound" if direction == "in" else "an outbound"
        raise RowProblem(
            f"outcome {outcome[:40]!r} is not one of {', '.join(allowed)} for {kind} call",
            field="outcome",
        )
    started = _time(_text(row, "started_at"), zone)
    if direction == "out":
        seen[call_id] = line
        return _outbound(row, call_id, outcome, started, line)
    queued = _flag(_text(row, "queued"), default=outcome in ("answered", "abandoned"))
    wait = _seconds(row, "wait_seconds", required=queued and outcome == "abandoned")
    talk = _seconds(row, "talk_seconds", required=False)
    agent = _name(row, "agent")
    queue, caller = _name(row, "queue"), _name(row, "caller")
    if outcome == "answered" and not agent:
        # The call was answered; refusing the row would take it out of 接通率.
        warned.append((line, "agent", f"answered call with no agent: counted as {UNKNOWN_AGENT}"))
    exit_reason = "" if outcome == "answered" else outcome
    if outcome == "abandoned" and not queued:
        outcome = "ivr_only"  # hung up in the IVR: never offered to an agent
    seen[call_id] = line
    return [
        call_id,
        queue,
        caller,
        outcome,
        exit_reason,
        started.isoformat(sep=" "),
        0.0 if outcome == "answered" and wait is None else wait,
        talk if outcome == "answered" else None,
        agent if outcome == "answered" else "",
        line,
        "in",
    ]


def _outbound(
    row: dict[Any, Any], call_id: str, outcome: str, started: datetime, line: int
) -> list[Any]:
    """An outbound call (回拨): the number dialled, who dialled, how it ended."""
    talk = _seconds(row, "talk_seconds", required=False)
    queue, number, agent = _name(row, "queue"), _name(row, "caller"), _name(row, "agent")
    answered = outcome == "answered"
    return [
        call_id,
        queue,
        number,
        outcome,
        "",
        started.isoformat(sep=" "),
        None,
        talk if answered else None,
        agent,
        line,
        "out",
    ]


def _name(row: dict[str, Any], name: str) -> str:
    """A name the database stores (call id, agent, queue, caller): printable, 64 at most."""
    value = _text(row, name)
    if len(value) > MAX_NAME:
        raise RowProblem(f"{name} is longer than {MAX_NAME} characters", field=name)
    if _CONTROL.search(value):
        raise RowProblem(f"{name} holds a control character", field=name)
    return value


def _text(row: dict[str, Any], name: str) -> str:
    return str(row.get(name) or "").strip()


def _time(value: str, zone: ZoneInfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowProblem(
            f"started_at {value[:40]!r} is not an ISO date-time", field="started_at"
        ) from None
    # Compared before converting: year 9999 in UTC-14 would overflow on the way to local time.
    if parsed.tzinfo is None:
        inside = EARLIEST <= parsed < LATEST
    else:
        inside = EARLIEST.replace(tzinfo=UTC) <= parsed < LATEST.replace(tzinfo=UTC)
    if not inside:
        raise RowProblem(
            f"started_at {value[:40]!r} is outside {EARLIEST.year}–{LATEST.year}",
            field="started_at",
        )
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(zone).replace(tzinfo=None)
    return parsed


def _flag(value: str, *, default: bool) -> bool:
    if not value:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise RowProblem(f"queued {value[:40]!r} is not true/false", field="queued")


def _seconds(row: dict[str, Any], name: str, *, required: bool) -> float | None:
    value = _text(row, name)
    if not value:
        if required:
            raise RowProblem(f"{name} is empty", field=name)
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowProblem(f"{name} {value[:40]!r} is not a number", field=name) from None
    if number < 0 or not math.isfinite(number):
        raise RowProblem(f"{name} {value[:40]!r} is negative or not finite", field=name)
    if number > MAX_CALL_SECONDS:
        raise RowProblem(
            f"{name} {value[:40]!r} is more than a day ({MAX_CALL_SECONDS:,} s)", field=name
        )
    return number


_CALLS_SQL = """
CREATE OR REPLACE TEMP TABLE calls AS
SELECT call_id, direction, nullif(queue, '') AS queue, nullif(caller, '') AS caller, outcome,
  nullif(exit_reason, '') AS exit_reason, entered_at,
  CASE WHEN outcome = 'answered' THEN entered_at + to_seconds(wait_seconds) END AS answered_at,
  CASE WHEN outcome = 'answered'
         THEN entered_at + to_seconds(wait_seconds + coalesce(talk_seconds, 0))
       WHEN outcome = 'abandoned' THEN entered_at + to_seconds(wait_seconds) END AS ended_at,
  wait_seconds, talk_seconds, nullif(agent, '') AS agent, 0::BIGINT AS ring_no_answer,
  line AS first_line, line AS last_line
FROM read_csv(?, header = true, columns = {
  'call_id': 'VARCHAR', 'queue': 'VARCHAR', 'caller': 'VARCHAR', 'outcome': 'VARCHAR',
  'exit_reason': 'VARCHAR', 'entered_at': 'TIMESTAMP', 'wait_seconds': 'DOUBLE',
  'talk_seconds': 'DOUBLE', 'agent': 'VARCHAR', 'line': 'BIGINT', 'direction': 'VARCHAR'})
"""

# Outbound calls (回拨) in their own table: see hotline.domain.callcenter.calllog.
_OUTBOUND_SQL = """
CREATE OR REPLACE TEMP TABLE outbound_calls AS
SELECT call_id, queue, caller, outcome, entered_at, talk_seconds, agent, first_line, last_line
FROM calls WHERE direction = 'out'
"""
