"""回访 worklist: closed orders due for a follow-up call, oldest deadline first.

The rule is :mod:`hotline.domain.follow_ups`: a unit's closure is followed up within
``HOTLINE_FOLLOW_UP_WORKING_DAYS`` working days; a call that did not reach the citizen leaves the
order on the list until ``HOTLINE_FOLLOW_UP_ATTEMPTS`` calls were made; orders answered directly
are not listed. One query finds the orders (with their tries since the latest closure) and one
more reads the replies of the rows shown; the deadline of each row is calendar arithmetic.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from hotline import clock
from hotline.accounts.models import User
from hotline.domain import policy
from hotline.domain.follow_ups import follow_up_deadline, overdue_before
from hotline.domain.lifecycle import Action, State
from hotline.reference.selectors import working_calendar
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.selectors import audience_of, caller_shown, order_shown, restrict_orders

LISTED = 100  # rows shown; the counts say how many in all


def follow_ups_due(user: User) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see that wait for 回访: closed by a unit (``current_unit`` kept:
    an order answered directly has none), not yet reached since the latest closure, fewer than
    the allowed tries made; ``attempts`` annotated; oldest closure (= deadline) first.

    The tries are counted per order in a subquery on the follow-up events' own index
    (``event_follow_up``), not by joining every event of every listed order and grouping."""
    tries = (
        WorkOrderEvent.objects.filter(
            order=OuterRef("pk"), action=Action.FOLLOW_UP, at__gte=OuterRef("closed_at")
        )
        .order_by()
        .values("order")
        .annotate(tries=Count("pk"))
        .values("tries")
    )
    return (
        restrict_orders(user)
        .filter(state=State.CLOSED, closed_at__isnull=False)
        .exclude(current_unit="")
        .exclude(reached=True)
        .annotate(attempts=Coalesce(Subquery(tries), 0))
        .filter(attempts__lt=settings.HOTLINE_FOLLOW_UP_ATTEMPTS)
        .order_by("closed_at", "id")
    )


def follow_up_worklist(*, user: User, revealed: str = "") -> dict[str, Any] | None:
    """The worklist as ``user`` sees it, or None outside the worklist area. ``revealed`` is the
    number of an order whose caller was just revealed (and logged) for this user."""
    role = user.hotline_role
    if not policy.may_enter(role=role, area=policy.Area.WORKLIST):
        return None
    now = clock.now()
    calendar = working_calendar()
    days = settings.HOTLINE_FOLLOW_UP_WORKING_DAYS
    cutoff = overdue_before(now, calendar=calendar, working_days=days)
    due = follow_ups_due(user)
    orders = list(due[:LISTED])
    replies = _replies([order.pk for order in orders])
    audience = audience_of(user)
    rows = []
    for order in orders:
        assert order.closed_at is not None  # filtered
        deadline = follow_up_deadline(order.closed_at, calendar=calendar, working_days=days)
        shown = order_shown(audience=audience, order=order)
        caller = caller_shown(audience=audience, order=order, revealed=order.number == revealed)
        rows.append(
            {
                "number": order.number,
                "version": order.version,
                "text": shown.get("text", ""),
                "unit": order.current_unit,
                "closed_at": order.closed_at,
                "deadline": deadline,
                "last_day": (deadline - timedelta(days=1)).date(),
                "overdue": deadline <= now,
                "attempts": order.attempts,  # type: ignore[attr-defined]
                "phone": caller["phone"],
                "caller": caller["name"],
                "revealed": order.number == revealed,
                "may_reveal": policy.may_reveal(audience=audience, kind=order.kind),
                **replies.get(order.pk, {"reply": "", "result": ""}),
            }
        )
    may_record = role is not None and policy.may_take(role=role, action=Action.FOLLOW_UP)
    return {
        "rows": rows,
        "total": due.count(),
        "overdue": due.filter(closed_at__lt=cutoff).count(),
        "working_days": days,
        "attempts": settings.HOTLINE_FOLLOW_UP_ATTEMPTS,
        "may_record": may_record,
    }


def _replies(order_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per order, the unit's last 答复 (``reply`` text) and the result of the last closure
    request (办理结果), in one query."""
    found: dict[int, dict[str, str]] = {}
    events = WorkOrderEvent.objects.filter(
        order_id__in=order_ids, action__in=[Action.REPLY, Action.REQUEST_CLOSE]
    ).order_by("order_id", "seq")
    for event in events.only("order_id", "action", "data"):
        row = found.setdefault(event.order_id, {"reply": "", "result": ""})
        key, value = (
            ("reply", event.data.get("text"))
            if event.action == Action.REPLY
            else ("result", event.data.get("result"))
        )
        if isinstance(value, str) and value:
            row[key] = value
    return found
