"""Unit scorecards: rates from hand-built orders, ranking and the trend between periods."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from hotline.domain.detectors.finding import Finding
from hotline.domain.supervision.eventlog import EventLog
from hotline.domain.supervision.scorecard import (
    DEFAULT_WEIGHTS,
    score_table,
    scorecard_counts,
    scorecards,
)
from tests.common.eventlog import MONDAY, Order, load

D = timedelta(days=1)


def test_rates_rank_and_trend(tmp_path: Path) -> None:
    good = [Order(f"G{n}").dispatch("zj").handled("zj") for n in range(3)]
    bad = Order("B1").dispatch("cg").wait(timedelta(hours=5)).by("accept", "cg")
    bad.by("request_return", "cg").center("reject_return").by("contact", "cg")
    bad.by("request_close", "cg").center("reject_close").by("request_close", "cg")
    bad.center("approve_close").center("follow_up", reached=True, resolved=False, satisfied=False)
    march = [Order(f"M{n}", start=MONDAY + 31 * D).dispatch("cg").handled("cg") for n in range(2)]
    table = scorecards(load(tmp_path, *good, bad, *march))
    first = {row["unit"]: row for row in table if row["period"] == "2026-03-01"}
    assert first["zj"]["accept_on_time_rate"] == 1.0 and first["zj"]["satisfied_rate"] == 1.0
    assert first["zj"]["score"] == 100.0 and first["zj"]["rank"] == 1
    cg = first["cg"]
    assert (cg["accept_on_time_rate"], cg["return_rejection_rate"]) == (0.0, 1.0)
    assert cg["close_rejection_rate"] == pytest.approx(0.5)
    assert (cg["resolved_rate"], cg["satisfied_rate"], cg["score"], cg["rank"]) == (0, 0, 0, 2)
    assert cg["return_rate"] == 0.0 and cg["reopen_rate"] == 0.0
    (april,) = [row for row in table if row["period"] == "2026-04-01"]
    assert (april["unit"], april["score"], april["rank"]) == ("cg", 100.0, 1)
    assert (april["score_change"], april["rank_change"]) == (100.0, 1)


def test_a_rate_with_nothing_to_divide_is_none(tmp_path: Path) -> None:
    (row,) = scorecards(load(tmp_path, Order("X").dispatch("zj")))
    assert row["accept_on_time_rate"] is None and row["score"] is None and row["rank"] is None
    with pytest.raises(ValueError, match="period must be one of"):
        scorecards(load(tmp_path, Order("Y")), period="fortnight")


# -- the conduct part: what the 天眼 detectors found ---------------------------------------------


def _finding(order: str, unit: str, detector: str, seq: int = 2) -> Finding:
    return Finding(detector, "high", "", (seq,), order=order, unit=unit)


def _two_clean_units(tmp_path: Path) -> EventLog:
    orders = [Order(f"A{n}").dispatch("zj").handled("zj") for n in range(4)]
    orders += [Order(f"B{n}").dispatch("cg").handled("cg") for n in range(4)]
    return load(tmp_path, *orders)


def test_findings_move_a_unit_below_one_without(tmp_path: Path) -> None:
    log = _two_clean_units(tmp_path)
    # Without findings both are perfect; who ranks first is only the unit code's order.
    plain = {row["unit"]: row for row in scorecards(log)}
    assert plain["zj"]["score"] == plain["cg"]["score"] == 100.0
    assert plain["zj"]["conduct_rate"] is None  # not measured: no findings were given
    found = [_finding("A0", "zj", "stalled"), _finding("A1", "zj", "boilerplate_reply")]
    table = {row["unit"]: row for row in scorecards(log, findings=found)}
    assert table["zj"]["finding_count"] == 2 and table["zj"]["findings"]["stalled"] == 1
    assert table["zj"]["conduct_rate"] == pytest.approx(0.5)  # 2 findings on 4 orders
    assert table["cg"]["conduct_rate"] == 1.0 and table["cg"]["finding_count"] == 0
    assert table["zj"]["score"] < table["cg"]["score"] == 100.0
    assert (table["cg"]["rank"], table["zj"]["rank"]) == (1, 2)
    # 50 of 150 weight on a conduct rate of 50 %: 100 − 50 × 50 / 150.
    assert table["zj"]["score"] == pytest.approx(83.33, abs=0.01)


def test_weights_change_the_order(tmp_path: Path) -> None:
    slow = [Order(f"S{n}").dispatch("zj").wait(timedelta(hours=5)) for n in range(4)]
    for order in slow:
        order.by("accept", "zj").by("contact", "zj").by("request_close", "zj")
        order.center("approve_close").center(
            "follow_up", reached=True, resolved=True, satisfied=True
        )
    fast = [Order(f"F{n}").dispatch("cg").handled("cg") for n in range(4)]
    log = load(tmp_path, *slow, *fast)
    found = [_finding(f"F{n}", "cg", "bounce") for n in range(3)]
    default = {row["unit"]: row["rank"] for row in scorecards(log, findings=found)}
    # zj is late to accept (10 of 150); cg bounced 3 of 4 orders, 3 each: conduct 0 (50 of 150).
    assert default == {"zj": 1, "cg": 2}
    no_conduct = dict(DEFAULT_WEIGHTS, conduct_rate=0)
    reweighed = {
        row["unit"]: row["rank"] for row in scorecards(log, findings=found, weights=no_conduct)
    }
    assert reweighed == {"cg": 1, "zj": 2}
    # A detector weighed 0 leaves its findings out of the conduct rate.
    light = {
        row["unit"]: row for row in scorecards(log, findings=found, finding_weights={"bounce": 0})
    }
    assert light["cg"]["conduct_rate"] == 1.0 and light["cg"]["rank"] == 1


def test_month_and_quarter_counts_score_alike(tmp_path: Path) -> None:
    orders = [
        Order(f"Q{n}", start=MONDAY + 31 * n * D).dispatch("zj").handled("zj") for n in range(3)
    ]
    counts = scorecard_counts(load(tmp_path, *orders), findings=[_finding("Q1", "zj", "stalled")])
    assert [row["period"] for row in counts["month"]] == ["2026-03-01", "2026-04-01", "2026-05-01"]
    (quarter,) = [row for row in counts["quarter"] if row["period"] == "2026-04-01"]
    assert quarter["orders"] == 2 and quarter["findings"] == {"stalled": 1}
    months = score_table(counts["month"])
    april = next(row for row in months if row["period"] == "2026-04-01")
    assert april["conduct_rate"] == 0.0 and april["score_change"] == april["score"] - 100.0
    assert months[-1]["score"] == 100.0 and months[-1]["score_change"] > 0
    assert json.loads(json.dumps(counts)) == counts  # the cached report carries them


def test_rates_without_anything_to_divide_stay_none(tmp_path: Path) -> None:
    (row,) = score_table(
        [{"period": "2026-03-01", "unit": "zj", "orders": 0, "findings": {"bounce": 1},
          **dict.fromkeys(("dispatches", "returns", "return_requests", "returns_rejected",
                           "close_requests", "closes_rejected", "reopens", "reached", "resolved",
                           "satisfied", "accepted", "accepted_on_time", "closed",
                           "closed_on_time"), 0)}]
    )  # fmt: skip
    rates = ("accept_on_time_rate", "closed_on_time_rate", "satisfied_rate", "conduct_rate")
    assert all(row[name] is None for name in rates)
    assert row["score"] is None and row["rank"] is None and row["finding_count"] == 1
