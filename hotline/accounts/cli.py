"""``hotline token USER``: issue an API bearer token (it expires after HOTLINE_TOKEN_DAYS);
``hotline token USER --revoke``: revoke the user's tokens (those named ``--name`` only, when
given). Thin: parse, call, print."""

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
