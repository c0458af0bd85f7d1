"""考核 in a real browser: the scorecards page with its chart, a unit's page, the weights page;
screenshots scorecard-* under var/test-artifacts/screens/, no console error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.world import World
from tests.test_scorecards import _report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    built = _report(tmp_path)
    monkeypatch.setattr("hotline.supervision.selectors.database_report", lambda **_: built)
    return built


def test_scorecards_and_a_unit_page_in_a_browser(
    browser_world: World,
    report: dict[str, Any],
    browser: Browser,  # noqa: F811
) -> None:
    page: Any = browser.page
    browser.log_in("supervisor")
    browser.go("/scorecards/")
    assert page.inner_text("h1") == "承办单位考核"
    page.wait_for_selector("#chart-scores canvas")
    assert "市城管局" in page.inner_text("table.scorecards")
    browser.shot("scorecard-list")
    page.select_option("#score-kind", "quarter")
    page.click("main form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "2026年第2季度" in page.inner_text("#score-period")
    browser.shot("scorecard-quarter")
    page.click("table.scorecards a:has-text('市城管局')")
    page.wait_for_url("**/units/chengguan/")
    page.wait_for_selector("#chart-unit-scores canvas")
    assert "推诿扯皮" in page.inner_text("main") and "市绿化市容局" in page.inner_text("main")
    browser.shot("scorecard-unit")
    # Evidence links as on the dashboard (this report's orders are not in the database).
    link = page.get_attribute("a.evidence-link >> nth=0", "href")
    assert link.startswith("/orders/C") and "?evidence=" in link
    browser.log_out()
    browser.log_in("admin")
    browser.go("/scorecards/weights/")
    page.fill("#w-conduct_rate", "-5")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "履职规范率：权重须在 0 到 1000 之间" in page.inner_text("main")
    browser.shot("scorecard-weights")
    # The refused form answers 422, which the browser reports as a failed load: the only error.
    refused = [e for e in browser.errors if "status of 422" in e and "/scorecards/weights/" in e]
    assert len(refused) == 1 and browser.errors == refused, browser.errors
