"""Signing in test clients as users whose role requires a second factor (二次验证)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts.models import User
from hotline.accounts.second_factor import second_factor_required


def current_code(device: TOTPDevice) -> str:
    """What the authenticator app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def force_login_verified(client: Client, user: User) -> Client:
    """client.force_login, and for a supervisor or admin a session verified by a device, as
    after the code page."""
    client.force_login(user)
    if second_factor_required(user):
        device, _ = StaticDevice.objects.get_or_create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def password_login(client: Client, username: str, password: str = "pw") -> None:
    """Log in through the pages, as a person does: the password, then (when asked) enrol an app
    or type its current code."""
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    if response.url == "/login/enrol/":
        client.get("/login/enrol/")
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        done = client.post("/login/enrol/", {"code": current_code(device)})
        assert done.status_code == 302 and done.url == "/login/recovery/", done
        client.get("/login/recovery/")
    elif response.url == "/login/code/":
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        done = client.post("/login/code/", {"code": current_code(device)})
        assert done.status_code == 302, done
