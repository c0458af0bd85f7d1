"""The pure lifecycle table, without a database."""

from __future__ import annotations

import pytest

from hotline.domain.lifecycle import (
    OPEN_STATES,
    RULES,
    Action,
    Actor,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    OrderFacts,
    Role,
    State,
    check_transition,
    decide,
)

DESIGN_TABLE = {
    "create": ("·", "received"),
    "answer_directly": ("received", "closed"),
    "dispatch": ("received", "dispatched"),
    "accept": ("dispatched", "handling"),
    "reassign": ("dispatched", "dispatched"),
    "submit_return": ("dispatched,handling", "unit_return_review"),
    "submit_close": ("handling", "unit_close_review"),
    "send_back": ("unit_return_review,unit_close_review", "handling"),
    "request_return": ("dispatched,handling,unit_return_review", "return_review"),
    "approve_return": ("return_review", "received"),
    "reject_return": ("return_review", "handling"),
    "request_close": ("handling,unit_close_review", "close_review"),
    "approve_close": ("close_review", "closed"),
    "reject_close": ("close_review", "handling"),
    "reopen": ("closed", "handling"),
    "merge": ("received", "merged"),
    "archive": ("closed", "archived"),
}


@pytest.mark.parametrize(("action", "row"), DESIGN_TABLE.items())
def test_table_matches_design(action: str, row: tuple[str, str]) -> None:
    rule = RULES[Action(action)]
    sources = {State(s) for s in row[0].split(",")} if row[0] != "·" else set()
    assert (set(rule.sources), rule.target) == (sources, State(row[1]))


def test_urge_is_allowed_in_every_open_state_and_changes_nothing() -> None:
    for state in State:
        if state in OPEN_STATES:
            assert check_transition(state, Action.URGE) == state
        else:
            with pytest.raises(IllegalTransition):
                check_transition(state, Action.URGE)


def test_create_only_once() -> None:
    assert check_transition(None, Action.CREATE) == State.RECEIVED
    with pytest.raises(IllegalTransition):
        check_transition(State.RECEIVED, Action.CREATE)


HANDLER_A = Actor("h", Role.HANDLER, "a")


def test_unit_staff_act_only_on_their_units_orders() -> None:
    facts = OrderFacts(state=State.DISPATCHED, current_unit="b")
    with pytest.raises(NotAllowed):
        decide(facts, Action.ACCEPT, HANDLER_A, {})
    assert decide(OrderFacts(State.DISPATCHED, "a"), Action.ACCEPT, HANDLER_A, {}) == (
        State.HANDLING
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"basis": "x", "suggested_unit": "b"}, "reason"),
        ({"reason": "x", "suggested_unit": "b"}, "basis"),
        ({"reason": "x", "basis": "y"}, "suggested_unit"),
        ({"reason": "x", "basis": "y", "suggested_unit": "a"}, "suggested_unit"),
        ({"reason": 3, "basis": "y", "suggested_unit": "b"}, "reason"),
    ],
)
def test_return_request_needs_reason_basis_and_another_unit(
    data: dict[str, object], field: str
) -> None:
    facts = OrderFacts(State.HANDLING, "a")
    with pytest.raises(GuardFailed) as caught:
        decide(facts, Action.REQUEST_RETURN, HANDLER_A, data)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "complaint", "category": "c", "text": "t"}, "channel"),
        ({"channel": "fax", "kind": "complaint", "category": "c", "text": "t"}, "channel"),
        ({"channel": "web", "kind": "x", "category": "c", "text": "t"}, "kind"),
        ({"channel": "web", "kind": "help", "text": "t"}, "category"),
        ({"channel": "web", "kind": "help", "category": "c", "text": " "}, "text"),
        (
            {
                "channel": "web",
                "kind": "help",
                "category": "c",
                "text": "t",
                "lat": float("nan"),
                "long": 120.0,
            },
            "lat",
        ),
        (
            {
                "channel": "web",
                "kind": "help",
                "category": "c",
                "text": "t",
                "lat": 30.0,
                "long": float("inf"),
            },
            "long",
        ),
    ],
)
def test_create_guards(data: dict[str, object], field: str) -> None:
    with pytest.raises(GuardFailed) as caught:
        decide(OrderFacts(None, ""), Action.CREATE, Actor("c", Role.CITIZEN, ""), data)
    assert caught.value.field == field


@pytest.mark.parametrize("score", [0, 6, "5", True, None])
def test_rating_score_must_be_one_to_five(score: object) -> None:
    facts = OrderFacts(State.CLOSED, "a", creator="c")
    with pytest.raises(GuardFailed, match="score"):
        decide(facts, Action.RATE, Actor("c", Role.CITIZEN, ""), {"score": score})


def test_follow_up_not_reached_needs_no_verdict() -> None:
    facts = OrderFacts(State.CLOSED, "a")
    dispatcher = Actor("d", Role.DISPATCHER, "center")
    assert decide(facts, Action.FOLLOW_UP, dispatcher, {"reached": False}) == State.CLOSED
    with pytest.raises(GuardFailed, match="resolved"):
        decide(facts, Action.FOLLOW_UP, dispatcher, {"reached": True})
