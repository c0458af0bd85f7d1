"""The one policy, without a database: generated over every role × action, role × area and
audience × field, each decision checked against an independent statement of the rule."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from hotline.domain import policy
from hotline.domain.lifecycle import (
    RULES,
    UNIT_REVIEW_STATES,
    Action,
    Actor,
    GuardFailed,
    Kind,
    LifecycleError,
    NotAllowed,
    OrderFacts,
    Role,
    State,
    decide,
)
from hotline.domain.masking import (
    mask_address,
    mask_location,
    mask_name,
    mask_phone,
    mask_text,
)
from hotline.domain.policy import (
    Area,
    Audience,
    DataClass,
    OrderField,
    Scope,
    Shown,
    StepPart,
)

A, R, F = Audience, Role, OrderField
CALLER = (F.CALLER_NAME, F.CALLER_PHONE, F.CALLER_ADDRESS, F.CALLER_EMAIL)
KINDS = [str(k) for k in Kind]

# -- role × action -----------------------------------------------------------------------------

# DESIGN.md's "by" column, written out again rather than read from lifecycle.RULES.
UNIT_STAFF = {R.HANDLER, R.UNIT_LEAD}
DESIGN_ROLES: dict[Action, set[Role]] = {
    Action.CREATE: {R.AGENT, R.CITIZEN},
    Action.ANSWER_DIRECTLY: {R.AGENT},
    Action.DISPATCH: {R.DISPATCHER},
    Action.REASSIGN: {R.DISPATCHER},
    Action.ACCEPT: UNIT_STAFF,
    Action.CONTACT: UNIT_STAFF,
    Action.VISIT: UNIT_STAFF,
    Action.REPLY: UNIT_STAFF,
    Action.ASSIST_OPINION: UNIT_STAFF,
    Action.SUBMIT_RETURN: {R.HANDLER},
    Action.SUBMIT_CLOSE: {R.HANDLER},
    Action.SEND_BACK: {R.UNIT_LEAD},
    Action.MARK_KEY: {R.LIAISON},
    Action.REQUEST_EXTENSION: UNIT_STAFF,
    Action.APPROVE_EXTENSION: {R.DISPATCHER},
    Action.REJECT_EXTENSION: {R.DISPATCHER},
    Action.REQUEST_RETURN: UNIT_STAFF,
    Action.APPROVE_RETURN: {R.DISPATCHER},
    Action.REJECT_RETURN: {R.DISPATCHER},
    Action.REQUEST_CLOSE: UNIT_STAFF,
    Action.APPROVE_CLOSE: {R.DISPATCHER},
    Action.REJECT_CLOSE: {R.DISPATCHER},
    Action.URGE: {R.DISPATCHER, R.SUPERVISOR},
    Action.FOLLOW_UP: {R.AGENT, R.DISPATCHER},
    Action.RATE: {R.CITIZEN},
    Action.REOPEN: {R.DISPATCHER},
    Action.MERGE: {R.DISPATCHER},
    Action.ARCHIVE: {R.DISPATCHER},
}

# Data that passes every action's guards, so only state, role, unit and facts can refuse.
VALID_DATA: dict[str, Any] = {
    "channel": "phone",
    "kind": "complaint",
    "category": "noise",
    "text": "噪音",
    "answer": "已答复",
    "note": "说明",
    "reason": "理由",
    "basis": "依据",
    "days": 3,
    "suggested_unit": "elsewhere",
    "result": "已解决",
    "reached": True,
    "resolved": True,
    "satisfied": True,
    "score": 4,
    "into": "OTHER",
}


# The order facts an action needs to be offered at all: 协办 on another unit's order; a submission
# in a unit that reviews its requests.
ACTION_FACTS: dict[Action, dict[str, Any]] = {
    Action.ASSIST_OPINION: {"current_unit": "lead", "assist_units": ("a",)},
    Action.SUBMIT_RETURN: {"unit_review": True},
    Action.SUBMIT_CLOSE: {"unit_review": True},
}
FORWARDS = {Action.REQUEST_RETURN, Action.REQUEST_CLOSE}


def _actor(role: Role, unit: str = "a") -> Actor:
    return Actor(username=f"{role}-user", role=role, unit=unit if role in UNIT_STAFF else "center")


def _facts(state: State | None, actor: Actor, **facts: Any) -> OrderFacts:
    return OrderFacts(**{"state": state, "current_unit": "a", "creator": actor.username, **facts})


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_each_role_may_take_what_the_design_says(role: Role, action: Action) -> None:
    assert policy.may_take(role=role, action=action) == (role in DESIGN_ROLES[action])


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_an_action_is_offered_from_its_states_to_its_roles_only(role: Role, action: Action) -> None:
    actor = _actor(role)
    sources = RULES[action].sources or {None}
    for state in [None, *State]:
        # A review needs a request waiting; anything else is offered on a clean order.
        pending = action in {Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION}
        facts = _facts(state, actor, extension_pending=pending, **ACTION_FACTS.get(action, {}))
        offered = action in policy.actions_available(facts=facts, actor=actor)
        # Only the unit lead forwards what a handler submitted for review (单位审核).
        lead_only = action in FORWARDS and state in UNIT_REVIEW_STATES and role is R.HANDLER
        assert offered == (state in sources and role in DESIGN_ROLES[action] and not lead_only), (
            state
        )


@pytest.mark.parametrize("action", sorted(a for a in Action if RULES[a].unit_bound))
def test_unit_staff_are_offered_nothing_on_another_units_order(action: Action) -> None:
    for role, state in itertools.product(UNIT_STAFF, RULES[action].sources):
        elsewhere = _actor(role, unit="b")
        assert action not in policy.actions_available(
            facts=_facts(state, elsewhere), actor=elsewhere
        )


@pytest.mark.parametrize(
    ("action", "facts", "offered"),
    [
        (Action.REQUEST_EXTENSION, {"extension_pending": True}, False),
        (Action.APPROVE_EXTENSION, {"extension_pending": False}, False),
        (Action.REJECT_EXTENSION, {"extension_pending": True}, True),
        (Action.RATE, {"rated": True}, False),
        (Action.RATE, {"rated": False}, True),
    ],
)
def test_the_orders_own_facts_decide_what_is_offered(
    action: Action, facts: dict[str, Any], offered: bool
) -> None:
    role = next(iter(DESIGN_ROLES[action]))
    actor = _actor(role)
    state = next(iter(RULES[action].sources))
    available = policy.actions_available(facts=_facts(state, actor, **facts), actor=actor)
    assert (action in available) == offered


def test_a_directly_answered_order_offers_no_reopen() -> None:
    actor = _actor(R.DISPATCHER)
    facts = OrderFacts(state=State.CLOSED, current_unit="")
    assert Action.REOPEN not in policy.actions_available(facts=facts, actor=actor)


def test_another_citizen_is_not_offered_the_rating() -> None:
    facts = OrderFacts(state=State.CLOSED, current_unit="a", creator="someone-else")
    assert Action.RATE not in policy.actions_available(facts=facts, actor=_actor(R.CITIZEN))


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_offered_means_decide_accepts_good_data(role: Role, action: Action) -> None:
    """Generated over every state and fact: the page's offer and the service's decision agree."""
    actor = _actor(role)
    for state, pending, rated in itertools.product([None, *State], (False, True), (False, True)):
        facts = _facts(state, actor, extension_pending=pending, rated=rated)
        offered = action in policy.actions_available(facts=facts, actor=actor)
        try:
            decide(facts, action, actor, VALID_DATA, to_unit="b")
        except LifecycleError:
            accepted = False
        else:
            accepted = True
        assert offered == accepted, (state, pending, rated)


# -- role × area -------------------------------------------------------------------------------

# Which pages each role uses, in the words of the README's "Role home pages".
DESIGN_AREAS: dict[Role, set[Area]] = {
    R.AGENT: {Area.ORDERS, Area.INTAKE, Area.ASSIST, Area.STAFF, Area.WORKLIST},
    R.DISPATCHER: {Area.ORDERS, Area.ASSIST, Area.DISPATCH, Area.STAFF, Area.WORKLIST},
    R.HANDLER: {Area.ORDERS, Area.INBOX, Area.STAFF},
    R.UNIT_LEAD: {Area.ORDERS, Area.INBOX, Area.STAFF},
    R.SUPERVISOR: {Area.ORDERS, Area.SUPERVISION, Area.CALLCENTER, Area.STAFF},
    R.CITIZEN: {Area.ORDERS, Area.CITIZEN},
    R.ADMIN: {
        Area.ORDERS,
        Area.ASSIST,
        Area.DISPATCH,
        Area.SUPERVISION,
        Area.CALLCENTER,
        Area.STAFF,
    },
    R.DIRECTOR: {Area.ORDERS, Area.CALLCENTER, Area.STAFF, Area.WORKLIST},
    R.LIAISON: {Area.ORDERS, Area.STAFF, Area.LIAISON},
}


@pytest.mark.parametrize(("role", "area"), list(itertools.product(Role, Area)))
def test_each_role_enters_the_areas_the_design_gives_it(role: Role, area: Area) -> None:
    assert policy.may_enter(role=role, area=area) == (area in DESIGN_AREAS[role])


@pytest.mark.parametrize("area", list(Area))
def test_no_role_enters_nothing(area: Area) -> None:
    assert not policy.may_enter(role=None, area=area)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_in_an_area_it_may_enter(role: Role) -> None:
    assert policy.may_enter(role=role, area=policy.HOME[role])


def test_every_role_has_an_audience_and_a_reader_without_one_is_the_public() -> None:
    assert set(policy.ROLE_AUDIENCE) == set(Role)
    assert policy.audience_of(role=None) is A.PUBLIC
    assert policy.audience_of(role=R.ADMIN) is A.CENTER  # administrators read as the center


def test_scopes() -> None:
    assert policy.SCOPES == {
        A.PUBLIC: Scope.NONE,
        A.CITIZEN: Scope.OWN,
        A.UNIT: Scope.UNIT,
        A.CENTER: Scope.ALL,
        A.SUPERVISOR: Scope.ALL,
    }


# -- audience × order field --------------------------------------------------------------------

RANK = {Shown.HIDDEN: 0, Shown.MASKED: 1, Shown.FULL: 2}
Level = Callable[[Audience, str, OrderField], Shown]


def level(audience: Audience, kind: str, field: OrderField) -> Shown:
    return policy.order_disclosure(audience=audience, kind=kind)[field]


# The rules that matter, stated on their own; each is checked on every audience × kind × field.
def _personal_data_is_never_shown_in_full(a: Audience, kind: str, f: OrderField) -> bool:
    return f not in CALLER or level(a, kind, f) is not Shown.FULL


def _the_public_never_sees_personal_data(a: Audience, kind: str, f: OrderField) -> bool:
    return not (a is A.PUBLIC and f in CALLER) or level(a, kind, f) is Shown.HIDDEN


def _the_public_sees_free_text_masked(a: Audience, kind: str, f: OrderField) -> bool:
    return not (a is A.PUBLIC and f in {F.TEXT, F.LOCATION}) or level(a, kind, f) is not Shown.FULL


def _the_public_sees_no_internal_working(a: Audience, kind: str, f: OrderField) -> bool:
    internal = {F.CALL_ID, F.COUNTS, F.FOLLOW_UP, F.URGENCY, F.ASSIST_UNITS, F.ACCEPT_DEADLINE}
    return not (a is A.PUBLIC and f in internal) or level(a, kind, f) is Shown.HIDDEN


def _a_citizen_sees_no_internal_working(a: Audience, kind: str, f: OrderField) -> bool:
    internal = {F.CALL_ID, F.COUNTS, F.FOLLOW_UP, F.URGENCY, F.ACCEPT_DEADLINE, F.MERGED_INTO}
    return not (a is A.CITIZEN and f in internal) or level(a, kind, f) is Shown.HIDDEN


def _a_citizen_sees_the_version_to_act(a: Audience, kind: str, f: OrderField) -> bool:
    return not (a is A.CITIZEN and f is F.VERSION) or level(a, kind, f) is Shown.FULL


def _unit_staff_never_see_a_reports_caller(a: Audience, kind: str, f: OrderField) -> bool:
    applies = a is A.UNIT and kind == Kind.REPORT and f in CALLER
    return not applies or level(a, kind, f) is Shown.HIDDEN


def _a_report_is_not_public(a: Audience, kind: str, f: OrderField) -> bool:
    applies = a is A.PUBLIC and kind == Kind.REPORT and f not in {F.NUMBER, F.STATE}
    return not applies or level(a, kind, f) is Shown.HIDDEN


def _everyone_sees_number_and_state(a: Audience, kind: str, f: OrderField) -> bool:
    return f not in {F.NUMBER, F.STATE} or level(a, kind, f) is Shown.FULL


def _the_center_and_supervisors_see_all_but_email(a: Audience, kind: str, f: OrderField) -> bool:
    applies = a in {A.CENTER, A.SUPERVISOR} and f is not F.CALLER_EMAIL
    return not applies or level(a, kind, f) is not Shown.HIDDEN


def _masked_only_where_a_masker_exists(a: Audience, kind: str, f: OrderField) -> bool:
    return level(a, kind, f) is not Shown.MASKED or f in policy.MASKERS


def _public_sees_no_more_than_anyone(a: Audience, kind: str, f: OrderField) -> bool:
    return RANK[level(A.PUBLIC, kind, f)] <= RANK[level(a, kind, f)]


def _nobody_sees_more_than_the_center(a: Audience, kind: str, f: OrderField) -> bool:
    return RANK[level(a, kind, f)] <= RANK[level(A.CENTER, kind, f)]


def _supervisors_read_what_the_center_reads(a: Audience, kind: str, f: OrderField) -> bool:
    return level(A.SUPERVISOR, kind, f) is level(A.CENTER, kind, f)


FIELD_RULES = [
    _personal_data_is_never_shown_in_full,
    _the_public_never_sees_personal_data,
    _the_public_sees_free_text_masked,
    _the_public_sees_no_internal_working,
    _a_citizen_sees_no_internal_working,
    _a_citizen_sees_the_version_to_act,
    _unit_staff_never_see_a_reports_caller,
    _a_report_is_not_public,
    _everyone_sees_number_and_state,
    _the_center_and_supervisors_see_all_but_email,
    _masked_only_where_a_masker_exists,
    _public_sees_no_more_than_anyone,
    _nobody_sees_more_than_the_center,
    _supervisors_read_what_the_center_reads,
]


@pytest.mark.parametrize(
    ("audience", "kind", "field"), list(itertools.product(Audience, KINDS, OrderField))
)
def test_field_disclosure_keeps_every_rule(
    audience: Audience, kind: str, field: OrderField
) -> None:
    broken = [rule.__name__ for rule in FIELD_RULES if not rule(audience, kind, field)]
    assert broken == []


def test_every_field_has_attributes_and_a_level_for_every_audience() -> None:
    assert set(policy.ATTRIBUTES) == set(OrderField)
    for audience in Audience:
        assert set(policy.ORDER_DISCLOSURE[audience]) == set(OrderField)


# One order's values, with personal data in its free text too.
VALUES: dict[str, Any] = {
    "number": "20261127000001",
    "state": "handling",
    "version": 4,
    "kind": "complaint",
    "channel": "phone",
    "urgency": "urgent",
    "category": "noise",
    "text": "夜间施工噪音扰民，回电13712345678",
    "location": "和平里小区北门",
    "area": "hepingli",
    "latitude": 39.9,
    "longitude": 116.4,
    "call_id": "CALL-1",
    "caller_name": "欧阳锋",
    "caller_phone": "13812341234",
    "caller_address": "A市和平里小区3号楼2单元501",
    "caller_email": "oy@example.com",
    "current_unit": "zhujian",
    "first_unit": "chengguan",
    "assist_units": ["lvhua"],
    "accept_deadline": "2026-11-28T10:00:00+08:00",
    "handle_deadline": "2026-12-04T18:00:00+08:00",
    "created_at": "2026-11-27T09:00:00+08:00",
    "updated_at": "2026-11-27T10:00:00+08:00",
    "accepted_at": "2026-11-27T09:30:00+08:00",
    "closed_at": None,
    "return_count": 1,
    "urge_count": 2,
    "reached": True,
    "resolved": False,
    "satisfied": None,
    "rating": 4,
    "merged_into": "",
}
# The masked forms, spelled out.
MASKED = {
    "caller_name": "欧**",
    "caller_phone": "138****1234",
    "caller_address": "A市和平里小****",
    "text": "夜间施工噪音扰民，回电137****5678",
    "location": "和平里小区北门",
}


def test_the_sample_covers_every_attribute() -> None:
    assert {n for names in policy.ATTRIBUTES.values() for n in names} == set(VALUES)


@pytest.mark.parametrize(
    ("audience", "kind", "field"), list(itertools.product(Audience, KINDS, OrderField))
)
def test_disclose_shows_each_field_as_its_level_says(
    audience: Audience, kind: str, field: OrderField
) -> None:
    shown = policy.disclose(audience=audience, kind=kind, values=VALUES)
    for name in policy.ATTRIBUTES[field]:
        match level(audience, kind, field):
            case Shown.HIDDEN:
                assert name not in shown
            case Shown.FULL:
                assert shown[name] == VALUES[name]
            case Shown.MASKED:
                assert shown[name] == MASKED[name]


def test_the_masked_forms_are_the_maskers_own() -> None:
    maskers = {
        "caller_name": mask_name,
        "caller_phone": mask_phone,
        "caller_address": mask_address,
        "text": mask_text,
        "location": mask_location,
    }
    assert {name: mask(VALUES[name]) for name, mask in maskers.items()} == MASKED


@pytest.mark.parametrize(("audience", "kind"), list(itertools.product(Audience, KINDS)))
def test_a_reveal_is_for_staff_and_never_a_reports_caller_to_its_unit(
    audience: Audience, kind: str
) -> None:
    allowed = audience in {A.UNIT, A.CENTER, A.SUPERVISOR} and not (
        audience is A.UNIT and kind == Kind.REPORT
    )
    assert policy.may_reveal(audience=audience, kind=kind) == allowed
    if not allowed:
        with pytest.raises(NotAllowed):
            policy.disclose(audience=audience, kind=kind, values=VALUES, revealed=True)
        return
    shown = policy.disclose(audience=audience, kind=kind, values=VALUES, revealed=True)
    assert shown["caller_phone"] == "13812341234" and "caller_email" not in shown


def test_the_caller_by_the_create_steps_keys() -> None:
    unit_report = policy.caller_shown(audience=A.UNIT, kind=Kind.REPORT, values=VALUES)
    assert unit_report == {"name": "", "phone": "", "address": "", "email": ""}
    center = policy.caller_shown(audience=A.CENTER, kind=Kind.REPORT, values=VALUES)
    masked = {"name": "欧**", "phone": "138****1234", "address": MASKED["caller_address"]}
    assert center == masked | {"email": ""}  # the e-mail is kept, shown to no one


# -- audience × step part, action and data -----------------------------------------------------


def shows(audience: Audience, part: StepPart) -> bool:
    return policy.shows_part(audience=audience, part=part)


@pytest.mark.parametrize(("audience", "part"), list(itertools.product(Audience, StepPart)))
def test_people_and_their_units_are_shown_to_staff_only(audience: Audience, part: StepPart) -> None:
    staff = audience in {A.UNIT, A.CENTER, A.SUPERVISOR}
    if part in {StepPart.ACTOR, StepPart.UNIT, StepPart.HASH, StepPart.FILES}:
        assert shows(audience, part) == staff
    elif part is StepPart.TO_UNIT:
        assert shows(audience, part) == (audience is not A.PUBLIC)
    else:
        assert shows(audience, part)


INTERNAL_REVIEWS = {
    Action.ASSIST_OPINION,
    Action.SUBMIT_RETURN,
    Action.SUBMIT_CLOSE,
    Action.SEND_BACK,
    Action.MARK_KEY,
    Action.REQUEST_EXTENSION,
    Action.REJECT_EXTENSION,
    Action.REQUEST_RETURN,
    Action.REJECT_RETURN,
    Action.REQUEST_CLOSE,
    Action.REJECT_CLOSE,
    Action.URGE,
}


@pytest.mark.parametrize(("audience", "action"), list(itertools.product(Audience, Action)))
def test_the_public_follows_the_request_not_the_internal_reviews(
    audience: Audience, action: Action
) -> None:
    hidden = audience is A.PUBLIC and action in INTERNAL_REVIEWS
    assert (action in policy.STEPS[audience]) == (not hidden)


# Who may read each kind of step data, stated again.
DATA_READERS: dict[DataClass, set[Audience]] = {
    DataClass.ANSWER: set(Audience),
    DataClass.RATING: {A.CITIZEN, A.UNIT, A.CENTER, A.SUPERVISOR},
    DataClass.CALLER: {A.UNIT, A.CENTER, A.SUPERVISOR},
    DataClass.INTAKE_AID: {A.CENTER, A.SUPERVISOR},
    DataClass.INTERNAL: {A.UNIT, A.CENTER, A.SUPERVISOR},
}


@pytest.mark.parametrize(
    ("audience", "kind", "cls"), list(itertools.product(Audience, KINDS, DataClass))
)
def test_step_data_goes_to_its_readers(audience: Audience, kind: str, cls: DataClass) -> None:
    got = policy.data_disclosure(audience=audience, kind=kind)[cls]
    readers = DATA_READERS[cls] - ({A.PUBLIC} if kind == Kind.REPORT else set())
    assert (got is not Shown.HIDDEN) == (audience in readers)
    if audience is A.PUBLIC and got is not Shown.HIDDEN:
        assert got is Shown.MASKED  # free text for public eyes


def test_an_unlisted_key_is_internal() -> None:
    assert policy.data_class("basis") is DataClass.INTERNAL


STEP: dict[str, Any] = {
    "seq": 1,
    "action": "create",
    "at": "2026-11-27T09:00:00+08:00",
    "actor": "citizen-7",
    "unit": "",
    "to_unit": "",
    "hash": "ab" * 32,
    "data": {
        "text": VALUES["text"],
        "location": VALUES["location"],
        "caller": {"name": "欧阳锋", "phone": "13812341234"},
        "suggested": [{"category": "noise", "score": 0.9}],
    },
}


@pytest.mark.parametrize(("audience", "kind"), list(itertools.product(Audience, KINDS)))
def test_a_step_as_each_audience_sees_it(audience: Audience, kind: str) -> None:
    caller = policy.caller_shown(audience=audience, kind=kind, values=VALUES)
    step = policy.disclose_step(audience=audience, kind=kind, step=STEP, caller=caller)
    assert step is not None
    flat = repr(step)
    assert "13812341234" not in flat and "欧阳锋" not in flat  # never in full without a reveal
    # Whoever filed the order may be its caller: hidden wherever the caller is.
    filer_shown = audience in {A.UNIT, A.CENTER, A.SUPERVISOR} and not (
        audience is A.UNIT and kind == Kind.REPORT
    )
    assert ("actor" in step) == filer_shown
    assert ("suggested" in step["data"]) == (audience in {A.CENTER, A.SUPERVISOR})
    assert ("location" in step["data"]) == (audience in {A.UNIT, A.CENTER, A.SUPERVISOR})
    if audience is A.PUBLIC:
        expected = {} if kind == Kind.REPORT else {"text": MASKED["text"]}
        assert step["data"] == expected and set(step) == {"seq", "action", "at", "data"}


def test_a_step_the_audience_does_not_follow_is_none() -> None:
    urge = {**STEP, "action": "urge", "data": {"note": "快"}}
    assert policy.disclose_step(audience=A.PUBLIC, kind="complaint", step=urge, caller={}) is None


def test_guard_failed_still_names_the_field_for_a_fact_precondition() -> None:
    actor = _actor(R.CITIZEN)
    facts = _facts(State.CLOSED, actor, rated=True)
    with pytest.raises(GuardFailed) as caught:
        decide(facts, Action.RATE, actor, {"score": 5})
    assert caught.value.field == "score"
