"""A real browser walks a supervision case (线索) end to end: the inspector opens it from a
finding on the 天眼 dashboard, assigns it, verifies it with a file, sends a 整改通知 to the unit;
the unit lead answers from the inbox with a 整改报告; the inspector records 问责 for two people
and closes the case; the totals page writes the 四种形态 count. Screenshots: inspector-*."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from hotline.domain.lifecycle import State
from hotline.eventstore.verify import events_verify_all
from hotline.supervision.models import RectificationNotice, SupervisionCase
from hotline.workorders import services
from tests.browser import test_walkthrough
from tests.browser.test_walkthrough import Browser
from tests.common.world import World

# The walkthrough's browser (chromium, console watched, screenshots) and its skip marks.
browser = test_walkthrough.browser
pytestmark = test_walkthrough.pytestmark

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _step(browser: Browser, step: str, files: list[Path] | None = None, **fields: str) -> None:
    """Open the step's panel on the case page, fill it in, submit it, see it done."""
    page = browser.page
    form = f"#form-{step}"
    page.click(f"details:has({form}) summary")  # type: ignore[attr-defined]
    if files:
        page.set_input_files(f"{form} input[name=attachments]", files)  # type: ignore[attr-defined]
    for name, value in fields.items():
        target = f"{form} [name={name}]"
        tag = page.eval_on_selector(target, "e => e.tagName + ':' + e.type")  # type: ignore[attr-defined]
        if tag == "INPUT:radio":
            page.check(f"{target}[value={value}]")  # type: ignore[attr-defined]
        elif tag.startswith("SELECT"):
            page.select_option(target, value)  # type: ignore[attr-defined]
        else:
            page.fill(target, value)  # type: ignore[attr-defined]
    page.click(f"{form} button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "✓" in page.inner_text(".messages"), page.inner_text("main")  # type: ignore[attr-defined]


def test_an_inspector_works_a_case_from_finding_to_totals(
    browser_world: World, browser: Browser, tmp_path: Path
) -> None:
    world = browser_world
    # A finding for the dashboard: a return applied for without basis and rejected.
    flagged = world.walk(world.create(text="小区电梯停运"), State.RETURN_REVIEW)
    services.workorder_reject_return(
        actor=world.dispatcher, order=flagged.number, reason="依据不足"
    )
    photo = tmp_path / "核实照片.png"
    photo.write_bytes(PNG)
    page = browser.page

    # 纪检监察: from the finding to a new case.
    browser.log_in("supervisor")
    browser.go("/tianyan/")
    page.click(f"a.open-case[href*='{flagged.number}']")  # type: ignore[attr-defined]
    page.wait_for_url("**/cases/new/**")  # type: ignore[attr-defined]
    assert flagged.number in page.input_value("input[name=orders]")  # type: ignore[attr-defined]
    browser.shot("inspector-case-new")
    page.click("#form-case-new button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/cases/XS*/")  # type: ignore[attr-defined]
    case = SupervisionCase.objects.get()
    _step(browser, "assign", assignee="supervisor")
    _step(browser, "verify", [photo], confirmed="yes", note="经核实，退单依据不足属实")
    deadline = (timezone.localdate() + timedelta(days=7)).isoformat()
    _step(
        browser,
        "notify_rectification",
        unit="zhujian",
        deadline=deadline,
        requirements="重新办理并回访群众",
    )
    browser.shot("inspector-case")
    browser.log_out()

    # 承办单位负责人: the notice in the inbox, answered with the 整改报告.
    browser.log_in("lead_a")
    browser.go("/inbox/")
    notice = f"#notice-{case.number}"
    assert "重新办理并回访群众" in page.inner_text(notice)  # type: ignore[attr-defined]
    browser.shot("inspector-inbox")
    page.fill(f"{notice} textarea[name=report]", "已重新办理，群众表示满意")  # type: ignore[attr-defined]
    page.click(f"{notice} button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "整改报告已提交" in page.inner_text(".messages")  # type: ignore[attr-defined]
    assert RectificationNotice.objects.get().reported_by == "lead_a"
    browser.log_out()

    # 纪检监察: 问责 for two people, then close; the list and the totals.
    browser.log_in("supervisor")
    browser.go(f"/cases/{case.number}/")
    _step(
        browser,
        "hold_accountable",
        person_0="张某", unit_0="zhujian", position_0="科长", form_0="诫勉",
        person_1="李某", unit_1="zhujian", position_1="副局长", form_1="党纪政务处分",
        severity_1="轻处分",
    )  # fmt: skip
    _step(browser, "close", conclusion="问题已整改，相关人员已问责")
    text = page.inner_text("main")  # type: ignore[attr-defined]
    assert "已办结" in text and "诫勉 · 第一种形态" in text and "已重新办理" in text
    browser.shot("inspector-case-closed")
    browser.go("/cases/")
    assert case.number in page.inner_text("[data-part=cases]")  # type: ignore[attr-defined]
    browser.shot("inspector-cases")
    browser.go("/cases/totals/?period=quarter")
    sentences = page.inner_text("[data-part=sentences]")  # type: ignore[attr-defined]
    assert "运用第一种形态处置 1 人次" in sentences and "运用第二种形态处置 1 人次" in sentences
    browser.shot("inspector-totals")
    assert not browser.errors, browser.errors
    result = events_verify_all()
    assert result.ok, result.broken
