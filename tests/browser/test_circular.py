"""A supervisor composes a 通报 in a real browser from a closed case, previews it, downloads the
.docx (opened here with python-docx) and publishes it; the lead of the unit it names then sees it,
and another unit's handler does not. Screenshots: ``*-circular-*``."""

from __future__ import annotations

import pytest
from docx import Document

from hotline.supervision.models import Circular
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.world import World
from tests.test_circulars import closed_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]
NUMBER = "热线纪通〔2026〕8号"
TITLE = "关于推诿扯皮问题的通报"


def test_a_circular_composed_downloaded_published_and_read_by_the_unit(
    browser_world: World,
    browser: Browser,  # noqa: F811
) -> None:
    world = browser_world
    case = closed_case(world, units=("zhujian",))  # open → verify (confirmed) → close
    browser.shots = 80  # after the walkthrough's screenshots
    page: object = browser.page

    browser.log_in("supervisor")
    browser.go("/circulars/")
    browser.shot("circular-list-empty")
    browser.go("/circulars/new/")
    page.fill("input[name=number]", NUMBER)  # type: ignore[attr-defined]
    page.fill("input[name=title]", TITLE)  # type: ignore[attr-defined]
    page.check(f"#case-{case.number}")  # type: ignore[attr-defined]
    assert "市住建局" in page.inner_text("#circular-compose")  # type: ignore[attr-defined]
    browser.shot("circular-compose")
    page.click("#circular-compose > button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".circular-doc .red-line")  # type: ignore[attr-defined]
    preview = page.inner_text(".circular-doc")  # type: ignore[attr-defined]
    for expected in (NUMBER, TITLE, "一、市住建局推诿扯皮、退单依据不足", "市纪委监委"):
        assert expected in preview
    browser.shot("circular-preview")

    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("a[download]")  # type: ignore[attr-defined]
    download = info.value
    assert NUMBER in download.suggested_filename
    text = "\n".join(p.text for p in Document(download.path()).paragraphs)
    assert TITLE in text and NUMBER in text and "市住建局" in text

    page.click("#publish")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "✓" in page.inner_text(".messages")  # type: ignore[attr-defined]
    assert Circular.objects.get(number=NUMBER).state == "published"
    browser.shot("circular-published")
    browser.log_out()

    browser.log_in("lead_a")
    browser.go("/inbox/")
    assert NUMBER in page.inner_text(".circular-named")  # type: ignore[attr-defined]
    browser.shot("circular-inbox")
    browser.go("/circulars/")
    assert NUMBER in page.inner_text("main")  # type: ignore[attr-defined]
    browser.shot("circular-unit-list")
    page.click(f"a:has-text('{NUMBER}')")  # type: ignore[attr-defined]
    page.wait_for_selector(".circular-doc")  # type: ignore[attr-defined]
    assert TITLE in page.inner_text(".circular-doc")  # type: ignore[attr-defined]
    assert page.locator("#publish").count() == 0  # type: ignore[attr-defined]
    browser.shot("circular-unit-read")
    browser.log_out()

    browser.log_in("handler_b")
    browser.go("/circulars/")
    assert NUMBER not in page.inner_text("main")  # type: ignore[attr-defined]
    browser.go("/inbox/")
    assert NUMBER not in page.inner_text("main")  # type: ignore[attr-defined]
    browser.log_out()
    assert browser.errors == []
