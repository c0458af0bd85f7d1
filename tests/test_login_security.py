"""Secrets and log-in, measured: tracking codes and their guessing limit, lockout across
addresses and names, API tokens that stop, the Open311 key limit, the second factor, CSP,
the server's refusal to run on no key, and `check --deploy` with production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts.models import ApiToken, User
from hotline.accounts.second_factor import DEMO_KEY_HEX, demo_device_seed
from hotline.cli import main
from hotline.domain import tracking
from hotline.domain.lifecycle import Role
from hotline.open311.models import Open311Key
from hotline.web.views.citizen import tracking_code
from hotline.workorders.models import WorkOrder
from tests.common.second_factor import current_code, force_login_verified, password_login
from tests.common.world import World

ROOT = Path(__file__).resolve().parent.parent


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def login(client: Client, username: str, password: str) -> int:
    return client.post("/login/", {"username": username, "password": password}).status_code


def a_number(world: World) -> str:
    from hotline.web.forms import order_create

    order, _, errors = order_create(
        actor=world.agent,
        data={"kind": "complaint", "category": "noise", "text": "夜间施工噪音扰民"},
        fields=("kind", "category", "text"),
        channel="phone",
    )
    assert order is not None, errors
    return order.number


# -- 查询码 ---------------------------------------------------------------------------------------


def test_tracking_code_has_75_bits_grouped_for_the_phone() -> None:
    code = tracking.tracking_code(key=b"k" * 50, number="2026112900001")
    number, *groups = code.split("-")
    assert number == "2026112900001" and [len(g) for g in groups] == [5, 5, 5]
    assert len("".join(groups)) * 5 == 75 >= 64
    assert not set("".join(groups)) & set("ILOU")
    # Read back over the phone: lower case, spaces, O for 0 and I/L for 1 all still match.
    check = "".join(groups).lower().replace("0", "o").replace("1", "l")
    typed = f"2026112900001 {check[:7]} {check[7:]}"
    assert tracking.code_matches(key=b"k" * 50, code=typed) == "2026112900001"
    assert tracking.code_matches(key=b"k" * 50, code=code[:-1]) is None
    assert tracking.code_matches(key=b"x" * 50, code=code) is None  # another site's key


def test_track_page_shows_the_order_and_stops_a_guesser(world: World) -> None:
    number = a_number(world)
    code = tracking_code(number)
    assert Client().get("/track/", {"code": code}).status_code == 200
    guesser = client_at("203.0.113.7")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    limit = settings.HOTLINE_TRACK_THROTTLE["failures"]
    for _ in range(limit):
        assert guesser.get("/track/", {"code": wrong}).status_code == 404
    # The limit reached: 429 in Chinese, even for the right code, from this address only.
    refused = guesser.get("/track/", {"code": code})
    assert refused.status_code == 429 and "请稍后再试" in refused.content.decode()
    assert client_at("198.51.100.9").get("/track/", {"code": code}).status_code == 200


def test_codes_sent_before_a_key_rotation_still_open_the_order(world: World) -> None:
    number = a_number(world)
    old_code = tracking_code(number)
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert tracking_code(number) != old_code
        assert Client().get("/track/", {"code": old_code}).status_code == 200
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[]):
        assert Client().get("/track/", {"code": old_code}).status_code == 404


def test_submit_and_my_orders_show_the_long_code(world: World) -> None:
    client = force_login_verified(Client(), world.citizen)
    response = client.post(
        "/my/new/",
        {"kind": "complaint", "category": "noise", "text": "楼下商铺深夜噪音", "caller_phone": ""},
        follow=True,
    )
    page = response.content.decode()
    number = WorkOrder.objects.latest("id").number
    assert tracking_code(number) in page


# -- 登录锁定 --------------------------------------------------------------------------------------


def test_one_user_name_locks_across_addresses(world: World) -> None:
    per_name = dict((tuple(k), v) for k, v in settings.HOTLINE_LOCKOUT_LIMITS)[("username",)]
    for i in range(per_name):  # one failure from each of many addresses: no pair limit reached
        assert login(client_at(f"203.0.113.{i + 1}"), "agent", "wrong") in (200, 429)
    assert login(client_at("198.51.100.1"), "agent", "pw") == 429
    assert login(client_at("198.51.100.1"), "dispatcher", "pw") == 302  # others unaffected


def test_password_spraying_locks_the_address(world: World) -> None:
    per_address = dict((tuple(k), v) for k, v in settings.HOTLINE_LOCKOUT_LIMITS)[("ip_address",)]
    for i in range(per_address):
        User.objects.create_user(username=f"sprayed{i}", password="pw", role=Role.AGENT.value)
    sprayer = client_at("203.0.113.50")
    for i in range(per_address):  # one try at each of many users
        login(sprayer, f"sprayed{i}", "Summer2026!")
    assert login(sprayer, "dispatcher", "pw") == 429  # even a right password, from there
    assert login(client_at("198.51.100.2"), "sprayed0", "pw") == 302  # the users are not locked


def test_a_locked_or_deactivated_users_tokens_stop_at_once(world: World) -> None:
    _, raw = ApiToken.issue(user=world.agent)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/orders").status_code == 200  # and now kept in the token cache
    attacker = client_at("203.0.113.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, "agent", "wrong")
    assert api.get("/api/orders").status_code == 401

    _, other_raw = ApiToken.issue(user=world.dispatcher)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert other.get("/api/orders").status_code == 200
    world.dispatcher.is_active = False
    world.dispatcher.save()
    assert other.get("/api/orders").status_code == 401


def test_tokens_expire(world: World) -> None:
    token, raw = ApiToken.issue(user=world.agent)
    days = (token.expires_at - timezone.now()).days
    assert days == settings.HOTLINE_TOKEN_DAYS - 1  # 89 full days and some hours left
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/orders").status_code == 401


def test_token_revoke_command(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    _, raw = ApiToken.issue(user=world.agent, name="app")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/orders").status_code == 200
    assert main(["token", "agent", "--revoke"]) == 0
    assert "revoked 1 token(s) of agent" in capsys.readouterr().out
    assert api.get("/api/orders").status_code == 401


# -- Open311 api_key --------------------------------------------------------------------------


def test_open311_key_guessing_is_throttled(world: World) -> None:
    key = Open311Key.objects.create(name="app", account=world.agent)
    guesser = client_at("203.0.113.80")
    form = {"service_code": "noise", "description": "施工噪音", "lat": "30.1", "long": "120.2"}
    for _ in range(settings.HOTLINE_OPEN311_KEY_THROTTLE["failures"]):
        bad = guesser.post("/open311/v2/requests.json", {**form, "api_key": secrets.token_hex(8)})
        assert bad.status_code == 403
    refused = guesser.post("/open311/v2/requests.json", {**form, "api_key": key.key})
    assert refused.status_code == 429
    assert refused.json()[0]["code"] == 429 and "api_key" in refused.json()[0]["description"]
    xml = guesser.post("/open311/v2/requests.xml", {**form, "api_key": key.key})
    assert xml.status_code == 429 and b"<errors>" in xml.content
    elsewhere = client_at("198.51.100.80").post(
        "/open311/v2/requests.json", {**form, "api_key": key.key}
    )
    assert elsewhere.status_code != 429


# -- 二次验证 (TOTP) -------------------------------------------------------------------------------


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0)
def test_supervisor_must_enrol_then_uses_codes_and_recovery_codes_once(world: World) -> None:
    # (django-otp waits a second after each wrong code; a test types faster than a person.)
    client = Client()
    first = client.post("/login/", {"username": "supervisor", "password": "pw"})
    assert first.url == "/login/enrol/"
    assert client.get("/tianyan/").status_code == 302  # not signed in before the second step
    enrol = client.get("/login/enrol/").content.decode()
    assert "<svg" in enrol and "otpauth://totp/" in enrol and "必须" in enrol
    device = TOTPDevice.objects.get(user=world.supervisor, confirmed=False)
    assert client.post("/login/enrol/", {"code": "000000"}).status_code == 422
    done = client.post("/login/enrol/", {"code": current_code(device)})
    assert done.url == "/login/recovery/"
    page = client.get("/login/recovery/").content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(codes) == 10
    assert client.get("/login/recovery/").status_code == 302  # shown once
    assert client.get("/tianyan/").status_code == 200

    again = Client()
    assert again.post("/login/", {"username": "supervisor", "password": "pw"}).url == (
        "/login/code/"
    )
    assert again.post("/login/code/", {"code": "123456"}).status_code == 422
    assert again.post("/login/code/", {"code": codes[0]}).status_code == 302
    assert again.get("/tianyan/").status_code == 200
    assert StaticToken.objects.filter(device__user=world.supervisor).count() == 9

    third = Client()
    third.post("/login/", {"username": "supervisor", "password": "pw"})
    assert third.post("/login/code/", {"code": codes[0]}).status_code == 422  # used up


def test_a_password_alone_cannot_enrol_over_an_existing_second_factor(world: World) -> None:
    """Whoever has only the password must not replace the app the supervisor already has."""
    owned = demo_device_seed(user=world.supervisor)
    thief = Client()
    assert thief.post("/login/", {"username": "supervisor", "password": "pw"}).url == (
        "/login/code/"
    )
    assert thief.get("/login/enrol/").url == "/login/code/"
    assert thief.post("/login/enrol/", {"code": "123456"}).url == "/login/code/"
    assert thief.get("/tianyan/").status_code == 302  # still not signed in
    assert list(TOTPDevice.objects.filter(user=world.supervisor)) == [owned]


def test_a_session_without_the_second_factor_is_not_a_session(world: World) -> None:
    client = Client()
    client.force_login(world.admin)  # as Django admin's own log-in form would
    assert client.get("/orders/").status_code == 302
    client.force_login(world.admin)
    assert client.get("/api/orders").status_code == 401
    assert Client().get("/admin/login/?next=/admin/").url == "/login/?next=%2Fadmin%2F"


def test_others_may_enrol_and_are_then_asked_for_a_code(world: World) -> None:
    client = Client()
    assert login(client, "agent", "pw") == 302  # no second step by default
    assert "可选" in client.get("/account/security/").content.decode()
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=world.agent, confirmed=False)
    assert client.post("/login/enrol/", {"code": current_code(device)}).status_code == 302
    assert client.get("/intake/").status_code == 200  # still signed in, now verified
    later = Client()
    later.post("/login/", {"username": "agent", "password": "pw"})
    assert later.get("/intake/").status_code == 302
    password_login(Client(), "dispatcher")


def test_wrong_codes_count_towards_the_lockout(world: World) -> None:
    demo_device_seed(user=world.supervisor)
    client = client_at("203.0.113.90")
    client.post("/login/", {"username": "supervisor", "password": "pw"})
    statuses = [
        client.post("/login/code/", {"code": "000000"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429


def test_demo_mode_shows_the_demo_code(world: World) -> None:
    device = demo_device_seed(user=world.admin)
    assert device.key == DEMO_KEY_HEX
    client = Client()
    with override_settings(HOTLINE_DEMO=True):
        assert "演示模式" in client.get("/login/").content.decode()
        client.post("/login/", {"username": "admin", "password": "pw"})
        page = client.get("/login/code/").content.decode()
    shown = re.search(r'data-demo-code="(\d{6})"', page)
    assert shown is not None
    assert client.post("/login/code/", {"code": shown.group(1)}).status_code == 302
    assert client.get("/orders/").status_code == 200


# -- headers, the server's key, check --deploy ------------------------------------------------


def test_content_security_policy(world: World) -> None:
    page = Client().get("/login/")
    policy = page.headers["Content-Security-Policy"]
    script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    docs = Client().get("/api/docs")
    assert docs.status_code == 200 and "Content-Security-Policy" in docs.headers
    assert b"<script>" not in docs.content  # Swagger UI's scripts are files, none inline


def _hotline(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env={**base, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_refuses_without_a_secret_key(tmp_path: Path) -> None:
    db = str(tmp_path / "x.sqlite3")
    done = _hotline("serve", "--db", db, "--port", "1", env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: HOTLINE_SECRET_KEY is not set")
    assert len(done.stderr.strip().splitlines()) == 1 and not Path(db).exists()
    short = _hotline("serve", "--db", db, env={"HOTLINE_SECRET_KEY": "abc"}, cwd=tmp_path)
    assert short.returncode == 2 and "too short" in short.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env: dict[str, Any] = {
        "HOTLINE_SECRET_KEY": secrets.token_urlsafe(50),
        "HOTLINE_TLS": "1",
        "HOTLINE_DEBUG": "0",
        "HOTLINE_ALLOWED_HOSTS": "hotline.example.gov.cn",
    }
    done = _hotline(
        "--db",
        str(tmp_path / "x.sqlite3"),
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "no issues (0 silenced)" in done.stdout


def test_intake_tells_the_agent_the_callers_code(world: World) -> None:
    client = force_login_verified(Client(), world.agent)
    done = client.post(
        "/intake/",
        {"kind": "complaint", "category": "noise", "text": "夜间施工噪音", "caller_phone": ""},
        follow=True,
    )
    number = WorkOrder.objects.latest("id").number
    assert f"查询码 {tracking_code(number)}" in done.content.decode()
