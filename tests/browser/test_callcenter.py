"""The center's director (中心负责人) in a real browser: lands on 话务指标, switches the day and
the period, opens the agents and their findings, and plans staffing with Erlang C by the form
and from an uploaded forecast, each chart drawn; screenshots named callcenter-*."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from hotline.callcenter import services
from hotline.domain.callcenter.simulate import simulate_queue_log
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.crawl import AXE, AXE_RUN
from tests.common.world import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]
# A day's forecast: calls per half hour from 08:00 to 19:30, AHT 200 s.
CALLS = (60, 120, 200, 260, 280, 240, 210, 190, 220, 260, 270, 250)
CALLS += (230, 200, 180, 170, 160, 150, 120, 100, 90, 70, 50, 40)
FORECAST = "start,calls,aht_seconds\n" + "".join(
    f"{8 + n // 2:02d}:{30 * (n % 2):02d},{calls},200\n" for n, calls in enumerate(CALLS)
)


def text(on: Browser, selector: str) -> str:
    return " ".join(str(on.page.inner_text(selector)).split())  # type: ignore[attr-defined]


def accessible(on: Browser) -> None:
    """axe-core finds nothing serious or critical (evaluated through the browser's protocol,
    which the pages' CSP does not govern)."""
    on.page.evaluate(AXE.read_text())  # type: ignore[attr-defined]
    assert on.page.evaluate(AXE_RUN) == []  # type: ignore[attr-defined]


def charted(on: Browser, selector: str) -> None:
    on.page.wait_for_selector(f"{selector} canvas")  # type: ignore[attr-defined]


def test_the_director_runs_the_center_in_a_browser(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    log = io.StringIO()
    center = simulate_queue_log(log, start=date(2026, 3, 2), days=2, calls_per_day=600)
    path = tmp_path / "queue_log"
    path.write_text(log.getvalue())
    services.calllog_import(path=path, shifts=center.shifts)
    services.agent_state_set(agent="agent", state="paused", reason="小休 break")

    browser.log_in("director")
    assert browser.page.url.endswith("/callcenter/")  # type: ignore[attr-defined]
    assert "2026-03-03 分时段" in text(browser, "#day h2")
    charted(browser, "#chart-day")
    charted(browser, "#chart-period")
    assert "%" in text(browser, "[data-part=day-totals]")
    accessible(browser)
    browser.shot("callcenter-kpis")

    # The day before, then a period of its own.
    browser.page.click("#day a:has-text('前一天')")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "2026-03-02 分时段" in text(browser, "#day h2")
    browser.page.fill("#period input[name=since]", "2026-03-01")  # type: ignore[attr-defined]
    browser.page.fill("#period input[name=until]", "2026-03-04")  # type: ignore[attr-defined]
    browser.page.click("#period button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "2026-03-01 至 2026-03-04" in text(browser, "#period h2")
    assert len(browser.page.locator("[data-part=days] tbody tr").all()) == 4  # type: ignore[attr-defined]
    charted(browser, "#chart-period")
    browser.shot("callcenter-period")

    browser.page.click("main nav a:has-text('坐席')")  # type: ignore[attr-defined]
    browser.page.wait_for_url("**/callcenter/agents/")  # type: ignore[attr-defined]
    assert "示忙（小休 break）" in text(browser, "[data-part=board]")
    findings = text(browser, "#findings")
    assert "话务员长时间置忙" in findings or "话务员脱岗" in findings
    accessible(browser)
    browser.shot("callcenter-agents")

    browser.page.click("main nav a:has-text('排班测算')")  # type: ignore[attr-defined]
    browser.page.wait_for_url("**/callcenter/planner/")  # type: ignore[attr-defined]
    for name, value in {
        "calls": "100",
        "aht_seconds": "180",
        "target_seconds": "20",
        "service_level": "80",
        "shrinkage": "30",
    }.items():
        browser.page.fill(f"#one_{name}", value)  # type: ignore[attr-defined]
    browser.page.click("#one button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_selector("[data-part=result]")  # type: ignore[attr-defined]
    assert text(browser, "[data-part=result]").startswith("14 在线坐席 20 排班人数")
    browser.shot("callcenter-planner")

    forecast = tmp_path / "forecast.csv"
    forecast.write_text(FORECAST)
    browser.page.set_input_files("#day_forecast", str(forecast))  # type: ignore[attr-defined]
    browser.page.click("#whole button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_selector("[data-part=plan]")  # type: ignore[attr-defined]
    charted(browser, "#chart-plan")
    assert len(browser.page.locator("[data-part=plan] tbody tr").all()) == 24  # type: ignore[attr-defined]
    assert int(text(browser, "[data-part=plan-totals] div:first-child b")) > 0
    accessible(browser)
    browser.shot("callcenter-plan-day")

    # A file that is not UTF-8 is a message naming its line, not an error page.
    bad = tmp_path / "gbk.csv"
    bad.write_bytes("start,calls,aht_seconds\n八点,100,200\n".encode("gbk"))
    browser.page.set_input_files("#day_forecast", str(bad))  # type: ignore[attr-defined]
    browser.page.click("#whole button[type=submit]")  # type: ignore[attr-defined]
    browser.page.wait_for_selector(".messages .error")  # type: ignore[attr-defined]
    assert "第 2 行" in text(browser, ".messages") and "UTF-8" in text(browser, ".messages")
    accessible(browser)
    browser.shot("callcenter-plan-error")
    assert browser.errors == []
