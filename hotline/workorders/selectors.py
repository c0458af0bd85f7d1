"""Every read of work orders, scoped by the reader (NetBox-style ``restrict``).

Handlers and unit leads see only orders currently with their unit; citizens only their own; the
center, supervisors and admins see all. Callers' personal data is masked unless revealed through
:func:`hotline.workorders.services.personal_data_reveal`, which logs the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from hotline.accounts.models import User
from hotline.domain.lifecycle import Kind, Role
from hotline.domain.masking import mask_address, mask_name, mask_phone
from hotline.workorders.models import WorkOrder, WorkOrderEvent

UNIT_ROLES = {Role.HANDLER, Role.UNIT_LEAD}
# Roles that may reveal a caller's data (always logged); unit staff only for non-举报 orders.
REVEAL_ROLES = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, *UNIT_ROLES}


def restrict_orders(user: User, queryset: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.all() if queryset is None else queryset
    role = user.hotline_role
    if role in UNIT_ROLES:
        unit = user.unit_code
        return qs.filter(current_unit=unit) if unit else qs.none()
    if role is Role.CITIZEN:
        return qs.filter(created_by=user.username)
    if role in {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}:
        return qs
    return qs.none()


@dataclass(frozen=True)
class OrderFilters:
    state: str | None = None
    unit: str | None = None
    category: str | None = None
    kind: str | None = None
    channel: str | None = None
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    overdue_at: datetime | None = None


def workorder_list(*, user: User, filters: OrderFilters | None = None) -> QuerySet[WorkOrder]:
    qs = restrict_orders(user)
    f = filters or OrderFilters()
    exact = {
        "state": f.state,
        "current_unit": f.unit,
        "category": f.category,
        "kind": f.kind,
        "channel": f.channel,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    if f.q:
        qs = qs.filter(Q(number__icontains=f.q) | Q(text__icontains=f.q))
    if f.created_after:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before:
        qs = qs.filter(created_at__lt=f.created_before)
    if f.overdue_at:
        qs = qs.filter(handle_deadline__lt=f.overdue_at, closed_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def workorder_get(*, user: User, number: str) -> WorkOrder | None:
    """The order if ``user`` may see it; None (→ 404) otherwise, so existence does not leak."""
    return restrict_orders(user).filter(number=number).first()


def can_unmask(user: User, order: WorkOrder) -> bool:
    role = user.hotline_role
    if role not in REVEAL_ROLES:
        return False
    if role in UNIT_ROLES:
        # 举报: the reporter is never shown to the unit being reported on.
        return order.kind != Kind.REPORT and restrict_orders(user).filter(pk=order.pk).exists()
    return True


def caller_masked(order: WorkOrder, user: User | None = None) -> dict[str, str]:
    """The caller as shown without a logged reveal; nothing at all for a 举报 to unit staff."""
    if order.kind == Kind.REPORT and user is not None and user.hotline_role in UNIT_ROLES:
        return {"name": "", "phone": "", "address": ""}
    return {
        "name": mask_name(order.caller_name),
        "phone": mask_phone(order.caller_phone),
        "address": mask_address(order.caller_address),
    }


def event_data_shown(event: WorkOrderEvent, caller: dict[str, str]) -> dict[str, Any]:
    """The event's data with the caller replaced by ``caller`` (masked or revealed)."""
    data = dict(event.data)
    if "caller" in data:
        data["caller"] = {k: caller.get(k, "") for k in data["caller"]}
    return data


def workorder_timeline(
    *, user: User, order: WorkOrder, caller: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The order's events, oldest first; the create event's caller is shown as ``caller``."""
    shown = caller if caller is not None else caller_masked(order, user)
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "action": e.action,
            "actor": e.actor,
            "unit": e.unit,
            "to_unit": e.to_unit,
            "data": event_data_shown(e, shown),
            "hash": e.hash,
        }
        for e in order.events.order_by("seq")
    ]
