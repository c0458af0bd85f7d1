"""Unit scorecards: rates from hand-built orders, ranking and the trend between periods."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hotline.domain.supervision.scorecard import scorecards
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
