"""备份与恢复: one file holding the whole database, taken while the platform runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while
writers carry on (WAL), into a single self-contained file. PostgreSQL: ``pg_dump -Fc``, restored
by ``pg_restore --clean --if-exists`` in one transaction. Either way the file is written beside
its target and renamed into place, so a failed backup never leaves half a file under its name,
and a restore refuses to replace a database that holds tables unless told to (``force``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from hotline.domain.inputs import InputError, input_file, output_file
from hotline.eventstore.files import file_beside

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
SQLITE_BUSY_SECONDS = 30.0
BACKUP_MODE = 0o600  # a backup holds callers' personal data
PG_TIMEOUT_SECONDS = 6 * 3600


class BackupError(Exception):
    """The backup or restore could not be done; the message says why (one line)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    database: str  # which database, for people: a file path or a PostgreSQL name


def _settings() -> dict[str, Any]:
    return dict(connection.settings_dict)


def _label(settings: dict[str, Any]) -> str:
    if connection.vendor == "sqlite":
        return str(settings["NAME"])
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{host}{port}/{settings['NAME']}"


# -- SQLite -------------------------------------------------------------------------------------


def _sqlite_open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None)


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _sqlite_backup(target: Path) -> int:
    source = Path(_settings()["NAME"])
    if not source.is_file():
        raise BackupError(f"database {source} does not exist")
    if _same_file(source, target):
        raise InputError("is the database itself; write the backup elsewhere", source=target)
    with file_beside(target, mode=BACKUP_MODE) as tmp:
        with closing(_sqlite_open(source)) as src, closing(_sqlite_open(tmp)) as dst:
            # One step (pages=-1): a single read transaction, so the copy is one snapshot even
            # while other connections write; in WAL mode those writers are not blocked.
            src.backup(dst)
            # A single file: the backup needs no -wal beside it to be complete.
            dst.execute("PRAGMA journal_mode=DELETE")
            problem = dst.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"the copy failed its integrity check: {problem}")
    return target.stat().st_size


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [name for (name,) in rows if not name.startswith("sqlite_")]


def _sqlite_restore(source: Path, *, force: bool) -> None:
    with source.open("rb") as head:
        if head.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise InputError(
                "not a SQLite backup (made by `hotline backup` on SQLite)", source=source
            )
    target = Path(_settings()["NAME"])
    if _same_file(source, target):
        raise InputError("is the database itself; nothing to restore", source=source)
    connection.close()  # Django's own connection must not hold the file during the copy
    with closing(_sqlite_open(source)) as src:
        try:
            tables = _sqlite_tables(src)
            problem = src.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a readable SQLite database ({exc})", source=source) from None
        if problem != "ok" or "django_migrations" not in tables:
            why = problem if problem != "ok" else "it has no hotline tables"
            raise InputError(f"not a usable hotline backup: {why}", source=source)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(_sqlite_open(target)) as dst:
            if (existing := _sqlite_tables(dst)) and not force:
                raise BackupError(
                    f"database {target} is not empty ({len(existing)} tables);"
                    " pass --force to replace it"
                )
            # The backup API replaces the target's pages in one transaction: readers see the
            # old database or the restored one, never a mixture.
            src.backup(dst)


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools"
            " (Debian/Ubuntu: apt install postgresql-client) or put them on PATH"
        )
    return found


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    """libpq's environment, so the password never appears on a command line."""
    env = dict(os.environ)
    for var, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings.get(key):
            env[var] = str(settings[key])
    return env


def _pg_run(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} took longer than {PG_TIMEOUT_SECONDS} s; stopped") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def _pg_backup(target: Path) -> int:
    pg_dump = _pg_tool("pg_dump")
    settings = _settings()
    with file_beside(target, mode=BACKUP_MODE) as tmp:
        # -Fc: compressed, and pg_restore can pick from it; one snapshot (pg_dump's own
        # transaction) however long it runs.
        command = [pg_dump, "--format=custom", "--no-password", f"--file={tmp}"]
        _pg_run(command, env=_pg_env(settings), what="pg_dump")
    return target.stat().st_size


def _pg_restore(source: Path, *, force: bool) -> None:
    with source.open("rb") as head:
        if head.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise InputError(
                "not a PostgreSQL backup (made by `hotline backup` on PostgreSQL)", source=source
            )
    pg_restore = _pg_tool("pg_restore")
    settings = _settings()
    existing = connection.introspection.table_names()
    connection.close()
    if existing and not force:
        raise BackupError(
            f"database {_label(settings)} is not empty ({len(existing)} tables);"
            " pass --force to replace it"
        )
    command = [
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",  # all of it or nothing
        "--no-password",
        f"--dbname={settings['NAME']}",
        str(source),
    ]
    _pg_run(command, env=_pg_env(settings), what="pg_restore")


# -- the commands' entry points -----------------------------------------------------------------


def database_backup(out: str | Path) -> BackupResult:
    """Write a backup of the configured database to ``out``."""
    target = output_file(out)
    settings = _settings()
    if connection.vendor == "sqlite":
        size = _sqlite_backup(target)
    elif connection.vendor == "postgresql":
        size = _pg_backup(target)
    else:
        raise BackupError(f"no backup for database vendor {connection.vendor}")
    return BackupResult(path=target, size=size, database=_label(settings))


def database_restore(backup: str | Path, *, force: bool = False) -> str:
    """Replace the configured database with the backup ``backup``; returns the database's name
    for people. Refuses a database that has tables unless ``force``."""
    source = input_file(backup)
    settings = _settings()
    if connection.vendor == "sqlite":
        _sqlite_restore(source, force=force)
    elif connection.vendor == "postgresql":
        _pg_restore(source, force=force)
    else:
        raise BackupError(f"no restore for database vendor {connection.vendor}")
    return _label(settings)
