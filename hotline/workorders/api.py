"""REST API for work orders (django-ninja). Thin: parse, call a selector or service, render."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from hotline import clock
from hotline.accounts.models import User
from hotline.api_common import BodyIn, BoundedTime, Page, RowId, answers
from hotline.domain import limits as lim
from hotline.domain.lifecycle import Action, Channel, Kind, State, Urgency
from hotline.workorders import selectors, services
from hotline.workorders.attachments import attachments_decode
from hotline.workorders.models import WorkOrder
from hotline.workorders.totals import list_total

router = Router(tags=["work orders"])


class SuggestionIn(BodyIn):
    category: str = Field(min_length=1, max_length=lim.CODE_MAX)
    score: float = Field(ge=0, le=1)


class OrderIn(BodyIn):
    channel: Channel = Channel.PHONE
    kind: Kind
    category: str = Field(min_length=1, max_length=lim.CODE_MAX)
    text: str = Field(min_length=1, max_length=lim.TEXT_MAX)
    location: str = Field("", max_length=lim.LOCATION_MAX)
    area: str = Field("", max_length=lim.CODE_MAX, description="行政区划 code: street or district")
    urgency: Urgency = Urgency.NORMAL
    caller_name: str = Field("", max_length=lim.CALLER_NAME_MAX)
    caller_phone: str = Field("", max_length=lim.CALLER_PHONE_MAX, pattern=lim.CALLER_PHONE_PATTERN)
    caller_address: str = Field("", max_length=lim.CALLER_ADDRESS_MAX)
    call_id: str = Field("", max_length=lim.CALL_ID_MAX, description="the phone call (来电) taken")
    suggested: list[SuggestionIn] = Field(
        [],
        max_length=lim.SUGGESTIONS_MAX,
        description="智能派单: the category suggestions the agent was shown",
    )


class CallerOut(Schema):
    name: str
    phone: str
    address: str


class EventOut(Schema):
    """One step; the parts and data the reader's audience may not see are left out."""

    seq: int
    action: str
    at: datetime | None = None
    actor: str = ""
    unit: str = ""
    to_unit: str = ""
    data: dict[str, Any] = {}
    hash: str = ""


class OrderOut(Schema):
    """The order as the reader's audience sees it (hotline.domain.policy): fields it may not see
    are left out, and the caller is masked unless revealed."""

    number: str
    state: str
    version: int | None = None
    channel: str = ""
    kind: str = ""
    category: str = ""
    text: str = ""
    location: str = ""
    area: str = ""
    latitude: float | None = None
    longitude: float | None = None
    urgency: str = ""
    call_id: str = ""
    current_unit: str = ""
    first_unit: str = ""
    assist_units: list[str] = []
    accept_deadline: datetime | None = None
    handle_deadline: datetime | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    return_count: int | None = None
    urge_count: int | None = None
    reached: bool | None = None
    resolved: bool | None = None
    satisfied: bool | None = None
    rating: int | None = None
    merged_into: str = ""
    caller: CallerOut
    caller_masked: bool


class OrderDetailOut(OrderOut):
    timeline: list[EventOut]


class OrderPage(Schema):
    count: int = Field(
        description="orders matching the filters; above HOTLINE_ESTIMATED_TOTAL_ABOVE (10,000) "
        "on PostgreSQL the database's estimate, see count_estimated"
    )
    count_estimated: bool = Field(
        description="true when count is the query planner's estimate, not an exact count; "
        "pages past the real end are then empty"
    )
    page: int
    page_size: int
    items: list[OrderOut]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _render(order: WorkOrder, user: User, *, unmask: bool = False, timeline: bool = False) -> dict:
    """What the user's audience may see of the order (left out: what it may not, so the routes
    drop unset fields); ``unmask`` reveals the caller, and the read is logged."""
    audience = selectors.audience_of(user)
    if unmask:
        services.personal_data_reveal(user=user, order=order, purpose="api detail")
    shown = selectors.order_shown(audience=audience, order=order, revealed=unmask)
    caller = selectors.caller_shown(audience=audience, order=order, revealed=unmask)
    body: dict[str, Any] = {k: v for k, v in shown.items() if k in OrderOut.model_fields}
    body.update(caller=caller, caller_masked=not unmask)
    if timeline:
        body["timeline"] = selectors.workorder_timeline(
            audience=audience, order=order, caller=caller
        )
    return body


