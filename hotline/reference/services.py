"""Writes of reference data: catalogue versions (派单目录) and knowledge articles (知识库)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from hotline import clock
from hotline.accounts.access import center_unit
from hotline.accounts.models import Unit
from hotline.domain.lifecycle import GuardFailed
from hotline.reference.models import Area, CatalogueEntry, Category, KnowledgeArticle


def catalogue_entry_check(
    *, category: str, area: str, lead_unit: str, assist: Sequence[str]
) -> None:
    if not Category.objects.filter(code=category, is_active=True).exists():
        raise GuardFailed("category", f"unknown or inactive category {category!r}")
    if area and not Area.objects.filter(code=area).exists():
        raise GuardFailed("area", f"unknown area {area!r}")
    units = set(Unit.objects.filter(is_active=True).values_list("code", flat=True))
    for field, code in [("lead_unit", lead_unit), *(("assist_units", a) for a in assist)]:
        if code == center_unit():
            raise GuardFailed(field, "the hotline center does not handle orders")
        if code not in units:
            raise GuardFailed(field, f"unknown or inactive unit {code!r}")
    if lead_unit in assist:
        raise GuardFailed("assist_units", "the lead unit cannot also assist")


def catalogue_entry_save(
    *,
    actor: str,
    category: str,
    area: str = "",
    lead_unit: str,
    assist_units: Sequence[str] = (),
    note: str = "",
) -> CatalogueEntry:
    """Write the next version of the (category, area) rule and retire the current one."""
    assist = list(dict.fromkeys(a for a in assist_units if a))
    catalogue_entry_check(category=category, area=area, lead_unit=lead_unit, assist=assist)
    now = clock.now()
    with transaction.atomic():
        current = (
            CatalogueEntry.objects.select_for_update()
            .filter(category=category, area=area, is_current=True)
            .first()
        )
        latest = (
            CatalogueEntry.objects.filter(category=category, area=area)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        if current is not None:
            if current.lead_unit == lead_unit and current.assist_units == assist:
                return current
            _retire(current, actor=actor, at=now)
        return CatalogueEntry.objects.create(
            category=category,
            area=area,
            lead_unit=lead_unit,
            assist_units=assist,
            version=(latest or 0) + 1,
            note=note[:300],
            created_at=now,
            created_by=actor,
        )


def _retire(entry: CatalogueEntry, *, actor: str, at: object) -> None:
    CatalogueEntry.objects.filter(pk=entry.pk).update(
        is_current=False, retired_at=at, retired_by=actor
    )


def catalogue_entry_retire(*, actor: str, entry: CatalogueEntry) -> None:
    """Take a rule out of use; its versions stay for the orders that name them."""
    with transaction.atomic():
        _retire(entry, actor=actor, at=clock.now())


def knowledge_article_save(
    *,
    title: str,
    body: str,
    category: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
    article: KnowledgeArticle | None = None,
) -> KnowledgeArticle:
    if not title.strip() or not body.strip():
        raise GuardFailed("title" if not title.strip() else "body", "must not be empty")
    if category and not Category.objects.filter(code=category).exists():
        raise GuardFailed("category", f"unknown category {category!r}")
    if valid_from and valid_to and valid_to < valid_from:
        raise GuardFailed("valid_to", "ends before valid_from")
    target = article or KnowledgeArticle()
    target.title, target.body, target.category = title.strip(), body.strip(), category
    target.valid_from, target.valid_to = valid_from, valid_to
    target.save()
    return target
