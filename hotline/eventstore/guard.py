"""Database triggers that make the event table append-only, on SQLite and PostgreSQL.

The store never updates or deletes events; the triggers make sure nothing else does either, so only
someone who drops them (and leaves traces in the hash chain) can rewrite history.
"""

from __future__ import annotations

from typing import Any

from hotline.eventstore.streams import registered_streams

# The store's own evidence: a checkpoint that could be edited or deleted would prove nothing.
STORE_TABLES = {"eventstore_anchor": "anchors are append-only"}

# Rows sealed once a condition holds on them (a published 通报): table -> (the condition on the
# old row, SQL that SQLite and PostgreSQL both read, e.g. "OLD.state = 'published'"; message).
_sealed_rows: dict[str, tuple[str, str]] = {}


def sealed_rows_register(table: str, *, when: str, message: str) -> None:
    """Called from an app's ``ready()``: the triggers refuse UPDATE and DELETE of ``table``'s
    rows for which ``when`` holds (rows that do not match stay writable)."""
    _sealed_rows[table] = (when, message)


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


def _sqlite_sealed(table: str, when: str, message: str, *, install: bool) -> list[str]:
    if not install:
        return _sqlite(table, message, install=False)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{change} BEFORE {change.upper()} ON {table} "
        f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END"
        for change in ("update", "delete")
    ]


def _postgresql_sealed(table: str, when: str, message: str, *, install: bool) -> list[str]:
    if not install:
        return _postgresql(table, message, install=False)
    function = f"{table}_sealed"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
        f"BEGIN IF {when} THEN RAISE EXCEPTION '{message}'; END IF; "
        f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
        f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
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
        build, sealed = _sqlite, _sqlite_sealed
    elif connection.vendor == "postgresql":
        build, sealed = _postgresql, _postgresql_sealed
    else:
        raise NotImplementedError(f"no append-only guard for database vendor {connection.vendor}")
    existing = set(connection.introspection.table_names())
    return [
        sql
        for table, message in guarded_tables().items()
        if table in existing
        for sql in build(table, message, install=install)
    ] + [
        sql
        for table, (when, message) in _sealed_rows.items()
        if table in existing
        for sql in sealed(table, when, message, install=install)
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
