"""考核 pages: scorecards with the center's weights, a page per unit, the weights page, and the
demo city's planted culprits at the bottom of the ranking."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from openpyxl import load_workbook

from hotline.domain.supervision.engine import supervise
from hotline.domain.supervision.scorecard import score_table
from hotline.reference.models import ScoreWeight
from tests.common.eventlog import Order, load
from tests.common.second_factor import force_login_verified
from tests.common.world import World

NAMES = {"zhujian": "市住建局", "chengguan": "市城管局", "lvhua": "市绿化市容局"}
RAW_FLOAT = re.compile(r"\d\.\d{5,}")
D = timedelta(days=1)


def _report(tmp_path: Path) -> dict[str, Any]:
    """A small city: 住建 handles four orders by the book a month; 城管 passes two on to 绿化
    and takes them back (bounce), and closes without contacting anyone."""
    orders = []
    for month in range(2):
        start = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai")) + 31 * month * D
        orders += [
            Order(f"Z{month}{n}", start=start).dispatch("zhujian").handled("zhujian")
            for n in range(4)
        ]
        for n in range(2):
            order = Order(f"C{month}{n}", start=start).dispatch("chengguan")
            order.by("request_return", "chengguan", reason="非本单位职责").center("approve_return")
            order.dispatch("lvhua").by("request_return", "lvhua", reason="非本单位职责")
            order.center("approve_return").dispatch("chengguan").by("accept", "chengguan")
            order.by("reply", "chengguan", text="已处理").by("request_close", "chengguan")
            order.center("approve_close")
            order.center("follow_up", reached=True, resolved=False, satisfied=False)
            orders.append(order)
    return supervise(load(tmp_path, *orders), unit_names=NAMES)


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    built = _report(tmp_path)
    monkeypatch.setattr("hotline.supervision.selectors.database_report", lambda **_: built)
    return built


def _client(user: Any) -> Client:
    return force_login_verified(Client(), user)


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def test_scorecards_page_ranks_by_name_with_percentages(world: World, report: dict) -> None:
    page = _text(_client(world.supervisor).get("/scorecards/"))
    assert "2026年4月" in page and "市住建局" in page and "市城管局" in page
    assert page.index("市住建局") < page.index("市城管局")  # ranked, the bouncer last
    assert not RAW_FLOAT.search(page), RAW_FLOAT.search(page)
    assert "100.0%" in page and 'href="/units/chengguan/"' in page
    assert ">chengguan<" not in page and "2026-04-01" not in page.split("<select")[0]
    quarter = _text(_client(world.supervisor).get("/scorecards/?kind=quarter"))
    assert "2026年第1季度" in quarter and "2026年第2季度" in quarter
    # A period that is not one falls back to the latest, no error.
    assert "2026年4月" in _text(_client(world.supervisor).get("/scorecards/?period=xx"))


def test_scorecards_export_names_units_and_formats_numbers(world: World, report: dict) -> None:
    response = _client(world.supervisor).get("/scorecards/?kind=month&export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    zhujian = next(row for row in rows if row[1] == "市住建局")
    assert rows[0][0] == "期间" and zhujian[0] == "2026年4月" and zhujian[-3] == "100.0"
    assert all(not RAW_FLOAT.search(str(cell)) for row in rows for cell in row)


def test_changing_weights_changes_the_ranking_on_the_next_view(world: World, report: dict) -> None:
    admin = _client(world.admin)
    # Conduct and satisfaction weighed 0, only the 响应率: 城管 accepts on time too → a tie.
    form = {k: "0" for k in ("resolved_rate", "satisfied_rate", "conduct_rate")}
    form |= {"accept_on_time_rate": "10"} | dict.fromkeys(_detectors(), "1")
    before = _scores(_text(_client(world.supervisor).get("/scorecards/")))
    assert before["chengguan"] < 50.0 < before["zhujian"] == 100.0
    assert admin.post("/scorecards/weights/", form).status_code == 302
    assert ScoreWeight.objects.get(key="conduct_rate").weight == 0
    after = _scores(_text(_client(world.supervisor).get("/scorecards/")))
    assert after["chengguan"] == after["zhujian"] == 100.0  # 城管 accepts on time too: a tie


def test_weights_page_names_the_field_in_error(world: World, report: dict) -> None:
    admin = _client(world.admin)
    form = {"accept_on_time_rate": "-1", "resolved_rate": "abc", "satisfied_rate": "45"}
    form |= {"conduct_rate": "50"} | dict.fromkeys(_detectors(), "1")
    response = admin.post("/scorecards/weights/", form)
    page = response.content.decode()
    assert response.status_code == 422
    assert "签收及时率（响应率）：权重须在 0 到 1000 之间" in page
    assert "解决率：权重须是数字" in page and not ScoreWeight.objects.exists()
    zero = {k: "0" for k in ("accept_on_time_rate", "resolved_rate", "satisfied_rate")}
    zero |= {"conduct_rate": "0"} | dict.fromkeys(_detectors(), "1")
    page = admin.post("/scorecards/weights/", zero).content.decode()
    assert "各项指标的权重不能全为 0" in page and not ScoreWeight.objects.exists()
    # Only admins (and the center's director) set weights; a supervisor gets no such page.
    assert _client(world.supervisor).get("/scorecards/weights/").status_code == 404
    assert _client(world.director).get("/scorecards/weights/").status_code == 200


def test_unit_page_shows_findings_handovers_and_history(world: World, report: dict) -> None:
    page = _text(_client(world.supervisor).get("/units/chengguan/"))
    assert "<h1>市城管局</h1>" in page and "推诿扯皮" in page
    assert "/orders/C00/?evidence=" in page  # evidence links as on the dashboard
    assert 'href="/units/lvhua/"' in page and "市绿化市容局" in page  # hands to / receives from
    assert "2026年3月" in page and "2026年4月" in page and "/cases/new/?unit=chengguan" in page
    assert not RAW_FLOAT.search(page) and ">bounce<" not in page


def test_unit_page_is_for_supervisors_and_the_units_own_lead(world: World, report: dict) -> None:
    assert _client(world.lead_a).get("/units/zhujian/").status_code == 200
    assert _client(world.lead_a).get("/units/chengguan/").status_code == 404
    assert _client(world.handler_a).get("/units/zhujian/").status_code == 404
    assert _client(world.dispatcher).get("/scorecards/").status_code == 404
    assert _client(world.supervisor).get("/units/nosuchunit/").status_code == 404


def test_dashboard_shows_the_latest_scorecards_by_name(world: World, report: dict) -> None:
    page = _text(_client(world.supervisor).get("/tianyan/"))
    section = page.split("单位考核")[1].split("</section>")[0]
    assert "2026年4月" in section and 'href="/units/zhujian/">市住建局' in section
    assert not RAW_FLOAT.search(section)


def _scores(page: str) -> dict[str, float]:
    """Each unit's score in the 考核 table."""
    found = re.findall(r'href="/units/(\w+)/">[^<]*</a></td>\s*<td><b>([^<]*)</b>', page)
    return {unit: float(score) for unit, score in found if score != "—"}


