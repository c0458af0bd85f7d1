"""Open311 GeoReport v2 endpoints under /open311/v2/: thin, every error in the spec's body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from hotline.accounts.throttle import OPEN311_KEYS
from hotline.domain.lifecycle import GuardFailed, LifecycleError
from hotline.open311 import selectors
from hotline.open311.render import FORMATS, Open311Error, render, render_error
from hotline.open311.services import attributes_of, open311_request_create

View = Callable[..., HttpResponse]


def open311_view(*methods: str) -> Callable[[View], View]:
    """Format check, allowed methods, and the spec's error body for every refusal."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return render_error("xml", Open311Error(404, f"format .{fmt} is not served"))
            if request.method not in methods:
                return render_error(fmt, Open311Error(405, f"{request.method} is not allowed"))
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(fmt, error)
            except GuardFailed as error:
                return render_error(fmt, Open311Error(400, str(error)))
            except LifecycleError as error:
                return render_error(fmt, Open311Error(403, str(error)))

        return wrapped

    return decorate


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    config = settings.HOTLINE_OPEN311
    body = {
        "changeset": config["changeset"],
        "contact": config["contact"],
        "key_service": config["key_service"],
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": config["changeset"],
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@open311_view("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", selectors.services(), item="service")


@open311_view("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    return render(fmt, "service_definition", selectors.service_definition(code))


@open311_view("GET", "POST")
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    query = request.GET
    found = selectors.requests(
        ids=_list(query.get("service_request_id")),
        service_codes=_list(query.get("service_code")),
        start=_when(query.get("start_date"), "start_date"),
        end=_when(query.get("end_date"), "end_date"),
        status=_list(query.get("status")),
    )
    return render(fmt, "service_requests", found, item="request")


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    form = {key: request.POST.get(key, "") for key in request.POST}
    api_key = request.POST.get("api_key") or request.GET.get("api_key", "")
    if OPEN311_KEYS.blocked(request):
        # Too many unknown keys from this address: no key is tried, right or wrong.
        raise Open311Error(
            429,
            "Too many invalid api_key attempts from this address -- "
            f"try again in {OPEN311_KEYS.minutes} minutes.",
        )
    try:
        order = open311_request_create(
            api_key=api_key, form=form, attributes=attributes_of(dict(request.POST.lists()))
        )
    except Open311Error as error:
        if error.status == 403:  # the api_key was refused
            OPEN311_KEYS.failed(request)
        raise
    body = [{"service_request_id": order.number, "service_notice": "", "account_id": None}]
    return render(fmt, "service_requests", body, item="request", status=201)


@open311_view("GET")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    return render(fmt, "service_requests", [selectors.request(number)], item="request")


@open311_view("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    body = [selectors.request_id_for_token(token)]
    return render(fmt, "service_requests", body, item="request")


def _list(value: str | None) -> list[str] | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return items or None


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, f"{name} must be a W3C date-time like 2010-01-01T00:00:00Z"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
