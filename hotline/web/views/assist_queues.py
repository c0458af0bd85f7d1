"""The 协办 sections of a unit's inbox: orders the unit assists (协办工单), and orders it leads
where an assisting unit's opinion (协办意见) came in since the unit's own last step; the
dispatcher's 超时未签收 section, with a 改派 link on each order."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from hotline import clock
from hotline.accounts.models import User
from hotline.reference.selectors import working_calendar
from hotline.web.views.orders import order_rows, with_hours_left, working_hours_left
from hotline.workorders import selectors
from hotline.workorders.assisting import (
    DUE_FIRST,
    assisting_open,
    awaiting_accept,
    opinions_unread,
)

SECTION_SIZE = 50


def assist_inbox(*, user: User) -> dict[str, Any]:
    unit = user.unit_code or ""
    if not unit:
        return {"assisting": [], "assisting_total": 0, "opinions_unread": []}
    helping = selectors.restrict_unit_part(user, unit, assisting_open(unit)).order_by(*DUE_FIRST)
    return {
        "assisting": with_hours_left(order_rows(user, helping[:SECTION_SIZE])),
        "assisting_total": helping.count(),
        "opinions_unread": order_rows(
            user,
            opinions_unread(
                selectors.restrict_unit_part(user, unit, Q(current_unit=unit)), unit=unit
            )[:SECTION_SIZE],
        ),
    }


def reassign_queue(*, user: User) -> dict[str, Any]:
    """超时未签收 on the dispatcher's queue: each with how long it is overdue and a 改派 link."""
    overdue = awaiting_accept(selectors.restrict_orders(user), now=clock.now())
    rows = order_rows(user, overdue[:SECTION_SIZE])
    calendar = working_calendar()
    for row in rows:
        row["overdue_hours"] = max(0.0, -working_hours_left(row["order"].accept_deadline, calendar))
    return {"reassign_due": rows, "reassign_total": overdue.count()}
