"""Erlang C staffing (话务排班): agents needed for a service-level target, per interval.

The M/M/c queue: Poisson arrivals, exponential handling times, nobody hangs up. Erlang B is
computed with its forward recursion ``B(n) = A·B(n-1) / (n + A·B(n-1))``, which stays in [0, 1]
for any traffic, so hundreds or thousands of Erlangs neither overflow nor lose precision (the
textbook ``A^N / N!`` form overflows a float past about 170 agents). Erlang C follows from B.

Targets default to GB/T 33358-2016: answer within 15 seconds for 80 % of calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from hotline.domain.inputs import InputError

DEFAULT_TARGET_SECONDS = 15.0
DEFAULT_SERVICE_LEVEL = 0.80


class StaffingInputError(InputError):
    """An argument of a staffing calculation is out of range; the message names it."""


@dataclass(frozen=True)
class Staffing:
    """Erlang C answer for one interval (one row of a day plan)."""

    calls: float
    interval_minutes: float
    aht_seconds: float
    traffic_erlangs: float
    agents: int  # productive agents on the phones (在线坐席)
    positions: int  # agents to roster once shrinkage is added (排班人数)
    service_level: float
    asa_seconds: float
    occupancy: float
    waiting_probability: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def traffic(*, calls: float, interval_minutes: float, aht_seconds: float) -> float:
    """Offered traffic in Erlangs: calls × AHT ÷ interval length."""
    return calls * aht_seconds / (interval_minutes * 60.0)


# Far below the load, Erlang B is close to 1 - n/A and the forward recursion forgets its
# starting value fast: an error shrinks by about exp(-k²) over the last k·√A steps before A.
# Starting WARM_START_SIGMAS·√A below the load therefore gives the exact recursion's result to
# machine precision (tests compare both) in O(√A) steps instead of O(A).
WARM_START_SIGMAS = 8.0


def _warm_start(load: float) -> tuple[int, float]:
    servers = int(load - WARM_START_SIGMAS * math.sqrt(load))
    if servers <= 0:
        return 0, 1.0
    return servers, 1.0 - servers / load


def erlang_b_series(load: float, *, exact: bool = False) -> Iterator[tuple[int, float]]:
    """(servers, Erlang B blocking) upwards from a warm start (from 0 when ``exact``)."""
    servers, blocking = (0, 1.0) if exact else _warm_start(load)
    while True:
        yield servers, blocking
        servers += 1
        blocking = load * blocking / (servers + load * blocking)


def erlang_b(agents: int, load: float, *, exact: bool = False) -> float:
    """Erlang B: the chance that all ``agents`` are busy in a loss system at ``load`` Erlangs."""
    servers, blocking = (0, 1.0) if exact else _warm_start(load)
    if servers > agents:
        servers, blocking = 0, 1.0
    for n in range(servers + 1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(agents: int, load: float, *, exact: bool = False) -> float:
    """P(wait): the chance that a call has to queue, with ``agents`` > ``load``."""
    if agents <= load:
        return 1.0
    return _c_from_b(agents, load, erlang_b(agents, load, exact=exact))


def _c_from_b(agents: int, load: float, blocking: float) -> float:
    return agents * blocking / (agents - load * (1.0 - blocking))


def service_level(agents: int, load: float, *, aht_seconds: float, target_seconds: float) -> float:
    """Share of calls answered within ``target_seconds``."""
    if agents <= load:
        return 0.0
    wait = erlang_c(agents, load)
    return _service_level(agents, load, wait, aht_seconds, target_seconds)


def _service_level(
    agents: int, load: float, wait: float, aht_seconds: float, target_seconds: float
) -> float:
    return max(0.0, 1.0 - wait * math.exp(-(agents - load) * target_seconds / aht_seconds))


def staff_interval(
    *,
    calls: float,
    interval_minutes: float,
    aht_seconds: float,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    service_level_goal: float = DEFAULT_SERVICE_LEVEL,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> Staffing:
    """Fewest agents whose service level meets the goal, then positions after shrinkage."""
    _check(calls, interval_minutes, aht_seconds, target_seconds, service_level_goal, shrinkage)
    if not 0.0 < max_occupancy <= 1.0:
        raise StaffingInputError(f"max_occupancy must be in (0, 1], got {max_occupancy}")
    load = traffic(calls=calls, interval_minutes=interval_minutes, aht_seconds=aht_seconds)
    if load == 0.0:
        return Staffing(calls, interval_minutes, aht_seconds, 0.0, 0, 0, 1.0, 0.0, 0.0, 0.0)
    agents, wait, level = _smallest_team(load, aht_seconds, target_seconds, service_level_goal)
    if load / agents > max_occupancy:
        agents = math.ceil(load / max_occupancy)
        wait = erlang_c(agents, load)
        level = _service_level(agents, load, wait, aht_seconds, target_seconds)
    return Staffing(
        calls=calls,
        interval_minutes=interval_minutes,
        aht_seconds=aht_seconds,
        traffic_erlangs=load,
        agents=agents,
        positions=math.ceil(agents / (1.0 - shrinkage) - 1e-9),
        service_level=level,
        asa_seconds=wait * aht_seconds / (agents - load),
        occupancy=load / agents,
        waiting_probability=wait,
    )


def _smallest_team(
    load: float, aht_seconds: float, target_seconds: float, goal: float
) -> tuple[int, float, float]:
    """Walk Erlang B upwards once; the first team past the load that meets the goal wins."""
    for agents, blocking in erlang_b_series(load):
        if agents <= load:
            continue
        wait = _c_from_b(agents, load, blocking)
        level = _service_level(agents, load, wait, aht_seconds, target_seconds)
        if level >= goal:
            return agents, wait, level
    raise AssertionError("unreachable: service level tends to 1")  # pragma: no cover


def staff_day(
    calls_per_interval: Iterable[float],
    *,
    interval_minutes: float,
    aht_seconds: float | Iterable[float],
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    service_level_goal: float = DEFAULT_SERVICE_LEVEL,
    shrinkage: float = 0.0,
) -> list[Staffing]:
    """A day plan: one :class:`Staffing` per interval (e.g. 48 half hours)."""
    calls = list(calls_per_interval)
    ahts = [aht_seconds] * len(calls) if isinstance(aht_seconds, int | float) else list(aht_seconds)
    if len(ahts) != len(calls):
        raise StaffingInputError("aht_seconds must give one value per interval")
    return [
        staff_interval(
            calls=count,
            interval_minutes=interval_minutes,
            aht_seconds=aht,
            target_seconds=target_seconds,
            service_level_goal=service_level_goal,
            shrinkage=shrinkage,
        )
        for count, aht in zip(calls, ahts, strict=True)
    ]


def check_targets(*, target_seconds: float, service_level_goal: float, shrinkage: float) -> None:
    """Raise :class:`StaffingInputError` for targets no plan could meet."""
    _check(0.0, 1.0, 1.0, target_seconds, service_level_goal, shrinkage)


def _check(
    calls: float,
    interval_minutes: float,
    aht_seconds: float,
    target_seconds: float,
    goal: float,
    shrinkage: float,
) -> None:
    problems = [
        (calls < 0 or not math.isfinite(calls), f"calls must be 0 or more, got {calls}"),
        (not interval_minutes > 0, f"interval_minutes must be positive, got {interval_minutes}"),
        (not aht_seconds > 0, f"aht_seconds must be positive, got {aht_seconds}"),
        (target_seconds < 0, f"target_seconds must be 0 or more, got {target_seconds}"),
        (not 0.0 < goal < 1.0, f"service_level must be between 0 and 1 (exclusive), got {goal}"),
        (not 0.0 <= shrinkage < 1.0, f"shrinkage must be in [0, 1), got {shrinkage}"),
    ]
    for failed, message in problems:
        if failed:
            raise StaffingInputError(message)
