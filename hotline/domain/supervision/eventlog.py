"""The ``events`` relation the detectors read, from our interchange files or any event log.

Columns: ``order_id, seq, ts (local TIMESTAMP), action, actor, unit, to_unit, data (JSON)``, plus
``holder``: the unit that has the order after the event (for our own logs the target of a
dispatch or of a 改派 (reassign); for external logs the event's own unit), which is what the
handover metrics walk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from types import ModuleType

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


# Where the engine's SQL runs: DuckDB here, or Apache Spark (hotline.domain.spark).
ENGINES = ("duckdb", "spark")


def _spark() -> ModuleType:
    """The Spark loaders, or a clear error where pyspark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EventLogError(
            "--engine spark needs pyspark: pip install 'hotline[spark]' (and Java 17+)"
        ) from None
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise EventLogError("--engine spark needs Java 17+ (apt-get install default-jre-headless)")
    from hotline.domain.supervision import spark_log

    return spark_log


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


def event_source(text: str) -> Path | str:
    """A log's location as given on the command line: a URL (``s3://…``, ``hdfs://…``) stays
    the string it is (``Path`` would fold its ``//``), anything else is a local path."""
    return text if _is_url(text) else Path(text)


def _is_url(path: Path | str) -> bool:
    return isinstance(path, str) and "://" in path


def _is_dataset(path: Path | str) -> bool:
    """A directory of Parquet files (a Hive layout such as ``month=2026-01/`` is welcome): a
    local directory, or a URL that ends in ``/`` or has no extension."""
    if _is_url(path):
        text = str(path)
        return text.endswith("/") or not PurePosixPath(text.split("://", 1)[1]).suffix
    return Path(path).is_dir()


def _reader(path: Path | str) -> str:
    if _is_dataset(path):
        if not _is_url(path) and next(Path(path).rglob("*.parquet"), None) is None:
            raise EventLogError(f"{path}: no .parquet files in this directory")
        return "read_parquet"
    # A URL is left for DuckDB to reach (s3 through httpfs when configured), or to say why not.
    if not _is_url(path) and not Path(path).is_file():
        raise EventLogError(f"{path}: no such file or directory")
    reader = READERS.get(PurePosixPath(str(path)).suffix.lower())
    if reader is None:
        raise EventLogError(f"{path}: expected .jsonl, .csv, .parquet or a directory of .parquet")
    return reader


def _source(path: Path | str, reader: str, columns: dict[str, str] | None) -> str:
    if reader == "read_parquet":
        if not _is_dataset(path):
            return f"read_parquet('{_quote(path)}')"
        # Every file below, partitions as columns; the loaders pick the event columns by name.
        files = str(path).rstrip("/") + "/**/*.parquet"
        return f"read_parquet('{_quote(files)}', hive_partitioning = true)"
    if columns is None:
        options = "header = true, all_varchar = true" if reader == "read_csv" else ""
        return f"{reader}('{_quote(path)}'{', ' + options if options else ''})"
    spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    extra = ", header = true" if reader == "read_csv" else ", format = 'newline_delimited'"
    return f"{reader}('{_quote(path)}', columns = {{{spec}}}{extra})"


def _quote(path: Path | str) -> str:
    return str(path).replace("'", "''")


def load_interchange(
    path: Path | str,
    *,
    tz: str = "Asia/Shanghai",
    as_of: datetime | None = None,
    engine: str = "duckdb",
) -> EventLog:
    """Our own export (``hotline events export``): JSON Lines, CSV or Parquet, one file or a
    directory of Parquet files (``--partition month``); a URL is handed to DuckDB as it is.
    ``engine="spark"`` loads it on Spark (supervision.spark_log), for the same report."""
    if engine == "spark":
        return _spark().load_interchange_spark(path, tz=tz, as_of=as_of)
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
    path: Path | str,
    *,
    case: str,
    time: str,
    unit: str,
    activity: str | None = None,
    tz: str = "Asia/Shanghai",
    as_of: datetime | None = None,
    engine: str = "duckdb",
) -> EventLog:
    """Any event log: one row per event with a case id, a time and the unit that acted.
    Events of one case are ordered by time; ties keep file order."""
    if engine == "spark":
        return _spark().load_external_spark(
            path, case=case, time=time, unit=unit, activity=activity, tz=tz, as_of=as_of
        )
    con = _disk_connection()
    con.execute("SET TimeZone = ?", [tz])
    reader = _reader(path)
    con.execute(f"CREATE TABLE raw AS SELECT * FROM {_source(path, reader, None)}")
    names = [row[0] for row in con.execute("DESCRIBE raw").fetchall()]
    check_columns(path, names, case=case, time=time, unit=unit, activity=activity)
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


def check_columns(
    path: Path | str, names: list[str], *, case: str, time: str, unit: str, activity: str | None
) -> None:
    """Every column the options name is in the log, or an error naming the option."""
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


def _finish(con: duckdb.DuckDBPyConnection, as_of: datetime | None, *, ours: bool) -> EventLog:
    # Loaded: from here on every query orders what it needs, and unordered operators spill better.
    con.execute("SET preserve_insertion_order = false")
    if as_of is None:
        row = con.execute("SELECT max(ts) FROM events").fetchone()
        as_of = row[0] if row else None
    con.execute("CREATE OR REPLACE TEMP TABLE as_of AS SELECT CAST(? AS TIMESTAMP) AS ts", [as_of])
    return EventLog(con=con, as_of=as_of, ours=ours)


def add_working_days(log: EventLog, working: Callable[[date], bool]) -> None:
    """A ``workdays(day)`` table over the log's span, from the working calendar, and
    ``workday_ranks(day, n)``: each calendar day and how many working days the span has up to
    and including it."""
    row = log.con.execute(
        "SELECT CAST(min(ts) AS DATE), CAST(max(ts) AS DATE) FROM events"
    ).fetchone()
    log.con.execute("CREATE OR REPLACE TEMP TABLE workdays (day DATE)")
    log.con.execute("CREATE OR REPLACE TEMP TABLE workday_ranks (day DATE, n BIGINT)")
    if not row or row[0] is None:
        return
    first, last = row[0], max(row[1], log.as_of.date() if log.as_of else row[1])
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    log.con.executemany("INSERT INTO workdays VALUES (?)", [[day] for day in days if working(day)])
    # Every calendar day with the count of working days up to it: "the latest working day on or
    # before" becomes an equality join, which both engines run (Spark has no ASOF join).
    ranks, seen = [], 0
    for day in days:
        seen += working(day)
        ranks.append([day, seen])
    log.con.executemany("INSERT INTO workday_ranks VALUES (?, ?)", ranks)


def restrict_since(log: EventLog, since: date) -> None:
    """Keep only orders created on or after ``since``."""
    log.con.execute("DROP TABLE IF EXISTS steps")  # built from the events being cut
    log.con.execute(
        "DELETE FROM events WHERE order_id IN (SELECT order_id FROM events "
        "WHERE seq = 1 AND CAST(ts AS DATE) < ?)",
        [since],
    )
