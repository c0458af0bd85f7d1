"""One policy (权限与信息披露): who may enter which area, which actions an actor may take on an
order now, and what each audience (公众 public, 市民 citizen, 承办单位 unit, 热线中心 center,
纪检监察 supervisor) may see of an order and of its steps.

Everything here is a table: pages, the API, Open311 and the exports ask these functions, and the
tests are generated from the same tables. Which role may take which lifecycle action is
``lifecycle.RULES`` itself; this module adds the order's facts, the areas and the audiences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from hotline.domain import lifecycle
from hotline.domain.lifecycle import Action, Actor, Kind, LifecycleError, OrderFacts, Role
from hotline.domain.masking import mask_address, mask_location, mask_name, mask_phone, mask_text

# -- audiences ---------------------------------------------------------------------------------


class Audience(StrEnum):
    """Whose eyes an order is shown to; the columns of every disclosure table, in this order."""

    PUBLIC = "public"  # 公众: the tracking page and Open311, signed in or not
    CITIZEN = "citizen"  # 市民: the orders they submitted themselves
    UNIT = "unit"  # 承办单位: orders now with their unit
    CENTER = "center"  # 热线中心: agents, dispatchers and administrators
    SUPERVISOR = "supervisor"  # 纪检监察: reads everything, every reveal logged


# Administrators configure the center's work, so they read orders as the center does.
ROLE_AUDIENCE: Mapping[Role, Audience] = {
    Role.AGENT: Audience.CENTER,
    Role.DISPATCHER: Audience.CENTER,
    Role.ADMIN: Audience.CENTER,
    Role.DIRECTOR: Audience.CENTER,
    Role.HANDLER: Audience.UNIT,
    Role.UNIT_LEAD: Audience.UNIT,
    Role.SUPERVISOR: Audience.SUPERVISOR,
    # 联络员 are stationed by the inspectors: they read as supervisors do, within their scope.
    Role.LIAISON: Audience.SUPERVISOR,
    Role.CITIZEN: Audience.CITIZEN,
}


def audience_of(*, role: Role | None) -> Audience:
    """The audience of a reader; one without a hotline role is the public."""
    return Audience.PUBLIC if role is None else ROLE_AUDIENCE[role]


class Scope(StrEnum):
    """Which orders an audience may list and open (anything else answers 404)."""

    ALL = "all"
    UNIT = "unit"  # orders now with the reader's unit, or that it assists (协办)
    ASSIGNED = "assigned"  # orders of the units or areas the reader is assigned to (联络员)
    OWN = "own"  # orders the reader submitted
    NONE = "none"  # the public reaches one order by its tracking code, never a list


SCOPES: Mapping[Audience, Scope] = {
    Audience.PUBLIC: Scope.NONE,
    Audience.CITIZEN: Scope.OWN,
    Audience.UNIT: Scope.UNIT,
    Audience.CENTER: Scope.ALL,
    Audience.SUPERVISOR: Scope.ALL,
}
# Where a role's scope is narrower than its audience's.
ROLE_SCOPES: Mapping[Role, Scope] = {Role.LIAISON: Scope.ASSIGNED}


def scope_of(*, role: Role | None) -> Scope:
    """Which orders a reader may list and open: by role where ROLE_SCOPES says, else by audience."""
    if role is not None and role in ROLE_SCOPES:
        return ROLE_SCOPES[role]
    return SCOPES[audience_of(role=role)]


# -- areas and actions -------------------------------------------------------------------------


class Area(StrEnum):
    """Parts of the platform a role may enter; pages and API routes outside them answer 404/403."""

    ORDERS = "orders"  # 工单: lists and order pages, scoped as SCOPES says
    INTAKE = "intake"  # 受理台: the agent's intake form and agent state (示闲/示忙)
    ASSIST = "assist"  # 智能辅助: suggestions, duplicates, the dispatch catalogue (派单目录)
    DISPATCH = "dispatch"  # 派单: the dispatch and review queues
    INBOX = "inbox"  # 待办: a unit's open orders
    SUPERVISION = "supervision"  # 天眼: findings, cases, call-center data
    STAFF = "staff"  # hotline and unit staff, not citizens: the knowledge base (知识库)
    CITIZEN = "citizen"  # 我的诉求: submit and follow one's own requests
    CALLCENTER = "callcenter"  # 话务: KPIs, agents' states and findings, the Erlang C planner
    WORKLIST = "worklist"  # 回拨与回访: missed calls to call back, closed orders due for 回访
    LIAISON = "liaison"  # 联络员: key orders (重点工单) and findings of the assigned units/areas


AREA_ROLES: Mapping[Area, frozenset[Role]] = {
    Area.ORDERS: frozenset(Role),
    Area.INTAKE: frozenset({Role.AGENT}),
    # Administrators tune the catalogue, so they use the assistants that read it.
    Area.ASSIST: frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN}),
    Area.DISPATCH: frozenset({Role.DISPATCHER, Role.ADMIN}),
    Area.INBOX: frozenset({Role.HANDLER, Role.UNIT_LEAD}),
    Area.SUPERVISION: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Area.STAFF: frozenset(Role) - {Role.CITIZEN},
    Area.CITIZEN: frozenset({Role.CITIZEN}),
    # Whoever runs the center; 纪检监察 read agents' conduct (long_busy, away_from_post) too.
    Area.CALLCENTER: frozenset({Role.DIRECTOR, Role.ADMIN, Role.SUPERVISOR}),
    # Agents work the lists; dispatchers also record 回访; the director watches the lists.
    Area.WORKLIST: frozenset({Role.AGENT, Role.DISPATCHER, Role.DIRECTOR}),
    Area.LIAISON: frozenset({Role.LIAISON}),
}

# Where each role lands after log-in.
HOME: Mapping[Role, Area] = {
    Role.AGENT: Area.INTAKE,
    Role.DISPATCHER: Area.DISPATCH,
    Role.HANDLER: Area.INBOX,
    Role.UNIT_LEAD: Area.INBOX,
    Role.SUPERVISOR: Area.SUPERVISION,
    Role.CITIZEN: Area.CITIZEN,
    Role.ADMIN: Area.ORDERS,
    Role.DIRECTOR: Area.CALLCENTER,
    Role.LIAISON: Area.LIAISON,
}


def roles_for(*, area: Area) -> frozenset[Role]:
    return AREA_ROLES[area]


def may_enter(*, role: Role | None, area: Area) -> bool:
    return role is not None and role in AREA_ROLES[area]


def may_take(*, role: Role, action: Action) -> bool:
    """Whether the role may ever take the action (lifecycle.RULES); the order decides the rest."""
    return role in lifecycle.RULES[action].roles


def actions_available(*, facts: OrderFacts, actor: Actor) -> list[Action]:
    """可办理的操作: what ``actor`` may take on this order now, by its state, the actor's role and
    unit, and the order's own facts (an extension waiting, a rating given). The action's data is
    checked when it is taken, by the same lifecycle.decide."""
    return [action for action in Action if _available(facts=facts, action=action, actor=actor)]


def _available(*, facts: OrderFacts, action: Action, actor: Actor) -> bool:
    try:
        lifecycle.check_transition(facts.state, action)
        lifecycle.check_permission(facts, action, actor)
        lifecycle.check_preconditions(facts, action)
    except LifecycleError:
        return False
    return True


# -- what an audience sees of an order ---------------------------------------------------------


class Shown(StrEnum):
    FULL = "full"
    MASKED = "masked"  # 脱敏: personal data masked; free text with phones, IDs, e-mails masked
    HIDDEN = "hidden"


class OrderField(StrEnum):
    NUMBER = "number"  # 工单号
    STATE = "state"  # 状态
    VERSION = "version"  # 版本: a form sends it back (expected_version)
    KIND = "kind"  # 类型
    CHANNEL = "channel"  # 渠道
    URGENCY = "urgency"  # 紧急程度
    CATEGORY = "category"  # 分类
    TEXT = "text"  # 诉求内容
    LOCATION = "location"  # 地点
    AREA = "area"  # 行政区划
    COORDINATES = "coordinates"  # 坐标
    CALL_ID = "call_id"  # 来电编号
    CALLER_NAME = "caller_name"  # 诉求人姓名
    CALLER_PHONE = "caller_phone"  # 联系电话
    CALLER_ADDRESS = "caller_address"  # 联系地址
    CALLER_EMAIL = "caller_email"  # 电子邮箱
    UNIT = "unit"  # 承办单位 (主办) and 首接单位
    ASSIST_UNITS = "assist_units"  # 协办单位
    ACCEPT_DEADLINE = "accept_deadline"  # 签收时限
    HANDLE_DEADLINE = "handle_deadline"  # 办理时限
    TIMES = "times"  # 受理时间, 更新时间
    MILESTONES = "milestones"  # 签收时间, 办结时间
    COUNTS = "counts"  # 退单次数, 督办次数
    FOLLOW_UP = "follow_up"  # 回访: reached, resolved, satisfied
    RATING = "rating"  # 评价
    MERGED_INTO = "merged_into"  # 并入工单


# The order's attributes (OrderSnapshot / WorkOrder names) behind each field.
ATTRIBUTES: Mapping[OrderField, tuple[str, ...]] = {
    OrderField.NUMBER: ("number",),
    OrderField.STATE: ("state",),
    OrderField.VERSION: ("version",),
    OrderField.KIND: ("kind",),
    OrderField.CHANNEL: ("channel",),
    OrderField.URGENCY: ("urgency",),
    OrderField.CATEGORY: ("category",),
    OrderField.TEXT: ("text",),
    OrderField.LOCATION: ("location",),
    OrderField.AREA: ("area",),
    OrderField.COORDINATES: ("latitude", "longitude"),
    OrderField.CALL_ID: ("call_id",),
    OrderField.CALLER_NAME: ("caller_name",),
    OrderField.CALLER_PHONE: ("caller_phone",),
    OrderField.CALLER_ADDRESS: ("caller_address",),
    OrderField.CALLER_EMAIL: ("caller_email",),
    OrderField.UNIT: ("current_unit", "first_unit"),
    OrderField.ASSIST_UNITS: ("assist_units",),
    OrderField.ACCEPT_DEADLINE: ("accept_deadline",),
    OrderField.HANDLE_DEADLINE: ("handle_deadline",),
    OrderField.TIMES: ("created_at", "updated_at"),
    OrderField.MILESTONES: ("accepted_at", "closed_at"),
    OrderField.COUNTS: ("return_count", "urge_count"),
    OrderField.FOLLOW_UP: ("reached", "resolved", "satisfied"),
    OrderField.RATING: ("rating",),
    OrderField.MERGED_INTO: ("merged_into",),
}

# The caller's personal data, by the keys the create step records it under.
CALLER_KEYS: Mapping[str, OrderField] = {
    "name": OrderField.CALLER_NAME,
    "phone": OrderField.CALLER_PHONE,
    "address": OrderField.CALLER_ADDRESS,
    "email": OrderField.CALLER_EMAIL,
}
# What a logged reveal (personal_data_reveal) shows in full.
REVEALABLE = (OrderField.CALLER_NAME, OrderField.CALLER_PHONE, OrderField.CALLER_ADDRESS)
# Audiences that may reveal masked personal data; every reveal is logged.
REVEALERS = frozenset({Audience.UNIT, Audience.CENTER, Audience.SUPERVISOR})

MASKERS: Mapping[OrderField, Callable[[str], str]] = {
    OrderField.CALLER_NAME: mask_name,
    OrderField.CALLER_PHONE: mask_phone,
    OrderField.CALLER_ADDRESS: mask_address,
    OrderField.CALLER_EMAIL: mask_text,
    OrderField.TEXT: mask_text,
    OrderField.LOCATION: mask_location,  # cut to the building: the flat is often the caller's home
}

_, M, Y = Shown.HIDDEN, Shown.MASKED, Shown.FULL
F = OrderField
# Columns: public, citizen, unit, center, supervisor (Audience's order).
_ORDER_TABLE: Mapping[OrderField, tuple[Shown, ...]] = {
    F.NUMBER: (Y, Y, Y, Y, Y),
    F.STATE: (Y, Y, Y, Y, Y),
    F.VERSION: (_, Y, Y, Y, Y),
    F.KIND: (_, Y, Y, Y, Y),
    F.CHANNEL: (_, Y, Y, Y, Y),
    F.URGENCY: (_, _, Y, Y, Y),
    F.CATEGORY: (Y, Y, Y, Y, Y),
    F.TEXT: (M, Y, Y, Y, Y),
    F.LOCATION: (M, Y, Y, Y, Y),
    F.AREA: (_, Y, Y, Y, Y),
    F.COORDINATES: (Y, Y, Y, Y, Y),
    F.CALL_ID: (_, _, Y, Y, Y),
    F.CALLER_NAME: (_, M, M, M, M),
    F.CALLER_PHONE: (_, M, M, M, M),
    F.CALLER_ADDRESS: (_, M, M, M, M),
    F.CALLER_EMAIL: (_, _, _, _, _),  # kept to write back to, shown to no one
    F.UNIT: (Y, Y, Y, Y, Y),
    F.ASSIST_UNITS: (_, Y, Y, Y, Y),
    F.ACCEPT_DEADLINE: (_, _, Y, Y, Y),
    F.HANDLE_DEADLINE: (Y, Y, Y, Y, Y),
    F.TIMES: (Y, Y, Y, Y, Y),
    F.MILESTONES: (_, Y, Y, Y, Y),
    F.COUNTS: (_, _, Y, Y, Y),
    F.FOLLOW_UP: (_, _, Y, Y, Y),
    F.RATING: (_, Y, Y, Y, Y),
    F.MERGED_INTO: (_, _, Y, Y, Y),
}

# 举报: the reporter is never shown to the unit reported on, and a report is not public: whoever
# holds its tracking code learns where it stands, nothing more (and Open311 never lists it).
_REPORT_ORDER: Mapping[Audience, Mapping[OrderField, Shown]] = {
    Audience.UNIT: {field: _ for field in CALLER_KEYS.values()},
    Audience.PUBLIC: {field: _ for field in OrderField if field not in {F.NUMBER, F.STATE}},
}
UNLISTED_KINDS = frozenset({Kind.REPORT})


def _columns(table: Mapping[Any, tuple[Shown, ...]]) -> dict[Audience, dict[Any, Shown]]:
    return {a: {row: levels[i] for row, levels in table.items()} for i, a in enumerate(Audience)}


ORDER_DISCLOSURE: Mapping[Audience, Mapping[OrderField, Shown]] = _columns(_ORDER_TABLE)


def order_disclosure(*, audience: Audience, kind: str) -> Mapping[OrderField, Shown]:
    """How much of each order field ``audience`` sees on an order of this kind."""
    base = ORDER_DISCLOSURE[audience]
    if kind == Kind.REPORT:
        return {**base, **_REPORT_ORDER.get(audience, {})}
    return base


def may_reveal(*, audience: Audience, kind: str) -> bool:
    """Whether the audience may reveal the caller (logged): only what it sees masked."""
    levels = order_disclosure(audience=audience, kind=kind)
    return audience in REVEALERS and all(levels[field] is Shown.MASKED for field in REVEALABLE)


def disclose(
    *, audience: Audience, kind: str, values: Mapping[str, Any], revealed: bool = False
) -> dict[str, Any]:
    """The order's attributes ``audience`` may see, by attribute name: hidden ones left out,
    masked ones masked; ``revealed`` (after a logged reveal) shows the revealable ones in full."""
    if revealed and not may_reveal(audience=audience, kind=kind):
        raise lifecycle.NotAllowed("your role may not see this caller's personal data")
    shown: dict[str, Any] = {}
    for field, level in order_disclosure(audience=audience, kind=kind).items():
        if level is Shown.HIDDEN:
            continue
        masked = level is Shown.MASKED and not (revealed and field in REVEALABLE)
        for name in ATTRIBUTES[field]:
            if name in values:
                shown[name] = _mask(field, values[name]) if masked else values[name]
    return shown


def _mask(field: OrderField, value: Any) -> Any:
    return MASKERS[field](value) if isinstance(value, str) else value


def caller_shown(
    *, audience: Audience, kind: str, values: Mapping[str, Any], revealed: bool = False
) -> dict[str, str]:
    """The caller by the create step's keys (name, phone, address, email), "" where hidden."""
    shown = disclose(audience=audience, kind=kind, values=values, revealed=revealed)
    return {key: shown.get(ATTRIBUTES[field][0], "") for key, field in CALLER_KEYS.items()}


