"""Order list (filter, paginate, export), order page (timeline, evidence, actions)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline import clock
from hotline.accounts.access import center_unit
from hotline.accounts.models import Unit, User
from hotline.dispatch import selectors as dispatch_selectors
from hotline.domain import lifecycle, policy
from hotline.domain.lifecycle import Action, LifecycleError
from hotline.domain.policy import Area, Audience, OrderField, StepPart
from hotline.domain.sla import WorkingCalendar
from hotline.reference.models import Category
from hotline.reference.selectors import working_calendar
from hotline.web import labels
from hotline.web.access import EVERYONE, for_roles, role_of
from hotline.web.export import xlsx_response
from hotline.web.forms import form_fields, parse
from hotline.web.unit_review import forward_label, prefilled
from hotline.web.views.assist import assist_context
from hotline.web.views.hotspot_notice import hotspot_notice
from hotline.workorders import selectors, services
from hotline.workorders.api import ACTIONS
from hotline.workorders.attachments import CheckedFile, attachments_check
from hotline.workorders.follow_ups import follow_ups_due
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.totals import TotalPaginator
from hotline.workorders.unit_review_selectors import review_submission

PAGE_SIZE = 50
# 待回访: closed by a unit, nobody has called the citizen back yet.


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
    """List rows: each order as the user's audience sees it (``shown``), with Chinese labels."""
    audience = selectors.audience_of(user)
    rows = []
    for o in orders:
        shown = selectors.order_shown(audience=audience, order=o)
        rows.append(
            {
                "order": o,
                "shown": shown,
                "state": labels.STATES.get(shown.get("state", ""), shown.get("state", "")),
                "kind": labels.KINDS.get(shown.get("kind", ""), shown.get("kind", "")),
            }
        )
    return rows


# Columns of the order export: header and the attribute each shows (blank where it is hidden).
EXPORT_COLUMNS = (
    (_("工单号"), "number"),
    (_("状态"), "state"),
    (_("类型"), "kind"),
    (_("分类"), "category"),
    (_("诉求"), "text"),
    (_("地点"), "location"),
    (_("来电人"), "caller_name"),
    (_("电话"), "caller_phone"),
    (_("承办单位"), "current_unit"),
    (_("受理时间"), "created_at"),
    (_("办理时限"), "handle_deadline"),
)


def _export(user: User, orders: Any) -> HttpResponse:
    def rows() -> Any:
        for r in order_rows(user, orders.iterator(chunk_size=2000)):
            named = r["shown"]
            shown = {
                **named,
                "state": r["state"],
                "kind": r["kind"],
                "category": _named(labels.category_name, named.get("category")),
                "current_unit": _named(labels.unit_name, named.get("current_unit")),
            }
            yield tuple(_cell(shown.get(name)) for _, name in EXPORT_COLUMNS)

    header = [str(title) for title, _name in EXPORT_COLUMNS]
    return xlsx_response("orders.xlsx", gettext("工单"), header, rows())


def _named(name: Any, code: Any) -> str | None:
    return name(code) if code else None


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Promise):
        return str(value)
    return "" if value is None else value


def _listed(request: HttpRequest, user: User, part: Q | None = None) -> QuerySet[WorkOrder]:
    orders = selectors.workorder_list(user=user, filters=filters_from(request), part=part)
    if request.GET.get("extension"):
        orders = orders.filter(extension_pending=True)
    if request.GET.get("followup"):  # 待回访: the worklist's own rule (time limit, tries)
        orders = orders.filter(pk__in=follow_ups_due(user).values("pk"))
    return orders


@for_roles(EVERYONE)
def order_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    orders = _listed(request, user)
    if request.GET.get("export") == "xlsx":
        return _export(user, orders)
    led = selectors.led_part(user)
    part = None if led is None else _listed(request, user, part=led)
    page = TotalPaginator(orders, PAGE_SIZE, part=part).get_page(request.GET.get("page"))
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
    """The actions with a form that this user may take on the order now (the policy's answer)."""
    try:
        who = services.actor_of(user)
    except LifecycleError:
        return []
    facts = services.facts_of(order.to_snapshot())
    return [a for a in policy.actions_available(facts=facts, actor=who) if a in ACTIONS]


def _forms(
    user: User, order: WorkOrder, errors: dict[str, Any], submitted: WorkOrderEvent | None
) -> list[dict[str, Any]]:
    return [
        {
            "action": str(action),
            "label": forward_label(action, submitted) or labels.label(labels.ACTION_NAMES, action),
            "files": action in WITH_ATTACHMENTS,
            "fields": prefilled(form_fields(ACTIONS[action][0]), action, submitted),
            "errors": errors.get(str(action), {}),
        }
        for action in allowed_actions(user, order)
    ]


def order_facts(shown: dict[str, Any]) -> list[dict[str, str]]:
    """One row per order field the reader may see, in the policy's order; the fields it may not
    see were left out of ``shown`` (policy.disclose), so they get no row at all. Codes are shown
    by their names (unit, category, area, state …)."""
    names = _fact_names()
    facts = []
    for field, attributes in policy.ATTRIBUTES.items():
        if any(name in shown for name in attributes):
            text = " / ".join(_fact_text(field, shown.get(a), names) for a in attributes)
            label = str(labels.ORDER_FIELDS[field])
            facts.append({"field": str(field), "label": label, "text": text})
    return facts


def _fact_names() -> dict[OrderField, Mapping[str, Any]]:
    """Fields shown by their Chinese names rather than their codes."""
    units = labels.unit_names()
    return {
        OrderField.STATE: labels.STATES,
        OrderField.KIND: labels.KINDS,
        OrderField.CHANNEL: labels.CHANNELS,
        OrderField.URGENCY: labels.URGENCIES,
        OrderField.CATEGORY: labels.category_names(),
        OrderField.AREA: labels.area_names(),
        OrderField.UNIT: units,
        OrderField.ASSIST_UNITS: units,
    }


