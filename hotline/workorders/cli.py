"""``hotline events export|import|verify``: the hash-chained event log. Thin: parse, call, print."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail

SHOWN_BAD_LINES = 100


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("events", parents=[common], help="the hash-chained event log")
    esub = group.add_subparsers(dest="events_command", required=True)

    p = esub.add_parser("export", parents=[common], help="write all events (.jsonl or .csv)")
    p.add_argument("file")
    p.set_defaults(func=cmd_export)

    p = esub.add_parser("import", parents=[common], help="import events (.jsonl or .csv)")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)

    p = esub.add_parser(
        "verify", parents=[common], help="re-walk every hash chain and re-read every attachment"
    )
    p.set_defaults(func=cmd_verify)


def cmd_export(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_export

    if problem := database_problem():
        return fail(problem)
    count = events_export(Path(args.file))
    print(f"exported {count} events to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_import

    path = Path(args.file)
    if not path.is_file():
        return fail(f"{path}: no such file")
    if problem := database_problem():
        return fail(problem)
    result = events_import(path)
    if not result.ok:
        for error in result.errors[:SHOWN_BAD_LINES]:
            print(f"{path}: {error}", file=sys.stderr)
        more = len(result.errors) - SHOWN_BAD_LINES
        if more > 0:
            print(f"... and {more} more bad lines", file=sys.stderr)
        print(f"nothing imported: {len(result.errors)} bad line(s)", file=sys.stderr)
        return 1
    print(f"imported {result.events} events of {result.orders} orders from {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_verify

    if problem := database_problem():
        return fail(problem)
    result = events_verify()
    if result.ok:
        print(f"chain intact: {result.summary()}")
        return 0
    print(f"chain BROKEN at {result.broken}", file=sys.stderr)
    return 1
