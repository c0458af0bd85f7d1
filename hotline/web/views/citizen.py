"""市民 pages: submit a request, see one's own orders, follow any order by its tracking code."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from hotline.accounts.throttle import TRACKING
from hotline.domain import tracking
from hotline.domain.lifecycle import Role
from hotline.domain.policy import Audience
from hotline.reference.models import Category
from hotline.web import labels
from hotline.web.access import for_roles
from hotline.web.forms import order_create
from hotline.web.views.orders import (
    PAGE_SIZE,
    order_facts,
    order_rows,
    order_timeline,
    signed_in_user,
)
from hotline.workorders import selectors
from hotline.workorders.models import WorkOrder

SUBMIT_FIELDS = ("kind", "category", "text", "location", "caller_phone")


def tracking_code(number: str) -> str:
    """查询码: the order number and a 75-bit keyed check (hotline.domain.tracking)."""
    return tracking.tracking_code(key=settings.SECRET_KEY.encode(), number=number)


def order_for_code(code: str) -> WorkOrder | None:
    """The order a code opens; codes sent before a key rotation still work while the old key is
    in SECRET_KEY_FALLBACKS."""
    for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if number := tracking.code_matches(key=str(key).encode(), code=code):
            return WorkOrder.objects.filter(number=number).first()
    return None


@for_roles(Role.CITIZEN)
def my_orders(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = Paginator(selectors.restrict_orders(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = order_rows(user, page.object_list)
    for row in rows:
        row["code"] = tracking_code(row["order"].number)
    return render(request, "web/my_orders.html", {"rows": rows, "page": page, "query": ""})


@for_roles(Role.CITIZEN)
def submit(request: HttpRequest) -> HttpResponse:
    categories = Category.objects.filter(is_active=True)
    context = {"categories": categories, "kinds": labels.KINDS, "values": {}, "errors": {}}
    if request.method != "POST":
        return render(request, "web/submit.html", context)
    order, values, errors = order_create(
        actor=signed_in_user(request), data=request.POST, fields=SUBMIT_FIELDS, channel="web"
    )
    if order is None:
        return render(
            request, "web/submit.html", {**context, "values": values, "errors": errors}, status=422
        )
    messages.success(
        request, gettext("已提交，查询码 %(code)s") % {"code": tracking_code(order.number)}
    )
    return redirect("web:my_orders")


def track(request: HttpRequest) -> HttpResponse:
    """Public: the order's progress by tracking code, as the public sees it (the same as Open311
    shows), whoever is signed in: no personal data and no names at all."""
    code = request.GET.get("code", "").strip()[:80]
    if code and TRACKING.blocked(request):
        # Wrong codes from this address reached the limit: no answer, right or wrong, until
        # the window ends, so guessing gains nothing.
        return render(request, "web/throttled.html", {"minutes": TRACKING.minutes}, status=429)
    order = order_for_code(code) if code else None
    if code and order is None:
        TRACKING.failed(request)
    facts, steps = [], []
    if order is not None:
        facts = order_facts(selectors.order_shown(audience=Audience.PUBLIC, order=order))
        steps = order_timeline(audience=Audience.PUBLIC, order=order, evidence=set())
    return render(
        request,
        "web/track.html",
        {
            "code": code,
            "order": order,
            "state": labels.label(labels.STATES, order.state) if order else "",
            "facts": facts,
            "steps": steps,
            "not_found": bool(code) and order is None,
        },
        status=404 if code and order is None else 200,
    )
