"""Who sees which page. A page outside a user's role answers 404, like an order outside their
unit: neither says that it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from hotline.accounts.models import User
from hotline.domain.lifecycle import Role

EVERYONE = frozenset(Role)

HOME = {
    Role.AGENT: "web:intake",
    Role.DISPATCHER: "web:dispatch",
    Role.HANDLER: "web:inbox",
    Role.UNIT_LEAD: "web:inbox",
    Role.SUPERVISOR: "web:tianyan",
    Role.CITIZEN: "web:my_orders",
    Role.ADMIN: "web:orders",
}


def role_of(request: HttpRequest) -> Role | None:
    user = request.user
    return user.hotline_role if isinstance(user, User) else None


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
