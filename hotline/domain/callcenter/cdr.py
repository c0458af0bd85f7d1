"""The plain CDR CSV of docs/design.md → the ``calls`` table.

Columns: ``call_id, started_at, queued, wait_seconds, outcome, agent, talk_seconds`` (``queue``
and ``caller`` may be added). Rows are checked one by one while streaming; a bad row is reported
with its line number and left out, the good ones go to a normalised file that DuckDB reads.
"""

from __future__ import annotations

import csv
import math
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from hotline.domain.callcenter.calllog import CallLog, LoadReport
from hotline.domain.duck import open_connection

REQUIRED = ("call_id", "started_at", "outcome")
OPTIONAL = ("queued", "wait_seconds", "agent", "talk_seconds", "queue", "caller")
OUTCOMES = ("answered", "abandoned", "ivr_only", "other")
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
)


class CallLogInputError(ValueError):
    """The input file cannot be read at all (missing, empty, lacking columns)."""


class RowProblem(ValueError):
    pass


def load_cdr(
    path: str | Path,
    *,
    tz: str = "Asia/Shanghai",
    con: duckdb.DuckDBPyConnection | None = None,
) -> CallLog:
    source = Path(path)
    if not source.is_file():
        raise CallLogInputError(f"{source}: no such file")
    con = con or open_connection()
    report = LoadReport(source=str(source), format="cdr")
    zone = ZoneInfo(tz)
    with tempfile.TemporaryDirectory() as scratch:
        normalised = Path(scratch) / "calls.csv"
        with source.open(newline="", encoding="utf-8-sig") as raw, normalised.open("w") as out:
            _normalise(raw, csv.writer(out), report, zone)
        con.execute(_CALLS_SQL, [str(normalised)])
    return CallLog(con, report)


def _normalise(raw: Any, out: Any, report: LoadReport, zone: ZoneInfo) -> None:
    reader = csv.DictReader(raw)
    header = [name.strip() for name in reader.fieldnames or ()]
    if not header:
        raise CallLogInputError(f"{report.source}: the file is empty")
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CallLogInputError(
            f"{report.source}: CDR column(s) missing: {', '.join(missing)} "
            f"(found: {', '.join(header)})"
        )
    out.writerow(_NORMALISED)
    seen: dict[str, int] = {}
    bad: list[tuple[int, str, str]] = []
    report.lines = 1
    for row in reader:
        line = reader.line_num
        report.lines = line
        if not any((value or "").strip() for value in row.values()):
            report.blank_lines += 1
            continue
        try:
            out.writerow(_checked(row, line, seen, zone))
            report.valid_lines += 1
        except RowProblem as problem:
            bad.append((line, str(problem), ",".join(str(v or "") for v in row.values())))
    report.add_malformed(bad)


def _checked(row: dict[Any, Any], line: int, seen: dict[str, int], zone: ZoneInfo) -> list[Any]:
    if None in row:
        raise RowProblem(f"{len(row) - 1 + len(row[None])} fields, the header has {len(row) - 1}")
    call_id = _text(row, "call_id")
    if not call_id:
        raise RowProblem("call_id is empty")
    if call_id in seen:
        raise RowProblem(f"duplicate call_id {call_id!r} (first on line {seen[call_id]})")
    outcome = _text(row, "outcome").lower()
    if outcome not in OUTCOMES:
        raise RowProblem(f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
    started = _time(_text(row, "started_at"), zone)
    queued = _flag(_text(row, "queued"), default=outcome in ("answered", "abandoned"))
    wait = _seconds(row, "wait_seconds", required=queued and outcome == "abandoned")
    talk = _seconds(row, "talk_seconds", required=False)
    agent = _text(row, "agent")
    if outcome == "answered" and not agent:
        raise RowProblem("an answered call needs its agent")
    exit_reason = "" if outcome == "answered" else outcome
    if outcome == "abandoned" and not queued:
        outcome = "ivr_only"  # hung up in the IVR: never offered to an agent
    seen[call_id] = line
    return [
        call_id,
        _text(row, "queue"),
        _text(row, "caller"),
        outcome,
        exit_reason,
        started.isoformat(sep=" "),
        0.0 if outcome == "answered" and wait is None else wait,
        talk if outcome == "answered" else None,
        agent if outcome == "answered" else "",
        line,
    ]


def _text(row: dict[str, Any], name: str) -> str:
    return str(row.get(name) or "").strip()


def _time(value: str, zone: ZoneInfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowProblem(f"started_at {value!r} is not an ISO date-time") from None
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
    raise RowProblem(f"queued {value!r} is not true/false")


def _seconds(row: dict[str, Any], name: str, *, required: bool) -> float | None:
    value = _text(row, name)
    if not value:
        if required:
            raise RowProblem(f"{name} is empty")
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowProblem(f"{name} {value!r} is not a number") from None
    if number < 0 or not math.isfinite(number):
        raise RowProblem(f"{name} {value!r} is negative or not finite")
    return number


_CALLS_SQL = """
CREATE OR REPLACE TEMP TABLE calls AS
SELECT call_id, nullif(queue, '') AS queue, nullif(caller, '') AS caller, outcome,
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
  'talk_seconds': 'DOUBLE', 'agent': 'VARCHAR', 'line': 'BIGINT'})
"""
