"""回访时限: when a closed order's follow-up call (回访) is due, on the working calendar.

The rule (docs/design.md, "回访"): a unit's closure (``approve_close``) is followed up within
``working_days`` working days (2 by default, ``HOTLINE_FOLLOW_UP_WORKING_DAYS``): the deadline
is the end (24:00, local time) of the ``working_days``-th working day after the day of the
closure, whatever the hour of the closure. Centers' rules read "办结后 N 个工作日内回访" in
whole days and the agents work shifts around the clock, so the limit is counted in days and
ends at midnight, not at 18:00. A reopened order counts from its latest closure.

A call that did not reach the citizen (``reached`` false) leaves the order on the worklist for
another try, up to ``attempts`` tries (3 by default, ``HOTLINE_FOLLOW_UP_ATTEMPTS``); the
``attempts``-th unanswered call ends the follow-up (回访未联系上). Orders the agent answered
directly (``answer_directly``) need no 回访: the citizen heard the answer on the call itself.

The deadline depends only on the day of the closure, and grows with it, so "overdue now" is
"closed before one cut-off moment", which a database can filter in one query.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hotline.domain.sla import WorkingCalendar

DEFAULT_WORKING_DAYS = 2
DEFAULT_ATTEMPTS = 3


def _due_day(calendar: WorkingCalendar, closed: date, working_days: int) -> date:
    """The last day of the 回访 limit: the ``working_days``-th working day after ``closed``."""
    if working_days <= 0:
        return closed
    return calendar.nth_working_day_after(closed, working_days)


def follow_up_deadline(
    closed_at: datetime, *, calendar: WorkingCalendar, working_days: int = DEFAULT_WORKING_DAYS
) -> datetime:
    """The moment a follow-up of an order closed at ``closed_at`` becomes late (local midnight
    after the last day of the limit), in the calendar's time zone."""
    closed = closed_at.astimezone(calendar.tz).date()
    last = _due_day(calendar, closed, working_days)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=calendar.tz)


def overdue_before(
    now: datetime, *, calendar: WorkingCalendar, working_days: int = DEFAULT_WORKING_DAYS
) -> datetime:
    """The cut-off: an order closed before this moment is overdue for 回访 at ``now``, one closed
    at or after it is not (local midnight of the first closing day whose limit is still open)."""
    today = now.astimezone(calendar.tz).date()
    day = today
    # Step back while the day before still has its limit open today (a few days at most:
    # ``working_days`` plus the days off in between).
    while _due_day(calendar, day - timedelta(days=1), working_days) >= today:
        day -= timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=calendar.tz)
