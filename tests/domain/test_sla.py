"""SLA deadlines on the Chinese working calendar, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain.sla import DEFAULT_CALENDAR, SHANGHAI, WorkingCalendar

CAL = DEFAULT_CALENDAR
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def in_working_period(moment: datetime) -> bool:
    """Inside a period of a working day, counting the period's end (a deadline may land there)."""
    local = moment.astimezone(SHANGHAI)
    if not CAL.is_working_day(local.date()):
        return False
    return any(start < local.time() <= end for start, end in CAL.periods)


def reference_add(start: datetime, duration: timedelta) -> datetime:
    """Naive period-by-period walk asking chinese_calendar directly, as an independent oracle."""
    local = start.astimezone(SHANGHAI)
    if duration == timedelta(0):
        return local
    day, now, remaining = local.date(), local.replace(tzinfo=None), duration
    while True:
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working = day.weekday() < 5
        if working:
            for begin_t, end_t in CAL.periods:
                begin = max(now, datetime.combine(day, begin_t))
                end = datetime.combine(day, end_t)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    return (begin + remaining).replace(tzinfo=SHANGHAI)
                remaining -= end - begin
        day += timedelta(days=1)
        now = datetime.combine(day, time())


# --- The calendar itself -------------------------------------------------------------------------


def test_national_day_2025() -> None:
    for day in range(1, 9):
        assert not CAL.is_working_day(date(2025, 10, day)), f"2025-10-{day:02} is a holiday"
    # 调休: Sunday Sep 28 and Saturday Oct 11 are working days.
    assert CAL.is_working_day(date(2025, 9, 28))
    assert CAL.is_working_day(date(2025, 10, 11))
    assert not CAL.is_working_day(date(2025, 10, 12))
    # Tue 17:00 + 2 h runs past the whole holiday into Thu Oct 9.
    assert CAL.add_working_time(at(2025, 9, 30, 17), 2 * H) == at(2025, 10, 9, 10)
    # Sat Sep 27 is a normal weekend day; the make-up Sunday is not.
    assert CAL.add_working_time(at(2025, 9, 26, 17), 2 * H) == at(2025, 9, 28, 10)
    assert CAL.add_working_time(at(2025, 10, 10, 17), 2 * H) == at(2025, 10, 11, 10)
    assert CAL.working_time_between(at(2025, 10, 1), at(2025, 10, 9)) == timedelta(0)
    assert CAL.working_time_between(at(2025, 9, 30, 17), at(2025, 10, 9, 10)) == 2 * H


def test_spring_festival_2026() -> None:
    # The State Council's 2026 schedule: Feb 15 (Sun) .. Feb 23 (Mon) off, 9 days, with make-up
    # working Saturdays Feb 14 and Feb 28.
    for day in range(15, 24):
        on_holiday, name = chinese_calendar.get_holiday_detail(date(2026, 2, day))
        assert (on_holiday, name) == (True, "Spring Festival")
        assert not CAL.is_working_day(date(2026, 2, day))
    for day in (14, 28):
        assert chinese_calendar.get_holiday_detail(date(2026, 2, day)) == (False, "Spring Festival")
        assert CAL.is_working_day(date(2026, 2, day))
    assert CAL.add_working_time(at(2026, 2, 13, 17), 2 * H) == at(2026, 2, 14, 10)
    assert CAL.add_working_time(at(2026, 2, 14, 17, 30), H) == at(2026, 2, 24, 9, 30)
    # Thu Feb 12 + 3 working days: Fri 13, make-up Sat 14, then Tue 24 after the holiday.
    assert CAL.deadline(at(2026, 2, 12, 10), days=3) == at(2026, 2, 24, 10)
    assert CAL.working_time_between(at(2026, 2, 14, 18), at(2026, 2, 24, 9)) == timedelta(0)


def test_agrees_with_chinese_calendar_for_every_day_it_knows() -> None:
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_falls_back_to_weekdays_outside_chinese_calendar_data() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 1))
    # 2027-01-01 (元旦) is a Friday: without a schedule it is treated as a working day.
    assert CAL.is_working_day(date(2027, 1, 1))
    assert CAL.is_working_day(date(2027, 10, 1))
    assert not CAL.is_working_day(date(2027, 1, 2))
    assert not CAL.is_working_day(date(2003, 12, 28))
    assert CAL.is_working_day(date(2003, 10, 1))
    assert CAL.add_working_time(at(2026, 12, 31, 17), 2 * H) == at(2027, 1, 1, 10)
    assert CAL.add_working_time(at(2027, 1, 1, 17), 2 * H) == at(2027, 1, 4, 10)
    assert CAL.working_time_between(at(2027, 1, 1), at(2027, 1, 8)) == 5 * CAL.day_length


# --- Working periods ----------------------------------------------------------------------------


def test_default_day_is_eight_hours() -> None:
    assert CAL.day_length == 8 * H
    assert WorkingCalendar(periods=((time(8, 30), time(11, 45)),)).day_length == timedelta(
        hours=3, minutes=15
    )


