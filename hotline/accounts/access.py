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


# Center staff who take and route orders, and the administrators who tune the catalogue.
INTAKE_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN})


def intake_staff_of(request: HttpRequest, area: str) -> User:
    """The requesting agent or dispatcher; anyone else gets 403 naming the ``area``."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or user.hotline_role not in INTAKE_ROLES:
        raise HttpError(403, f"{area} is for hotline agents and dispatchers only")
    return user


# Everyone who works for the hotline or a unit: every role but a citizen's account.
STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}


def staff_of(request: HttpRequest, area: str) -> User:
    """Any signed-in staff member (not a citizen account)."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or user.hotline_role not in STAFF_ROLES:
        raise HttpError(403, f"{area} is for hotline and unit staff only")
    return user
