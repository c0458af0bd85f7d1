"""联络员 API: the key orders, findings and open cases of a liaison officer's scope, and handing
an order to a case. Liaison officers only (everyone else gets 403); marking an order is
``POST /api/orders/{number}/mark_key``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from hotline.accounts.models import User
from hotline.api_common import BodyIn, answers
from hotline.domain.policy import Area, may_enter
from hotline.domain.supervision.cases import CaseError
from hotline.supervision import liaison

router = Router(tags=["liaison"])


def _liaison(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or not may_enter(role=user.hotline_role, area=Area.LIAISON):
        raise HttpError(403, "liaison is for liaison officers (联络员) only")
    return user


class CaseBrief(Schema):
    number: str
    title: str


class KeyOrderOut(Schema):
    order: str
    state: str
    unit: str
    note: str
    marked_by: str
    marked_at: datetime
    cases: list[CaseBrief]


@router.get("/liaison/key-orders", response=answers({200: list[KeyOrderOut]}))
def key_orders(request: HttpRequest) -> Any:
    """重点工单 of the caller's scope, newest mark first, with the cases each was handed to."""
    return [
        {
            "order": row["order"].number,
            "state": row["order"].state,
            "unit": row["order"].current_unit,
            "note": row["note"],
            "marked_by": row["actor"],
            "marked_at": row["at"],
            "cases": row["cases"],
        }
        for row in liaison.key_orders(user=_liaison(request))
    ]


@router.get("/liaison/findings", response=answers({200: list[dict[str, Any]]}))
def findings(request: HttpRequest) -> Any:
    """The supervision findings on orders of the caller's scope (no others)."""
    return liaison.liaison_findings(user=_liaison(request))


@router.get("/liaison/cases", response=answers({200: list[CaseBrief]}))
def cases(request: HttpRequest) -> Any:
    """The cases still taking orders: number and title only."""
    return liaison.open_cases(user=_liaison(request))


class HandIn(BodyIn):
    order: str = Field(min_length=1, max_length=32)
    note: str = Field("", max_length=2000, description="why the order matters to the case")


class HandOut(Schema):
    case: CaseBrief
    order: str


@router.post("/liaison/cases/{case}/orders", response=answers({200: HandOut}, 400, 404, 409, 422))
def hand_to_case(request: HttpRequest, case: str, payload: HandIn) -> Any:
    """移交: hand an order of the caller's scope to a case still being worked; the case's
    stream records attach_order by the caller."""
    actor = _liaison(request)
    try:
        row = liaison.order_hand_to_case(
            actor=actor, order=payload.order, case=case, note=payload.note
        )
    except liaison.AlreadyHanded as error:
        raise HttpError(409, str(error)) from None
    except CaseError as error:
        if error.field in ("order", "case"):
            raise HttpError(404, str(error)) from None
        raise HttpError(422, str(error)) from None
    return {"case": {"number": row.number, "title": row.title}, "order": payload.order}