def test_weekend_is_skipped() -> None:
    # Fri 2026-03-06 17:00 + 2 h → Mon 2026-03-09 10:00.
    assert CAL.add_working_time(at(2026, 3, 6, 17), 2 * H) == at(2026, 3, 9, 10)
    assert CAL.add_working_time(at(2026, 3, 7, 11), H) == at(2026, 3, 9, 10)
    assert CAL.working_time_between(at(2026, 3, 6, 17), at(2026, 3, 9, 10)) == 2 * H


def test_lunch_break_is_skipped() -> None:
    assert CAL.add_working_time(at(2026, 3, 9, 11, 30), H) == at(2026, 3, 9, 13, 30)
    assert CAL.add_working_time(at(2026, 3, 9, 12, 30), 30 * M) == at(2026, 3, 9, 13, 30)
    assert CAL.working_time_between(at(2026, 3, 9, 11), at(2026, 3, 9, 14)) == 2 * H
    assert CAL.working_time_between(at(2026, 3, 9, 12), at(2026, 3, 9, 13)) == timedelta(0)


def test_deadline_landing_at_period_end_stays_there() -> None:
    monday = at(2026, 3, 9, 9)
    assert CAL.add_working_time(monday, 3 * H) == at(2026, 3, 9, 12)
    assert CAL.add_working_time(monday, 8 * H) == at(2026, 3, 9, 18)
    assert CAL.deadline(monday, days=1) == at(2026, 3, 9, 18)
    assert CAL.deadline(monday, days=5) == at(2026, 3, 13, 18)
    # Starting at a period's end moves to the next period.
    assert CAL.add_working_time(at(2026, 3, 9, 12), H) == at(2026, 3, 9, 14)
    assert CAL.add_working_time(at(2026, 3, 9, 18), H) == at(2026, 3, 10, 10)


def test_starting_outside_working_time() -> None:
    assert CAL.add_working_time(at(2026, 3, 9, 7), H) == at(2026, 3, 9, 10)
    assert CAL.add_working_time(at(2026, 3, 9, 19), H) == at(2026, 3, 10, 10)
    assert CAL.add_working_time(at(2026, 3, 8, 23, 59), 10 * M) == at(2026, 3, 9, 9, 10)


def test_deadline_hours_and_days() -> None:
    monday = at(2026, 3, 9, 10)
    assert CAL.deadline(monday) == monday
    assert CAL.deadline(monday, hours=4) == at(2026, 3, 9, 15)
    assert CAL.deadline(monday, days=2) == at(2026, 3, 11, 10)
    assert CAL.deadline(monday, days=0.5) == at(2026, 3, 9, 15)
    assert CAL.deadline(monday, hours=1.5, days=1) == at(2026, 3, 10, 11, 30)
    for bad in ({"hours": -1}, {"days": -0.5}, {"hours": float("nan")}, {"days": float("inf")}):
        with pytest.raises(ValueError):
            CAL.deadline(monday, **bad)


def test_zero_duration_returns_start_in_calendar_tz() -> None:
    sunday_utc = datetime(2026, 3, 8, 4, tzinfo=UTC)
    result = CAL.add_working_time(sunday_utc, timedelta(0))
    assert result == sunday_utc
    assert result.tzinfo == SHANGHAI


def test_other_time_zones_are_converted() -> None:
    # 01:00 UTC is 09:00 in Shanghai.
    result = CAL.add_working_time(datetime(2026, 3, 9, 1, tzinfo=UTC), H)
    assert result == at(2026, 3, 9, 10)
    assert result.tzinfo == SHANGHAI
    berlin = ZoneInfo("Europe/Berlin")
    assert (
        CAL.working_time_between(
            datetime(2026, 3, 9, 2, tzinfo=berlin), datetime(2026, 3, 9, 4, tzinfo=berlin)
        )
        == 2 * H
    )


def test_long_durations_cross_years() -> None:
    start = at(2025, 1, 2, 9)
    for days in (1, 30, 250, 400):
        end = CAL.deadline(start, days=days)
        assert end == reference_add(start, days * CAL.day_length)
        assert CAL.working_time_between(start, end) == days * CAL.day_length


def test_working_time_between_is_zero_when_end_not_after_start() -> None:
    assert CAL.working_time_between(at(2026, 3, 9, 10), at(2026, 3, 9, 10)) == timedelta(0)
    assert CAL.working_time_between(at(2026, 3, 10, 10), at(2026, 3, 9, 10)) == timedelta(0)


