"""The HTTP API: session or bearer-token auth, OpenAPI docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from hotline.accounts.models import ApiToken
from hotline.callcenter.api import router as callcenter_router
from hotline.dispatch.api import router as dispatch_router
from hotline.domain.lifecycle import GuardFailed, LifecycleError
from hotline.supervision.api import router as supervision_router
from hotline.supervision.liaison_api import router as liaison_router
from hotline.workorders.api import router as workorders_router


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\u escapes: readable in logs and by people debugging."""

    media_type = "application/json; charset=utf-8"
    json_dumps_params = {"ensure_ascii": False}


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return ApiToken.user_for(token)


api = NinjaAPI(
    title="12345 Hotline API",
    version="1",
    description="政务服务便民热线: work orders, every lifecycle action, hash-chained timeline.",
    auth=[BearerToken(), django_auth],
    renderer=Utf8JSONRenderer(),
)
api.add_router("/", workorders_router)
api.add_router("/", callcenter_router)
api.add_router("/", supervision_router)
api.add_router("/", liaison_router)
api.add_router("/", dispatch_router)

STATUS = {"conflict": 409, "forbidden": 403, "invalid": 422, "not_found": 404}


@api.exception_handler(LifecycleError)
def lifecycle_error(request: HttpRequest, exc: LifecycleError) -> HttpResponse:
    if isinstance(exc, GuardFailed):
        detail: Any = [{"loc": ["body", exc.field], "msg": exc.message, "type": "invalid"}]
    else:
        detail = str(exc)
    return api.create_response(request, {"detail": detail}, status=STATUS.get(exc.code, 400))
