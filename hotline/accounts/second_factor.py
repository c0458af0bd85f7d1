"""二次验证 (TOTP, django-otp): who must use it, enrolment, recovery codes, checking a code.

Supervisors (纪检监察) and admins must: they see every order and the misconduct evidence. Anyone
else may. A user enrols an authenticator app (a TOTP device, unconfirmed until a first code
from the app matches), and is then given ten recovery codes (a static device: each code works
once). At log-in, a user with a confirmed device types a code from the app or a recovery code.
"""

from __future__ import annotations

import base64
import binascii

from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts.models import User
from hotline.domain.lifecycle import Role

REQUIRED_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.LIAISON})
RECOVERY_CODES = 10
APP_DEVICE = "authenticator app"
RECOVERY_DEVICE = "recovery codes"
# The demo city's supervisor, admin and liaison share this TOTP secret (base32
# JBSWY3DPEHPK3PXP), printed by `hotline demo` and shown, with the current code, on the demo's
# code page.
DEMO_KEY_HEX = "48656c6c6f21deadbeef"


def second_factor_required(user: User) -> bool:
    return user.hotline_role in REQUIRED_ROLES


def has_second_factor(user: User) -> bool:
    return bool(user_has_device(user, confirmed=True))


def app_device_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator device, a fresh secret each time enrolment starts
    (a secret once shown and abandoned is never confirmed later)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def app_device_pending(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def app_device_confirm(*, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm ``device`` with a first code from the app; on success the user's earlier
    devices are replaced and the new recovery codes returned (shown once, never stored plain
    anywhere else). None when the code does not match."""
    if not device.verify_token(_digits(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_renew(user=device.user)


def recovery_codes_renew(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def code_device(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts ``code`` (an app code or an unused recovery code, used
    up by this), or None. django-otp slows repeated failures per device."""
    typed = "".join(code.split()).lower()
    if not typed:
        return None
    # Six digits are an app code, anything else a recovery code: a code is tried on one kind of
    # device only, so a mistyped recovery code does not slow the app's next code down.
    kind = TOTPDevice if typed.isdigit() and len(typed) <= 8 else StaticDevice
    # for_verify locks the devices (select_for_update), which PostgreSQL allows only inside a
    # transaction; the lock keeps two requests from using one code at once.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, kind) and device.verify_token(typed):
                return device
    return None


def _digits(code: str) -> str:
    return "".join(c for c in code if not c.isspace())


def otpauth_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    secret = base64.b32encode(binascii.unhexlify(device.key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def demo_device_seed(*, user: User) -> TOTPDevice:
    """The demo city's device for ``user``, confirmed, with the demo's known secret."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, key=DEMO_KEY_HEX, confirmed=True)


def demo_code(user: User) -> str | None:
    """The current code of a demo device (the demo's code page shows it), else None."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_KEY_HEX).first()
    if device is None:
        return None
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"
