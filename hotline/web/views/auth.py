"""Log-in (Argon2 hashes, lockout by django-axes), log-out, and each role's home page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from hotline.web.access import HOME, role_of


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    role = role_of(request)
    return redirect(HOME.get(role, "web:track") if role else "web:track")
