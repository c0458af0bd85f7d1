"""Smart-dispatch API: suggestions, duplicates and knowledge hits, together or one by one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from hotline.accounts.access import intake_staff_of, staff_of
from hotline.api_common import BodyIn, RowId, answers
from hotline.dispatch import selectors
from hotline.reference import selectors as reference
from hotline.workorders.selectors import workorder_get
from hotline.workorders.services import NotFound

router = Router(tags=["smart dispatch"])


class RouteOut(Schema):
    entry: int
    version: int
    area: str
    lead_unit: str
    assist_units: list[str]


class SuggestionOut(Schema):
    category: str
    name: str
    score: float = Field(description="calibrated: 0.9 means right about 9 times in 10")
    route: RouteOut | None


class DuplicateOut(Schema):
    number: str
    score: float
    reasons: list[str]
    state: str
    category: str
    current_unit: str
    created_at: datetime
    excerpt: str


class KnowledgeHitOut(Schema):
    id: int
    title: str
    category: str
    score: float
    excerpt: str


class AssistOut(Schema):
    suggestions: list[SuggestionOut]
    route: RouteOut | None = Field(description="the catalogue route of the chosen category")
    duplicates: list[DuplicateOut]
    knowledge: list[KnowledgeHitOut]


class AssistIn(BodyIn):
    text: str = Field(min_length=1, max_length=10000)
    caller_phone: str = Field("", max_length=32)
    location: str = Field("", max_length=300)
    area: str = Field("", max_length=64)
    category: str = Field("", max_length=64, description="the category chosen so far, if any")


class TextIn(BodyIn):
    text: str = Field(min_length=1, max_length=10000)
    area: str = Field("", max_length=64)


class DuplicatesIn(BodyIn):
    text: str = Field(min_length=1, max_length=10000)
    caller_phone: str = Field("", max_length=32)
    location: str = Field("", max_length=300)
    exclude: str = Field("", max_length=64, description="an order number to leave out")


class KnowledgeQuery(Schema):
    q: str = Field(min_length=1, max_length=500)
    category: str = Field("", max_length=64)
    limit: int = Field(5, ge=1, le=50)


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    category: str
    valid_from: date | None
    valid_to: date | None


class RouteQuery(Schema):
    category: str = Field(min_length=1, max_length=64)
    area: str = Field("", max_length=64)


@router.post(
    "/dispatch/assist",
    response=answers({200: AssistOut}, 400),
    summary="intake assistant: suggestions + duplicates + knowledge in one call",
)
def assist(request: HttpRequest, payload: AssistIn) -> dict[str, Any]:
    user = intake_staff_of(request, "the intake assistant")
    return selectors.intake_assist(user=user, **payload.dict())


@router.get(
    "/orders/{number}/assist",
    response=answers({200: AssistOut}, 404),
    summary="the same for an order already taken (dispatch queue)",
)
def order_assist(request: HttpRequest, number: str) -> dict[str, Any]:
    # Visibility first: an order outside the caller's scope is 404 whatever their role.
    order = workorder_get(user=request.auth, number=number)  # type: ignore[attr-defined]
    if order is None:
        raise NotFound(f"order {number} not found")
    user = intake_staff_of(request, "the dispatch assistant")
    return selectors.intake_assist(
        user=user,
        text=order.text,
        caller_phone=order.caller_phone,
        location=order.location,
        area=order.area,
        category=order.category,
        exclude=order.number,
    )


@router.post("/dispatch/suggestions", response=answers({200: list[SuggestionOut]}, 400))
def suggestions(request: HttpRequest, payload: TextIn) -> list[dict[str, Any]]:
    intake_staff_of(request, "category suggestions")
    return selectors.category_suggestions(text=payload.text, area=payload.area)


@router.post("/dispatch/duplicates", response=answers({200: list[DuplicateOut]}, 400))
def duplicates(request: HttpRequest, payload: DuplicatesIn) -> list[dict[str, Any]]:
    user = intake_staff_of(request, "duplicate search")
    return selectors.duplicate_candidates(user=user, **payload.dict())


@router.get("/dispatch/route", response=answers({200: RouteOut}, 404), summary="派单目录 lookup")
def route(request: HttpRequest, query: Query[RouteQuery]) -> dict[str, Any]:
    intake_staff_of(request, "the dispatch catalogue")
    found = reference.route_out(reference.catalogue_route(**query.dict()))
    if found is None:
        raise NotFound(f"no catalogue entry for category {query.category!r} in {query.area or '*'}")
    return found


@router.get("/knowledge/search", response=answers({200: list[KnowledgeHitOut]}))
def knowledge_search(request: HttpRequest, query: Query[KnowledgeQuery]) -> list[dict[str, Any]]:
    staff_of(request, "the knowledge base")
    return selectors.knowledge_search(query=query.q, category=query.category, limit=query.limit)


@router.get("/knowledge/articles/{article_id}", response=answers({200: ArticleOut}, 404))
def knowledge_article(request: HttpRequest, article_id: RowId) -> Any:
    staff_of(request, "the knowledge base")
    found = reference.knowledge_article_get(article_id)
    if found is None:
        raise NotFound(f"knowledge article {article_id} not found")
    return found
