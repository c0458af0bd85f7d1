"""A real browser (Playwright driving Debian's chromium) walks one order through every role,
from intake to rating, opens the 天眼 dashboard and a finding's evidence, and fails on any
console error. Screenshots of each page, at 1366×768 and at a phone's width, are saved under
var/test-artifacts/screens/."""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hotline.domain.lifecycle import State
from hotline.eventstore.anchor import anchor_make
from hotline.workorders import services
from hotline.workorders.models import WorkOrder
from tests.common.world import World

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM") or shutil.which("chromium") or ""
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screens"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


class Browser:
    """One page, its console watched; every error is kept and fails the test."""

    def __init__(self, page: object, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.recovery: dict[str, list[str]] = {}
        self.shots = 0
        page.on("console", self._console)  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: self.errors.append(f"{e} on {self._url()}: {e.stack}"))  # type: ignore[attr-defined]

    def _url(self) -> str:
        return str(self.page.url)  # type: ignore[attr-defined]

    def _console(self, message: Any) -> None:
        if message.type == "error":  # where it came from, so a failure can be traced
            self.errors.append(f"{message.text} at {message.location} on {self._url()}")

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)  # type: ignore[attr-defined]
        assert response is not None and response.status < 400, (path, response and response.status)

    def shot(self, name: str) -> None:
        self.shots += 1
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)  # type: ignore[attr-defined]
            self.page.wait_for_timeout(150)  # type: ignore[attr-defined]  # charts redraw on resize
            self.page.screenshot(  # type: ignore[attr-defined]
                path=str(SCREENS / f"{self.shots:02d}-{name}-{label}.png"), full_page=True
            )
            # Nothing may be wider than the screen: a horizontal scroll means a broken layout.
            overflow = self.page.evaluate(  # type: ignore[attr-defined]
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, f"{name} is {overflow}px too wide at {label} width"
        self.page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
        # Let the charts finish redrawing before the next click navigates away.
        self.page.wait_for_timeout(150)  # type: ignore[attr-defined]

    def log_in(self, username: str) -> None:
        self.go("/login/")
        self.page.fill("input[name=username]", username)  # type: ignore[attr-defined]
        self.page.fill("input[name=password]", "pw")  # type: ignore[attr-defined]
        self.page.click("main button[type=submit]")  # type: ignore[attr-defined]
        self.page.wait_for_load_state()  # type: ignore[attr-defined]
        if "/login/enrol/" in self.page.url:  # type: ignore[attr-defined]
            self.second_factor_enrol(username)
        elif "/login/code/" in self.page.url:  # type: ignore[attr-defined]
            # A recovery code: an app code cannot be used twice in its 30 seconds.
            self.page.fill("input[name=code]", self.recovery[username].pop())  # type: ignore[attr-defined]
            self.page.click("main button[type=submit]")  # type: ignore[attr-defined]
            self.page.wait_for_load_state()  # type: ignore[attr-defined]
        assert "/login/" not in self.page.url  # type: ignore[attr-defined]

    def second_factor_enrol(self, username: str) -> None:
        """二次验证, as a supervisor does it the first time: scan (here: read) the secret, type
        the app's code, keep the recovery codes."""
        from django_otp.oath import totp

        self.shot("enrol")
        secret = self.page.inner_text("[data-part=secret]").replace(" ", "")  # type: ignore[attr-defined]
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        self.page.fill("input[name=code]", f"{totp(key):06d}")  # type: ignore[attr-defined]
        self.page.click("main button[type=submit]")  # type: ignore[attr-defined]
        self.page.wait_for_url("**/login/recovery/")  # type: ignore[attr-defined]
        codes = self.page.locator("[data-part=recovery-codes] code").all_inner_texts()  # type: ignore[attr-defined]
        assert len(codes) == 10
        self.recovery[username] = codes
        self.page.click("main a.button")  # type: ignore[attr-defined]
        self.page.wait_for_load_state()  # type: ignore[attr-defined]

    def log_out(self) -> None:
        self.page.click("header form button")  # type: ignore[attr-defined]
        self.page.wait_for_url("**/login/")  # type: ignore[attr-defined]

    def act(self, number: str, action: str, files: list[Path] | None = None, **fields: str) -> None:
        """Open the action's panel on the order page, fill it in, submit it."""
        self.go(f"/orders/{number}/")
        form = f"#form-{action}"
        self.page.click(f"details:has({form}) summary")  # type: ignore[attr-defined]
        for name, value in fields.items():
            target = f"{form} [name={name}]"
            tag = self.page.eval_on_selector(target, "e => e.tagName + ':' + e.type")  # type: ignore[attr-defined]
            if tag == "INPUT:checkbox":
                self.page.set_checked(target, value == "true")  # type: ignore[attr-defined]
            elif tag.startswith("SELECT"):
                self.page.select_option(target, value)  # type: ignore[attr-defined]
            else:
                self.page.fill(target, value)  # type: ignore[attr-defined]
        if files:
            self.page.set_input_files(f"{form} input[name=attachments]", files)  # type: ignore[attr-defined]
        self.page.click(f"{form} button[type=submit]")  # type: ignore[attr-defined]
        self.page.wait_for_load_state()  # type: ignore[attr-defined]
        assert "✓" in self.page.inner_text(".messages"), self.page.inner_text("main")  # type: ignore[attr-defined]


@pytest.fixture
def browser(live_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # still plain synchronous ones (Django documents this switch for exactly this case).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = chromium.new_page(viewport=DESKTOP, locale="zh-CN")
        page.set_default_timeout(15_000)
        yield Browser(page, live_server.url)  # type: ignore[attr-defined]
        chromium.close()


def test_one_order_from_intake_to_rating_in_a_browser(
    browser_world: World, browser: Browser, tmp_path: Path, settings: Any
) -> None:
    settings.HOTLINE_ANCHOR_DIR = tmp_path / "anchors"
    world = browser_world
    # A finding for the dashboard: a return applied for without basis and rejected.
    flagged = world.walk(world.create(text="小区电梯停运"), State.RETURN_REVIEW)
    services.workorder_reject_return(
        actor=world.dispatcher, order=flagged.number, reason="依据不足"
    )

    # 话务员: the intake form, with htmx suggestions beside it.
    browser.log_in("agent")
    browser.page.fill("#id_caller_phone", "13812341234")  # type: ignore[attr-defined]
    browser.page.fill("#id_text", "小区电梯停运三天无人维修")  # type: ignore[attr-defined]
    browser.page.wait_for_selector("#assist .dups, #assist h3")  # type: ignore[attr-defined]
    browser.page.select_option("#id_category", "property")  # type: ignore[attr-defined]
    browser.shot("intake")
    browser.page.keyboard.press("Control+Enter")  # type: ignore[attr-defined]
    browser.page.wait_for_url("**/orders/*/")  # type: ignore[attr-defined]
    browser.shot("order-taken")
    browser.log_out()

    # 市民 submits the order that walks the whole way.
    browser.log_in("citizen")
    browser.go("/my/new/")
    browser.page.select_option("select[name=category]", "noise")  # type: ignore[attr-defined]
    browser.page.fill("textarea[name=text]", "楼下餐馆夜间噪音扰民，请处理")  # type: ignore[attr-defined]
    browser.shot("citizen-submit")
    browser.page.click("main button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_url("**/my/")  # type: ignore[attr-defined]
    browser.shot("citizen-orders")
    number = WorkOrder.objects.get(created_by="citizen").number
    browser.log_out()

    browser.log_in("dispatcher")
    browser.shot("dispatch-queue")
    browser.act(number, "dispatch", to_unit="zhujian")
    browser.shot("dispatched")
    browser.log_out()

    browser.log_in("handler_a")
    browser.shot("inbox")
    browser.act(number, "accept")
    browser.act(number, "contact", note="已电话联系诉求人")
    browser.act(number, "reply", text="已责令餐馆安装消音设备")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    browser.act(number, "request_close", files=[photo], result="已整改")
    assert "现场照片.png" in browser.page.inner_text("ol.timeline")  # type: ignore[attr-defined]
    browser.shot("handled")
    browser.log_out()

    browser.log_in("dispatcher")
    browser.act(number, "approve_close")
    browser.act(number, "follow_up", reached="true", resolved="true", satisfied="true")
    browser.log_out()

    browser.log_in("citizen")
    browser.act(number, "rate", score="5", comment="很满意")
    browser.shot("rated")
    browser.log_out()
    assert WorkOrder.objects.get(number=number).rating == 5

    # 纪检监察: the dashboard, then a finding's evidence on the order's timeline.
    browser.log_in("supervisor")
    browser.page.wait_for_selector("#chart-detectors canvas")  # type: ignore[attr-defined]
    browser.shot("tianyan")
    browser.page.click(f"a.evidence-link[href*='{flagged.number}']")  # type: ignore[attr-defined]
    browser.page.wait_for_selector("li.evidence")  # type: ignore[attr-defined]
    browser.shot("evidence")
    # 存证锚点: the signed checkpoint the 纪委 keeps outside the system, listed and downloadable.
    anchor = anchor_make(made_by="command", key=Ed25519PrivateKey.generate())
    browser.page.click("nav a[href='/anchors/']")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    listed = browser.page.inner_text("main")  # type: ignore[attr-defined]
    assert anchor.root in listed and "下载 JSON" in listed
    browser.shot("anchors")
    browser.log_out()

    # Anyone: the public tracking page.
    from hotline.web.views.citizen import tracking_code

    browser.go(f"/track/?code={tracking_code(number)}")
    assert "已办结" in browser.page.inner_text("main")  # type: ignore[attr-defined]
    browser.shot("track")

    assert browser.errors == []
