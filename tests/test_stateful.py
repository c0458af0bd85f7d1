"""Hypothesis drives random action sequences by random roles and checks the invariants after
every step: only legal transitions happen, the row is the replay of its events, the chain
verifies, and no handler ever reads another unit's order. Supervision cases (线索) run in the
same machine: random steps by random roles, each case row the replay of its hash-chained events,
and every stream verifying after every step."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils.timezone import localdate
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from hotline import clock
from hotline.domain.events import replay
from hotline.domain.lifecycle import RULES, Action, LifecycleError, Role, State, check_transition
from hotline.domain.supervision.cases import (
    TRANSITIONS,
    CaseAction,
    CaseError,
    CaseRecord,
    CaseState,
    replay_case,
)
from hotline.supervision import services as case_services
from hotline.supervision.models import SupervisionCase
from hotline.workorders import selectors
from hotline.workorders.interchange import events_verify
from hotline.workorders.models import WorkOrder
from tests.common.world import World, perform

ACTIONS = [a for a in Action if a is not Action.CREATE]
CASE_ACTIONS = list(TRANSITIONS)
SANCTIONS = [{"person": "张某", "unit": "zhujian", "position": "科长", "measure": "诫勉谈话"}]
CASE_STEPS = {
    CaseAction.ATTACH_ORDER: case_services.case_attach_order,
    CaseAction.ASSIGN: case_services.case_assign,
    CaseAction.VERIFY: case_services.case_verify,
    CaseAction.RECTIFY: case_services.case_rectify,
    CaseAction.NOTIFY_RECTIFICATION: case_services.case_notify_rectification,
    CaseAction.REPORT_RECTIFICATION: case_services.case_report_rectification,
    CaseAction.HOLD_ACCOUNTABLE: case_services.case_hold_accountable,
    CaseAction.CLOSE: case_services.case_close,
}


def case_payload(
    action: CaseAction, orders: list[str], *, valid: bool
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid data for a case step, or (``valid`` False) data that is sometimes wrong, to
    exercise the refusals too."""

    def one_of(good: Any, *bad: Any) -> st.SearchStrategy[Any]:
        return st.just(good) if valid else st.sampled_from([good, good, good, *bad])

    text = one_of("情况属实", "")
    match action:
        case CaseAction.ATTACH_ORDER:
            return st.fixed_dictionaries({"order": st.sampled_from(orders) if valid else
                                          st.sampled_from([*orders, "no-such-order"])})  # fmt: skip
        case CaseAction.VERIFY:
            confirmed = st.sampled_from([True, True, False])
            return st.fixed_dictionaries({"confirmed": confirmed, "note": text})
        case CaseAction.RECTIFY:
            return st.fixed_dictionaries({"note": text})
        case CaseAction.ASSIGN:
            return st.fixed_dictionaries({"assignee": one_of("supervisor", "admin", "agent", "")})
        case CaseAction.NOTIFY_RECTIFICATION:
            today = localdate(clock.now())
            return st.fixed_dictionaries(
                {
                    "unit": one_of("zhujian", "chengguan"),
                    "deadline": one_of(today + timedelta(days=10), today, today - timedelta(1)),
                    "requirements": text,
                }
            )
        case CaseAction.REPORT_RECTIFICATION:
            return st.fixed_dictionaries({"report": text})
        case CaseAction.HOLD_ACCOUNTABLE:
            bad = [{"person": "", "measure": "罚款"}]
            return st.fixed_dictionaries({"sanctions": one_of(SANCTIONS, [], bad)})
        case _:
            return st.fixed_dictionaries({"conclusion": text})


def case_state(number: str) -> tuple[Any, ...]:
    row = SupervisionCase.objects.get(number=number)
    return (row.state, row.version, row.last_hash, row.confirmed, row.closed_at, row.conclusion)