# -- what an audience sees of an order's steps (events) ----------------------------------------


class StepPart(StrEnum):
    AT = "at"  # 时间
    ACTOR = "actor"  # 经办人
    UNIT = "unit"  # 经办单位: the unit the actor acted for
    TO_UNIT = "to_unit"  # 派往单位
    DATA = "data"  # 内容: which keys, DATA_DISCLOSURE says
    HASH = "hash"  # 哈希链
    FILES = "files"  # 附件


_STEP_TABLE: Mapping[StepPart, tuple[Shown, ...]] = {
    StepPart.AT: (Y, Y, Y, Y, Y),
    StepPart.ACTOR: (_, _, Y, Y, Y),
    StepPart.UNIT: (_, _, Y, Y, Y),
    StepPart.TO_UNIT: (_, Y, Y, Y, Y),
    StepPart.DATA: (Y, Y, Y, Y, Y),
    StepPart.HASH: (_, _, Y, Y, Y),
    StepPart.FILES: (_, _, Y, Y, Y),
}
STEP_DISCLOSURE: Mapping[Audience, Mapping[StepPart, Shown]] = _columns(_STEP_TABLE)

# The steps the public follows: what happened to the request, not the center's internal reviews.
PUBLIC_STEPS = frozenset(
    {
        Action.CREATE,
        Action.DISPATCH,
        Action.REASSIGN,
        Action.ACCEPT,
        Action.CONTACT,
        Action.VISIT,
        Action.REPLY,
        Action.APPROVE_EXTENSION,
        Action.APPROVE_RETURN,
        Action.APPROVE_CLOSE,
        Action.ANSWER_DIRECTLY,
        Action.FOLLOW_UP,
        Action.RATE,
        Action.REOPEN,
        Action.MERGE,
        Action.ARCHIVE,
    }
)
STEPS: Mapping[Audience, frozenset[Action]] = {
    audience: PUBLIC_STEPS if audience is Audience.PUBLIC else frozenset(Action)
    for audience in Audience
}


