"""A supervisor's or admin's session counts only once their second factor (二次验证) is verified.

The log-in pages (hotline.web.views.auth) never sign such a user in before the code; this
catches every other way a session could come to exist (Django admin's own log-in form, a
session from before the second factor was required): the session is ended and the request goes
on as anonymous, so pages send it to the log-in page and the API answers 401.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode

from hotline.accounts.models import User
from hotline.accounts.second_factor import second_factor_required

ADMIN_LOGIN = "/admin/login/"


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == ADMIN_LOGIN:
            # The admin's log-in form knows no second factor: everyone logs in on ours.
            # (The log-in view checks that `next` stays on this site.)
            target = request.GET.get("next", "/admin/")
            return redirect(f"/login/?{urlencode({'next': target})}")
        user = request.user
        if (
            user.is_authenticated
            and isinstance(user, User)
            and second_factor_required(user)
            and not user.is_verified()  # type: ignore[attr-defined]  # OTPMiddleware adds it
        ):
            logout(request)
            request.user = AnonymousUser()
        return self.get_response(request)