class LifecycleMachine(RuleBasedStateMachine):
    world: World
    states_seen: set[State] = set()

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.numbers: list[str] = []
        self.touched: str | None = None
        self.reached: set[State] = set()
        # Within one walk (never across walks: each must draw the same way when replayed).
        self.visits: Counter[State] = Counter()

    def teardown(self) -> None:
        LifecycleMachine.states_seen |= self.reached
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @initialize(review=st.booleans())
    def first_order(self, review: bool) -> None:
        # Half the walks start with unit a reviewing its requests (单位审核), so they reach it.
        self.world.review_on(required=review)
        self.numbers.append(self.world.create().number)

    @precondition(lambda self: len(self.numbers) < 3)  # few orders, so walks go deep
    @rule(by_citizen=st.booleans(), kind=st.sampled_from(["complaint", "report", "help"]))
    def create(self, by_citizen: bool, kind: str) -> None:
        actor = self.world.citizen if by_citizen else self.world.agent
        self.numbers.append(self.world.create(actor=actor, kind=kind, channel="web").number)

    @rule(required=st.booleans())
    def unit_review(self, required: bool) -> None:
        """单位审核 switched on or off for unit a, as an administrator may at any time."""
        self.world.review_on(required=required)

    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def advance(self, data: Any) -> None:
        """A legal action by a role allowed to do it, so the walks get deep into the lifecycle."""
        self.act(data, any_action=False, any_role=False, moving=True)

    @rule(data=st.data(), any_action=st.booleans(), any_role=st.booleans())
    def act(self, data: Any, any_action: bool, any_role: bool, moving: bool = False) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        order = WorkOrder.objects.get(number=number)
        # Half the time an action legal in the order's state and a role allowed to do it, so the
        # walks get deep into the lifecycle; otherwise anything, to exercise the refusals.
        legal = [a for a in ACTIONS if order.state in RULES[a].sources]
        if moving:  # advance: toward the state the walks have reached least often
            moves = [a for a in legal if RULES[a].target not in (None, order.state)]
            if moves:
                fewest = min(self.visits[RULES[a].target] for a in moves)
                legal = [a for a in moves if self.visits[RULES[a].target] == fewest]
        action = data.draw(st.sampled_from(ACTIONS if any_action or not legal else legal))
        own_unit = "b" if order.current_unit == "chengguan" else "a"
        if any_role:
            role = data.draw(st.sampled_from(list(Role)))
            unit = data.draw(st.sampled_from(["a", "b"]))
        else:  # someone who may: the only unit lead works for unit a
            allowed = [
                r for r in RULES[action].roles if r is not Role.UNIT_LEAD or own_unit == "a"
            ] or list(RULES[action].roles)  # unit b has no lead: its lead-only steps are refused
            role, unit = data.draw(st.sampled_from(sorted(allowed))), own_unit
        actor = self.world.by_role(role, unit)
        before = order.to_snapshot()
        extra: dict[str, Any] = {}
        if action is Action.DISPATCH:
            extra["to_unit"] = data.draw(st.sampled_from(["zhujian", "chengguan"]))
        try:
            after = perform(self.world, action, order, actor, **extra).to_snapshot()
            self.reached.add(after.state)
            self.visits[after.state] += 1
        except LifecycleError:
            assert WorkOrder.objects.get(number=number).to_snapshot() == before
            return
        finally:
            self.touched = number
        rule_ = RULES[action]
        assert actor.role in rule_.roles
        assert after.state == check_transition(before.state, action)
        assert after.version == before.version + 1
        if rule_.unit_bound and actor.role in {Role.HANDLER, Role.UNIT_LEAD}:
            assert actor.unit is not None and before.current_unit == actor.unit.code

    @invariant()
    def row_is_replay_of_events(self) -> None:
        if self.touched is None:
            return
        row = WorkOrder.objects.get(number=self.touched)
        records = [e.to_record(row.number) for e in row.events.order_by("seq")]
        assert replay(records) == row.to_snapshot()

    @invariant()
    def chain_verifies(self) -> None:
        result = events_verify()
        assert result.ok, result.broken

    @invariant()
    def handlers_see_only_their_unit(self) -> None:
        for handler in (self.world.handler_a, self.world.handler_b, self.world.lead_a):
            assert handler.unit is not None
            code = handler.unit.code
            for number in self.numbers:
                visible = selectors.workorder_get(user=handler, number=number) is not None
                row = WorkOrder.objects.get(number=number)
                assert visible == (row.current_unit == code or code in row.assist_units)


