"""SLA deadlines as the services set them: working calendar, policies, pause during review."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline import clock
from hotline.domain.lifecycle import Action, State
from hotline.reference.models import CalendarDay, Category, SlaPolicy
from tests.common.world import World, perform

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)  # type: ignore[misc]


def test_dispatch_before_national_day_skips_the_holiday(world: World) -> None:
    # 2025-09-30 (Tue) 17:00; Oct 1–8 are holidays; Oct 11 (Sat) is a make-up working day.
    # Working hours are 09:00–12:00 and 13:00–18:00.
    with clock.frozen_at(at(2025, 9, 30, 17)):
        order = world.create()
        order = perform(world, Action.DISPATCH, order, world.dispatcher)
    # accept: 2 working hours → 1 h left on Sep 30, 1 h on Oct 9 → Oct 9 10:00
    assert order.accept_deadline == at(2025, 10, 9, 10)
    # handle: 5 working days = 40 working hours: 1 h on Sep 30, 8 h each on Oct 9, 10,
    # 11 (调休) and 13, then 7 h on Oct 14 → 17:00
    assert order.handle_deadline == at(2025, 10, 14, 17)


def test_category_policy_wins_over_default(world: World) -> None:
    SlaPolicy.objects.create(
        category=Category.objects.get(code="noise"), urgency="urgent", accept_hours=1, handle_days=1
    )
    with clock.frozen_at(at(2025, 3, 3, 9)):
        order = perform(world, Action.DISPATCH, world.create(urgency="urgent"), world.dispatcher)
    assert order.accept_deadline == at(2025, 3, 3, 10)
    assert order.handle_deadline == at(2025, 3, 3, 18)


def test_clock_stops_while_the_center_reviews_a_closure(world: World) -> None:
    with clock.frozen_at(at(2025, 3, 3, 9)):  # Monday
        order = world.walk(world.create(), State.HANDLING)
    deadline = order.handle_deadline
    assert deadline == at(2025, 3, 7, 18)  # 40 working hours: Friday at close of business
    with clock.frozen_at(at(2025, 3, 4, 9)):
        perform(world, Action.REQUEST_CLOSE, order, world.handler_a)
    with clock.frozen_at(at(2025, 3, 5, 9)):  # the review took one working day
        order = perform(world, Action.REJECT_CLOSE, order, world.dispatcher)
    assert order.handle_deadline == at(2025, 3, 10, 18)  # pushed by the 8 paused working hours
    assert order.paused_at is None


def test_approved_extension_moves_the_deadline_by_working_days(world: World) -> None:
    with clock.frozen_at(at(2025, 3, 3, 9)):
        order = world.walk(world.create(), State.HANDLING)
        perform(world, Action.REQUEST_EXTENSION, order, world.handler_a, days=2)
        order = perform(world, Action.APPROVE_EXTENSION, order, world.dispatcher)
    assert order.handle_deadline == at(2025, 3, 11, 18)
    assert order.extension_pending is False


def test_admin_calendar_days_correct_the_national_schedule(world: World) -> None:
    # chinese-calendar has no 2027 schedule yet; the admin enters 元旦 as a day off.
    CalendarDay.objects.create(day=date(2027, 1, 1), is_working=False, note="元旦")
    with clock.frozen_at(at(2026, 12, 31, 17)):
        order = perform(world, Action.DISPATCH, world.create(), world.dispatcher)
    assert order.accept_deadline == at(2027, 1, 4, 10)
