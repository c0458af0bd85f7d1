"""A synthetic 12345 call center writing a real Asterisk ``queue_log``, with planted misconduct.

Used by the benchmark (millions of lines), by tests (the detectors must find what was planted and
nothing else) and by the demo city. Agents work shifts, take short breaks and a meal; calls
arrive with a day-shaped profile and are served first come, first served; callers hang up when
their patience runs out. Planted cases: an agent who sits in "busy" for hours at peak time
(``long_busy``) and one who leaves the post during a shift (``away_from_post``).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

from hotline.domain.detectors.away_from_post import ShiftSlot

# Relative call volume per hour of the day: quiet nights, peaks mid-morning and mid-afternoon.
HOURLY_PROFILE = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.8, 2.4, 2.5, 2.1,
    1.5, 1.6, 2.2, 2.3, 2.0, 1.6, 1.1, 0.9, 0.8, 0.6, 0.4, 0.25,
)  # fmt: skip
SHIFTS = ((7, 15), (15, 23), (23, 31))  # 早班 / 晚班 / 夜班, hours from midnight
SHIFT_SHARE = (0.5, 0.4, 0.1)
BREAK_REASON = "小休"
MEAL_REASON = "用餐"
PLANTED_BUSY_REASON = "忙碌"


@dataclass(frozen=True)
class Planted:
    detector: str
    agent: str
    day: date
    start: datetime
    end: datetime


@dataclass
class SimulatedCenter:
    lines: int = 0
    calls: int = 0
    shifts: list[ShiftSlot] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)


class _Emit(Protocol):
    def __call__(self, at: float, callid: str, agent: str, event: str, *data: object) -> None: ...


@dataclass
class _Agent:
    name: str
    shift: tuple[int, int]
    logged_in: list[tuple[float, float]] = field(default_factory=list)  # in time order
    away: list[tuple[float, float]] = field(default_factory=list)  # pauses, absences

    def forget_before(self, stamp: float) -> None:
        """Drop windows that ended before ``stamp`` (a night shift reaches into the next day)."""
        self.logged_in = [span for span in self.logged_in if span[1] > stamp]
        self.away = [span for span in self.away if span[1] > stamp]


def simulate_queue_log(
    out: TextIO,
    *,
    start: date,
    days: int,
    agents: int = 40,
    calls_per_day: int = 3000,
    queue: str = "12345",
    seed: int = 7,
    plant_busy: int = 1,
    plant_away: int = 1,
    tz: str = "Asia/Shanghai",
) -> SimulatedCenter:
    """Write ``days`` of queue_log to ``out``; return the shifts and the planted truth."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    roster = _roster(agents)
    result = SimulatedCenter()
    for offset in range(days):
        day = start + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
        events = _simulate_day(
            rng, roster, day, midnight, calls_per_day, queue, result, zone, plant_busy, plant_away
        )
        events.sort()
        for _, _, line in events:
            out.write(line)
        result.lines += len(events)
    return result


def _roster(count: int) -> list[_Agent]:
    agents: list[_Agent] = []
    for index in range(count):
        share, shift = index / max(count, 1), SHIFTS[0]
        if share >= SHIFT_SHARE[0]:
            shift = SHIFTS[1] if share < SHIFT_SHARE[0] + SHIFT_SHARE[1] else SHIFTS[2]
        agents.append(_Agent(name=f"SIP/{8001 + index}", shift=shift))
    return agents


def _simulate_day(
    rng: random.Random,
    roster: list[_Agent],
    day: date,
    midnight: float,
    calls_per_day: int,
    queue: str,
    result: SimulatedCenter,
    zone: ZoneInfo,
    plant_busy: int,
    plant_away: int,
) -> list[tuple[int, int, str]]:
    events: list[tuple[int, int, str]] = []
    seq = iter(range(10**9))

    def emit(at: float, callid: str, agent: str, event: str, *data: object) -> None:
        stamp = int(at)
        fields = "|".join(str(value) for value in data)
        events.append((stamp, next(seq), f"{stamp}|{callid}|{queue}|{agent}|{event}|{fields}\n"))

    for agent in roster:
        agent.forget_before(midnight - 6 * 3600)
        if agent.shift == SHIFTS[2] and not agent.logged_in:
            _night_before(rng, agent, midnight, emit, result, zone)
    early = [agent for agent in roster if agent.shift == SHIFTS[0]]
    victims = rng.sample(early, min(len(early), plant_busy + plant_away))
    busy, away = victims[:plant_busy], victims[plant_busy:]
    for agent in roster:
        _plan_agent_day(rng, agent, midnight, emit, result, zone, meal=agent not in busy)
    for agent in busy:
        start = midnight + 9 * 3600 + rng.randint(0, 1800)
        end = start + rng.randint(120, 180) * 60
        _pause(emit, agent, start, end, PLANTED_BUSY_REASON)
        result.planted.append(Planted("long_busy", agent.name, day, *_span(start, end, zone)))
    for agent in away:
        start = midnight + 13 * 3600 + rng.randint(300, 1200)
        end = start + rng.randint(60, 90) * 60
        agent.away.append((start, end))
        emit(start, "NONE", agent.name, "REMOVEMEMBER")
        emit(end, "NONE", agent.name, "ADDMEMBER")
        result.planted.append(Planted("away_from_post", agent.name, day, *_span(start, end, zone)))
    result.calls += _serve_calls(rng, roster, midnight, calls_per_day, emit)
    return events


