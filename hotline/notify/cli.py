"""``hotline outbox deliver|status``: the notification worker and its queue. Thin: parse, call,
print."""

from __future__ import annotations

import argparse
import time
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail

STATUSES = ("pending", "sent", "failed")


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("outbox", parents=[common], help="notifications waiting to go out")
    osub = group.add_subparsers(dest="outbox_command", required=True)

    p = osub.add_parser("deliver", parents=[common], help="send due messages (a worker)")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
    p.set_defaults(func=cmd_deliver)

    p = osub.add_parser("status", parents=[common], help="pending / sent / failed counts")
    p.set_defaults(func=cmd_status)


def cmd_deliver(args: argparse.Namespace) -> int:
    from hotline.notify.services import outbox_deliver

    # Checked once: a worker started against the wrong database should stop at once, and a
    # database that was ready stays ready while the worker runs.
    if problem := database_problem():
        return fail(problem)
    while True:
        result = outbox_deliver(batch=args.batch)
        if result.sent or result.retried or result.failed or args.once:
            print(f"sent {result.sent}, to retry {result.retried}, given up {result.failed}")
        if args.once:
            return 0
        time.sleep(args.interval)


def cmd_status(args: argparse.Namespace) -> int:
    from django.db.models import Count

    from hotline.notify.models import OutboxMessage

    if problem := database_problem():
        return fail(problem)
    counts = dict(
        OutboxMessage.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    print(", ".join(f"{status} {counts.get(status, 0)}" for status in STATUSES))
    return 0
