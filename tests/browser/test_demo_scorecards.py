"""The demo city's scorecards, read in a browser as an inspector reads them: the units the demo
plants as culprits (城管 bounces orders and applies to return them without basis, 房管 closes
without contacting the citizen) rank in the bottom three of the quarter."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils.timezone import localdate

from hotline.demo.city import BUREAUS
from hotline.demo.history import CULPRITS
from hotline.demo.reference import DEMO_PASSWORD
from tests.browser.conftest import demo_city_built
from tests.common import crawl

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM") or shutil.which("chromium") or ""
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]
# The demo's history is the 90 days before today; 1,200 orders give each unit enough of them.
DEMO_ORDERS = 1200
# A quarter younger than this holds too little history to rank: the previous one is read then.
QUARTER_DAYS_NEEDED = 45


@pytest.fixture
def demo_city(live_server: object, transactional_db: None) -> Iterator[None]:
    with demo_city_built(DEMO_ORDERS):
        yield


def quarter_read(today: date) -> date:
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if (today - start).days >= QUARTER_DAYS_NEEDED:
        return start
    before = start - timedelta(days=1)
    return date(before.year, 3 * ((before.month - 1) // 3) + 1, 1)


def test_the_planted_culprits_rank_in_the_bottom_three(
    demo_city: None, live_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url  # type: ignore[attr-defined]
    names = dict(BUREAUS)
    culprits = {names[code] for code in CULPRITS.values()}
    assert culprits == {"市城市管理综合行政执法局", "市房屋管理局"}
    period = quarter_read(localdate()).isoformat()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page: Any = chromium.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page.set_default_timeout(15_000)
        crawl.log_in(page, base, "supervisor", DEMO_PASSWORD)
        page.goto(f"{base}/scorecards/?kind=quarter&period={period}")
        rows = page.locator("table.scorecards tbody tr").all()
        ranked = [
            (int(cells[0]), cells[1])
            for row in rows
            if (cells := row.locator("td").all_inner_texts())[0].isdigit()
        ]
        chromium.close()
    assert len(ranked) >= 20, ranked
    bottom = [name for _, name in sorted(ranked)[-3:]]
    assert culprits <= set(bottom), (period, sorted(ranked)[-5:])
