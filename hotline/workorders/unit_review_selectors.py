"""单位审核 queues: what waits for a unit lead's review, and what became of a handler's
submissions (报单位负责人审核). Read-only; the steps themselves are services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hotline import clock
from hotline.accounts.models import User
from hotline.domain.lifecycle import SUBMISSIONS, UNIT_REVIEW_STATES, Action, Role
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.selectors import restrict_orders

SUBMITS = tuple(str(submit) for submit in SUBMISSIONS.values())
OUTCOMES = (str(Action.SEND_BACK), str(Action.REQUEST_RETURN), str(Action.REQUEST_CLOSE))
LISTED = 100
MINE_DAYS = 30


def review_submission(order: WorkOrder) -> WorkOrderEvent | None:
    """The handler's submission (报单位负责人审核) the order now waits on, if it waits on one."""
    if order.state not in UNIT_REVIEW_STATES:
        return None
    return order.events.filter(action__in=SUBMITS).order_by("-seq").first()


def _summary(event: WorkOrderEvent) -> str:
    """What was submitted, in the handler's words: the closure's result or the return's reason."""
    data = event.data or {}
    return str(data.get("result") or data.get("reason") or "")


def review_waiting(*, user: User) -> list[dict[str, Any]]:
    """待本单位审核: a unit lead's orders waiting in unit review, longest waiting first; each with
    the submission (who, what, when, how long it has waited)."""
    if user.hotline_role is not Role.UNIT_LEAD or not user.unit_code:
        return []
    orders = restrict_orders(user).filter(
        state__in=[str(s) for s in UNIT_REVIEW_STATES], current_unit=user.unit_code
    )
    latest: dict[int, WorkOrderEvent] = {}
    for event in (
        WorkOrderEvent.objects.filter(order__in=orders, action__in=SUBMITS)
        .select_related("order")
        .order_by("order_id", "-seq")
    ):
        latest.setdefault(event.order_id, event)
    now = clock.now()
    return [
        {
            "order": event.order,
            "action": event.action,
            "actor": event.actor,
            "at": event.at,
            "waiting_hours": max(0.0, (now - event.at).total_seconds() / 3600),
            "summary": _summary(event),
        }
        for event in sorted(latest.values(), key=lambda event: event.at)[:LISTED]
    ]


def my_submissions(*, user: User, since: datetime | None = None) -> list[dict[str, Any]]:
    """A handler's submissions of the last 30 days, newest first, each with what became of it:
    ``waiting`` (with the lead), ``sent_back`` (with the lead's reason) or ``forwarded``."""
    if user.hotline_role is not Role.HANDLER:
        return []
    since = since or clock.now() - timedelta(days=MINE_DAYS)
    visible = restrict_orders(user)
    mine = list(
        WorkOrderEvent.objects.filter(
            actor=user.username, action__in=SUBMITS, at__gte=since, order__in=visible
        )
        .select_related("order")
        .order_by("-at", "-id")[:LISTED]
    )
    later: dict[int, list[WorkOrderEvent]] = {}
    for event in WorkOrderEvent.objects.filter(
        order_id__in={e.order_id for e in mine}, action__in=OUTCOMES
    ).order_by("seq"):
        later.setdefault(event.order_id, []).append(event)
    rows = []
    for event in mine:
        outcome = next((e for e in later.get(event.order_id, []) if e.seq > event.seq), None)
        if outcome is None:
            status, reason = "waiting", ""
        elif outcome.action == Action.SEND_BACK:
            status, reason = "sent_back", str((outcome.data or {}).get("reason", ""))
        else:
            status, reason = "forwarded", ""
        rows.append(
            {
                "order": event.order,
                "action": event.action,
                "at": event.at,
                "status": status,
                "reason": reason,
                "decided_at": outcome.at if outcome else None,
                "decided_by": outcome.actor if outcome else "",
            }
        )
    return rows
