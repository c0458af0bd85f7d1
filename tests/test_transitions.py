"""Every transition of the lifecycle table through the services, and every refusal."""

from __future__ import annotations

import pytest

from hotline.domain.events import replay
from hotline.domain.lifecycle import (
    ASSISTING_ACTIONS,
    RULES,
    UNIT_REVIEW_STATES,
    Action,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    Role,
    State,
)
from hotline.workorders.interchange import events_verify
from hotline.workorders.models import WorkOrder
from tests.common.world import World, perform

pytestmark = pytest.mark.django_db

LEGAL = [
    (action, source)
    for action, rule in RULES.items()
    if action is not Action.CREATE
    for source in sorted(rule.sources)
]
ILLEGAL = [
    (action, state)
    for action, rule in RULES.items()
    if action is not Action.CREATE
    for state in State
    if state not in rule.sources
]


def _order_in(world: World, state: State, action: Action) -> WorkOrder:
    creator = world.citizen if action is Action.RATE else world.agent
    # 协办意见 is written by an assisting unit: unit b assists these orders.
    assist = (world.unit_b,) if action is Action.ASSIST_OPINION else ()
    # The liaison reads unit a's orders and those of the street 和平里.
    area = "hepingli" if action is Action.MARK_KEY else ""
    order = world.create(actor=creator, channel="web", area=area)
    order = world.walk(order, state, assist=assist)
    if action in {Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION} and state is State.HANDLING:
        perform(world, Action.REQUEST_EXTENSION, order, world.handler_a)
    if action in {Action.SUBMIT_RETURN, Action.SUBMIT_CLOSE}:
        world.review_on()
    return WorkOrder.objects.get(pk=order.pk)


def _allowed_actor(world: World, action: Action, state: State | None = None) -> object:
    if action is Action.ASSIST_OPINION:
        return world.handler_b
    if state in UNIT_REVIEW_STATES and Role.UNIT_LEAD in RULES[action].roles:  # the lead reviews
        return world.lead_a
    role = sorted(RULES[action].roles)[0]
    return world.by_role(Role(role))


@pytest.mark.parametrize(("action", "source"), LEGAL, ids=lambda v: str(v))
def test_legal_transition_moves_state_and_appends_one_event(
    world: World, action: Action, source: State
) -> None:
    order = _order_in(world, source, action)
    before = order.events.count()
    actor = _allowed_actor(world, action, source)
    updated = perform(world, action, order, actor)  # type: ignore[arg-type]
    target = RULES[action].target or source
    assert updated.state == target
    assert order.events.count() == before + 1
    last = order.events.order_by("-seq").first()
    assert last is not None and last.action == action and last.seq == updated.version
    row = WorkOrder.objects.get(pk=order.pk)
    assert replay(e.to_record(row.number) for e in row.events.order_by("seq")) == (
        row.to_snapshot()
    )
    assert events_verify().ok


@pytest.mark.parametrize(("action", "state"), ILLEGAL, ids=lambda v: str(v))
def test_action_from_wrong_state_is_refused_and_writes_nothing(
    world: World, action: Action, state: State
) -> None:
    order = _order_in(world, state, action)
    before = (order.version, order.events.count())
    with pytest.raises(IllegalTransition):
        perform(world, action, order, _allowed_actor(world, action))  # type: ignore[arg-type]
    order.refresh_from_db()
    assert (order.version, order.events.count()) == before


WRONG_ROLES = [
    (action, role)
    for action, rule in RULES.items()
    if action is not Action.CREATE
    for role in Role
    if role not in rule.roles
]


@pytest.mark.parametrize(("action", "role"), WRONG_ROLES, ids=lambda v: str(v))
def test_wrong_role_is_refused(world: World, action: Action, role: Role) -> None:
    source = sorted(RULES[action].sources)[0]
    order = _order_in(world, source, action)
    with pytest.raises(NotAllowed):
        perform(world, action, order, world.by_role(role))
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


UNIT_ACTIONS = [
    a
    for a, r in RULES.items()
    if r.unit_bound and Role.HANDLER in r.roles and a not in ASSISTING_ACTIONS
]


@pytest.mark.parametrize("action", UNIT_ACTIONS, ids=str)
def test_handler_of_another_unit_is_refused(world: World, action: Action) -> None:
    order = _order_in(world, sorted(RULES[action].sources)[0], action)
    with pytest.raises(NotAllowed, match="not with unit"):
        perform(world, action, order, world.handler_b)


@pytest.mark.parametrize("action", sorted(ASSISTING_ACTIONS), ids=str)
def test_only_an_assisting_unit_writes_its_part(world: World, action: Action) -> None:
    order = _order_in(world, State.HANDLING, action)  # unit a leads, unit b assists
    with pytest.raises(NotAllowed, match="does not assist"):
        perform(world, action, order, world.lead_a)
    assert perform(world, action, order, world.handler_b).events.count() == order.version + 1


