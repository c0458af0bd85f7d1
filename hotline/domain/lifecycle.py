"""Work-order lifecycle (工单流转): states, actions, who may do what, and data guards.

受理 → 派单 → 签收 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价, following DESIGN.md's table. The table
is data, so services, the import validator and the tests all ask the same source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class State(StrEnum):
    RECEIVED = "received"  # 已受理
    DISPATCHED = "dispatched"  # 待签收
    HANDLING = "handling"  # 办理中
    UNIT_RETURN_REVIEW = "unit_return_review"  # 退单待单位负责人审核
    UNIT_CLOSE_REVIEW = "unit_close_review"  # 办结待单位负责人审核
    RETURN_REVIEW = "return_review"  # 退单审核中
    CLOSE_REVIEW = "close_review"  # 办结审核中
    CLOSED = "closed"  # 已办结
    ARCHIVED = "archived"  # 已归档
    MERGED = "merged"  # 已并单


OPEN_STATES = frozenset(
    {
        State.RECEIVED,
        State.DISPATCHED,
        State.HANDLING,
        State.UNIT_RETURN_REVIEW,
        State.UNIT_CLOSE_REVIEW,
        State.RETURN_REVIEW,
        State.CLOSE_REVIEW,
    }
)
# The SLA clock stops while the center reviews a unit's request. Time an order waits for the
# unit's own lead (UNIT_REVIEW_STATES) is the unit's time: the clock runs on.
REVIEW_STATES = frozenset({State.RETURN_REVIEW, State.CLOSE_REVIEW})
UNIT_REVIEW_STATES = frozenset({State.UNIT_RETURN_REVIEW, State.UNIT_CLOSE_REVIEW})


class Role(StrEnum):
    AGENT = "agent"  # 话务员
    DISPATCHER = "dispatcher"  # 派单员
    HANDLER = "handler"  # 承办单位工作人员
    UNIT_LEAD = "unit_lead"  # 承办单位负责人
    SUPERVISOR = "supervisor"  # 纪检监察
    CITIZEN = "citizen"  # 市民
    ADMIN = "admin"  # 管理员
    DIRECTOR = "director"  # 中心负责人 / 值班长: runs the call center; takes no order action
    LIAISON = (
        "liaison"  # 联络员: stationed by 纪检监察 with the center; marks 重点工单 in their scope
    )


class Action(StrEnum):
    CREATE = "create"
    ANSWER_DIRECTLY = "answer_directly"
    DISPATCH = "dispatch"
    REASSIGN = "reassign"
    ACCEPT = "accept"
    CONTACT = "contact"
    VISIT = "visit"
    REPLY = "reply"
    ASSIST_OPINION = "assist_opinion"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    SUBMIT_RETURN = "submit_return"
    SUBMIT_CLOSE = "submit_close"
    SEND_BACK = "send_back"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REQUEST_CLOSE = "request_close"
    APPROVE_CLOSE = "approve_close"
    REJECT_CLOSE = "reject_close"
    URGE = "urge"
    FOLLOW_UP = "follow_up"
    RATE = "rate"
    REOPEN = "reopen"
    MERGE = "merge"
    ARCHIVE = "archive"
    MARK_KEY = "mark_key"


class Kind(StrEnum):
    CONSULT = "consult"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报: the caller is never shown to the handling unit
    SUGGESTION = "suggestion"  # 建议


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    EMAIL = "email"
    OPEN311 = "open311"
    IMPORT = "import"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_LEAD})
# 协办: the actions an assisting unit takes on an order another unit leads (主办).
ASSISTING_ACTIONS = frozenset({Action.ASSIST_OPINION})
# A unit that reviews its own requests: its handlers submit (报单位负责人审核), its lead forwards.
SUBMISSIONS = {
    Action.REQUEST_RETURN: Action.SUBMIT_RETURN,
    Action.REQUEST_CLOSE: Action.SUBMIT_CLOSE,
}


@dataclass(frozen=True)
class Rule:
    """One row of the lifecycle table. ``target`` None means the state does not change."""

    action: Action
    sources: frozenset[State]
    target: State | None
    roles: frozenset[Role]

    @property
    def unit_bound(self) -> bool:
        """Unit staff may act only on orders currently with their own unit (or, for an
        assisting action, on orders their unit assists)."""
        return bool(self.roles & UNIT_ROLES)


def _rule(action: Action, sources: set[State], target: State | None, roles: set[Role]) -> Rule:
    return Rule(action, frozenset(sources), target, frozenset(roles))


S, R = State, Role
RULES: dict[Action, Rule] = {
    r.action: r
    for r in (
        _rule(Action.CREATE, set(), S.RECEIVED, {R.AGENT, R.CITIZEN}),
        _rule(Action.ANSWER_DIRECTLY, {S.RECEIVED}, S.CLOSED, {R.AGENT}),
        _rule(Action.DISPATCH, {S.RECEIVED}, S.DISPATCHED, {R.DISPATCHER}),
        # 改派: before any unit has signed for it, the dispatcher sends it to another unit.
        _rule(Action.REASSIGN, {S.DISPATCHED}, S.DISPATCHED, {R.DISPATCHER}),
        _rule(Action.ACCEPT, {S.DISPATCHED}, S.HANDLING, {R.HANDLER, R.UNIT_LEAD}),
        _rule(Action.CONTACT, {S.HANDLING}, None, {R.HANDLER, R.UNIT_LEAD}),
        _rule(Action.VISIT, {S.HANDLING}, None, {R.HANDLER, R.UNIT_LEAD}),
        _rule(Action.REPLY, {S.HANDLING}, None, {R.HANDLER, R.UNIT_LEAD}),
        _rule(
            Action.ASSIST_OPINION,
            {S.DISPATCHED, S.HANDLING, S.UNIT_RETURN_REVIEW, S.UNIT_CLOSE_REVIEW},
            None,
            {R.HANDLER, R.UNIT_LEAD},
        ),
        _rule(Action.REQUEST_EXTENSION, {S.HANDLING}, None, {R.HANDLER, R.UNIT_LEAD}),
        _rule(Action.APPROVE_EXTENSION, {S.HANDLING}, None, {R.DISPATCHER}),
        _rule(Action.REJECT_EXTENSION, {S.HANDLING}, None, {R.DISPATCHER}),
        # 单位审核: where the unit reviews its own requests, a handler submits to the unit lead,
        # who forwards it to the center (request_*) or sends it back (send_back).
        _rule(Action.SUBMIT_RETURN, {S.DISPATCHED, S.HANDLING}, S.UNIT_RETURN_REVIEW, {R.HANDLER}),
        _rule(Action.SUBMIT_CLOSE, {S.HANDLING}, S.UNIT_CLOSE_REVIEW, {R.HANDLER}),
        _rule(Action.SEND_BACK, set(UNIT_REVIEW_STATES), S.HANDLING, {R.UNIT_LEAD}),
        _rule(
            Action.REQUEST_RETURN,
            {S.DISPATCHED, S.HANDLING, S.UNIT_RETURN_REVIEW},
            S.RETURN_REVIEW,
            {R.HANDLER, R.UNIT_LEAD},
        ),
        _rule(Action.APPROVE_RETURN, {S.RETURN_REVIEW}, S.RECEIVED, {R.DISPATCHER}),
        _rule(Action.REJECT_RETURN, {S.RETURN_REVIEW}, S.HANDLING, {R.DISPATCHER}),
        _rule(
            Action.REQUEST_CLOSE,
            {S.HANDLING, S.UNIT_CLOSE_REVIEW},
            S.CLOSE_REVIEW,
            {R.HANDLER, R.UNIT_LEAD},
        ),
        _rule(Action.APPROVE_CLOSE, {S.CLOSE_REVIEW}, S.CLOSED, {R.DISPATCHER}),
        _rule(Action.REJECT_CLOSE, {S.CLOSE_REVIEW}, S.HANDLING, {R.DISPATCHER}),
        _rule(Action.URGE, set(OPEN_STATES), None, {R.DISPATCHER, R.SUPERVISOR}),
        # 回访 is agents' work from their worklist; dispatchers may still record one.
        _rule(Action.FOLLOW_UP, {S.CLOSED}, None, {R.AGENT, R.DISPATCHER}),
        _rule(Action.RATE, {S.CLOSED}, None, {R.CITIZEN}),
        _rule(Action.REOPEN, {S.CLOSED}, S.HANDLING, {R.DISPATCHER}),
        _rule(Action.MERGE, {S.RECEIVED}, S.MERGED, {R.DISPATCHER}),
        _rule(Action.ARCHIVE, {S.CLOSED}, S.ARCHIVED, {R.DISPATCHER}),
        # 重点工单: a liaison officer marks an order in their scope for the inspectors.
        _rule(Action.MARK_KEY, set(State) - {S.MERGED}, None, {R.LIAISON}),
    )
}
del S, R


class LifecycleError(Exception):
    """Base of every refusal; ``code`` maps to an HTTP status at the edge."""

    code = "refused"


class IllegalTransition(LifecycleError):
    code = "conflict"


class NotAllowed(LifecycleError):
    code = "forbidden"


class GuardFailed(LifecycleError):
    """The action's data is missing or wrong; ``field`` names the culprit."""

    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    unit: str  # unit code the actor acts for (the center's own code for hotline center staff)


