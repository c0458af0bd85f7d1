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

    p = esub.add_parser(
        "export",
        parents=[common],
        help="write all events (.jsonl, .csv or .parquet; a Parquet dataset with --partition)",
        description="Write every event. The extension of FILE picks the format: .jsonl, .csv or"
        " .parquet (one file). With --partition month, FILE is a new or empty directory that gets"
        " a Parquet dataset in Hive layout, month=YYYY-MM/part-0.parquet for each month of the"
        " events' local time, which `hotline supervise --events DIR` and Spark read whole.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--partition",
        choices=("month",),
        help="write a directory partitioned by month (Parquet) instead of one file",
    )
    p.set_defaults(func=cmd_export)

    p = esub.add_parser("import", parents=[common], help="import events (.jsonl or .csv)")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)

    p = esub.add_parser(
        "verify", parents=[common], help="re-walk every hash chain and re-read every attachment"
    )
    p.add_argument(
        "--anchor",
        metavar="FILE",
        help="also check that every order and case in this anchor still extends its anchored head",
    )
    p.add_argument(
        "--public-key",
        metavar="FILE",
        help="the center's public key to check the anchor's signature with"
        " (default: the configured HOTLINE_ANCHOR_KEY's)",
    )
    p.set_defaults(func=cmd_verify)

    p = esub.add_parser(
        "anchor",
        parents=[common],
        help="sign and write a checkpoint of every chain's head (存证锚点)",
    )
    p.add_argument("--out", metavar="FILE", required=True, help="where to write the checkpoint")
    p.set_defaults(func=cmd_anchor)

    p = esub.add_parser(
        "anchor-key", parents=[common], help="create the center's Ed25519 anchor signing key"
    )
    p.add_argument("--out", metavar="FILE", required=True, help="the new PEM key file (mode 0600)")
    p.set_defaults(func=cmd_anchor_key)


def cmd_export(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_export, export_format

    export_format(Path(args.file), partition=args.partition)  # a bad target fails before any work
    if problem := database_problem():
        return fail(problem)
    count = events_export(Path(args.file), partition=args.partition)
    print(f"exported {count} events to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from hotline.domain.inputs import input_file
    from hotline.workorders.interchange import events_import

    path = input_file(args.file)  # InputError: the CLI's one-line error, exit 2
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
        return 2  # bad input, as every importer answers it
    print(f"imported {result.events} events of {result.orders} orders from {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_verify

    check = None
    if args.anchor:
        from hotline.eventstore import anchor

        # The file and key are read before the database: a bad file fails fast, changing nothing.
        key = anchor.public_key_load(args.public_key) if args.public_key else None
        if key is None and anchor.anchor_key_configured() is not None:
            key = anchor.anchor_key_load().public_key()
        checkpoint = anchor.anchor_read(args.anchor, public_key=key)
        if key is None:
            print(
                "note: signature checked against the key the anchor names;"
                " pass --public-key to check it against the center's",
                file=sys.stderr,
            )
    if problem := database_problem():
        return fail(problem)
    if args.anchor:
        check = anchor.anchor_check(checkpoint)
    result = events_verify()
    if result.ok:
        print(f"chain intact: {result.summary()}")
    else:
        print(f"chain BROKEN at {result.broken}", file=sys.stderr)
    anchored_ok = check is None or _print_anchor_check(args.anchor, check)
    return 0 if result.ok and anchored_ok else 1


def _print_anchor_check(path: str, check: Any) -> bool:
    """Print what the anchor check found; whether all held."""
    from django.utils import timezone

    point = check.checkpoint
    counts = ", ".join(f"{n} {name}(s)" for name, n in point.counts.items())
    made = timezone.localtime(point.created_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    print(f"anchor {path}: made {made}, root {point.root}, {counts}")
    if not point.signature_ok:
        print(
            "anchor signature FAILED: the file was changed, or not signed by this key",
            file=sys.stderr,
        )
        return False
    if not point.root_ok:
        print("anchor root FAILED: the root does not match the heads listed", file=sys.stderr)
        return False
    for name in check.unknown_streams:
        print(f"anchor names a stream this installation does not have: {name}", file=sys.stderr)
    for finding in check.findings:
        print(f"ANCHOR: {finding}", file=sys.stderr)
    anchored = len(point.heads)
    if check.ok:
        print(f"anchor holds: all {anchored} anchored heads are still there and extended")
        return True
    kinds: dict[str, int] = {}
    for finding in check.findings:
        kinds[finding.drift] = kinds.get(finding.drift, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"anchor BROKEN: {summary} of {anchored} anchored heads", file=sys.stderr)
    return False


def cmd_anchor(args: argparse.Namespace) -> int:
    from hotline.domain.inputs import output_file
    from hotline.eventstore.anchor import anchor_key_load, anchor_make

    output_file(args.out)  # a directory or a missing folder is named before any work
    key = anchor_key_load()
    if problem := database_problem():
        return fail(problem)
    made = anchor_make(made_by="command", out=args.out, key=key)
    counts = ", ".join(f"{n} {name}(s)" for name, n in made.counts.items())
    print(f"anchor written to {args.out}: root {made.root}, {counts}")
    return 0


def cmd_anchor_key(args: argparse.Namespace) -> int:
    from hotline.eventstore.anchor import anchor_key_create

    public = anchor_key_create(args.out)
    print(f"signing key written to {args.out} (keep it secret; set HOTLINE_ANCHOR_KEY to it)")
    print(f"public key (also in {args.out}.pub): {public}")
    return 0