def test_unit_lead_may_act_for_own_unit(world: World) -> None:
    order = world.walk(world.create(), State.DISPATCHED)
    assert perform(world, Action.ACCEPT, order, world.lead_a).state == State.HANDLING


@pytest.mark.parametrize(
    ("action", "state", "bad", "field"),
    [
        (Action.REQUEST_RETURN, State.HANDLING, {"basis": ""}, "basis"),
        (Action.REQUEST_RETURN, State.HANDLING, {"reason": "  "}, "reason"),
        (Action.REQUEST_RETURN, State.HANDLING, {"suggested_unit": ""}, "suggested_unit"),
        (Action.REQUEST_RETURN, State.HANDLING, {"suggested_unit": "zhujian"}, "suggested_unit"),
        (Action.REQUEST_RETURN, State.HANDLING, {"suggested_unit": "nowhere"}, "suggested_unit"),
        (Action.REQUEST_CLOSE, State.HANDLING, {"result": ""}, "result"),
        (Action.REJECT_CLOSE, State.CLOSE_REVIEW, {"reason": ""}, "reason"),
        (Action.REJECT_RETURN, State.RETURN_REVIEW, {"reason": ""}, "reason"),
        (Action.DISPATCH, State.RECEIVED, {"to_unit": "nowhere"}, "to_unit"),
        (Action.DISPATCH, State.RECEIVED, {"to_unit": "center"}, "to_unit"),
        (Action.DISPATCH, State.RECEIVED, {"assist": ["zhujian"]}, "assist"),
        (Action.DISPATCH, State.RECEIVED, {"assist": ["nowhere"]}, "assist"),
        (Action.REQUEST_EXTENSION, State.HANDLING, {"days": 0}, "days"),
        (Action.FOLLOW_UP, State.CLOSED, {"satisfied": None}, "satisfied"),
        (Action.MERGE, State.RECEIVED, {"into": "nope"}, "into"),
        (Action.REPLY, State.HANDLING, {"text": ""}, "text"),
        (Action.URGE, State.HANDLING, {"note": ""}, "note"),
        (Action.ANSWER_DIRECTLY, State.RECEIVED, {"answer": ""}, "answer"),
    ],
)
def test_guard_refusal_names_the_field(
    world: World, action: Action, state: State, bad: dict[str, object], field: str
) -> None:
    order = world.walk(world.create(), state)
    with pytest.raises(GuardFailed) as caught:
        perform(world, action, order, _allowed_actor(world, action), **bad)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


def test_extension_review_needs_a_pending_request(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    with pytest.raises(GuardFailed, match="no extension request"):
        perform(world, Action.APPROVE_EXTENSION, order, world.dispatcher)
    perform(world, Action.REQUEST_EXTENSION, order, world.handler_a)
    with pytest.raises(GuardFailed, match="already waiting"):
        perform(world, Action.REQUEST_EXTENSION, order, world.handler_a)


def test_rating_twice_or_by_another_citizen_is_refused(world: World) -> None:
    order = world.walk(world.create(actor=world.citizen, channel="web"), State.CLOSED)
    perform(world, Action.RATE, order, world.citizen)
    with pytest.raises(GuardFailed, match="already been rated"):
        perform(world, Action.RATE, order, world.citizen)
    phone_order = world.walk(world.create(), State.CLOSED)
    with pytest.raises(NotAllowed):
        perform(world, Action.RATE, phone_order, world.citizen)


def test_merge_into_itself_or_a_merged_order_is_refused(world: World) -> None:
    order = world.create()
    with pytest.raises(GuardFailed, match="itself"):
        perform(world, Action.MERGE, order, world.dispatcher, into=order.number)
    merged = world.walk(world.create(), State.MERGED)
    with pytest.raises(GuardFailed, match="itself merged"):
        perform(world, Action.MERGE, order, world.dispatcher, into=merged.number)


def test_reopen_of_a_directly_answered_order_is_refused(world: World) -> None:
    order = perform(world, Action.ANSWER_DIRECTLY, world.create(), world.agent)
    with pytest.raises(GuardFailed, match="no unit"):
        perform(world, Action.REOPEN, order, world.dispatcher)


def test_first_contact_unit_stays_after_return_and_redispatch(world: World) -> None:
    order = world.walk(world.create(), State.RETURN_REVIEW)
    perform(world, Action.APPROVE_RETURN, order, world.dispatcher)
    order = perform(world, Action.DISPATCH, order, world.dispatcher, to_unit="chengguan", assist=[])
    assert (order.first_unit, order.current_unit, order.return_count) == (
        "zhujian",
        "chengguan",
        1,
    )