@dataclass(frozen=True)
class OrderFacts:
    """What the guards need to know about an order (a view of its snapshot)."""

    state: State | None
    current_unit: str
    kind: str = ""
    extension_pending: bool = False
    rated: bool = False
    creator: str = ""
    assist_units: tuple[str, ...] = ()
    # The current unit reviews its own return and closure requests (单位审核), as configured now.
    unit_review: bool = False


def rule_for(action: str) -> Rule:
    try:
        return RULES[Action(action)]
    except ValueError:
        raise GuardFailed("action", f"unknown action {action!r}") from None


def check_transition(state: State | None, action: Action) -> State | None:
    """Return the state after ``action`` from ``state``; raise IllegalTransition otherwise."""
    rule = RULES[action]
    if action is Action.CREATE:
        if state is not None:
            raise IllegalTransition("create: the order already exists")
        return rule.target
    if state not in rule.sources:
        allowed = ", ".join(sorted(rule.sources))
        raise IllegalTransition(f"{action}: not allowed in state {state} (allowed from: {allowed})")
    return rule.target if rule.target is not None else state


def check_permission(facts: OrderFacts, action: Action, actor: Actor) -> None:
    rule = RULES[action]
    if actor.role not in rule.roles:
        raise NotAllowed(f"{action}: role {actor.role} may not do this")
    if rule.unit_bound and actor.role in UNIT_ROLES:
        _check_unit(facts, action, actor)
    if action is Action.RATE and facts.creator and actor.username != facts.creator:
        raise NotAllowed("rate: only the citizen who submitted the order may rate it")


