"""The ``events`` relation on Spark: the same columns, the same rows as eventlog's DuckDB
loaders, read by Spark from a file, a month-partitioned Parquet directory or any path Spark
reaches (``hdfs://``, ``s3a://`` pass through untouched)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.domain.spark import SparkConnection, spark_session
from hotline.domain.supervision.eventlog import (
    EventLog,
    EventLogError,
    _finish,
    _reader,
    check_columns,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_SCHEMA = (
    "`order` STRING, seq BIGINT, `at` STRING, action STRING, actor STRING, unit STRING, "
    "to_unit STRING, data STRING"
)


def load_interchange_spark(
    path: Path | str,
    *,
    tz: str = "Asia/Shanghai",
    as_of: datetime | None = None,
    session: SparkSession | None = None,
) -> EventLog:
    """Our own export (``hotline events export``) on Spark: the columns of
    ``eventlog.load_interchange``, times as local wall-clock time in ``tz``."""
    con = _connection(session, tz)
    raw = _read(con.session, path, _SCHEMA)
    raw.createOrReplaceTempView("raw_events")
    con.register(
        "events",
        con.session.sql(
            """SELECT `order` AS order_id, CAST(seq AS BIGINT) AS seq,
                      CAST(to_timestamp_ltz(CAST(`at` AS STRING)) AS TIMESTAMP_NTZ) AS ts,
                      action, coalesce(actor, '') AS actor, coalesce(unit, '') AS unit,
                      coalesce(to_unit, '') AS to_unit, CAST(data AS STRING) AS data,
                      CASE WHEN action IN ('dispatch', 'reassign') THEN to_unit END AS holder
               FROM raw_events"""
        ),
    )
    con.session.catalog.dropTempView("raw_events")
    return _finish(con, as_of, ours=True)  # type: ignore[arg-type]


def load_external_spark(
    path: Path | str,
    *,
    case: str,
    time: str,
    unit: str,
    activity: str | None = None,
    tz: str = "Asia/Shanghai",
    as_of: datetime | None = None,
    session: SparkSession | None = None,
) -> EventLog:
    """Any event log on Spark, as ``eventlog.load_external`` reads it: events of one case in
    time order, ties in file order."""
    from pyspark.sql.functions import monotonically_increasing_id

    con = _connection(session, tz)
    raw = _read(con.session, path, None).withColumn("__file_row", monotonically_increasing_id())
    names = [name for name in raw.columns if name != "__file_row"]
    check_columns(path, names, case=case, time=time, unit=unit, activity=activity)
    raw.createOrReplaceTempView("raw_events")
    act = f"CAST({_name(activity)} AS STRING)" if activity else "'event'"
    con.register(
        "events",
        con.session.sql(
            f"""SELECT CAST({_name(case)} AS STRING) AS order_id,
                       row_number() OVER (PARTITION BY {_name(case)} ORDER BY t, __file_row)
                         AS seq,
                       t AS ts, {act} AS action, '' AS actor,
                       coalesce(CAST({_name(unit)} AS STRING), '') AS unit, '' AS to_unit,
                       '{{}}' AS data, coalesce(CAST({_name(unit)} AS STRING), '') AS holder
                FROM (SELECT *, CAST(to_timestamp_ltz(CAST({_name(time)} AS STRING))
                                     AS TIMESTAMP_NTZ) AS t
                      FROM raw_events)"""
        ),
    )
    con.session.catalog.dropTempView("raw_events")
    return _finish(con, as_of, ours=False)  # type: ignore[arg-type]


def _connection(session: SparkSession | None, tz: str) -> SparkConnection:
    con = SparkConnection(session or spark_session())
    con.session.conf.set("spark.sql.session.timeZone", tz)
    for name in ("events", "steps", "as_of", "workdays", "unit_names"):
        con.drop(name)  # a session reused for a second log starts clean
    return con


def _name(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _read(session: SparkSession, path: Path | str, schema: str | None) -> DataFrame:
    """A file or a directory of Parquet files (Hive-partitioned by month or not), told apart and
    refused exactly as the DuckDB loaders do (``eventlog._reader``)."""
    kind = _reader(path)
    text = str(path)
    reader: Any = session.read
    try:
        if kind == "read_parquet":
            frame = reader.parquet(text)
            if schema and "month" in frame.columns:  # the partition, not an event column
                frame = frame.drop("month")
        elif kind == "read_csv":
            frame = reader.option("header", True).csv(text, schema=schema)
        else:
            frame = reader.json(text, schema=schema)
    except Exception as exc:  # Spark's AnalysisException and friends: name the file
        raise EventLogError(f"{text}: {str(exc).splitlines()[0]}") from None
    return frame
