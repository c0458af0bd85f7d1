"""热点预警 in a real browser: the 天眼 dashboard and the intake page show a growing hotspot, and a
dispatcher merges one whole hotspot and sends another whole one to one unit from /hotspots/;
axe-core finds nothing serious; screenshots named hotspots-*."""

from __future__ import annotations

import pytest

from hotline.domain.lifecycle import State
from hotline.workorders.models import WorkOrder
from tests.browser.test_callcenter import accessible, text
from tests.browser.test_walkthrough import CHROMIUM, Browser, browser  # noqa: F401
from tests.common.hotspots import LIGHTS, surge
from tests.common.world import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]


def test_hotspots_on_the_dashboard_at_intake_and_handled_whole(
    browser_world: World,
    browser: Browser,  # noqa: F811 (the fixture imported above)
) -> None:
    world = browser_world
    water = [o.number for o in surge(world)]
    lights = [o.number for o in surge(world, LIGHTS, phone="1370000")]

    # 纪检监察: the dashboard's 热点预警.
    browser.log_in("supervisor")
    browser.go("/tianyan/")
    alerts = text(browser, "[data-part=hotspot-alerts]")
    assert "幸福家园5号楼" in alerts and "朝阳路18号" in alerts and "正在增长" in alerts
    accessible(browser)
    browser.shot("hotspots-dashboard")
    browser.log_out()

    # 话务员: a new call about the same burst pipe says it belongs to the hotspot.
    browser.log_in("agent")
    browser.page.fill("input[name=location]", "幸福家园五号楼")  # type: ignore[attr-defined]
    browser.page.fill("#id_text", "幸福家园5号楼停水了，家里一直没水")  # type: ignore[attr-defined]
    browser.page.wait_for_selector("#assist [data-part=hotspot-notice]")  # type: ignore[attr-defined]
    notice = text(browser, "#assist [data-part=hotspot-notice]")
    assert "此诉求可能属于正在增长的热点" in notice and "已有 5 件" in notice
    accessible(browser)
    browser.shot("hotspots-intake")
    browser.log_out()

    # 派单员: one hotspot merged into its first order, the other sent whole to one unit.
    browser.log_in("dispatcher")
    browser.go("/hotspots/")
    accessible(browser)
    browser.shot("hotspots-list")
    browser.page.click(f"#hotspot-{water[0]} form.hotspot-merge button")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "4 件并单" in text(browser, ".messages")
    section = f"#hotspot-{lights[0]} form.hotspot-dispatch"
    browser.page.select_option(f"{section} select[name=to_unit]", "chengguan")  # type: ignore[attr-defined]
    browser.page.click(f"{section} button")  # type: ignore[attr-defined]
    browser.page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "4 件派出（市城管局）" in text(browser, ".messages")
    browser.shot("hotspots-handled")

    assert WorkOrder.objects.filter(number__in=water[1:], state=State.MERGED).count() == 4
    assert set(
        WorkOrder.objects.filter(number__in=lights).values_list("state", "current_unit")
    ) == {(State.DISPATCHED, "chengguan")}
    browser.go("/hotspots/recurring/")
    assert "幸福家园5号楼" in text(browser, "main")
    accessible(browser)
    browser.shot("hotspots-recurring")
    assert browser.errors == []
