"""Who may enter which area of the API, by :mod:`hotline.domain.policy`, one rule for every app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError

from hotline.accounts.models import User
from hotline.domain.policy import Area, may_enter, roles_for

SUPERVISING_ROLES = roles_for(area=Area.SUPERVISION)
# Center staff who take and route orders, and the administrators who tune the catalogue.
INTAKE_ROLES = roles_for(area=Area.ASSIST)
# Everyone who works for the hotline or a unit: every role but a citizen's account.
STAFF_ROLES = roles_for(area=Area.STAFF)


def center_unit() -> str:
    """The hotline center's own unit code (热线中心), as configured."""
    return str(settings.HOTLINE_CENTER_UNIT)


def can_supervise(user: User) -> bool:
    return may_enter(role=user.hotline_role, area=Area.SUPERVISION)


def can_run_callcenter(user: User) -> bool:
    """中心负责人, administrators and 纪检监察: the call center's KPIs, agents and findings."""
    return may_enter(role=user.hotline_role, area=Area.CALLCENTER)


def _user_in(request: HttpRequest, area: Area, refusal: str) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or not may_enter(role=user.hotline_role, area=area):
        raise HttpError(403, refusal)
    return user


def supervisor_of(request: HttpRequest, area: str) -> User:
    """The requesting supervisor; anyone else gets 403 naming the ``area``."""
    return _user_in(request, Area.SUPERVISION, f"{area} is for supervisors (纪检监察) only")


def callcenter_reader_of(request: HttpRequest, area: str) -> User:
    """The requesting director, administrator or supervisor; anyone else gets 403."""
    return _user_in(
        request, Area.CALLCENTER, f"{area} is for the center's director and supervisors only"
    )


def intake_staff_of(request: HttpRequest, area: str) -> User:
    """The requesting agent or dispatcher; anyone else gets 403 naming the ``area``."""
    return _user_in(request, Area.ASSIST, f"{area} is for hotline agents and dispatchers only")


def staff_of(request: HttpRequest, area: str) -> User:
    """Any signed-in staff member (not a citizen account)."""
    return _user_in(request, Area.STAFF, f"{area} is for hotline and unit staff only")