def _fact_text(field: OrderField, value: Any, names: dict[OrderField, Mapping[str, Any]]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    named = names.get(field, {})
    if isinstance(value, list | tuple):
        return "、".join(str(named.get(str(v), v)) for v in value)
    if isinstance(value, str) and value in named:
        return str(named[value])
    if isinstance(value, bool):
        return labels.yes_no(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.4f}" if field is OrderField.COORDINATES else labels.number(value)
    return str(value)


def order_timeline(
    *, audience: Audience, order: WorkOrder, evidence: set[int]
) -> list[dict[str, Any]]:
    """The steps as ``audience`` sees them, labelled, with their files where it sees files."""
    files: dict[int, list[Any]] = {}
    if policy.shows_part(audience=audience, part=StepPart.FILES):
        for attachment in order.attachments.all():
            files.setdefault(attachment.seq, []).append(attachment)
    return [
        {
            **step,
            "label": labels.label(labels.ACTION_NAMES, step["action"]),
            "evidence": step["seq"] in evidence,
            "files": files.get(step["seq"], []),
        }
        for step in selectors.workorder_timeline(audience=audience, order=order)
    ]


def _evidence(request: HttpRequest) -> set[int]:
    raw = request.GET.get("evidence", "")
    return {int(part) for part in raw.split(",") if part.strip().isdigit()}


STAFF_AUDIENCES = (Audience.UNIT, Audience.CENTER, Audience.SUPERVISOR)


@for_roles(EVERYONE)
def order_detail(
    request: HttpRequest, number: str, errors: dict[str, Any] | None = None
) -> HttpResponse:
    user = signed_in_user(request)
    order = visible_order(request, number)
    audience = selectors.audience_of(user)
    assist = None
    if policy.may_enter(role=role_of(request), area=Area.ASSIST) and (
        order.state == lifecycle.State.RECEIVED
    ):
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
    timeline = order_timeline(audience=audience, order=order, evidence=_evidence(request))
    submitted = review_submission(order)
    forms = _forms(user, order, errors or {}, submitted)
    opinions = assist_context(audience=audience, order=order, timeline=timeline, forms=forms)
    return render(
        request,
        "web/order.html",
        {
            "order": order,
            "state": labels.STATES.get(order.state, order.state),
            "facts": order_facts(selectors.order_shown(audience=audience, order=order)),
            "timeline": timeline,
            "forms": forms,
            **opinions,
            "units": Unit.objects.filter(is_active=True).exclude(code=center_unit()),
            "assist": assist,
            "deadline_left": deadline_left,
            "hotspot": hotspot_notice(request, number=order.number),
            # 已报单位负责人审核: staff see who submitted what (citizens see the state only).
            "review_submission": (
                submitted
                if audience in (Audience.UNIT, Audience.CENTER, Audience.SUPERVISOR)
                else None
            ),
        },
        status=422 if errors else 200,
    )


# Requests a unit backs with evidence files (附件).
WITH_ATTACHMENTS = {
    Action.REQUEST_RETURN,
    Action.REQUEST_EXTENSION,
    Action.REQUEST_CLOSE,
    Action.ASSIST_OPINION,
    Action.SUBMIT_RETURN,
    Action.SUBMIT_CLOSE,
}


def _uploads(request: HttpRequest, action: Action) -> list[CheckedFile]:
    uploads = request.FILES.getlist("attachments") if action in WITH_ATTACHMENTS else []
    limit = int(settings.HOTLINE_ATTACHMENT_MAX_BYTES)
    for upload in uploads:
        if (upload.size or 0) > limit:  # refuse before reading it into memory
            raise lifecycle.GuardFailed(
                "attachments",
                gettext("%(name)s 超过 %(limit)s MB")
                % {"name": upload.name, "limit": f"{limit / 1e6:.0f}"},
            )
    return attachments_check([(upload.name or "", upload.read()) for upload in uploads])


@for_roles(EVERYONE)
def attachment_download(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    order = visible_order(request, number)
    audience = selectors.audience_of(signed_in_user(request))
    found = order.attachments.filter(pk=attachment_id).first()
    if found is None or not policy.shows_part(audience=audience, part=StepPart.FILES):
        raise Http404("no such attachment")
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )


def with_hours_left(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's ``hours_left`` to its order's handling deadline (None without one), the
    working calendar read once for the list."""
    calendar = working_calendar()
    for row in rows:
        deadline = row["order"].handle_deadline
        row["hours_left"] = working_hours_left(deadline, calendar) if deadline else None
    return rows


def working_hours_left(deadline: Any, calendar: WorkingCalendar | None = None) -> float:
    """Working hours until ``deadline`` on the working calendar (read once per list by the
    caller, or here); negative once overdue."""
    now = clock.now()
    calendar = calendar or working_calendar()
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
    schema, service, _label = ACTIONS[chosen]
    payload, errors = parse(schema, request.POST)
    if payload is None:
        return order_detail(request, number, errors={action: errors})
    try:
        body = payload.dict()
        if chosen in WITH_ATTACHMENTS:
            body["attachments"] = _uploads(request, chosen)
        service(actor=user, order=order, **body)
    except lifecycle.GuardFailed as exc:
        return order_detail(request, number, errors={action: {exc.field: exc.message}})
    except LifecycleError as exc:
        messages.error(request, f"{labels.label(labels.ACTION_NAMES, chosen)}: {exc}")
        return redirect("web:order", number=number)
    messages.success(request, f"{labels.label(labels.ACTION_NAMES, chosen)} ✓")
    return redirect("web:order", number=number)
