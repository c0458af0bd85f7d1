"""Every read of work orders, scoped and disclosed by the reader (NetBox-style ``restrict``).

Which orders a reader may open, and what they see of each, is :mod:`hotline.domain.policy`:
handlers and unit leads see only orders currently with their unit; citizens only their own; the
center, supervisors and admins see all. Callers' personal data is masked unless revealed through
:func:`hotline.workorders.services.personal_data_reveal`, which logs the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from hotline.accounts.models import User
from hotline.domain import policy
from hotline.domain.policy import Audience, Scope
from hotline.reference.selectors import areas_within
from hotline.workorders.assisting import assisted_by
from hotline.workorders.models import WorkOrder, WorkOrderEvent

ORDER_ATTRIBUTES = tuple(name for names in policy.ATTRIBUTES.values() for name in names)


def audience_of(user: User | None) -> Audience:
    """The reader's audience; None is someone not signed in (the public)."""
    return policy.audience_of(role=None if user is None else user.hotline_role)


def restrict_orders(user: User, queryset: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.all() if queryset is None else queryset
    scope = policy.scope_of(role=user.hotline_role)
    if scope is Scope.ALL:
        return qs
    if scope is Scope.UNIT:
        unit = user.unit_code
        return qs.filter(unit_orders(unit)) if unit else qs.none()
    if scope is Scope.ASSIGNED:
        return qs.filter(assigned_orders(user))
    if scope is Scope.OWN:
        return qs.filter(created_by=user.username)
    return qs.none()


def restrict_unit_part(user: User, unit: str, part: Q) -> QuerySet[WorkOrder]:
    """The orders of ``part`` (a part of ``unit``'s orders: those it leads, or those it assists)
    that ``user`` may see. For the unit's own staff the scope ("leads or assists") adds nothing
    to such a part and is left out: that OR kept PostgreSQL from answering from one index."""
    if unit == user.unit_code and _unit_staff(user):
        return WorkOrder.objects.filter(part)
    return restrict_orders(user, WorkOrder.objects.filter(part))


def unit_orders(unit: str) -> Q:
    """Orders now with ``unit`` (主办), or that it assists (协办)."""
    return Q(current_unit=unit) | assisted_by(unit)


def assigned_orders(user: User) -> Q:
    """联络员: orders with (or first sent to) the assigned units, or in the assigned areas."""
    units: list[str] = []
    areas: list[str] = []
    for unit, area in user.liaison_scopes.values_list("unit__code", "area"):
        (units if unit else areas).append(unit or area)
    if not units and not areas:
        return Q(pk__in=[])
    # An assigned district takes in its streets (reference Area.parent).
    areas = sorted(areas_within(areas)) if areas else []
    return Q(current_unit__in=units) | Q(first_unit__in=units) | Q(area__in=areas)


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


def led_part(user: User) -> Q | None:
    """For a unit's staff, the part of their lists that the unit leads (主办); None for others."""
    return Q(current_unit=user.unit_code) if _unit_staff(user) else None


def _unit_staff(user: User) -> bool:
    """The user belongs to a unit and sees its orders (leads or assists), no more."""
    return bool(user.unit_code) and policy.scope_of(role=user.hotline_role) is Scope.UNIT


def workorder_list(
    *, user: User, filters: OrderFilters | None = None, part: Q | None = None
) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see that pass ``filters``, newest first; ``part`` (of the user's
    unit's orders, e.g. :func:`led_part`) narrows them to that part."""
    qs = restrict_orders(user) if part is None else restrict_unit_part(user, user.unit_code, part)
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
    """Whether ``user`` may reveal this order's caller: the policy, and the order in scope."""
    if not policy.may_reveal(audience=audience_of(user), kind=order.kind):
        return False
    return restrict_orders(user).filter(pk=order.pk).exists()


def order_values(order: WorkOrder) -> dict[str, Any]:
    return {name: getattr(order, name) for name in ORDER_ATTRIBUTES}


def order_shown(*, audience: Audience, order: WorkOrder, revealed: bool = False) -> dict[str, Any]:
    """The order's attributes as ``audience`` sees them: hidden ones left out, personal data
    masked unless ``revealed`` (only after a logged personal_data_reveal)."""
    return policy.disclose(
        audience=audience, kind=order.kind, values=order_values(order), revealed=revealed
    )


def caller_shown(*, audience: Audience, order: WorkOrder, revealed: bool = False) -> dict[str, str]:
    """The caller (name, phone, address, email) as ``audience`` sees it, "" where hidden."""
    return policy.caller_shown(
        audience=audience, kind=order.kind, values=order_values(order), revealed=revealed
    )


def caller_masked(order: WorkOrder, user: User | None = None) -> dict[str, str]:
    """The caller as ``user`` sees it without a reveal: nothing at all for a 举报 to unit staff.
    Without a user (the admin site, staff only) it reads as the center: masked."""
    audience = Audience.CENTER if user is None else audience_of(user)
    shown = caller_shown(audience=audience, order=order)
    return {key: shown[key] for key in ("name", "phone", "address")}


def event_data_shown(event: WorkOrderEvent, caller: dict[str, str]) -> dict[str, Any]:
    """The event's data as the center sees it (the admin site is staff only), the caller shown
    as ``caller``. The center sees every key of every kind, so the order is not needed."""
    return policy.disclose_data(audience=Audience.CENTER, kind="", data=event.data, caller=caller)


def workorder_timeline(
    *, audience: Audience, order: WorkOrder, caller: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The order's steps that ``audience`` sees, oldest first, each with only the parts and data
    it may see; the create step's caller is shown as ``caller`` (default: as the order shows it)."""
    shown_caller = caller if caller is not None else caller_shown(audience=audience, order=order)
    steps = []
    for e in order.events.order_by("seq"):
        step = policy.disclose_step(
            audience=audience,
            kind=order.kind,
            step={
                "seq": e.seq,
                "action": e.action,
                "at": e.at,
                "actor": e.actor,
                "unit": e.unit,
                "to_unit": e.to_unit,
                "data": e.data,
                "hash": e.hash,
            },
            caller=shown_caller,
        )
        if step is not None:
            steps.append(step)
    return steps