def test_negative_duration_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(at(2026, 3, 9, 10), -M)


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2026, 3, 9, 10)
    aware = at(2026, 3, 9, 10)
    calls = [
        lambda: CAL.add_working_time(naive, H),
        lambda: CAL.add_working_time(naive, timedelta(0)),
        lambda: CAL.working_time_between(naive, aware),
        lambda: CAL.working_time_between(aware, naive),
        lambda: CAL.deadline(naive, hours=1),
        lambda: CAL.extend_for_pause(naive, paused_at=aware, resumed_at=aware),
        lambda: CAL.extend_for_pause(aware, paused_at=naive, resumed_at=aware),
        lambda: CAL.extend_for_pause(aware, paused_at=aware, resumed_at=naive),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


@pytest.mark.parametrize(
    "periods",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(9)),),
        ((time(13), time(18)), (time(9), time(12))),
        ((time(9), time(13)), (time(12), time(18))),
        ((time(9), time(12, tzinfo=UTC)),),
        ((time(9),),),
    ],
)
def test_bad_periods_rejected(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(periods=periods)


def test_periods_given_as_lists_are_normalised() -> None:
    cal = WorkingCalendar(periods=[[time(9), time(12)], [time(12), time(17)]])  # type: ignore[arg-type]
    assert cal.periods == ((time(9), time(12)), (time(12), time(17)))
    assert cal.day_length == 8 * H
    assert hash(cal) == hash(WorkingCalendar(periods=((time(9), time(12)), (time(12), time(17)))))
    # Back-to-back periods do not split a deadline.
    assert cal.add_working_time(at(2026, 3, 9, 11), 2 * H) == at(2026, 3, 9, 13)


# --- Pauses -------------------------------------------------------------------------------------


def test_pause_extension() -> None:
    # Paused Thu 15:00 → Fri 10:00 = 3 h + 1 h of working time; Fri 15:00 + 4 h crosses the
    # weekend onto the 调休 Sunday 2025-09-28.
    extended = CAL.extend_for_pause(
        at(2025, 9, 26, 15), paused_at=at(2025, 9, 25, 15), resumed_at=at(2025, 9, 26, 10)
    )
    assert extended == at(2025, 9, 28, 10)


def test_pause_over_holiday_costs_only_working_time() -> None:
    extended = CAL.extend_for_pause(
        at(2025, 10, 9, 12), paused_at=at(2025, 9, 30, 17), resumed_at=at(2025, 10, 8, 20)
    )
    assert extended == at(2025, 10, 9, 14)


def test_pause_outside_working_time_changes_nothing() -> None:
    deadline = at(2026, 3, 9, 12)
    extended = CAL.extend_for_pause(
        deadline, paused_at=at(2026, 3, 6, 18), resumed_at=at(2026, 3, 9, 9)
    )
    assert extended == deadline


def test_pause_that_ends_before_it_starts_rejected() -> None:
    with pytest.raises(ValueError, match="before"):
        CAL.extend_for_pause(
            at(2026, 3, 9, 12), paused_at=at(2026, 3, 9, 10), resumed_at=at(2026, 3, 9, 9)
        )


# --- Speed --------------------------------------------------------------------------------------


def test_ten_thousand_deadlines() -> None:
    start = at(2024, 1, 1)
    for i in range(10_000):
        moment = start + timedelta(hours=7 * i)
        end = CAL.deadline(moment, hours=i % 13, days=i % 300)
        assert end >= moment


# --- Properties ---------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
# Whole minutes, up to about 30 working days.
durations = st.integers(min_value=0, max_value=30 * 8 * 60).map(lambda n: n * M)
property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@property_settings
@given(start=starts, duration=durations)
def test_round_trip(start: datetime, duration: timedelta) -> None:
    assert CAL.working_time_between(start, CAL.add_working_time(start, duration)) == duration


@property_settings
@given(start=starts, a=durations, b=durations)
def test_monotonic_in_duration(start: datetime, a: timedelta, b: timedelta) -> None:
    low, high = sorted((a, b))
    assert CAL.add_working_time(start, low) <= CAL.add_working_time(start, high)


@property_settings
@given(start=starts, duration=durations)
def test_result_inside_working_period(start: datetime, duration: timedelta) -> None:
    result = CAL.add_working_time(start, duration)
    assert result.tzinfo == SHANGHAI
    if duration:
        assert in_working_period(result)
        assert result > start
    else:
        assert result == start


@property_settings
@given(start=starts, duration=st.integers(min_value=0, max_value=5 * 8 * 60).map(lambda n: n * M))
def test_matches_reference_walk(start: datetime, duration: timedelta) -> None:
    assert CAL.add_working_time(start, duration) == reference_add(start, duration)


@property_settings
@given(start=starts, a=durations, b=durations)
def test_working_time_is_additive(start: datetime, a: timedelta, b: timedelta) -> None:
    middle = start + a * 3
    end = middle + b * 3
    assert CAL.working_time_between(start, end) == CAL.working_time_between(
        start, middle
    ) + CAL.working_time_between(middle, end)


def test_overrides_win_over_the_national_schedule() -> None:
    new_year_2027 = date(2027, 1, 1)  # a Friday the installed package knows nothing about
    plain = WorkingCalendar()
    local = WorkingCalendar(overrides=((new_year_2027, False), (date(2027, 1, 2), True)))
    assert plain.is_working_day(new_year_2027) and not local.is_working_day(new_year_2027)
    start = datetime(2026, 12, 31, 17, tzinfo=ZoneInfo("Asia/Shanghai"))
    # 2 working hours: 1 h on Dec 31, then the next working day is the Saturday make-up day.
    assert local.deadline(start, hours=2) == datetime(
        2027, 1, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    assert hash(local) != hash(plain)