def _check_unit(facts: OrderFacts, action: Action, actor: Actor) -> None:
    if action in ASSISTING_ACTIONS:
        if actor.unit not in facts.assist_units:
            raise NotAllowed(f"{action}: unit {actor.unit} does not assist on this order")
        return
    if actor.unit != facts.current_unit:
        raise NotAllowed(f"{action}: the order is not with unit {actor.unit}")
    if action in SUBMISSIONS:
        _check_review(facts, action, actor)


def _check_review(facts: OrderFacts, action: Action, actor: Actor) -> None:
    """单位审核: only the lead forwards a submitted request; in a unit that reviews, a handler
    submits (报单位负责人审核) instead of requesting from the center directly."""
    if facts.state in UNIT_REVIEW_STATES:
        if actor.role is not Role.UNIT_LEAD:
            raise NotAllowed(f"{action}: only the unit lead forwards a submitted request")
    elif facts.unit_review and actor.role is Role.HANDLER:
        raise NotAllowed(
            f"{action}: unit {actor.unit} reviews its requests; submit it to the unit lead "
            f"({SUBMISSIONS[action]})"
        )


def _text(data: Mapping[str, Any], field: str, *, required: bool = True) -> str:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise GuardFailed(field, "is required")
        return ""
    if not isinstance(value, str):
        raise GuardFailed(field, "must be text")
    return value


def _choice(data: Mapping[str, Any], field: str, choices: type[StrEnum]) -> None:
    value = _text(data, field)
    if value not in {c.value for c in choices}:
        names = ", ".join(c.value for c in choices)
        raise GuardFailed(field, f"{value!r} is not one of: {names}")


def _bool(data: Mapping[str, Any], field: str, *, required: bool) -> None:
    value = data.get(field)
    if value is None and not required:
        return
    if not isinstance(value, bool):
        raise GuardFailed(field, "must be true or false")


def check_guards(
    facts: OrderFacts, action: Action, data: Mapping[str, Any], to_unit: str = ""
) -> None:
    """Business guards: the order's facts first, then the action's data; raise GuardFailed
    naming the field."""
    check_preconditions(facts, action)
    guard = _GUARDS.get(action)
    if guard is not None:
        guard(facts, data, to_unit)


def _no_extension_pending(facts: OrderFacts) -> None:
    if facts.extension_pending:
        raise GuardFailed("action", "an extension request is already waiting for review")


def _extension_pending(facts: OrderFacts) -> None:
    if not facts.extension_pending:
        raise GuardFailed("action", "there is no extension request to review")


def _not_rated(facts: OrderFacts) -> None:
    if facts.rated:
        raise GuardFailed("score", "the order has already been rated")


def _unit_reviews(facts: OrderFacts) -> None:
    if not facts.unit_review:
        raise GuardFailed("action", "this unit does not review its requests: send it to the center")


def _has_unit(facts: OrderFacts) -> None:
    if not facts.current_unit:
        raise GuardFailed("action", "an order answered directly has no unit to reopen it with")


