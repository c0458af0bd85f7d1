"""``hotline token USER``: issue an API bearer token (it expires after HOTLINE_TOKEN_DAYS);
``hotline token USER --revoke``: revoke the user's tokens (those named ``--name`` only, when
given); ``hotline units review CODE --on/--off``: switch a unit's 单位审核 (history kept).
Thin: parse, call, print."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("token", parents=[common], help="issue (or --revoke) a user's API tokens")
    p.add_argument("username")
    p.add_argument("--name", default=None, help="the token's name (default 'cli')")
    p.add_argument(
        "--revoke",
        action="store_true",
        help="revoke the user's tokens instead: all of them, or those called --name",
    )
    p.set_defaults(func=cmd_token)

    units = sub.add_parser("units", parents=[common], help="handling units' settings")
    unit_sub = units.add_subparsers(dest="units_command", required=True)
    q = unit_sub.add_parser(
        "review",
        parents=[common],
        help="单位审核: show, or switch on/off, whether a unit's lead reviews its handlers' "
        "return and closure requests before the center sees them",
    )
    q.add_argument("code", nargs="?", help="the unit's code (none: list the units that review)")
    switch = q.add_mutually_exclusive_group()
    switch.add_argument("--on", dest="required", action="store_const", const=True)
    switch.add_argument("--off", dest="required", action="store_const", const=False)
    q.add_argument("--by", default="cli", help="who made the change (kept in its history)")
    q.set_defaults(func=cmd_units_review)


def cmd_token(args: argparse.Namespace) -> int:
    from hotline.accounts.models import ApiToken, User

    if problem := database_problem():
        return fail(problem)
    user = User.objects.filter(username=args.username).first()
    if user is None:
        return fail(f"no user {args.username!r}")
    if args.revoke:
        tokens = ApiToken.objects.filter(user=user, revoked=False)
        if args.name is not None:
            tokens = tokens.filter(name=args.name)
        revoked = 0
        for token in tokens:  # one by one: each save drops the token from the cache at once
            token.revoked = True
            token.save(update_fields=["revoked"])
            revoked += 1
        print(f"revoked {revoked} token(s) of {user.username}")
        return 0
    token, raw = ApiToken.issue(user=user, name=args.name or "cli")
    print(raw)
    print(f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    return 0


def cmd_units_review(args: argparse.Namespace) -> int:
    from django.utils.timezone import localtime

    from hotline.accounts.models import Unit
    from hotline.accounts.unit_review import unit_review_periods, unit_review_set

    if problem := database_problem():
        return fail(problem)
    if args.code is None:
        if args.required is not None:
            return fail("--on/--off need a unit code")
        for code, spans in sorted(unit_review_periods().items()):
            since, until = spans[-1]
            if until is None:
                print(f"{code}\treviews since {localtime(since):%Y-%m-%d %H:%M}")
        return 0
    unit = Unit.objects.filter(code=args.code).first()
    if unit is None:
        return fail(f"no unit {args.code!r}")
    if args.required is not None:
        unit_review_set(actor=args.by, unit=unit.code, required=args.required)
    history = list(unit.review_settings.order_by("since", "id"))
    state = "on" if history and history[-1].required else "off"
    print(f"{unit.code} ({unit.name}): unit review {state}")
    for row in history:
        when, state = localtime(row.since), "on" if row.required else "off"
        print(f"  {when:%Y-%m-%d %H:%M}  {state}  by {row.set_by}")
    return 0
