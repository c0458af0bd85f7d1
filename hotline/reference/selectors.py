"""Reads of reference data: what the spine asks before it writes (is this category active, where
does the catalogue send it, how long may it take on the working calendar)."""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from hotline import clock
from hotline.domain.dispatch import catalogue, knowledge
from hotline.domain.sla import WorkingCalendar
from hotline.reference.models import (
    Area,
    CalendarDay,
    CatalogueEntry,
    Category,
    KnowledgeArticle,
    SlaPolicy,
)


def today() -> date:
    return timezone.localtime(clock.now()).date()


def category_is_active(code: str) -> bool:
    return Category.objects.filter(code=code, is_active=True).exists()


def area_exists(code: str) -> bool:
    return Area.objects.filter(code=code).exists()


def area_path(area: str) -> list[str]:
    if not area:
        return []
    found = Area.objects.select_related("parent__parent").filter(code=area).first()
    return found.path() if found else []


def areas_within(codes: Collection[str]) -> set[str]:
    """These areas and every area under them (a district's streets), by ``Area.parent``."""
    found, frontier = set(codes), set(codes)
    while frontier:
        below = set(Area.objects.filter(parent__code__in=frontier).values_list("code", flat=True))
        frontier = below - found
        found |= frontier
    return found


# -- SLA and the working calendar --------------------------------------------------------------


def sla_limits(*, category: str, urgency: str) -> tuple[float, float]:
    """(accept hours, handle days) for a category and urgency: specific policy, then any-category
    policy, then the settings' defaults."""
    policies = SlaPolicy.objects.filter(urgency=urgency, category__code=category)
    policy = policies.first() or SlaPolicy.objects.filter(urgency=urgency, category=None).first()
    if policy is not None:
        return float(policy.accept_hours), float(policy.handle_days)
    defaults = settings.HOTLINE_SLA_DEFAULTS.get(urgency) or settings.HOTLINE_SLA_DEFAULTS["normal"]
    return float(defaults["accept_hours"]), float(defaults["handle_days"])


def working_calendar() -> WorkingCalendar:
    """The national schedule corrected by the admin's calendar days (工作日历调整)."""
    return _calendar(tuple(CalendarDay.objects.values_list("day", "is_working")))


@functools.lru_cache(maxsize=8)
def _calendar(overrides: tuple[tuple[date, bool], ...]) -> WorkingCalendar:
    # Cached per set of overrides: each calendar keeps its per-year working-day tables.
    return WorkingCalendar(overrides=overrides)


# -- the dispatch catalogue (派单目录) -----------------------------------------------------------


def catalogue_routes(*, categories: list[str], area: str = "") -> dict[str, catalogue.Route | None]:
    """The route for each category in ``area``: two queries however many categories."""
    path = area_path(area)
    routes = [
        catalogue.Route(
            entry=e.pk,
            version=e.version,
            category=e.category,
            area=e.area,
            lead_unit=e.lead_unit,
            assist_units=tuple(e.assist_units),
        )
        for e in CatalogueEntry.objects.filter(
            category__in=categories, is_current=True, area__in=[*path, ""]
        )
    ]
    return {c: catalogue.resolve(routes, category=c, area_path=path) for c in categories}


def catalogue_route(*, category: str, area: str = "") -> catalogue.Route | None:
    return catalogue_routes(categories=[category], area=area)[category]


def route_out(route: catalogue.Route | None) -> dict[str, Any] | None:
    if route is None:
        return None
    return {
        "entry": route.entry,
        "version": route.version,
        "area": route.area,
        "lead_unit": route.lead_unit,
        "assist_units": list(route.assist_units),
    }


# -- the knowledge base (知识库) -----------------------------------------------------------------


def knowledge_article_get(article_id: int) -> KnowledgeArticle | None:
    return KnowledgeArticle.objects.filter(pk=article_id, is_active=True).first()


def article_usable(article_id: int) -> KnowledgeArticle | None:
    """The article if an agent may answer from it today: active and within its dates."""
    found = knowledge_article_get(article_id)
    if found is None:
        return None
    valid = knowledge.in_force(today(), valid_from=found.valid_from, valid_to=found.valid_to)
    return found if valid else None
