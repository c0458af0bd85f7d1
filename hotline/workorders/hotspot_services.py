"""A whole hotspot at once (热点整体处置): merge its orders into one (并单), or send all of them to
one unit (派单). One transaction each: every order goes, or none does; orders already handled
(merged, dispatched, closed) are skipped and counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hotline.accounts.models import User
from hotline.domain import policy
from hotline.domain.lifecycle import Action, GuardFailed, LifecycleError, NotAllowed, State
from hotline.eventstore import store
from hotline.workorders.models import WorkOrder
from hotline.workorders.services import workorder_dispatch, workorder_merge


@dataclass(frozen=True)
class HotspotOutcome:
    """What a whole-hotspot action did: the orders it changed and those it left alone."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _may(actor: User, action: Action) -> None:
    role = actor.hotline_role
    if role is None or not policy.may_take(role=role, action=action):
        raise NotAllowed(f"{action}: role {role} may not do this")


def _rows(orders: Sequence[str]) -> dict[str, WorkOrder]:
    numbers = list(dict.fromkeys(n.strip() for n in orders if n.strip()))
    if not numbers:
        raise GuardFailed("orders", "no orders given")
    rows = {o.number: o for o in WorkOrder.objects.select_for_update().filter(number__in=numbers)}
    for number in numbers:
        if number not in rows:
            raise GuardFailed("orders", f"order {number} does not exist")
    return {n: rows[n] for n in numbers}


def hotspot_merge(*, actor: User, orders: Sequence[str], into: str) -> HotspotOutcome:
    """并单: every other order of ``orders`` still waiting for dispatch is merged into ``into``
    (one of them). Any failure undoes the lot; the error names the order."""
    _may(actor, Action.MERGE)
    done, skipped = [], []
    with store.write_transaction():
        rows = _rows(orders)
        if into not in rows:
            raise GuardFailed("into", f"order {into} is not one of the hotspot's orders")
        if rows[into].state == State.MERGED:
            raise GuardFailed("into", f"order {into} is itself merged")
        for number, row in rows.items():
            if number == into:
                continue
            if row.state != State.RECEIVED:
                skipped.append(number)
                continue
            try:
                workorder_merge(actor=actor, order=number, into=into)
            except LifecycleError as exc:
                raise GuardFailed("orders", f"order {number}: {exc}") from exc
            done.append(number)
    return HotspotOutcome(done=done, skipped=skipped)


def hotspot_dispatch(
    *, actor: User, orders: Sequence[str], to_unit: str, note: str = ""
) -> HotspotOutcome:
    """派单: every order of ``orders`` still waiting for dispatch goes to ``to_unit``. Any
    failure undoes the lot; the error names the order."""
    _may(actor, Action.DISPATCH)
    if not to_unit.strip():
        raise GuardFailed("to_unit", "choose the unit to send the orders to")
    done, skipped = [], []
    with store.write_transaction():
        for number, row in _rows(orders).items():
            if row.state != State.RECEIVED:
                skipped.append(number)
                continue
            try:
                workorder_dispatch(actor=actor, order=number, to_unit=to_unit, note=note)
            except LifecycleError as exc:
                raise GuardFailed("orders", f"order {number}: {exc}") from exc
            done.append(number)
    return HotspotOutcome(done=done, skipped=skipped)
