"""DuckDB, the way every analysis here opens and queries it (call logs, event logs)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

# DuckDB spills to disk past this, so a 10 M-line log peaks near 1.2 GB instead of 3 GB, for
# about 10 % more time. HOTLINE_DUCKDB_MEMORY overrides it (e.g. "4GB").
DEFAULT_MEMORY_LIMIT = "1GB"


def open_connection(
    threads: int | None = None, *, database: str = ":memory:"
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database)
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    con.execute("SET enable_progress_bar = false")
    limit = os.environ.get("HOTLINE_DUCKDB_MEMORY", DEFAULT_MEMORY_LIMIT)
    con.execute("SET memory_limit = ?", [limit])
    spill = Path(tempfile.gettempdir()) / "hotline-duckdb"
    con.execute("SET temp_directory = ?", [str(spill)])
    return con


def sql_list(values: Iterable[str]) -> str:
    """A SQL ``IN`` list of string literals (for the modules' own constants only)."""
    return "(" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + ")"


def query_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Run a query and return one dict per row, the shape every report is built from."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def insert_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list[Any]]
) -> None:
    """Insert rows given column by column, in one statement: DuckDB's ``executemany`` pays a
    round trip per row (≈ 0.5 ms), which at 90,000 findings was most of a 10 M-event run."""
    if not columns or not next(iter(columns.values())):
        return
    if hasattr(con, "append_columns"):  # the Spark engine's connection (hotline.domain.spark)
        con.append_columns(table, columns)
        return
    names = ", ".join(columns)
    unnested = ", ".join(f"unnest(${i})" for i in range(1, len(columns) + 1))
    con.execute(f"INSERT INTO {table} ({names}) SELECT {unnested}", list(columns.values()))
