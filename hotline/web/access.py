"""Who sees which page, by :mod:`hotline.domain.policy`. A page outside a user's role answers
404, like an order outside their unit: neither says that it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from hotline.accounts.models import User
from hotline.domain.lifecycle import Role
from hotline.domain.policy import HOME as HOME_AREAS
from hotline.domain.policy import Area, roles_for

EVERYONE = roles_for(area=Area.ORDERS)

# Each area's front page.
AREA_PAGES = {
    Area.ORDERS: "web:orders",
    Area.INTAKE: "web:intake",
    Area.DISPATCH: "web:dispatch",
    Area.INBOX: "web:inbox",
    Area.SUPERVISION: "web:tianyan",
    Area.CITIZEN: "web:my_orders",
    Area.CALLCENTER: "web:callcenter",
    Area.WORKLIST: "web:callbacks",
    Area.LIAISON: "web:liaison",
}
HOME = {role: AREA_PAGES[area] for role, area in HOME_AREAS.items()}


def role_of(request: HttpRequest) -> Role | None:
    user = request.user
    return user.hotline_role if isinstance(user, User) else None


def for_area(area: Area) -> Callable[..., Any]:
    """Signed in, and of a role that may enter ``area``; anyone else gets 404."""
    return for_roles(roles_for(area=area))


def for_roles(*roles: frozenset[Role] | Role) -> Callable[..., Any]:
    """Signed in, and one of ``roles``; anyone else gets 404."""
    allowed: set[Role] = set()
    for r in roles:
        allowed |= {r} if isinstance(r, Role) else set(r)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if role_of(request) not in allowed:
                raise Http404("no such page")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
