"""协办 and 改派 in a real browser: the dispatcher dispatches with an assisting unit, the assisting
unit's handler finds the order under 协办工单 and writes its 协办意见, and the lead unit's handler
reads it on the order page before replying; the dispatcher reassigns (改派) an order nobody
signed for from the 超时未签收 list. axe-core finds nothing serious on these pages and no code or
raw value is shown as text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline import clock
from hotline.domain.lifecycle import Role, State
from hotline.workorders import services
from hotline.workorders.models import WorkOrder
from tests.browser.test_callcenter import accessible, text
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common import crawl
from tests.common.factories import UserFactory
from tests.common.world import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]
OPINION = "我局已派员现场核查，绿化带排水沟属我局养护，三日内疏通。"


def named(world: World) -> None:
    """People are shown by name; the test world's usernames are also role codes (agent …)."""
    for user, name in (
        (world.agent, "话务员小王"),
        (world.dispatcher, "派单员小李"),
        (world.handler_a, "住建局小张"),
        (world.handler_b, "城管局小赵"),
    ):
        user.first_name = name
        user.save(update_fields=["first_name"])


def plain(on: Browser) -> None:
    """No internal code, ISO time or Python repr in the page's text."""
    body = str(on.page.inner_text("main"))  # type: ignore[attr-defined]
    assert crawl.text_problems(body, crawl.codes_pattern(crawl.internal_codes())) == []


def test_an_assisting_unit_writes_its_opinion_and_the_lead_reads_it(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
) -> None:
    world = browser_world
    named(world)
    UserFactory(username="handler_c", role=Role.HANDLER, unit=world.unit_c, first_name="绿化局小孙")
    number = world.create(text="小区绿化带排水沟堵塞，雨后积水").number

    # 派单员: dispatch to 市住建局 with 市绿化市容局 assisting (chosen by name).
    browser.log_in("dispatcher")
    browser.act(number, "dispatch", to_unit="zhujian", assist="lvhua")
    assert WorkOrder.objects.get(number=number).assist_units == ["lvhua"]
    assert "尚未反馈" in text(browser, "[data-part=assist-opinions]")
    browser.shot("assist-dispatched")
    browser.log_out()
    services.workorder_accept(actor=world.handler_a, order=number)

    # 协办单位: the order is in its inbox under 协办工单; it writes its 协办意见.
    browser.log_in("handler_c")
    assert number in text(browser, "[data-part=assisting]")
    accessible(browser)
    plain(browser)
    browser.shot("assist-inbox")
    browser.page.click(f"[data-part=assisting] a:text('{number}')")  # type: ignore[attr-defined]
    browser.page.wait_for_url(f"**/orders/{number}/")  # type: ignore[attr-defined]
    assert browser.page.locator("#form-reply").count() == 0  # type: ignore[attr-defined]
    browser.act(number, "assist_opinion", text=OPINION)
    accessible(browser)
    plain(browser)
    browser.shot("assist-opinion-written")
    browser.log_out()

    # 主办单位: told in its inbox, reads the opinion above the forms, then replies.
    browser.log_in("handler_a")
    assert number in text(browser, "[data-part=opinions-unread]")
    browser.go(f"/orders/{number}/")
    panel = text(browser, "[data-part=assist-opinions]")
    assert OPINION in panel and "市绿化市容局" in panel and "已反馈" in panel
    browser.page.click("details:has(#form-reply) summary")  # type: ignore[attr-defined]
    assert browser.page.locator("[data-part=assist-waiting]").count() == 0  # type: ignore[attr-defined]
    accessible(browser)
    plain(browser)
    browser.shot("assist-lead-reads")
    browser.act(number, "reply", text="已会同市绿化市容局疏通排水沟")
    browser.go("/inbox/")
    assert browser.page.locator("[data-part=opinions-unread]").count() == 0  # type: ignore[attr-defined]


def test_the_dispatcher_reassigns_an_order_nobody_signed_for(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
) -> None:
    world = browser_world
    named(world)
    with clock.frozen_at(clock.now() - timedelta(days=7)):
        number = world.walk(world.create(text="路灯不亮"), State.DISPATCHED).number

    browser.log_in("dispatcher")
    section = "[data-part=reassign-due]"
    assert number in text(browser, section)
    accessible(browser)
    plain(browser)
    browser.shot("assist-reassign-due")
    browser.page.click(f"{section} a[href*='act=reassign']")  # type: ignore[attr-defined]
    browser.page.wait_for_selector("#form-reassign")  # type: ignore[attr-defined]
    assert browser.page.is_visible("#form-reassign select[name=to_unit]")  # type: ignore[attr-defined]
    browser.page.select_option("#form-reassign select[name=to_unit]", "chengguan")  # type: ignore[attr-defined]
    browser.page.fill("#form-reassign [name=reason]", "路灯属城管局管理")  # type: ignore[attr-defined]
    browser.shot("assist-reassign-form")
    browser.page.click("#form-reassign button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "✓" in text(browser, ".messages")
    order = WorkOrder.objects.get(number=number)
    assert (order.current_unit, order.first_unit, order.state) == (
        "chengguan",
        "chengguan",
        State.DISPATCHED,
    )
    assert "市城管局" in text(browser, "ol.timeline")
    plain(browser)
