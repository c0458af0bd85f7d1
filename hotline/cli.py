"""The ``hotline`` command: setup, ``serve``, ``demo``, ``migrate`` and ``manage``, and the
assembly of the apps' own command groups (each app's ``cli.add_commands``).

Only ``serve``, ``demo`` and ``migrate`` change the database schema; the apps' commands check
the database first (:mod:`hotline.cli_database`) and leave it as they found it when it is not
ready.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hotline.cli_output import fail

AddCommands = Callable[[Any, argparse.ArgumentParser], None]


def _setup(*, db: str | None) -> None:
    if db:
        # An explicit --db wins over DATABASE_URL from the environment.
        os.environ.pop("DATABASE_URL", None)
        os.environ["HOTLINE_DB"] = str(Path(db).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()


def _sqlite_folder() -> None:
    """Create the SQLite file's folder: only for commands that may create the database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)


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

    _sqlite_folder()
    call_command("migrate", interactive=False, verbosity=0)


def secret_key_problem() -> str | None:
    """Why the server must not start with this SECRET_KEY, or None (see hotline.settings)."""
    from django.conf import settings

    if settings.HOTLINE_DEMO:
        return None
    if not settings.HOTLINE_SECRET_KEY_CONFIGURED:
        return (
            "HOTLINE_SECRET_KEY is not set: set it to a long random string (e.g. the output of"
            " `python -c 'import secrets; print(secrets.token_urlsafe(50))'`) and keep it"
            " secret; `hotline demo` needs none"
        )
    if len(settings.SECRET_KEY) < 50 or len(set(settings.SECRET_KEY)) < 5:
        return "HOTLINE_SECRET_KEY is too short: use at least 50 random characters"
    return None


def serve(*, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Migrate, then serve: one waitress process, or ``workers`` gunicorn processes. One process
    does its own background work in threads (the report, the daily anchor) unless
    HOTLINE_BACKGROUND=worker; several leave it to ``hotline worker`` and only read its results."""
    from hotline.web.catalogue import catalogues_compile

    _migrate()
    catalogues_compile()  # the English pages' .mo, when missing or older than its .po
    shared = workers == 1 and os.environ.get("HOTLINE_BACKGROUND", "threads") != "worker"
    print(f"12345 hotline serving at http://{host}:{port}/  (API docs: /api/docs)", flush=True)
    if not shared:
        print("background work: run `hotline worker` beside this server", flush=True)
    if workers == 1:
        from waitress import serve as waitress_serve

        from hotline.web.warmup import warm_in_background
        from hotline.wsgi import application

        warm_in_background(shared=shared)
        waitress_serve(application, host=host, port=port, threads=threads, ident="hotline")
    else:
        _gunicorn(host=host, port=port, threads=threads, workers=workers)


def _gunicorn(*, host: str, port: int, threads: int, workers: int) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    def post_fork(server: Any, worker: Any) -> None:
        from hotline.web.warmup import warm_in_background

        warm_in_background(shared=False)  # this process's in-memory indexes

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": "hotline",
        "post_fork": post_fork,
        # No control socket: it would sit in $HOME, one path for every server on the machine.
        "control_socket_disable": True,
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            from hotline.wsgi import application

            return application

    connections.close_all()  # the migration's connection must not be shared with the forks
    Server().run()


def cmd_serve(args: argparse.Namespace) -> int:
    if problem := secret_key_problem():
        return fail(problem)
    serve(host=args.host, port=args.port, threads=args.threads, workers=args.workers)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from hotline.cli_database import database_problem
    from hotline.web.worker import worker_forever, worker_once

    if problem := database_problem():
        return fail(problem)

    def say(line: str) -> None:
        print(line, flush=True)

    if args.once:
        worker_once(say=say)
        return 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    say("hotline worker running: outbox, supervision report, daily anchor")
    worker_forever(stop=stop, say=say, outbox_every=args.outbox_interval)
    return 0


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return number


def cmd_demo(args: argparse.Namespace) -> int:
    from hotline.demo import build_demo

    _migrate()
    build_demo(orders=args.orders, out=sys.stdout)
    if not args.no_serve:
        serve(host=args.host, port=args.port, threads=args.threads)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate()
    print("database is up to date")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    _sqlite_folder()  # `hotline manage migrate` may create the database, as `migrate` does
    execute_from_command_line(["hotline manage", *args.args])
    return 0


def _app_commands() -> list[AddCommands]:
    """Each app's command group, in the order ``hotline --help`` lists them."""
    from hotline.accounts import cli as accounts
    from hotline.callcenter import cli as callcenter
    from hotline.dispatch import cli as dispatch
    from hotline.eventstore import cli as eventstore
    from hotline.exchange import cli as exchange
    from hotline.notify import cli as notify
    from hotline.supervision import cli as supervision
    from hotline.workorders import cli as workorders

    return [
        workorders.add_commands,  # events
        exchange.add_commands,  # import requests
        notify.add_commands,  # outbox
        supervision.add_commands,  # supervise
        callcenter.add_commands,  # callcenter
        dispatch.add_commands,  # dispatch
        accounts.add_commands,  # token
        eventstore.add_commands,  # backup, restore
    ]


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
    p.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes (gunicorn) when more than 1; run `hotline worker` beside them",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker", parents=[common], help="background work: outbox, 天眼 report, daily anchor"
    )
    p.add_argument("--once", action="store_true", help="run each job once, then exit")
    p.add_argument(
        "--outbox-interval", type=float, default=5.0, help="seconds between outbox passes"
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("demo", parents=[common], help="seed a demo city, then serve")
    server_options(p)
    p.add_argument("--no-serve", action="store_true", help="seed only")
    p.add_argument("--orders", type=int, default=5000, help="number of demo orders")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("migrate", parents=[common], help="create or upgrade the database")
    p.set_defaults(func=cmd_migrate)

    for add_commands in _app_commands():
        add_commands(sub, common)

    p = sub.add_parser("manage", parents=[common], help="run a Django management command")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db = getattr(args, "db", None)
    if args.command == "demo":
        os.environ["HOTLINE_DEMO"] = "1"  # before the settings load: see hotline.settings
    if args.command == "demo" and not db and not os.environ.get("DATABASE_URL"):
        db = _fresh_demo_db()
    _setup(db=db)
    try:
        return int(args.func(args))
    except ValueError as exc:  # InputError (hotline.domain.inputs), an unknown file extension
        return fail(str(exc))
    except OSError as exc:  # a file named on the command line that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}")


if __name__ == "__main__":
    sys.exit(main())