# What the order's facts alone must allow, before any data is read: the same checks tell a page
# which forms to offer (policy.actions_available) and refuse the action when it is taken.
_PRECONDITIONS: dict[Action, Callable[[OrderFacts], None]] = {
    Action.REQUEST_EXTENSION: _no_extension_pending,
    Action.APPROVE_EXTENSION: _extension_pending,
    Action.REJECT_EXTENSION: _extension_pending,
    Action.RATE: _not_rated,
    Action.REOPEN: _has_unit,
    Action.SUBMIT_RETURN: _unit_reviews,
    Action.SUBMIT_CLOSE: _unit_reviews,
}


def check_preconditions(facts: OrderFacts, action: Action) -> None:
    """Raise GuardFailed when the order's facts rule the action out whatever its data."""
    precondition = _PRECONDITIONS.get(action)
    if precondition is not None:
        precondition(facts)


def _point(data: Mapping[str, Any]) -> None:
    """Latitude and longitude come together, as numbers on the globe."""
    lat, long = data.get("lat"), data.get("long")
    if lat is None and long is None:
        return
    for field, value, limit in (("lat", lat, 90), ("long", long, 180)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not -limit <= value <= limit  # NaN compares false: refused too
        ):
            raise GuardFailed(field, f"must be a number between -{limit} and {limit}")


def _guard_create(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    _choice(data, "channel", Channel)
    _choice(data, "kind", Kind)
    _text(data, "category")
    _text(data, "text")
    if data.get("urgency") is not None:
        _choice(data, "urgency", Urgency)
    _point(data)
    call_id = data.get("call_id")
    if call_id is not None and (not isinstance(call_id, str) or len(call_id) > 64):
        raise GuardFailed("call_id", "must be text of at most 64 characters")


def _guard_dispatch(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    if not to_unit:
        raise GuardFailed("to_unit", "a dispatch needs the lead unit (主办单位)")
    assist = data.get("assist", [])
    if not isinstance(assist, list) or not all(isinstance(a, str) for a in assist):
        raise GuardFailed("assist", "must be a list of unit codes")
    if to_unit in assist:
        raise GuardFailed("assist", "the lead unit cannot also assist")


def _guard_reassign(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    _guard_dispatch(facts, data, to_unit)
    if to_unit == facts.current_unit:
        raise GuardFailed("to_unit", "改派 must name another unit than the one it is with")
    _text(data, "reason")


def _guard_extension(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    _text(data, "reason")
    days = data.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
        raise GuardFailed("days", "must be a whole number of working days between 1 and 60")


def _guard_request_return(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    _text(data, "reason")
    _text(data, "basis")  # 首接负责制: a return must cite its basis (依据)
    suggested = _text(data, "suggested_unit")
    if suggested == facts.current_unit:
        raise GuardFailed("suggested_unit", "must name another unit than the one returning it")


def _guard_follow_up(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    _bool(data, "reached", required=True)
    reached = data["reached"]
    _bool(data, "resolved", required=reached)
    _bool(data, "satisfied", required=reached)


def _guard_rate(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    score = data.get("score")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise GuardFailed("score", "must be a whole number from 1 to 5")


Guard = Callable[[OrderFacts, Mapping[str, Any], str], None]


def _requires(*fields: str) -> Guard:
    def guard(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
        for field in fields:
            _text(data, field)

    return guard


def _guard_merge(facts: OrderFacts, data: Mapping[str, Any], to_unit: str) -> None:
    _text(data, "into")


_GUARDS: dict[Action, Guard] = {
    Action.CREATE: _guard_create,
    Action.ANSWER_DIRECTLY: _requires("answer"),
    Action.DISPATCH: _guard_dispatch,
    Action.REASSIGN: _guard_reassign,
    Action.ASSIST_OPINION: _requires("text"),
    Action.CONTACT: _requires("note"),
    Action.VISIT: _requires("note"),
    Action.REPLY: _requires("text"),
    Action.REQUEST_EXTENSION: _guard_extension,
    Action.REQUEST_RETURN: _guard_request_return,
    Action.SUBMIT_RETURN: _guard_request_return,
    Action.SUBMIT_CLOSE: _requires("result"),
    Action.SEND_BACK: _requires("reason"),
    Action.MARK_KEY: _requires("note"),
    Action.REJECT_RETURN: _requires("reason"),
    Action.REQUEST_CLOSE: _requires("result"),
    Action.REJECT_CLOSE: _requires("reason"),
    Action.URGE: _requires("note"),
    Action.FOLLOW_UP: _guard_follow_up,
    Action.RATE: _guard_rate,
    Action.REOPEN: _requires("reason"),
    Action.MERGE: _guard_merge,
}


def decide(
    facts: OrderFacts,
    action: Action,
    actor: Actor,
    data: Mapping[str, Any],
    to_unit: str = "",
) -> State | None:
    """Check state, permission and guards, in that order; return the next state."""
    target = check_transition(facts.state, action)
    check_permission(facts, action, actor)
    check_guards(facts, action, data, to_unit)
    return target
