"""Erlang C staffing: the published case, agreement with pyworkforce, large traffic."""

from __future__ import annotations

import math

import pytest

from hotline.domain import erlang


def test_published_case_100_calls_180s_20s_at_80_percent() -> None:
    plan = erlang.staff_interval(
        calls=100,
        interval_minutes=30,
        aht_seconds=180,
        target_seconds=20,
        service_level_goal=0.8,
        shrinkage=0.3,
    )
    assert plan.traffic_erlangs == pytest.approx(10.0)
    assert plan.agents == 14
    assert plan.service_level == pytest.approx(0.8884, abs=5e-5)
    assert plan.occupancy == pytest.approx(0.714, abs=5e-4)
    assert plan.waiting_probability == pytest.approx(0.1741, abs=5e-5)
    assert plan.asa_seconds == pytest.approx(7.84, abs=5e-3)
    assert plan.positions == 20


GRID = [
    (calls, aht, target, goal, shrink)
    for calls in (1, 7, 40, 100, 450, 1200, 3000)
    for aht in (60, 180, 420)
    for target in (10, 15, 30)
    for goal in (0.7, 0.8, 0.95)
    for shrink in (0.0, 0.3)
]


@pytest.mark.parametrize(("calls", "aht", "target", "goal", "shrink"), GRID[::7])
def test_agrees_with_pyworkforce(
    calls: int, aht: int, target: int, goal: float, shrink: float
) -> None:
    from pyworkforce.queuing import ErlangC

    theirs = ErlangC(
        transactions=calls, aht=aht / 60, asa=target / 60, interval=30, shrinkage=shrink
    ).required_positions(service_level=goal)
    ours = erlang.staff_interval(
        calls=calls,
        interval_minutes=30,
        aht_seconds=aht,
        target_seconds=target,
        service_level_goal=goal,
        shrinkage=shrink,
    )
    assert ours.agents == theirs["raw_positions"]
    assert ours.positions == theirs["positions"]
    assert ours.service_level == pytest.approx(theirs["service_level"], rel=1e-9)
    assert ours.occupancy == pytest.approx(theirs["occupancy"], rel=1e-12)
    assert ours.waiting_probability == pytest.approx(theirs["waiting_probability"], rel=1e-9)


@pytest.mark.parametrize("load", [0.3, 12.5, 63.9, 64.1, 250.0, 999.7, 2500.0, 8000.0])
def test_warm_start_equals_the_exact_recursion(load: float) -> None:
    step = max(1, int(math.sqrt(load)) // 2)
    for agents in range(max(1, int(load) - 5), int(load + 6 * math.sqrt(load)) + 5, step):
        exact = erlang.erlang_b(agents, load, exact=True)
        assert erlang.erlang_b(agents, load) == pytest.approx(exact, rel=1e-12, abs=1e-300)


def test_hundreds_of_erlangs_stay_finite_and_sensible() -> None:
    plan = erlang.staff_interval(calls=30000, interval_minutes=30, aht_seconds=240)
    assert plan.traffic_erlangs == pytest.approx(4000.0)
    assert 4000 < plan.agents < 4100
    for value in (plan.service_level, plan.asa_seconds, plan.occupancy, plan.waiting_probability):
        assert math.isfinite(value)
    assert plan.service_level >= 0.8


def test_no_calls_need_no_agents() -> None:
    plan = erlang.staff_interval(calls=0, interval_minutes=30, aht_seconds=180)
    assert (plan.agents, plan.positions, plan.service_level) == (0, 0, 1.0)


def test_max_occupancy_adds_agents() -> None:
    free = erlang.staff_interval(calls=2000, interval_minutes=30, aht_seconds=180)
    capped = erlang.staff_interval(
        calls=2000, interval_minutes=30, aht_seconds=180, max_occupancy=0.85
    )
    assert capped.agents == math.ceil(200 / 0.85) > free.agents
    assert capped.occupancy <= 0.85


def test_day_plan_has_one_row_per_interval() -> None:
    plan = erlang.staff_day([0, 50, 100, 400], interval_minutes=30, aht_seconds=180)
    assert [row.agents for row in plan][:1] == [0]
    assert [row.agents for row in plan] == sorted(row.agents for row in plan)
    with pytest.raises(erlang.StaffingInputError, match="one value per interval"):
        erlang.staff_day([1, 2], interval_minutes=30, aht_seconds=[180])


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"calls": -1}, "calls"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"service_level_goal": 1.0}, "service_level"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"target_seconds": -5}, "target_seconds"),
        ({"max_occupancy": 0}, "max_occupancy"),
    ],
)
def test_bad_arguments_are_named(changes: dict[str, float], named: str) -> None:
    arguments: dict[str, float] = {"calls": 10, "interval_minutes": 30, "aht_seconds": 180}
    arguments.update(changes)
    with pytest.raises(erlang.StaffingInputError, match=named):
        erlang.staff_interval(**arguments)  # type: ignore[arg-type]
