"""``hotline backup`` and ``hotline restore``: the whole database in one file. Thin: parse,
call, print."""

from __future__ import annotations

import argparse
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help="back up the database while it runs (备份)")
    p.add_argument("--out", metavar="FILE", required=True, help="the backup file to write")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="replace the database with a backup")
    p.add_argument("file", help="a file written by `hotline backup`")
    p.add_argument(
        "--force", action="store_true", help="replace a database that already has tables"
    )
    p.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from hotline.domain.inputs import output_file
    from hotline.eventstore.backup import BackupError, database_backup

    output_file(args.out)  # a directory is named before the database is opened
    if problem := database_problem():
        return fail(problem)
    try:
        result = database_backup(args.out)
    except BackupError as exc:
        return fail(str(exc))
    print(f"backed up {result.database} to {result.path} ({result.size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from hotline.eventstore.backup import BackupError, database_restore

    try:
        database = database_restore(args.file, force=args.force)
    except BackupError as exc:
        return fail(str(exc))
    print(f"restored {args.file} into {database}; check it with `hotline events verify`")
    if problem := database_problem():
        print(f"note: {problem}")
    return 0