def _detectors() -> list[str]:
    from hotline.domain.supervision.scorecard import DEFAULT_FINDING_WEIGHTS

    return list(DEFAULT_FINDING_WEIGHTS)


# -- the demo city ------------------------------------------------------------------------------


class _FixedNow(datetime):
    """history_import's "today", fixed so the latest full month has planted misconduct (the
    simulator plants none in the last 25 days)."""

    @classmethod
    def now(cls, tz: Any = None) -> _FixedNow:
        return cls(2026, 8, 28, 12, tzinfo=tz)


def bottom(table: list[dict[str, Any]], period: str, n: int = 3) -> list[tuple[str, float]]:
    rows = sorted((r for r in table if r["period"] == period and r["score"] is not None),
                  key=lambda r: r["rank"])  # fmt: skip
    return [(r["unit"], r["score"]) for r in rows[-n:]]


def demo_rankings(orders: int = 1800) -> dict[str, Any]:
    """The demo city's 90 days of history (no live orders), its report, and the bottom three of
    the latest full month (July 2026) and of the whole quarter-spanning history (the two
    quarters' orders pooled: every month's counts summed), before (rates only) and after."""
    from hotline.demo import history
    from hotline.demo.reference import reference_seed
    from hotline.supervision.selectors import database_report

    reference_seed()
    original = history.datetime
    history.datetime = _FixedNow  # type: ignore[misc]
    try:
        history.history_import(orders=orders)
    finally:
        history.datetime = original  # type: ignore[misc]
    report = database_report()
    months = report["scorecard_counts"]["month"]
    pooled: dict[str, dict[str, Any]] = {}
    for row in months:
        into = pooled.setdefault(row["unit"], {"period": "all", "unit": row["unit"]})
        for key, value in row.items():
            if isinstance(value, int):
                into[key] = into.get(key, 0) + value
            elif key == "findings":
                found = into.setdefault("findings", {})
                for detector, count in (value or {}).items():
                    found[detector] = found.get(detector, 0) + count
    before = {"accept_on_time_rate": 10, "resolved_rate": 45, "satisfied_rate": 45}
    out: dict[str, Any] = {}
    for name, weights in (("before", before), ("after", None)):
        monthly = score_table(months, weights=weights)
        overall = score_table(list(pooled.values()), weights=weights)
        out[name] = {"month": bottom(monthly, "2026-07-01"), "all": bottom(overall, "all")}
    return out


@pytest.mark.django_db
def test_demo_city_culprits_rank_in_the_bottom_three() -> None:
    rankings = demo_rankings()
    print(rankings)  # the figures for the record (pytest -s)
    for scope in ("month", "all"):
        last_three = {unit for unit, _ in rankings["after"][scope]}
        assert {"chengguan", "fangguan"} <= last_three, (scope, rankings)
