"""Who may see supervision data (纪检监察 and administrators), one rule for every app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError

from hotline.accounts.models import User
from hotline.domain.lifecycle import Role

SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def can_supervise(user: User) -> bool:
    return user.hotline_role in SUPERVISING_ROLES


def supervisor_of(request: HttpRequest, area: str) -> User:
    """The requesting supervisor; anyone else gets 403 naming the ``area``."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or not can_supervise(user):
        raise HttpError(403, f"{area} is for supervisors (纪检监察) only")
    return user
