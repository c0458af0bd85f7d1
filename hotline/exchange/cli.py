"""``hotline import requests``: another 311/12345 system's requests, as orders. Thin: parse,
call, print."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail

if TYPE_CHECKING:
    from hotline.domain.request_import import ReadResult, RequestMapping
    from hotline.exchange.services import ImportResult

SHOWN_BAD_ROWS = 100


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("import", parents=[common], help="import other systems' data")
    isub = group.add_subparsers(dest="import_command", required=True)
    p = isub.add_parser(
        "requests", parents=[common], help="requests of another 311/12345 system (CSV/Excel)"
    )
    p.add_argument("file")
    p.add_argument("--mapping", required=True, help="TOML mapping (see examples/)")
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="import the good rows and list the bad ones (exit 1); by default a file with any"
        " bad row is refused whole (exit 2, nothing written)",
    )
    p.set_defaults(func=cmd_import_requests)


def cmd_import_requests(args: argparse.Namespace) -> int:
    from hotline.domain.request_import import MappingError, load_mapping, read_requests

    path = Path(args.file)
    try:
        mapping = load_mapping(Path(args.mapping))
        read = read_requests(path, mapping)
    except MappingError as exc:
        return fail(str(exc))
    if read.errors and not args.skip_bad_rows:
        _print_bad_rows(args.file, read.errors)
        return fail(
            f"{args.file}: {len(read.errors)} bad row(s), nothing imported"
            " (--skip-bad-rows imports the others)"
        )
    # After the mapping and the file: what is wrong with the input is said first.
    if problem := database_problem():
        return fail(problem)
    result = _import(path=path, mapping=mapping, read=read)
    _print_bad_rows(args.file, result.errors)
    print(
        f"{result.rows} rows: {result.created} orders created, {result.advanced} moved on, "
        f"{result.unchanged} already up to date, {len(result.errors)} not imported"
    )
    return 1 if result.errors else 0


def _print_bad_rows(name: str, errors: list[tuple[int, str]]) -> None:
    for row, problem in errors[:SHOWN_BAD_ROWS]:
        print(f"{name}:{row}: {problem}", file=sys.stderr)
    if len(errors) > SHOWN_BAD_ROWS:
        print(f"... and {len(errors) - SHOWN_BAD_ROWS} more bad rows", file=sys.stderr)


def _import(*, path: Path, mapping: RequestMapping, read: ReadResult) -> ImportResult:
    """``requests_import`` with a progress bar on a terminal."""
    from rich.progress import Progress

    from hotline.exchange.services import requests_import

    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("importing", total=len(read.requests) + len(read.errors))
        return requests_import(
            path=path, mapping=mapping, read=read, progress=lambda n: bar.advance(task, n)
        )
