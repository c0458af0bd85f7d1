"""``hotline token USER``: issue an API bearer token. Thin: parse, call, print."""

from __future__ import annotations

import argparse
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("token", parents=[common], help="issue an API token for a user")
    p.add_argument("username")
    p.add_argument("--name", default="cli")
    p.set_defaults(func=cmd_token)


def cmd_token(args: argparse.Namespace) -> int:
    from hotline.accounts.models import ApiToken, User

    if problem := database_problem():
        return fail(problem)
    user = User.objects.filter(username=args.username).first()
    if user is None:
        return fail(f"no user {args.username!r}")
    _, raw = ApiToken.issue(user=user, name=args.name)
    print(raw)
    return 0