def _visible(user: User, number: str) -> WorkOrder:
    order = selectors.workorder_get(user=user, number=number)
    if order is None:
        raise services.NotFound(f"order {number} not found")
    return order


# 400: the body is not JSON, or a refusal with no more specific code; 404: the unit or category
# named is unknown, or (actions) the order is not visible; 409: expected_version is stale.
ERRORS = (400, 404, 409)


@router.post(
    "/orders",
    response=answers({201: OrderDetailOut}, *ERRORS),
    summary="受理 create an order",
    exclude_unset=True,
)
def create_order(request: HttpRequest, payload: OrderIn) -> Status[dict]:
    user = _user(request)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > lim.IDEMPOTENCY_KEY_MAX:
        raise services.GuardFailed(
            "Idempotency-Key", f"must be at most {lim.IDEMPOTENCY_KEY_MAX} characters"
        )
    order = services.workorder_create(actor=user, idempotency_key=key, **payload.dict())
    return Status(201, _render(order, user, timeline=True))


class ListQuery(Schema):
    state: State | None = None
    unit: str | None = None
    category: str | None = None
    kind: Kind | None = None
    channel: Channel | None = None
    q: str | None = Field(None, max_length=200)
    created_after: BoundedTime | None = None
    created_before: BoundedTime | None = None
    overdue: bool = Field(False, description="only open orders past their handling deadline")
    page: Page = 1
    page_size: int = Field(50, ge=1, le=500)


@router.get(
    "/orders",
    response=answers({200: OrderPage}, 400),
    summary="list and filter orders",
    exclude_unset=True,
)
def list_orders(request: HttpRequest, query: Query[ListQuery]) -> dict:
    user = _user(request)
    params = query.dict()
    page, size = params.pop("page"), params.pop("page_size")
    params["overdue_at"] = clock.now() if params.pop("overdue") else None
    filters = selectors.OrderFilters(**params)
    qs = selectors.workorder_list(user=user, filters=filters)
    rows = list(qs[(page - 1) * size : page * size])
    led = selectors.led_part(user)
    part = None if led is None else selectors.workorder_list(user=user, filters=filters, part=led)
    total = list_total(qs, part=part)
    return {
        "count": total.count,
        "count_estimated": total.estimated,
        "page": page,
        "page_size": size,
        "items": [_render(o, user) for o in rows],
    }


@router.get(
    "/orders/{number}",
    response=answers({200: OrderDetailOut}, 404),
    summary="detail",
    exclude_unset=True,
)
def get_order(request: HttpRequest, number: str, unmask: bool = False) -> dict:
    """The order with its timeline. ``unmask=true`` reveals the caller, and the read is logged."""
    user = _user(request)
    return _render(_visible(user, number), user, unmask=unmask, timeline=True)


# -- one endpoint per lifecycle action ---------------------------------------------------------


class ActionIn(BodyIn):
    expected_version: RowId | None = Field(
        None, description="the version you saw; 409 if the order changed since"
    )


class AttachmentIn(BodyIn):
    name: str = Field(
        min_length=1, max_length=lim.ATTACHMENT_NAME_MAX, description="file name, e.g. 现场照片.jpg"
    )
    content_base64: str = Field(min_length=1, description="the file's bytes, base64-encoded")


class WithAttachmentsIn(ActionIn):
    attachments: list[AttachmentIn] = Field(
        [], max_length=lim.ATTACHMENTS_MAX, description="附件: PNG, JPEG or PDF, at most 10 MB each"
    )


