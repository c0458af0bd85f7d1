"""SLA deadlines (办理时限) on the Chinese working calendar (工作日历).

Working days follow the State Council's schedule as published in ``chinese_calendar``: official
holidays (法定节假日) are days off even on weekdays, and make-up working days (调休上班日) are
working days even on weekends. ``chinese_calendar`` only has data for 2004..2026 and raises
``NotImplementedError`` outside that range; for such years this module falls back to Monday–Friday
working days, so e.g. 2027-01-01 (元旦, a Friday) counts as a working day until the package is
upgraded with the 2027 schedule.

Working time is measured on the local wall clock of the calendar's time zone (Asia/Shanghai by
default, which has no daylight saving time). Every public method takes and returns
timezone-aware datetimes; results are expressed in the calendar's time zone.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["DEFAULT_CALENDAR", "DEFAULT_PERIODS", "SHANGHAI", "WorkingCalendar"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 上午 09:00–12:00, 午休, 下午 13:00–18:00.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(13), time(18)))

_ZERO = timedelta(0)
_WHOLE_DAY = timedelta(days=1)


def _is_official_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # No published schedule for this year (chinese_calendar covers 2004..2026 only):
        # the best we can do is Monday–Friday.
        return day.weekday() < 5


@cache
def _official_ordinals(year: int) -> tuple[int, ...]:
    """Ascending ordinals of the working days of ``year`` in the national schedule.

    A sorted table per year lets deadlines hundreds of working days away be found by bisection
    instead of asking ``chinese_calendar`` about every day in between, on every call.
    """
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    return tuple(
        ordinal
        for ordinal in range(first, last + 1)
        if _is_official_working_day(date.fromordinal(ordinal))
    )


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")


@dataclass(frozen=True)
class WorkingCalendar:
    """Working periods of one working day, in local time (default 09:00–12:00 and 13:00–18:00).

    Which days are working days (工作日) comes from the national schedule, see the module
    docstring; the periods say which hours of such a day count towards an SLA (办理时限).
    """

    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: ZoneInfo = SHANGHAI
    # Local corrections (day → is working day) that win over the national schedule: a schedule
    # published after the installed chinese_calendar, or a city's own arrangement.
    overrides: tuple[tuple[date, bool], ...] = ()
    # Periods as offsets from local midnight, precomputed because every call walks them.
    _offsets: tuple[tuple[timedelta, timedelta], ...] = field(init=False, repr=False, compare=False)
    _day_length: timedelta = field(init=False, repr=False, compare=False)
    _years: dict[int, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept lists too, but store tuples so the frozen calendar stays hashable.
        periods = tuple(tuple(period) for period in self.periods)
        if not periods:
            raise ValueError("a working calendar needs at least one working period")
        offsets: list[tuple[timedelta, timedelta]] = []
        for period in periods:
            if len(period) != 2 or not all(isinstance(t, time) for t in period):
                raise ValueError(f"a working period must be a (start, end) pair of times: {period}")
            start, end = period
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(f"working period times must be naive local times: {period}")
            if not start < end:
                raise ValueError(f"a working period must start before it ends: {start}–{end}")
            if offsets and _since_midnight(start) < offsets[-1][1]:
                raise ValueError(
                    f"working periods must be sorted and must not overlap: {start}–{end} "
                    f"begins before the previous period ends"
                )
            offsets.append((_since_midnight(start), _since_midnight(end)))
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "_offsets", tuple(offsets))
        object.__setattr__(self, "_day_length", sum((e - s for s, e in offsets), _ZERO))
        overrides = tuple(sorted(dict(self.overrides).items()))
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "_years", {})

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a 工作日: overrides, then holidays and 调休 from chinese_calendar,
        else Mon–Fri."""
        return self._is_working_ordinal(day.toordinal())

    def _working_ordinals(self, year: int) -> tuple[int, ...]:
        table = self._years.get(year)
        if table is None:
            days = set(_official_ordinals(year))
            for day, working in self.overrides:
                if day.year == year:
                    (days.add if working else days.discard)(day.toordinal())
            table = self._years[year] = tuple(sorted(days))
        return table

    def _is_working_ordinal(self, ordinal: int) -> bool:
        days = self._working_ordinals(date.fromordinal(ordinal).year)
        i = bisect_left(days, ordinal)
        return i < len(days) and days[i] == ordinal

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day strictly after ``day`` (``n`` >= 1)."""
        return date.fromordinal(self._nth_working_day_after(day.toordinal(), n))

    def _nth_working_day_after(self, ordinal: int, n: int) -> int:
        """Ordinal of the ``n``-th working day strictly after ``ordinal`` (``n`` >= 1)."""
        year = date.fromordinal(ordinal).year
        while True:
            days = self._working_ordinals(year)
            # In later years every ordinal exceeds ``ordinal``, so this is 0 there.
            i = bisect_right(days, ordinal)
            if i + n - 1 < len(days):
                return days[i + n - 1]
            n -= len(days) - i
            year += 1

    def _count_working_days(self, first: int, last: int) -> int:
        """Number of working days with ordinals in ``first..last`` inclusive."""
        if last < first:
            return 0
        count = 0
        for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
            days = self._working_ordinals(year)
            count += bisect_right(days, last) - bisect_left(days, first)
        return count

    @property
    def day_length(self) -> timedelta:
        """Working time in one working day (8 h by default)."""
        return self._day_length

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``.

        Starting outside working time counts from the next working period. A result that lands
        exactly on the end of a period stays there rather than moving to the next period's start.
        A zero duration returns ``start`` itself, converted to the calendar's time zone.
        """
        _require_aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        local_start = start.astimezone(self.tz)
        if duration == _ZERO:
            return local_start
        wall = local_start.replace(tzinfo=None)
        day = wall.date()
        remaining = duration
        if self.is_working_day(day):
            done, remaining = self._consume(day, wall - datetime.combine(day, time()), remaining)
            if done is not None:
                return done.replace(tzinfo=self.tz)
        whole_days, remaining = divmod(remaining, self._day_length)
        if remaining == _ZERO:
            # Finish at the end of the last full day, not at the start of the day after it.
            whole_days -= 1
            remaining = self._day_length
        last_day = date.fromordinal(self._nth_working_day_after(day.toordinal(), whole_days + 1))
        done, _ = self._consume(last_day, _ZERO, remaining)
        # 0 < remaining <= day_length, so the last day always has room for it.
        assert done is not None
        return done.replace(tzinfo=self.tz)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from ``start`` to ``end``; zero when ``end <= start``."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end <= start:
            return _ZERO
        wall_start = start.astimezone(self.tz).replace(tzinfo=None)
        wall_end = end.astimezone(self.tz).replace(tzinfo=None)
        first_day, last_day = wall_start.date(), wall_end.date()
        from_start = wall_start - datetime.combine(first_day, time())
        to_end = wall_end - datetime.combine(last_day, time())
        if first_day == last_day:
            return self._worked(first_day, from_start, to_end)
        between = self._count_working_days(first_day.toordinal() + 1, last_day.toordinal() - 1)
        return (
            self._worked(first_day, from_start, _WHOLE_DAY)
            + between * self._day_length
            + self._worked(last_day, _ZERO, to_end)
        )

    def deadline(self, start: datetime, *, hours: float = 0, days: float = 0) -> datetime:
        """SLA deadline: ``hours`` of working time plus ``days`` working days after ``start``.

        A working day here is ``day_length`` of working time, so ``days=1`` from 10:00 on a
        working day ends at 10:00 on the next working day, and from 09:00 at 18:00 the same day.
        """
        for name, value in (("hours", hours), ("days", days)):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite non-negative number, got {value}")
        return self.add_working_time(start, timedelta(hours=hours) + days * self._day_length)

    def extend_for_pause(
        self, deadline: datetime, *, paused_at: datetime, resumed_at: datetime
    ) -> datetime:
        """Push ``deadline`` by the working time between ``paused_at`` and ``resumed_at``.

        The SLA clock stops (暂停计时) while an order waits on the center's review (退单/办结审核),
        so the handling unit gets that working time back.
        """
        _require_aware(deadline, "deadline")
        _require_aware(paused_at, "paused_at")
        _require_aware(resumed_at, "resumed_at")
        if resumed_at < paused_at:
            raise ValueError(
                f"resumed_at ({resumed_at.isoformat()}) is before paused_at "
                f"({paused_at.isoformat()})"
            )
        return self.add_working_time(deadline, self.working_time_between(paused_at, resumed_at))

    def _consume(
        self, day: date, offset: timedelta, remaining: timedelta
    ) -> tuple[datetime | None, timedelta]:
        """Spend ``remaining`` in ``day``'s periods from ``offset`` past midnight on.

        Returns the naive local finishing moment if ``day`` has room for all of it, else
        ``None`` and what is still left.
        """
        midnight = datetime.combine(day, time())
        for period_start, period_end in self._offsets:
            if offset >= period_end:
                continue
            begin = max(offset, period_start)
            available = period_end - begin
            if remaining <= available:
                return midnight + begin + remaining, _ZERO
            remaining -= available
        return None, remaining

    def _worked(self, day: date, begin: timedelta, end: timedelta) -> timedelta:
        """Working time in ``day`` between offsets ``begin`` and ``end`` past midnight."""
        if not self.is_working_day(day):
            return _ZERO
        total = _ZERO
        for period_start, period_end in self._offsets:
            overlap = min(end, period_end) - max(begin, period_start)
            if overlap > _ZERO:
                total += overlap
        return total


DEFAULT_CALENDAR = WorkingCalendar()
