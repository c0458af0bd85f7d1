"""The ``hotline`` command: serve, demo, events, callcenter, dispatch, supervise, tokens, manage."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _setup(db: str | None) -> None:
    if db:
        # An explicit --db wins over DATABASE_URL from the environment.
        os.environ.pop("DATABASE_URL", None)
        os.environ["HOTLINE_DB"] = str(Path(db).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    django.setup()


def _fresh_demo_db() -> str:
    """The demo always starts from a new SQLite file (events cannot be deleted, by design)."""
    from hotline.paths import VAR_DIR

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return str(path)


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from hotline.web.warmup import warm_in_background
    from hotline.wsgi import application

    _migrate()
    warm_in_background()
    print(f"12345 hotline serving at http://{host}:{port}/  (API docs: /api/docs)", flush=True)
    waitress_serve(application, host=host, port=port, threads=threads, ident="hotline")


def cmd_serve(args: argparse.Namespace) -> int:
    serve(args.host, args.port, args.threads)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from hotline.demo import build_demo

    _migrate()
    build_demo(orders=args.orders, out=sys.stdout)
    if not args.no_serve:
        serve(args.host, args.port, args.threads)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate()
    print("database is up to date")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_export

    _migrate()
    count = events_export(Path(args.file))
    print(f"exported {count} events to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_import

    _migrate()
    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    result = events_import(path)
    if not result.ok:
        for error in result.errors[:100]:
            print(f"{path}: {error}", file=sys.stderr)
        more = len(result.errors) - 100
        if more > 0:
            print(f"... and {more} more bad lines", file=sys.stderr)
        print(f"nothing imported: {len(result.errors)} bad line(s)", file=sys.stderr)
        return 1
    print(f"imported {result.events} events of {result.orders} orders from {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from hotline.workorders.interchange import events_verify

    _migrate()
    result = events_verify()
    if result.ok:
        print(f"chain intact: {result.events} events in {result.orders} orders")
        return 0
    print(f"chain BROKEN at {result.broken}", file=sys.stderr)
    return 1


def cmd_import_requests(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from hotline.domain.request_import import MappingError, load_mapping, read_rows
    from hotline.exchange.services import requests_import

    _migrate()
    try:
        mapping = load_mapping(Path(args.mapping))
        total = sum(1 for _ in read_rows(Path(args.file)))
        with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("importing", total=total)
            result = requests_import(
                path=Path(args.file), mapping=mapping, progress=lambda n: bar.advance(task, n)
            )
    except MappingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for row, problem in result.errors[:100]:
        print(f"{args.file}:{row}: {problem}", file=sys.stderr)
    if len(result.errors) > 100:
        print(f"... and {len(result.errors) - 100} more bad rows", file=sys.stderr)
    print(
        f"{result.rows} rows: {result.created} orders created, {result.advanced} moved on, "
        f"{result.unchanged} already up to date, {len(result.errors)} not imported"
    )
    return 1 if result.errors else 0


def cmd_outbox_deliver(args: argparse.Namespace) -> int:
    import time

    from hotline.notify.services import outbox_deliver

    _migrate()
    while True:
        result = outbox_deliver(batch=args.batch)
        if result.sent or result.retried or result.failed or args.once:
            print(f"sent {result.sent}, to retry {result.retried}, given up {result.failed}")
        if args.once:
            return 0
        time.sleep(args.interval)


def cmd_outbox_status(args: argparse.Namespace) -> int:
    from django.db.models import Count

    from hotline.notify.models import OutboxMessage

    _migrate()
    counts = dict(
        OutboxMessage.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    print(
        ", ".join(f"{status} {counts.get(status, 0)}" for status in ("pending", "sent", "failed"))
    )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from hotline.accounts.models import ApiToken, User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"error: no user {args.username!r}", file=sys.stderr)
        return 2
    _, raw = ApiToken.issue(user=user, name=args.name)
    print(raw)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hotline manage", *args.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="SQLite database file (default var/hotline.sqlite3;"
        " DATABASE_URL selects PostgreSQL instead)",
    )
    parser = argparse.ArgumentParser(
        prog="hotline", description="12345 政务服务便民热线 platform", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def server_options(p: argparse.ArgumentParser, port: int = 8000) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=port)
        p.add_argument("--threads", type=int, default=8)

    p = sub.add_parser("serve", parents=[common], help="run the web server")
    server_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", parents=[common], help="seed a demo city, then serve")
    server_options(p)
    p.add_argument("--no-serve", action="store_true", help="seed only")
    p.add_argument("--orders", type=int, default=5000, help="number of demo orders")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("migrate", parents=[common], help="create or upgrade the database")
    p.set_defaults(func=cmd_migrate)

    events = sub.add_parser("events", parents=[common], help="the hash-chained event log")
    esub = events.add_subparsers(dest="events_command", required=True)
    p = esub.add_parser("export", parents=[common], help="write all events (.jsonl or .csv)")
    p.add_argument("file")
    p.set_defaults(func=cmd_export)
    p = esub.add_parser("import", parents=[common], help="import events (.jsonl or .csv)")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)
    p = esub.add_parser("verify", parents=[common], help="re-walk the hash chain")
    p.set_defaults(func=cmd_verify)

    imports = sub.add_parser("import", parents=[common], help="import other systems' data")
    isub = imports.add_subparsers(dest="import_command", required=True)
    p = isub.add_parser(
        "requests", parents=[common], help="requests of another 311/12345 system (CSV/Excel)"
    )
    p.add_argument("file")
    p.add_argument("--mapping", required=True, help="TOML mapping (see examples/)")
    p.set_defaults(func=cmd_import_requests)

    outbox = sub.add_parser("outbox", parents=[common], help="notifications waiting to go out")
    osub = outbox.add_subparsers(dest="outbox_command", required=True)
    p = osub.add_parser("deliver", parents=[common], help="send due messages (a worker)")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
    p.set_defaults(func=cmd_outbox_deliver)
    p = osub.add_parser("status", parents=[common], help="pending / sent / failed counts")
    p.set_defaults(func=cmd_outbox_status)

    from hotline.callcenter.cli import add_commands as add_callcenter_commands
    from hotline.dispatch.cli import add_commands as add_dispatch_commands
    from hotline.supervision.cli import add_commands as add_supervision_commands

    add_supervision_commands(sub, common)

    add_callcenter_commands(sub, common)
    add_dispatch_commands(sub, common)

    p = sub.add_parser("token", parents=[common], help="issue an API token for a user")
    p.add_argument("username")
    p.add_argument("--name", default="cli")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("manage", parents=[common], help="run a Django management command")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db = getattr(args, "db", None)
    if args.command == "demo" and not db and not os.environ.get("DATABASE_URL"):
        db = _fresh_demo_db()
    _setup(db)
    try:
        return int(args.func(args))
    except ValueError as exc:  # e.g. an unknown file extension
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
