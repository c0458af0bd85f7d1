"""The liaison officer (联络员) in a real browser: lands on 重点工单, marks an order needing
attention with a note, and hands it to an inspector's case; axe-core finds nothing serious on the
workbench; screenshots named liaison-*."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.domain.lifecycle import State
from hotline.supervision import services
from hotline.supervision.models import CaseEvent
from hotline.workorders.models import WorkOrderEvent
from tests.browser.test_callcenter import accessible, text
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.world import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]


def test_a_liaison_marks_a_key_order_and_hands_it_to_a_case(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = browser_world
    flagged = world.walk(world.create(text="小区电梯停运"), State.HANDLING)
    elsewhere = world.create(text="别处的工单")
    finding: dict[str, Any] = {
        "detector": "bounce",
        "severity": "high",
        "order": flagged.number,
        "unit": "zhujian",
        "agent": None,
        "evidence": [1],
        "explanation": "同一诉求反复流转",
    }
    report = {"summary": {}, "findings": [finding], "units": []}
    monkeypatch.setattr("hotline.supervision.selectors.database_report", lambda **_: report)
    case = services.case_open(actor=world.supervisor, title="电梯维修推诿专项", units=["zhujian"])

    browser.log_in("liaison")
    assert browser.page.url.endswith("/liaison/")  # type: ignore[attr-defined]
    assert "同一诉求反复流转" in text(browser, "#findings")
    assert elsewhere.number not in text(browser, "main")
    accessible(browser)
    browser.shot("liaison-workbench")

    row = "#attention-1 .mark-form"
    browser.page.fill(f"{row} input[name=note]", "群众多次来电，列为重点")  # type: ignore[attr-defined]
    browser.page.click(f"{row} button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已标记重点工单" in text(browser, ".messages")
    assert "群众多次来电，列为重点" in text(browser, "#key-orders")
    browser.shot("liaison-marked")

    hand = "#key-1 .hand-form"
    browser.page.select_option(f"{hand} select[name=case]", case.number)  # type: ignore[attr-defined]
    browser.page.fill(f"{hand} input[name=note]", "同类问题集中")  # type: ignore[attr-defined]
    browser.page.click(f"{hand} button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已将工单" in text(browser, ".messages")
    assert "电梯维修推诿专项" in text(browser, "#key-1")
    accessible(browser)
    browser.shot("liaison-handed")
    assert not browser.errors, browser.errors

    mark = WorkOrderEvent.objects.get(order=flagged, action="mark_key")
    assert (mark.actor, mark.data["note"]) == ("liaison", "群众多次来电，列为重点")
    step = CaseEvent.objects.filter(case__number=case.number).order_by("seq").last()
    assert step is not None and (step.action, step.actor) == ("attach_order", "liaison")
