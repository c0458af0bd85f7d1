"""Whether the database a ``hotline`` subcommand needs is there and migrated.

Only ``hotline serve``, ``demo`` and ``migrate`` change the schema. Every other command that
reads or writes the database asks :func:`database_problem` first, so that a typo in ``--db``
neither creates an empty SQLite file nor writes a schema into a database someone only wanted
to check, and a database behind its migrations is named instead of failing mid-command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOWN_MIGRATIONS = 3


def database_problem() -> str | None:
    """Why the configured database cannot be used yet (one line, for ``fail``), or None."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    label, hint = _describe(connection.settings_dict)
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).is_file():
        # Checked before connecting: opening a missing file would create it.
        return f"database {label} does not exist; {hint}"
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        where = "--db" if connection.vendor == "sqlite" else "DATABASE_URL"
        return f"cannot open database {label}: {_one_line(exc)} (check {where})"
    if not pending:
        return None
    if not executor.loader.applied_migrations:
        return f"database {label} is not migrated; {hint}"
    names = [f"{migration.app_label}.{migration.name}" for migration, _ in pending]
    shown = ", ".join(names[:SHOWN_MIGRATIONS])
    if len(names) > SHOWN_MIGRATIONS:
        shown += f" and {len(names) - SHOWN_MIGRATIONS} more"
    return f"database {label} has unapplied migrations ({shown}); {hint}"


def _describe(database: dict[str, Any]) -> tuple[str, str]:
    """The database as the user would name it, and the command that makes it usable."""
    if database["ENGINE"].endswith("sqlite3"):
        path = _shown_path(Path(database["NAME"]))
        return path, f"run `hotline migrate --db {path}` first"
    host = database.get("HOST") or "localhost"
    port = database.get("PORT") or 5432
    return f"{database['NAME']} at {host}:{port}", "run `hotline migrate` first"


def _shown_path(path: Path) -> str:
    # Relative to the working directory when inside it, as the user most likely typed it.
    cwd = Path.cwd()
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


def _one_line(exc: Exception) -> str:
    # Drivers (psycopg especially) spread one error over several lines.
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or repr(exc)
