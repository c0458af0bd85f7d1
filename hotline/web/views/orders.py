"""Order list (filter, paginate, export), order page (timeline, evidence, actions)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from hotline import clock
from hotline.accounts.access import INTAKE_ROLES, STAFF_ROLES
from hotline.accounts.models import Unit, User
from hotline.dispatch import selectors as dispatch_selectors
from hotline.domain import lifecycle
from hotline.domain.lifecycle import Action, LifecycleError
from hotline.web import labels
from hotline.web.access import EVERYONE, for_roles, role_of
from hotline.web.export import xlsx_response
from hotline.web.forms import form_fields, parse
from hotline.workorders import selectors, services
from hotline.workorders.api import ACTIONS
from hotline.workorders.attachments import CheckedFile, attachments_check, attachments_store
from hotline.workorders.models import Category, WorkOrder

PAGE_SIZE = 50
# 待回访: closed by a unit, nobody has called the citizen back yet.
FOLLOW_UP = {"state": lifecycle.State.CLOSED, "reached__isnull": True, "first_unit__gt": ""}


def signed_in_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def visible_order(request: HttpRequest, number: str) -> WorkOrder:
    order = selectors.workorder_get(user=signed_in_user(request), number=number)
    if order is None:
        raise Http404("no such order")
    return order


def filters_from(request: HttpRequest) -> selectors.OrderFilters:
    get = request.GET
    state = get.get("state") or None
    return selectors.OrderFilters(
        state=lifecycle.State(state) if state in labels.STATES else None,
        category=get.get("category") or None,
        unit=get.get("unit") or None,
        q=(get.get("q") or "")[:200] or None,
        overdue_at=clock.now() if get.get("overdue") else None,
    )


def order_rows(user: User, orders: Any) -> list[dict[str, Any]]:
    rows = []
    for o in orders:
        caller = selectors.caller_masked(o, user)
        rows.append(
            {
                "order": o,
                "state": labels.STATES.get(o.state, o.state),
                "kind": labels.KINDS.get(o.kind, o.kind),
                "caller": caller,
            }
        )
    return rows


EXPORT_HEADER = (
    "工单号 number",
    "状态 state",
    "类型 kind",
    "分类 category",
    "诉求 text",
    "地点 location",
    "来电人 caller",
    "电话 phone",
    "承办单位 unit",
    "受理时间 created",
    "办理时限 deadline",
)


def _export(user: User, orders: Any) -> HttpResponse:
    def rows() -> Any:
        for r in order_rows(user, orders.iterator(chunk_size=2000)):
            o = r["order"]
            yield (
                o.number,
                r["state"],
                r["kind"],
                o.category,
                o.text,
                o.location,
                r["caller"]["name"],
                r["caller"]["phone"],
                o.current_unit,
                timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(o.handle_deadline).strftime("%Y-%m-%d %H:%M")
                if o.handle_deadline
                else "",
            )

    return xlsx_response("orders.xlsx", "工单 orders", EXPORT_HEADER, rows())


@for_roles(EVERYONE)
def order_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    orders = selectors.workorder_list(user=user, filters=filters_from(request))
    if request.GET.get("extension"):
        orders = orders.filter(extension_pending=True)
    if request.GET.get("followup"):
        orders = orders.filter(**FOLLOW_UP)
    if request.GET.get("export") == "xlsx":
        return _export(user, orders)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/orders.html",
        {
            "page": page,
            "rows": order_rows(user, page.object_list),
            "states": labels.STATES,
            "categories": Category.objects.filter(is_active=True),
            "query": query.urlencode(),
            "params": request.GET,
        },
    )


def allowed_actions(user: User, order: WorkOrder) -> list[Action]:
    """The actions this user may take on the order now (state and role; data checked later)."""
    try:
        who = services.actor_of(user)
    except LifecycleError:
        return []
    facts = services.facts_of(order.to_snapshot())
    found = []
    for action in ACTIONS:
        try:
            lifecycle.check_transition(facts.state, action)
            lifecycle.check_permission(facts, action, who)
        except LifecycleError:
            continue
        found.append(action)
    return found


def _forms(user: User, order: WorkOrder, errors: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "action": str(action),
            "label": labels.ACTION_NAMES[str(action)],
            "files": action in WITH_ATTACHMENTS,
            "fields": form_fields(ACTIONS[action][0]),
            "errors": errors.get(str(action), {}),
        }
        for action in allowed_actions(user, order)
    ]


# A citizen sees what was answered, not the internal notes, units' requests or reviews.
CITIZEN_DATA = {"text", "answer", "score", "comment"}


def _timeline(user: User, order: WorkOrder, evidence: set[int]) -> list[dict[str, Any]]:
    citizen = user.hotline_role is lifecycle.Role.CITIZEN
    files: dict[int, list[Any]] = {}
    for attachment in order.attachments.all():
        files.setdefault(attachment.seq, []).append(attachment)
    shown = []
    for event in selectors.workorder_timeline(user=user, order=order):
        data = {
            k: v
            for k, v in event["data"].items()
            if k != "suggested" and (not citizen or k in CITIZEN_DATA)
        }
        shown.append(
            {
                **event,
                "label": labels.ACTION_NAMES.get(str(event["action"]), event["action"]),
                "data": data,
                "evidence": event["seq"] in evidence,
                "files": [] if citizen else files.get(event["seq"], []),
            }
        )
    return shown


def _evidence(request: HttpRequest) -> set[int]:
    raw = request.GET.get("evidence", "")
    return {int(part) for part in raw.split(",") if part.strip().isdigit()}


@for_roles(EVERYONE)
def order_detail(
    request: HttpRequest, number: str, errors: dict[str, Any] | None = None
) -> HttpResponse:
    user = signed_in_user(request)
    order = visible_order(request, number)
    role = role_of(request)
    assist = None
    if role in INTAKE_ROLES and order.state == lifecycle.State.RECEIVED:
        assist = dispatch_selectors.intake_assist(
            user=user,
            text=order.text,
            caller_phone=order.caller_phone,
            location=order.location,
            area=order.area,
            category=order.category,
            exclude=order.number,
        )
    deadline_left = None
    if order.handle_deadline and order.state in lifecycle.OPEN_STATES:
        deadline_left = working_hours_left(order.handle_deadline)
    return render(
        request,
        "web/order.html",
        {
            "order": order,
            "state": labels.STATES.get(order.state, order.state),
            "kind": labels.KINDS.get(order.kind, order.kind),
            "caller": selectors.caller_masked(order, user),
            "timeline": _timeline(user, order, _evidence(request)),
            "forms": _forms(user, order, errors or {}),
            "units": Unit.objects.filter(is_active=True).exclude(code="center"),
            "assist": assist,
            "deadline_left": deadline_left,
            "is_staff_role": role in STAFF_ROLES,
        },
        status=422 if errors else 200,
    )


# Requests a unit backs with evidence files (附件).
WITH_ATTACHMENTS = {Action.REQUEST_RETURN, Action.REQUEST_EXTENSION, Action.REQUEST_CLOSE}


def _uploads(request: HttpRequest, action: Action) -> list[CheckedFile]:
    uploads = request.FILES.getlist("attachments") if action in WITH_ATTACHMENTS else []
    limit = int(settings.HOTLINE_ATTACHMENT_MAX_BYTES)
    for upload in uploads:
        if (upload.size or 0) > limit:  # refuse before reading it into memory
            raise lifecycle.GuardFailed(
                "attachments", f"{upload.name} is over {limit / 1e6:.0f} MB"
            )
    return attachments_check([(upload.name or "", upload.read()) for upload in uploads])


@for_roles(EVERYONE)
def attachment_download(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    order = visible_order(request, number)
    found = order.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise Http404("no such attachment")
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )


def working_hours_left(deadline: Any) -> float:
    """Working hours until ``deadline`` on the working calendar; negative once overdue."""
    now = clock.now()
    calendar = services.working_calendar()
    if deadline >= now:
        return calendar.working_time_between(now, deadline).total_seconds() / 3600
    return -calendar.working_time_between(deadline, now).total_seconds() / 3600


@for_roles(EVERYONE)
def order_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if request.method != "POST":
        raise Http404("actions are posted")
    user = signed_in_user(request)
    order = visible_order(request, number)
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404("no such action") from None
    if chosen not in ACTIONS or chosen not in allowed_actions(user, order):
        raise Http404("no such action here")
    schema, service, label = ACTIONS[chosen]
    payload, errors = parse(schema, request.POST)
    if payload is None:
        return order_detail(request, number, errors={action: errors})
    try:
        files = _uploads(request, chosen)
        with services.write_transaction():
            updated = service(actor=user, order=order, **payload.dict())
            if files:
                attachments_store(actor=user, order=updated, seq=updated.version, files=files)
    except lifecycle.GuardFailed as exc:
        return order_detail(request, number, errors={action: {exc.field: exc.message}})
    except LifecycleError as exc:
        messages.error(request, f"{label}: {exc}")
        return redirect("web:order", number=number)
    messages.success(request, f"{label} ✓")
    return redirect("web:order", number=number)