class DataClass(StrEnum):
    ANSWER = "answer"  # 诉求与答复: the request's text and what the citizen was answered
    RATING = "rating"  # 评价: the citizen's own score and comment
    CALLER = "caller"  # 诉求人: shown as the caller fields are (masked, revealed or "")
    INTAKE_AID = "intake_aid"  # 智能派单: the suggestions the agent was shown
    INTERNAL = "internal"  # notes, reasons, bases, deadlines, routing: every key not listed


DATA_CLASSES: Mapping[str, DataClass] = {
    "text": DataClass.ANSWER,
    "answer": DataClass.ANSWER,
    "score": DataClass.RATING,
    "comment": DataClass.RATING,
    "caller": DataClass.CALLER,
    "suggested": DataClass.INTAKE_AID,
}
_DATA_TABLE: Mapping[DataClass, tuple[Shown, ...]] = {
    DataClass.ANSWER: (M, Y, Y, Y, Y),
    DataClass.RATING: (_, Y, Y, Y, Y),
    DataClass.CALLER: (_, _, Y, Y, Y),
    DataClass.INTAKE_AID: (_, _, _, Y, Y),
    DataClass.INTERNAL: (_, _, Y, Y, Y),
}
DATA_DISCLOSURE: Mapping[Audience, Mapping[DataClass, Shown]] = _columns(_DATA_TABLE)
_REPORT_DATA: Mapping[Audience, Mapping[DataClass, Shown]] = {
    Audience.PUBLIC: {DataClass.ANSWER: _},
}
del _, M, Y, F


