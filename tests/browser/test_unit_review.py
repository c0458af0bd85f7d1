"""单位审核 in a real browser: a handler of a reviewing unit submits a closure, the unit lead finds
it in 待办 (待本单位审核) and sends it back with a reason, the handler reads why and submits
again, the lead forwards it with the handler's words already filled in, and the dispatcher finds
it in the center's 办结审核 queue; axe-core finds nothing serious; screenshots unit-review-*."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.domain.lifecycle import State
from hotline.workorders.models import WorkOrder
from tests.browser.test_callcenter import accessible, text
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.world import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]


def test_a_closure_goes_through_the_unit_leads_review(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    world = browser_world
    world.review_on()
    number = world.walk(world.create(text="路灯不亮已有一周"), State.HANDLING).number

    # 承办人: no 申请办结 here, only 办结报单位审核.
    browser.log_in("handler_a")
    browser.go(f"/orders/{number}/")
    assert browser.page.locator("#form-request_close").count() == 0  # type: ignore[attr-defined]
    browser.act(number, "submit_close", result="已更换灯泡，路灯恢复照明")
    assert "已报单位负责人审核" in text(browser, "[data-part=unit-review-pending]")
    browser.shot("unit-review-submitted")
    browser.log_out()

    # 单位负责人: 待办 lists it; the lead sends it back with a reason.
    browser.log_in("lead_a")
    browser.go("/inbox/")
    waiting = text(browser, "[data-part=unit-review]")
    assert "待本单位审核" in waiting and number in waiting and "已更换灯泡" in waiting
    accessible(browser)
    browser.shot("unit-review-inbox")
    browser.act(number, "send_back", reason="请补充现场照片和诉求人意见")
    assert WorkOrder.objects.get(number=number).state == State.HANDLING
    browser.log_out()

    # 承办人 reads why, and submits again with a photo.
    browser.log_in("handler_a")
    browser.go("/inbox/")
    mine = text(browser, "[data-part=my-submissions]")
    assert "已退回" in mine and "请补充现场照片和诉求人意见" in mine
    browser.shot("unit-review-sent-back")
    photo = tmp_path / "路灯.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    browser.act(number, "submit_close", files=[photo], result="已更换灯泡，诉求人表示满意")
    browser.log_out()

    # 单位负责人 forwards it: the form holds the handler's words.
    browser.log_in("lead_a")
    browser.go(f"/orders/{number}/")
    browser.page.click("details:has(#form-request_close) summary")  # type: ignore[attr-defined]
    filled = browser.page.input_value("#form-request_close [name=result]")  # type: ignore[attr-defined]
    assert filled == "已更换灯泡，诉求人表示满意"
    accessible(browser)
    browser.shot("unit-review-forward")
    browser.act(number, "request_close")
    assert WorkOrder.objects.get(number=number).state == State.CLOSE_REVIEW
    browser.log_out()

    # 派单员: the center's 办结审核 queue has it.
    browser.log_in("dispatcher")
    browser.go("/dispatch/")
    assert number in text(browser, "main")
    browser.go(f"/orders/{number}/")
    timeline = text(browser, "ol.timeline")
    assert "办结报单位审核" in timeline and "单位审核退回" in timeline and "路灯.png" in timeline
    browser.shot("unit-review-center")
    assert browser.errors == []
