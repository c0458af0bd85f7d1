"""Database triggers that make the event table append-only, on SQLite and PostgreSQL.

The store never updates or deletes events; the triggers make sure nothing else does either, so only
someone who drops them (and leaves traces in the hash chain) can rewrite history.
"""

from __future__ import annotations

from typing import Any

from hotline.eventstore.streams import registered_streams

# The store's own evidence: a checkpoint that could be edited or deleted would prove nothing.
STORE_TABLES = {"eventstore_anchor": "anchors are append-only"}


def guarded_tables() -> dict[str, str]:
    """Append-only tables (every stream's events and what they seal, the anchors) and the
    message a refused change gets."""
    tables: dict[str, str] = dict(STORE_TABLES)
    for stream in registered_streams():
        tables[stream.event_model._meta.db_table] = f"{stream.name} events are append-only"
        for table in stream.append_only:
            tables[table] = f"{stream.name} evidence ({table}) is append-only"
    return tables


def _sqlite(table: str, message: str, *, install: bool) -> list[str]:
    if not install:
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def _postgresql(table: str, message: str, *, install: bool) -> list[str]:
    function = f"{table}_append_only"
    if not install:
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql",
        f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _statements(connection: Any, *, install: bool) -> list[str]:
    if connection.vendor == "sqlite":
        build = _sqlite
    elif connection.vendor == "postgresql":
        build = _postgresql
    else:
        raise NotImplementedError(f"no append-only guard for database vendor {connection.vendor}")
    existing = set(connection.introspection.table_names())
    return [
        sql
        for table, message in guarded_tables().items()
        if table in existing
        for sql in build(table, message, install=install)
    ]


def install_event_guard(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=True):
            cursor.execute(sql)


def remove_event_guard(connection: Any) -> None:
    """Drop the triggers: only for test teardown and deliberate, audited maintenance."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=False):
            cursor.execute(sql)
