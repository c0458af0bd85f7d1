"""Log-in (Argon2 hashes, lockout by django-axes, 二次验证 by django-otp), log-out, and each
role's home page.

A user with a confirmed second factor, or whose role requires one (hotline.accounts
.second_factor), is not signed in by the password alone: the password makes the log-in
*pending* (the user's id in the session for PENDING_SECONDS), and the code page (or, for a
required user without a device yet, the enrolment page) finishes it. Everyone else is signed in
at once, as before.
"""

from __future__ import annotations

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts import second_factor
from hotline.accounts.models import User
from hotline.web.access import HOME, role_of

PENDING = "hotline_pending_login"
PENDING_SECONDS = 300
RECOVERY = "hotline_recovery_codes"


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "demo": settings.HOTLINE_DEMO}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not isinstance(user, User):
            return super().form_valid(form)
        has_device = second_factor.has_second_factor(user)
        if not has_device and not second_factor.second_factor_required(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            "next": self.get_success_url(),
            "until": time.time() + PENDING_SECONDS,
        }
        return redirect("web:login_code" if has_device else "web:login_enrol")


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right a moment ago, waiting for the second factor."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    user = User.objects.filter(pk=int(pending["user"]), is_active=True).first()
    return (user, pending) if user is not None else None


def _finish_login(request: HttpRequest, user: User, pending: dict[str, Any], device: Device) -> str:
    """Sign in with the password's backend and mark the session verified by ``device``."""
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=pending["backend"])
    otp_login(request, device)
    target = str(pending.get("next") or "/")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/"


def login_code(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app, or one recovery code."""
    found = _pending(request)
    if found is None:
        return redirect("web:login")
    user, pending = found
    context: dict[str, Any] = {
        "demo_code": second_factor.demo_code(user) if settings.HOTLINE_DEMO else None,
        "error": False,
    }
    if request.method == "POST":
        device = second_factor.code_device(user=user, code=request.POST.get("code", ""))
        if device is not None:
            target = _finish_login(request, user, pending, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(
                    request, gettext("已使用一个恢复码，还剩 %(left)s 个。") % {"left": left}
                )
            return redirect(target)
        # A wrong code counts as a failed log-in, so django-axes locks code guessers too.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        context["error"] = True
        return render(request, "web/login_code.html", context, status=422)
    return render(request, "web/login_code.html", context)


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code: no script, no request to anyone."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#111", light="#fff")


def login_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: for a pending log-in that requires one, or for a signed-in
    user who chooses to (可选). A first code from the app confirms it; ten recovery codes follow."""
    found = _pending(request)
    if found is None and not request.user.is_authenticated:
        return redirect("web:login")
    user = found[0] if found else request.user
    assert isinstance(user, User)
    if second_factor.has_second_factor(user) and (
        found is not None or not user.is_verified()  # type: ignore[attr-defined]  # OTPMiddleware
    ):
        # Replacing a second factor takes the one there is: a password alone, or a session the
        # present device did not verify, must not enrol a new one in its place.
        return redirect("web:login_code" if found is not None else "web:security")
    device = second_factor.app_device_pending(user=user)
    if device is None or (request.method != "POST" and "again" in request.GET):
        device = second_factor.app_device_start(user=user)
    context = {
        "qr": mark_safe(_qr_svg(device.config_url)),  # segno's own SVG markup, no user text
        "secret": second_factor.otpauth_secret(device),
        "uri": device.config_url,
        "required": second_factor.second_factor_required(user),
        "error": False,
    }
    if request.method == "POST":
        codes = second_factor.app_device_confirm(device=device, code=request.POST.get("code", ""))
        if codes is None:
            return render(request, "web/login_enrol.html", {**context, "error": True}, status=422)
        if found is not None:
            target = _finish_login(request, user, found[1], device)
        else:
            otp_login(request, device)  # this session is now verified by the new device
            target = "/"
        request.session[RECOVERY] = {"codes": codes, "next": target}
        return redirect("web:login_recovery")
    return render(request, "web/login_enrol.html", context)


def login_recovery(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: the session forgets them as the page is made."""
    shown = request.session.pop(RECOVERY, None)
    if not isinstance(shown, dict) or not request.user.is_authenticated:
        return redirect("web:home")
    return render(
        request, "web/login_recovery.html", {"codes": shown["codes"], "next": shown["next"]}
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """账号安全: whether the user has an authenticator app, to enrol one or renew codes."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST" and second_factor.has_second_factor(user):
        codes = second_factor.recovery_codes_renew(user=user)
        request.session[RECOVERY] = {"codes": codes, "next": "/account/security/"}
        return redirect("web:login_recovery")
    return render(
        request,
        "web/security.html",
        {
            "has_app": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "recovery_left": StaticToken.objects.filter(device__user=user).count(),
            "required": second_factor.second_factor_required(user),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    role = role_of(request)
    return redirect(HOME.get(role, "web:track") if role else "web:track")