class AnswerIn(ActionIn):
    answer: str = Field(min_length=1, max_length=lim.TEXT_MAX)
    article: RowId | None = Field(None, description="knowledge-base article read out (知识库)")


class DispatchIn(ActionIn):
    to_unit: str = Field(min_length=1, max_length=lim.CODE_MAX)
    assist: list[Annotated[str, Field(min_length=1, max_length=lim.CODE_MAX)]] = Field(
        [], max_length=lim.ASSIST_MAX, description="协办: codes of the assisting units"
    )
    note: str = Field("", max_length=lim.SHORT_NOTE_MAX)
    category: str = Field("", max_length=lim.CODE_MAX, description="correct the category (改类)")


class ReassignIn(ActionIn):
    to_unit: str = Field(min_length=1, max_length=lim.CODE_MAX, description="the new lead unit")
    reason: str = Field(min_length=1, max_length=lim.NOTE_MAX, description="why it is reassigned")
    assist: list[Annotated[str, Field(min_length=1, max_length=lim.CODE_MAX)]] = Field(
        [], max_length=lim.ASSIST_MAX, description="协办: codes of the assisting units"
    )


class NoteIn(ActionIn):
    note: str = Field(min_length=1, max_length=lim.NOTE_MAX)


class OptionalNoteIn(ActionIn):
    note: str = Field("", max_length=lim.NOTE_MAX)


class ContactIn(NoteIn):
    method: Literal["phone", "sms", "visit", "other"] = "phone"


class ReplyIn(ActionIn):
    text: str = Field(min_length=1, max_length=lim.TEXT_MAX)


class ExtensionIn(WithAttachmentsIn):
    days: int = Field(ge=lim.EXTENSION_DAYS_MIN, le=lim.EXTENSION_DAYS_MAX)
    reason: str = Field(min_length=1, max_length=lim.NOTE_MAX)


class ReasonIn(ActionIn):
    reason: str = Field(min_length=1, max_length=lim.NOTE_MAX)


class OptionalReasonIn(ActionIn):
    reason: str = Field("", max_length=lim.NOTE_MAX)


class ReturnIn(WithAttachmentsIn):
    reason: str = Field(min_length=1, max_length=lim.NOTE_MAX)
    basis: str = Field(min_length=1, max_length=lim.NOTE_MAX)
    suggested_unit: str = Field(min_length=1, max_length=lim.CODE_MAX)


class CloseIn(WithAttachmentsIn):
    result: str = Field(min_length=1, max_length=lim.TEXT_MAX)
    evidence: list[Annotated[str, Field(max_length=lim.EVIDENCE_ITEM_MAX)]] = Field(
        [], max_length=lim.EVIDENCE_MAX
    )


_FORWARDED = "empty when a unit lead forwards a submission: the submission's is taken"


class RequestReturnIn(WithAttachmentsIn):
    reason: str = Field("", max_length=lim.NOTE_MAX, description=_FORWARDED)
    basis: str = Field("", max_length=lim.NOTE_MAX, description=_FORWARDED)
    suggested_unit: str = Field("", max_length=lim.CODE_MAX, description=_FORWARDED)


class RequestCloseIn(WithAttachmentsIn):
    result: str = Field("", max_length=lim.TEXT_MAX, description=_FORWARDED)
    evidence: list[Annotated[str, Field(max_length=lim.EVIDENCE_ITEM_MAX)]] = Field(
        [], max_length=lim.EVIDENCE_MAX
    )


class OpinionIn(WithAttachmentsIn):
    text: str = Field(min_length=1, max_length=lim.TEXT_MAX, description="协办意见")


class FollowUpIn(ActionIn):
    reached: bool
    resolved: bool | None = None
    satisfied: bool | None = None
    note: str = Field("", max_length=lim.NOTE_MAX)


class RateIn(ActionIn):
    score: int = Field(ge=lim.SCORE_MIN, le=lim.SCORE_MAX)
    comment: str = Field("", max_length=lim.SHORT_NOTE_MAX)