def data_class(key: str) -> DataClass:
    return DATA_CLASSES.get(key, DataClass.INTERNAL)


def data_disclosure(*, audience: Audience, kind: str) -> Mapping[DataClass, Shown]:
    base = DATA_DISCLOSURE[audience]
    if kind == Kind.REPORT:
        return {**base, **_REPORT_DATA.get(audience, {})}
    return base


def shows_part(*, audience: Audience, part: StepPart) -> bool:
    return STEP_DISCLOSURE[audience][part] is not Shown.HIDDEN


def disclose_data(
    *, audience: Audience, kind: str, data: Mapping[str, Any], caller: Mapping[str, str]
) -> dict[str, Any]:
    """A step's data as ``audience`` sees it; ``caller`` is the order's caller as shown."""
    levels = data_disclosure(audience=audience, kind=kind)
    shown: dict[str, Any] = {}
    for key, value in data.items():
        cls = data_class(key)
        level = levels[cls]
        if level is Shown.HIDDEN:
            continue
        if cls is DataClass.CALLER and isinstance(value, Mapping):
            value = {k: caller.get(k, "") for k in value}
        elif level is Shown.MASKED and isinstance(value, str):
            value = mask_text(value)
        shown[key] = value
    return shown


def disclose_step(
    *, audience: Audience, kind: str, step: Mapping[str, Any], caller: Mapping[str, str]
) -> dict[str, Any] | None:
    """One step (``seq``, ``action`` and its parts) as ``audience`` sees it, hidden parts left
    out; None when the audience does not see the step at all."""
    if step["action"] not in STEPS[audience]:
        return None
    shown = {key: step[key] for key in ("seq", "action") if key in step}
    for part in StepPart:
        if part.value in step and _shows(audience=audience, kind=kind, step=step, part=part):
            shown[part.value] = step[part.value]
    if StepPart.DATA.value in shown:
        shown["data"] = disclose_data(
            audience=audience, kind=kind, data=shown["data"], caller=caller
        )
    return shown


def _shows(*, audience: Audience, kind: str, step: Mapping[str, Any], part: StepPart) -> bool:
    if not shows_part(audience=audience, part=part):
        return False
    # Whoever filed an order may be its caller: where the caller is hidden, so is the filer.
    if part is StepPart.ACTOR and step["action"] == Action.CREATE:
        levels = order_disclosure(audience=audience, kind=kind)
        return any(levels[field] is not Shown.HIDDEN for field in REVEALABLE)
    return True
