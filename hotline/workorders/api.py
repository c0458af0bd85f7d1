"""REST API for work orders (django-ninja). Thin: parse, call a selector or service, render."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from hotline import clock
from hotline.accounts.models import User
from hotline.domain.lifecycle import Action, Channel, Kind, State, Urgency
from hotline.workorders import selectors, services
from hotline.workorders.attachments import attachments_decode
from hotline.workorders.models import WorkOrder

router = Router(tags=["work orders"])


class SuggestionIn(Schema):
    category: str = Field(min_length=1, max_length=64)
    score: float = Field(ge=0, le=1)


class OrderIn(Schema):
    channel: Channel = Channel.PHONE
    kind: Kind
    category: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=10000)
    location: str = Field("", max_length=300)
    area: str = Field("", max_length=64, description="行政区划 code: street or district")
    urgency: Urgency = Urgency.NORMAL
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=32, pattern=r"^[0-9+\- ]*$")
    caller_address: str = Field("", max_length=300)
    call_id: str = Field("", max_length=64, description="the phone call (来电) taken")
    suggested: list[SuggestionIn] = Field(
        [], max_length=10, description="智能派单: the category suggestions the agent was shown"
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
    count: int
    page: int
    page_size: int
    items: list[OrderOut]


class ErrorOut(Schema):
    detail: Any


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


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


@router.post(
    "/orders",
    response={201: OrderDetailOut, **ERRORS},
    summary="受理 create an order",
    exclude_unset=True,
)
def create_order(request: HttpRequest, payload: OrderIn) -> Status[dict]:
    user = _user(request)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise services.GuardFailed("Idempotency-Key", "must be at most 200 characters")
    order = services.workorder_create(actor=user, idempotency_key=key, **payload.dict())
    return Status(201, _render(order, user, timeline=True))


class ListQuery(Schema):
    state: State | None = None
    unit: str | None = None
    category: str | None = None
    kind: Kind | None = None
    channel: Channel | None = None
    q: str | None = Field(None, max_length=200)
    created_after: datetime | None = None
    created_before: datetime | None = None
    overdue: bool = Field(False, description="only open orders past their handling deadline")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


@router.get(
    "/orders",
    response={200: OrderPage, **ERRORS},
    summary="list and filter orders",
    exclude_unset=True,
)
def list_orders(request: HttpRequest, query: Query[ListQuery]) -> dict:
    user = _user(request)
    params = query.dict()
    page, size = params.pop("page"), params.pop("page_size")
    params["overdue_at"] = clock.now() if params.pop("overdue") else None
    qs = selectors.workorder_list(user=user, filters=selectors.OrderFilters(**params))
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "items": [_render(o, user) for o in rows],
    }


@router.get(
    "/orders/{number}",
    response={200: OrderDetailOut, **ERRORS},
    summary="detail",
    exclude_unset=True,
)
def get_order(request: HttpRequest, number: str, unmask: bool = False) -> dict:
    """The order with its timeline. ``unmask=true`` reveals the caller, and the read is logged."""
    user = _user(request)
    return _render(_visible(user, number), user, unmask=unmask, timeline=True)


# -- one endpoint per lifecycle action ---------------------------------------------------------


class ActionIn(Schema):
    expected_version: int | None = Field(
        None, description="the version you saw; 409 if the order changed since"
    )


class AttachmentIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="file name, e.g. 现场照片.jpg")
    content_base64: str = Field(min_length=1, description="the file's bytes, base64-encoded")


class WithAttachmentsIn(ActionIn):
    attachments: list[AttachmentIn] = Field(
        [], max_length=5, description="附件: PNG, JPEG or PDF, at most 10 MB each"
    )


class AnswerIn(ActionIn):
    answer: str = Field(min_length=1, max_length=10000)
    article: int | None = Field(None, description="knowledge-base article read out (知识库)")


class DispatchIn(ActionIn):
    to_unit: str = Field(min_length=1, max_length=64)
    assist: list[str] = []
    note: str = Field("", max_length=2000)
    category: str = Field("", max_length=64, description="correct the category (改类)")


class NoteIn(ActionIn):
    note: str = Field(min_length=1, max_length=5000)


class OptionalNoteIn(ActionIn):
    note: str = Field("", max_length=5000)


class ContactIn(NoteIn):
    method: Literal["phone", "sms", "visit", "other"] = "phone"


class ReplyIn(ActionIn):
    text: str = Field(min_length=1, max_length=10000)


class ExtensionIn(WithAttachmentsIn):
    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=5000)


class ReasonIn(ActionIn):
    reason: str = Field(min_length=1, max_length=5000)


class OptionalReasonIn(ActionIn):
    reason: str = Field("", max_length=5000)


class ReturnIn(WithAttachmentsIn):
    reason: str = Field(min_length=1, max_length=5000)
    basis: str = Field(min_length=1, max_length=5000)
    suggested_unit: str = Field(min_length=1, max_length=64)


class CloseIn(WithAttachmentsIn):
    result: str = Field(min_length=1, max_length=10000)
    evidence: list[str] = []


class FollowUpIn(ActionIn):
    reached: bool
    resolved: bool | None = None
    satisfied: bool | None = None
    note: str = Field("", max_length=5000)


class RateIn(ActionIn):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class MergeIn(ActionIn):
    into: str = Field(min_length=1, max_length=64)


ACTIONS: dict[Action, tuple[type[ActionIn], Callable[..., WorkOrder], str]] = {
    Action.ANSWER_DIRECTLY: (AnswerIn, services.workorder_answer_directly, "直接办结"),
    Action.DISPATCH: (DispatchIn, services.workorder_dispatch, "派单"),
    Action.ACCEPT: (ActionIn, services.workorder_accept, "签收"),
    Action.CONTACT: (ContactIn, services.workorder_contact, "联系诉求人"),
    Action.VISIT: (NoteIn, services.workorder_visit, "现场查看"),
    Action.REPLY: (ReplyIn, services.workorder_reply, "答复"),
    Action.REQUEST_EXTENSION: (ExtensionIn, services.workorder_request_extension, "申请延期"),
    Action.APPROVE_EXTENSION: (OptionalNoteIn, services.workorder_approve_extension, "延期通过"),
    Action.REJECT_EXTENSION: (OptionalReasonIn, services.workorder_reject_extension, "延期驳回"),
    Action.REQUEST_RETURN: (ReturnIn, services.workorder_request_return, "申请退单"),
    Action.APPROVE_RETURN: (OptionalNoteIn, services.workorder_approve_return, "退单通过"),
    Action.REJECT_RETURN: (ReasonIn, services.workorder_reject_return, "退单驳回"),
    Action.REQUEST_CLOSE: (CloseIn, services.workorder_request_close, "申请办结"),
    Action.APPROVE_CLOSE: (OptionalNoteIn, services.workorder_approve_close, "办结通过"),
    Action.REJECT_CLOSE: (ReasonIn, services.workorder_reject_close, "办结驳回"),
    Action.URGE: (NoteIn, services.workorder_urge, "督办"),
    Action.FOLLOW_UP: (FollowUpIn, services.workorder_follow_up, "回访"),
    Action.RATE: (RateIn, services.workorder_rate, "评价"),
    Action.REOPEN: (ReasonIn, services.workorder_reopen, "重办"),
    Action.MERGE: (MergeIn, services.workorder_merge, "并单"),
    Action.ARCHIVE: (ActionIn, services.workorder_archive, "归档"),
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
        response={200: OrderDetailOut, **ERRORS},
        summary=f"{label} {action.value}",
        exclude_unset=True,
    )(endpoint)


for _action, (_schema, _service, _label) in ACTIONS.items():
    _register(_action, _schema, _service)