@pytest.mark.django_db
def test_random_action_sequences_keep_the_invariants(world: World) -> None:
    LifecycleMachine.world = world
    run_state_machine_as_test(
        LifecycleMachine,
        settings=settings(
            max_examples=50,
            derandomize=True,  # the same walks every run: CI stays stable, coverage checked below
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The random walks must have exercised the lifecycle, not only refusals.
    assert LifecycleMachine.states_seen == set(State)


class CaseMachine(RuleBasedStateMachine):
    """Supervision cases (线索): random steps by random roles; each case row stays the replay of
    its hash-chained events, a refused step leaves no trace, and every stream verifies."""

    world: World
    states_seen: set[CaseState] = set()

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.numbers = [self.world.create().number, self.world.create().number]
        self.cases: list[str] = []
        self.touched_case: str | None = None

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @precondition(lambda self: len(self.cases) < 2)
    @rule(data=st.data(), by_supervisor=st.booleans())
    def open_case(self, data: Any, by_supervisor: bool) -> None:
        actor = self.world.supervisor
        if not by_supervisor:
            actor = self.world.by_role(data.draw(st.sampled_from(list(Role))), "a")
        order = data.draw(st.sampled_from(self.numbers))
        finding = {"order": order, "detector": "bounce", "evidence": [1]}
        count = SupervisionCase.objects.count()
        try:
            case = case_services.case_open(
                actor=actor, title="推诿扯皮", units=["zhujian"], findings=[finding]
            )
        except (CaseError, LifecycleError):
            assert SupervisionCase.objects.count() == count
            return
        assert actor.hotline_role in {Role.SUPERVISOR, Role.ADMIN}
        self.cases.append(case.number)
        self.touched_case = case.number
        CaseMachine.states_seen.add(CaseState(case.state))

    @precondition(lambda self: bool(self.cases))
    # Three steps in four are ones the state allows, so that eight actions still reach every
    # state within the examples; the fourth may be any action, to exercise the refusals.
    @rule(
        data=st.data(),
        any_action=st.sampled_from([False, False, False, True]),
        by_supervisor=st.sampled_from([True, True, False]),
    )
    def case_step(self, data: Any, any_action: bool, by_supervisor: bool) -> None:
        number = data.draw(st.sampled_from(self.cases))
        state = CaseState(SupervisionCase.objects.get(number=number).state)
        legal = [a for a in CASE_ACTIONS if state in TRANSITIONS[a][0]]
        action = data.draw(st.sampled_from(CASE_ACTIONS if any_action or not legal else legal))
        # 整改报告 is the unit lead's step; every other one the supervisor's.
        rightful = CaseAction.REPORT_RECTIFICATION
        actor = self.world.lead_a if action is rightful else self.world.supervisor
        if not by_supervisor:
            actor = self.world.by_role(data.draw(st.sampled_from(list(Role))), "a")
        payload = data.draw(case_payload(action, self.numbers, valid=not any_action))
        before = case_state(number)
        self.touched_case = number
        try:
            CASE_STEPS[action](actor=actor, case=number, **payload)
        except (CaseError, LifecycleError):
            assert case_state(number) == before  # a refused step leaves no trace
            return
        after = case_state(number)
        if action is rightful:
            assert actor.hotline_role is Role.UNIT_LEAD and actor.unit_code == "zhujian"
        else:
            assert actor.hotline_role in {Role.SUPERVISOR, Role.ADMIN}
        assert state in TRANSITIONS[action][0]
        if action is not CaseAction.ATTACH_ORDER or after != before:
            assert after[1] == before[1] + 1
        CaseMachine.states_seen.add(CaseState(after[0]))

    @invariant()
    def case_row_is_replay_of_its_events(self) -> None:
        if self.touched_case is None:
            return
        row = SupervisionCase.objects.get(number=self.touched_case)
        records = [
            CaseRecord(row.number, e.seq, e.at, CaseAction(e.action), e.actor, e.data)
            for e in row.events.order_by("seq")
        ]
        snap = replay_case(records)
        assert snap is not None
        assert (snap.state, snap.version, snap.confirmed, snap.closed_at, snap.conclusion) == (
            row.state,
            row.version,
            row.confirmed,
            row.closed_at,
            row.conclusion,
        )

    @invariant()
    def every_stream_verifies(self) -> None:
        result = events_verify()
        assert result.ok, result.broken


@pytest.mark.django_db
def test_random_case_steps_keep_the_invariants(world: World) -> None:
    CaseMachine.world = world
    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=50,
            derandomize=True,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert CaseMachine.states_seen == set(CaseState)


def test_every_state_is_reachable_in_the_table() -> None:
    reached = {State.RECEIVED}
    frontier = [State.RECEIVED]
    while frontier:
        state = frontier.pop()
        for rule_ in RULES.values():
            if state in rule_.sources and rule_.target and rule_.target not in reached:
                reached.add(rule_.target)
                frontier.append(rule_.target)
    assert reached == set(State)
