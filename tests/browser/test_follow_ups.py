"""An agent's 回访 worklist in a real browser: opens it, reads the unit's reply to read out,
reveals the number, records a follow-up, and the row leaves the list; axe-core finds nothing
serious; screenshots named follow-ups-*."""

from __future__ import annotations

import pytest

from hotline.domain.lifecycle import State
from hotline.workorders import services as s
from tests.browser.test_callcenter import accessible, text
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.world import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]


def test_an_agent_works_the_follow_up_list(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
) -> None:
    world = browser_world
    order = world.walk(world.create(text="小区路灯损坏"), State.HANDLING)
    s.workorder_reply(actor=world.handler_a, order=order.number, text="路灯已于昨日修复")
    s.workorder_request_close(actor=world.handler_a, order=order.number, result="已修复")
    s.workorder_approve_close(actor=world.dispatcher, order=order.number)
    other = world.walk(world.create(text="楼道堆放杂物"), State.CLOSED)

    browser.log_in("agent")
    browser.go("/worklist/follow-ups/")
    row = f"#follow-up-{order.number}"
    assert "路灯已于昨日修复" in text(browser, row) and "已修复" in text(browser, row)
    assert "市住建局" in text(browser, row) and "138****1234" in text(browser, row)
    assert other.number in text(browser, "main")
    accessible(browser)
    browser.shot("follow-ups-list")

    browser.page.click(f"{row} form.inline button")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "13812341234" in text(browser, row)

    form = f"{row} form.follow-up"
    browser.page.select_option(f"{form} select[name=reached]", "yes")  # type: ignore[attr-defined]
    browser.page.select_option(f"{form} select[name=resolved]", "yes")  # type: ignore[attr-defined]
    browser.page.select_option(f"{form} select[name=satisfied]", "yes")  # type: ignore[attr-defined]
    browser.page.fill(f"{form} input[name=note]", "市民表示满意")  # type: ignore[attr-defined]
    browser.page.click(f"{form} button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已登记工单" in text(browser, ".messages")
    assert browser.page.locator(row).count() == 0  # type: ignore[attr-defined]
    assert other.number in text(browser, "main")
    browser.shot("follow-ups-recorded")
    assert browser.errors == []
