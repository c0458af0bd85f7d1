"""Shared pieces of the order detectors: running a query, naming units, closing states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.domain.detectors.finding import Finding
from hotline.domain.duck import query_dicts
from hotline.domain.supervision.eventlog import EventLog

# An order is open unless its last closing-or-reopening event closed it.
CLOSING = ("approve_close", "answer_directly", "merge", "archive")


def rows(log: EventLog, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return query_dicts(log.con, sql, params)


def run(
    log: EventLog,
    sql: str,
    params: list[Any],
    build: Callable[[dict[str, Any]], Finding],
) -> list[Finding]:
    return [build(row) for row in rows(log, sql, params)]


def ensure_unit_names(log: EventLog, names: dict[str, str] | None = None) -> None:
    """``unit_names(code, name)`` for explanations; codes stand in for missing names."""
    log.con.execute("CREATE TEMP TABLE IF NOT EXISTS unit_names (code VARCHAR, name VARCHAR)")
    if names:
        log.con.execute("DELETE FROM unit_names")
        log.con.executemany("INSERT INTO unit_names VALUES (?, ?)", list(names.items()))


def named(column: str) -> str:
    """SQL for a unit's display name."""
    return f"coalesce((SELECT name FROM unit_names WHERE code = {column}), {column})"


def open_orders_sql() -> str:
    """Orders whose latest closing-or-reopening event is a reopen, or that have none."""
    closing = ", ".join(f"'{action}'" for action in CLOSING)
    return f"""
      SELECT order_id FROM events GROUP BY order_id
      HAVING coalesce(max(seq) FILTER (WHERE action IN ({closing})), 0)
             <= coalesce(max(seq) FILTER (WHERE action = 'reopen'), 0)
    """