def _span(start: float, end: float, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return _local(start, zone), _local(end, zone)


def _plan_agent_day(
    rng: random.Random,
    agent: _Agent,
    midnight: float,
    emit: _Emit,
    result: SimulatedCenter,
    zone: ZoneInfo,
    *,
    meal: bool,
) -> None:
    begin, end = midnight + agent.shift[0] * 3600, midnight + agent.shift[1] * 3600
    result.shifts.append(ShiftSlot(agent.name, *_span(begin, end, zone)))
    login = begin - rng.randint(60, 600)
    logout = end + rng.randint(30, 300)
    agent.logged_in.append((login, logout))
    emit(login, "NONE", agent.name, "ADDMEMBER")
    for hour in (1.5, 5.5):  # two short breaks
        at = begin + hour * 3600 + rng.randint(-900, 900)
        _pause(emit, agent, at, at + rng.randint(300, 900), BREAK_REASON)
    if meal:
        at = begin + 3.5 * 3600 + rng.randint(-600, 600)
        _pause(emit, agent, at, at + rng.randint(1200, 1800), MEAL_REASON)
    emit(logout, "NONE", agent.name, "REMOVEMEMBER")


def _night_before(
    rng: random.Random,
    agent: _Agent,
    midnight: float,
    emit: _Emit,
    result: SimulatedCenter,
    zone: ZoneInfo,
) -> None:
    """The log starts at midnight with last night's shift already at the phones."""
    end = midnight + (SHIFTS[2][1] - 24) * 3600
    logout = end + rng.randint(30, 300)
    result.shifts.append(ShiftSlot(agent.name, *_span(midnight, end, zone)))
    agent.logged_in.append((midnight, logout))
    emit(midnight, "NONE", agent.name, "ADDMEMBER")
    emit(logout, "NONE", agent.name, "REMOVEMEMBER")


def _pause(emit: _Emit, agent: _Agent, start: float, end: float, reason: str) -> None:
    agent.away.append((start, end))
    emit(start, "NONE", agent.name, "PAUSE", reason)
    emit(end, "NONE", agent.name, "UNPAUSE", reason)


def _local(stamp: float, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(stamp, zone).replace(tzinfo=None)


def _arrivals(rng: random.Random, midnight: float, calls_per_day: int) -> Iterator[float]:
    total = sum(HOURLY_PROFILE)
    for hour, weight in enumerate(HOURLY_PROFILE):
        count = _poisson(rng, calls_per_day * weight / total)
        base = midnight + hour * 3600
        yield from sorted(base + rng.random() * 3600 for _ in range(count))


def _poisson(rng: random.Random, mean: float) -> int:
    # Normal approximation is plenty for hourly counts in the tens or more.
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _free_at(agent: _Agent, at: float) -> float:
    """The first moment from ``at`` on when ``agent`` is logged in and not paused."""
    moved = True
    while moved:
        moved = False
        for start, end in agent.away:
            if start <= at < end:
                at, moved = end, True
        window = next((span for span in agent.logged_in if at < span[1]), None)
        if window is None:
            return math.inf
        if at < window[0]:
            at, moved = window[0], True
    return at


def _serve_calls(
    rng: random.Random, roster: list[_Agent], midnight: float, calls_per_day: int, emit: _Emit
) -> int:
    """First come, first served; returns the number of calls."""
    number = -1
    free = [(_free_at(agent, midnight), index) for index, agent in enumerate(roster)]
    heapq.heapify(free)
    for number, arrival in enumerate(_arrivals(rng, midnight, calls_per_day)):
        callid = f"{int(arrival)}.{number}"
        caller = f"1{rng.randint(3000000000, 9999999999)}"
        emit(arrival, callid, "NONE", "ENTERQUEUE", "", caller, 1)
        patience = rng.expovariate(1 / 90)
        while True:
            ready, index = heapq.heappop(free)
            available = _free_at(roster[index], max(ready, arrival))
            if available == max(ready, arrival):
                break
            heapq.heappush(free, (available, index))
        wait = available - arrival
        if wait > patience:
            heapq.heappush(free, (ready, index))
            event = "EXITWITHTIMEOUT" if patience > 300 else "ABANDON"
            gave_up = min(patience, 300.0)
            emit(arrival + gave_up, callid, "NONE", event, 1, 1, int(gave_up))
            continue
        agent = roster[index]
        if rng.random() < 0.03:
            emit(arrival + wait, callid, agent.name, "RINGNOANSWER", 15000)
            wait += 15
        hold, talk = int(wait), max(20, int(rng.lognormvariate(math.log(150), 0.6)))
        connect = arrival + hold
        emit(connect, callid, agent.name, "CONNECT", hold, f"{int(connect)}.{number}b", 3)
        ender = "COMPLETECALLER" if rng.random() < 0.6 else "COMPLETEAGENT"
        emit(connect + talk, callid, agent.name, ender, hold, talk, 1)
        heapq.heappush(free, (connect + talk + rng.randint(5, 30), index))
    return number + 1