class MergeIn(ActionIn):
    into: str = Field(min_length=1, max_length=lim.ORDER_NUMBER_MAX)


ACTIONS: dict[Action, tuple[type[ActionIn], Callable[..., WorkOrder], str]] = {
    Action.ANSWER_DIRECTLY: (AnswerIn, services.workorder_answer_directly, "直接办结"),
    Action.DISPATCH: (DispatchIn, services.workorder_dispatch, "派单"),
    Action.REASSIGN: (ReassignIn, services.workorder_reassign, "改派"),
    Action.ACCEPT: (ActionIn, services.workorder_accept, "签收"),
    Action.CONTACT: (ContactIn, services.workorder_contact, "联系诉求人"),
    Action.VISIT: (NoteIn, services.workorder_visit, "现场查看"),
    Action.REPLY: (ReplyIn, services.workorder_reply, "答复"),
    Action.ASSIST_OPINION: (OpinionIn, services.workorder_assist_opinion, "协办意见"),
    Action.REQUEST_EXTENSION: (ExtensionIn, services.workorder_request_extension, "申请延期"),
    Action.APPROVE_EXTENSION: (OptionalNoteIn, services.workorder_approve_extension, "延期通过"),
    Action.REJECT_EXTENSION: (OptionalReasonIn, services.workorder_reject_extension, "延期驳回"),
    Action.SUBMIT_RETURN: (ReturnIn, services.workorder_submit_return, "退单报单位审核"),
    Action.SUBMIT_CLOSE: (CloseIn, services.workorder_submit_close, "办结报单位审核"),
    Action.SEND_BACK: (ReasonIn, services.workorder_send_back, "单位审核退回"),
    Action.REQUEST_RETURN: (RequestReturnIn, services.workorder_request_return, "申请退单"),
    Action.APPROVE_RETURN: (OptionalNoteIn, services.workorder_approve_return, "退单通过"),
    Action.REJECT_RETURN: (ReasonIn, services.workorder_reject_return, "退单驳回"),
    Action.REQUEST_CLOSE: (RequestCloseIn, services.workorder_request_close, "申请办结"),
    Action.APPROVE_CLOSE: (OptionalNoteIn, services.workorder_approve_close, "办结通过"),
    Action.REJECT_CLOSE: (ReasonIn, services.workorder_reject_close, "办结驳回"),
    Action.URGE: (NoteIn, services.workorder_urge, "督办"),
    Action.FOLLOW_UP: (FollowUpIn, services.workorder_follow_up, "回访"),
    Action.RATE: (RateIn, services.workorder_rate, "评价"),
    Action.REOPEN: (ReasonIn, services.workorder_reopen, "重办"),
    Action.MERGE: (MergeIn, services.workorder_merge, "并单"),
    Action.ARCHIVE: (ActionIn, services.workorder_archive, "归档"),
    Action.MARK_KEY: (NoteIn, services.workorder_mark_key, "标记重点工单"),
}


def _register(action: Action, schema: type[ActionIn], service: Callable[..., WorkOrder]) -> None:
    def endpoint(request: HttpRequest, number: str, payload: schema) -> dict:  # type: ignore[valid-type]
        user = _user(request)
        order = _visible(user, number)
        body = payload.dict()  # type: ignore[attr-defined]
        if "attachments" in body:
            body["attachments"] = attachments_decode(body["attachments"])
        updated = service(actor=user, order=order, **body)
        return _render(updated, user, timeline=True)

    endpoint.__name__ = f"order_{action.value}"
    _, _, label = ACTIONS[action]
    router.post(
        f"/orders/{{number}}/{action.value}",
        response=answers({200: OrderDetailOut}, *ERRORS),
        summary=f"{label} {action.value}",
        exclude_unset=True,
    )(endpoint)


for _action, (_schema, _service, _label) in ACTIONS.items():
    _register(_action, _schema, _service)
