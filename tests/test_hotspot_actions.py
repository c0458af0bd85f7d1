"""A whole hotspot at once: 并单 into one order, or 派单 of all of it to one unit; one
transaction, all or nothing, orders already handled skipped; only dispatchers may."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.domain.lifecycle import GuardFailed, NotAllowed, State
from hotline.workorders import hotspot_services
from hotline.workorders.hotspot_services import hotspot_dispatch, hotspot_merge
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.services import workorder_dispatch, workorder_merge
from tests.common.hotspots import surge
from tests.common.world import World

pytestmark = pytest.mark.django_db


def states(numbers: list[str]) -> dict[str, str]:
    return dict(WorkOrder.objects.filter(number__in=numbers).values_list("number", "state"))


def test_merging_a_hotspot_merges_what_waits_and_skips_what_was_handled(world: World) -> None:
    orders = [o.number for o in surge(world)]
    workorder_dispatch(actor=world.dispatcher, order=orders[3], to_unit="zhujian")

    outcome = hotspot_merge(actor=world.dispatcher, orders=orders, into=orders[0])

    assert outcome.done == [orders[1], orders[2], orders[4]]
    assert outcome.skipped == [orders[3]]
    after = states(orders)
    assert after[orders[0]] == State.RECEIVED and after[orders[3]] == State.DISPATCHED
    assert [after[n] for n in outcome.done] == [State.MERGED] * 3


def test_dispatching_a_hotspot_sends_every_waiting_order_to_one_unit(world: World) -> None:
    orders = [o.number for o in surge(world)]
    workorder_merge(actor=world.dispatcher, order=orders[4], into=orders[0])

    outcome = hotspot_dispatch(
        actor=world.dispatcher, orders=orders, to_unit="chengguan", note="同一事项"
    )

    assert outcome.done == orders[:4] and outcome.skipped == [orders[4]]
    rows = WorkOrder.objects.filter(number__in=orders[:4])
    assert {(r.state, r.current_unit) for r in rows} == {(State.DISPATCHED, "chengguan")}


@pytest.mark.parametrize("action", ["merge", "dispatch"])
def test_one_failing_order_undoes_the_whole_hotspot(
    world: World, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    orders = [o.number for o in surge(world)]
    events = WorkOrderEvent.objects.count()
    real = {
        "merge": hotspot_services.workorder_merge,
        "dispatch": hotspot_services.workorder_dispatch,
    }

    def failing(**kwargs: Any) -> Any:
        if kwargs["order"] == orders[3]:  # after two or three orders already went through
            raise GuardFailed("to_unit", "the unit refuses this order")
        return real[action](**kwargs)

    monkeypatch.setattr(hotspot_services, f"workorder_{action}", failing)
    with pytest.raises(GuardFailed) as refused:
        if action == "merge":
            hotspot_merge(actor=world.dispatcher, orders=orders, into=orders[0])
        else:
            hotspot_dispatch(actor=world.dispatcher, orders=orders, to_unit="zhujian")

    assert orders[3] in str(refused.value)  # the error names the order
    assert set(states(orders).values()) == {State.RECEIVED}
    assert WorkOrderEvent.objects.count() == events


def test_an_unknown_order_or_primary_is_refused_by_name(world: World) -> None:
    orders = [o.number for o in surge(world)]
    with pytest.raises(GuardFailed, match="202001019999"):
        hotspot_dispatch(
            actor=world.dispatcher, orders=[*orders, "202001019999"], to_unit="zhujian"
        )
    with pytest.raises(GuardFailed, match="into"):
        hotspot_merge(actor=world.dispatcher, orders=orders[1:], into="202001019999")
    with pytest.raises(GuardFailed, match="to_unit"):
        hotspot_dispatch(actor=world.dispatcher, orders=orders, to_unit="")
    assert set(states(orders).values()) == {State.RECEIVED}


@pytest.mark.parametrize("role", ["agent", "handler_a", "supervisor", "director"])
def test_only_dispatchers_act_on_a_whole_hotspot(world: World, role: str) -> None:
    orders = [o.number for o in surge(world)]
    actor = getattr(world, role)
    with pytest.raises(NotAllowed):
        hotspot_merge(actor=actor, orders=orders, into=orders[0])
    with pytest.raises(NotAllowed):
        hotspot_dispatch(actor=actor, orders=orders, to_unit="zhujian")
    assert set(states(orders).values()) == {State.RECEIVED}
