"""The ``events`` relation the detectors read, from our interchange files or any event log.

Columns: ``order_id, seq, ts (local TIMESTAMP), action, actor, unit, to_unit, data (JSON)``, plus
``holder``: the unit that has the order after the event (for our own logs the target of a
dispatch or of a 改派 (reassign); for external logs the event's own unit), which is what the
handover metrics walk.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from hotline.domain.duck import open_connection

READERS = {
    ".jsonl": "read_json",
    ".json": "read_json",
    ".ndjson": "read_json",
    ".csv": "read_csv",
    ".parquet": "read_parquet",
}
COLUMNS = {
    "order": "VARCHAR",
    "seq": "BIGINT",
    "at": "TIMESTAMPTZ",
    "action": "VARCHAR",
    "actor": "VARCHAR",
    "unit": "VARCHAR",
    "to_unit": "VARCHAR",
    "data": "VARCHAR",
}


class EventLogError(ValueError):
    """The log cannot be read as asked; the message names the file or column."""


@dataclass
class EventLog:
    con: duckdb.DuckDBPyConnection
    as_of: datetime | None  # "now" for open orders, local time: the last event unless given
    ours: bool  # our own lifecycle (actions, data) or an external log (units only)

    def count(self, table: str = "events") -> int:
        row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def _disk_connection() -> duckdb.DuckDBPyConnection:
    """A database file of its own in the temp folder, removed with the connection: the events
    live on disk and in DuckDB's buffer pool, so a log far larger than memory still runs."""
    folder = tempfile.mkdtemp(prefix="hotline-events-")
    con = open_connection(database=str(Path(folder) / "events.duckdb"))
    weakref.finalize(con, shutil.rmtree, folder, ignore_errors=True)
    return con


def _reader(path: Path) -> str:
    if not path.is_file():
        raise EventLogError(f"{path}: no such file")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise EventLogError(f"{path}: expected .jsonl, .csv or .parquet")
    return reader


def _source(path: Path, reader: str, columns: dict[str, str] | None) -> str:
    if reader == "read_parquet":
        return f"read_parquet('{_quote(path)}')"
    if columns is None:
        options = "header = true, all_varchar = true" if reader == "read_csv" else ""
        return f"{reader}('{_quote(path)}'{', ' + options if options else ''})"
    spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    extra = ", header = true" if reader == "read_csv" else ", format = 'newline_delimited'"
    return f"{reader}('{_quote(path)}', columns = {{{spec}}}{extra})"


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def load_interchange(
    path: Path, *, tz: str = "Asia/Shanghai", as_of: datetime | None = None
) -> EventLog:
    """Our own export (``hotline events export``): JSON Lines, CSV or Parquet."""
    con = _disk_connection()
    con.execute("SET TimeZone = ?", [tz])
    reader = _reader(path)
    source = _source(path, reader, None if reader == "read_parquet" else COLUMNS)
    try:
        con.execute(
            f"""CREATE TABLE events AS
            SELECT "order" AS order_id, seq,
                   CAST(CAST("at" AS TIMESTAMPTZ) AS TIMESTAMP) AS ts, action,
                   coalesce(actor, '') AS actor, coalesce(unit, '') AS unit,
                   coalesce(to_unit, '') AS to_unit, CAST(data AS JSON) AS data,
                   CASE WHEN action IN ('dispatch', 'reassign') THEN to_unit END AS holder
            FROM {source}"""
        )
    except duckdb.Error as exc:
        raise EventLogError(f"{path}: {str(exc).splitlines()[0]}") from None
    return _finish(con, as_of, ours=True)


def load_external(
    path: Path,
    *,
    case: str,
    time: str,
    unit: str,
    activity: str | None = None,
    tz: str = "Asia/Shanghai",
    as_of: datetime | None = None,
) -> EventLog:
    """Any event log: one row per event with a case id, a time and the unit that acted.
    Events of one case are ordered by time; ties keep file order."""
    con = _disk_connection()
    con.execute("SET TimeZone = ?", [tz])
    reader = _reader(path)
    con.execute(f"CREATE TABLE raw AS SELECT * FROM {_source(path, reader, None)}")
    names = [row[0] for row in con.execute("DESCRIBE raw").fetchall()]
    for option, column in (
        ("--case", case),
        ("--time", time),
        ("--unit", unit),
        ("--activity", activity),
    ):
        if column is not None and column not in names:
            raise EventLogError(
                f"{path}: no column {column!r} (given as {option}); columns: {', '.join(names)}"
            )
    act = f'CAST("{activity}" AS VARCHAR)' if activity else "'event'"
    try:
        con.execute(
            f"""CREATE TABLE events AS
            SELECT CAST("{case}" AS VARCHAR) AS order_id,
                   row_number() OVER (PARTITION BY "{case}" ORDER BY t, file_row) AS seq,
                   t AS ts, {act} AS action, '' AS actor,
                   coalesce(CAST("{unit}" AS VARCHAR), '') AS unit, '' AS to_unit,
                   CAST('{{}}' AS JSON) AS data, coalesce(CAST("{unit}" AS VARCHAR), '') AS holder
            FROM (SELECT *, CAST(CAST("{time}" AS TIMESTAMPTZ) AS TIMESTAMP) AS t,
                         rowid AS file_row FROM raw)"""
        )
    except duckdb.Error as exc:
        raise EventLogError(f"{path}: {str(exc).splitlines()[0]}") from None
    con.execute("DROP TABLE raw")
    return _finish(con, as_of, ours=False)


def _finish(con: duckdb.DuckDBPyConnection, as_of: datetime | None, *, ours: bool) -> EventLog:
    # Loaded: from here on every query orders what it needs, and unordered operators spill better.
    con.execute("SET preserve_insertion_order = false")
    if as_of is None:
        row = con.execute("SELECT max(ts) FROM events").fetchone()
        as_of = row[0] if row else None
    con.execute("CREATE OR REPLACE TEMP TABLE as_of AS SELECT ?::TIMESTAMP AS ts", [as_of])
    return EventLog(con=con, as_of=as_of, ours=ours)


def add_working_days(log: EventLog, working: Callable[[date], bool]) -> None:
    """A ``workdays(day)`` table over the log's span, from the working calendar."""
    row = log.con.execute("SELECT min(ts)::DATE, max(ts)::DATE FROM events").fetchone()
    if not row or row[0] is None:
        log.con.execute("CREATE OR REPLACE TEMP TABLE workdays (day DATE)")
        return
    first, last = row[0], max(row[1], log.as_of.date() if log.as_of else row[1])
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    log.con.execute("CREATE OR REPLACE TEMP TABLE workdays (day DATE)")
    log.con.executemany("INSERT INTO workdays VALUES (?)", [[day] for day in days if working(day)])


def restrict_since(log: EventLog, since: date) -> None:
    """Keep only orders created on or after ``since``."""
    log.con.execute("DROP TABLE IF EXISTS steps")  # built from the events being cut
    log.con.execute(
        "DELETE FROM events WHERE order_id IN (SELECT order_id FROM events "
        "WHERE seq = 1 AND CAST(ts AS DATE) < ?)",
        [since],
    )
