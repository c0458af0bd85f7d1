"""Writes for smart dispatch: catalogue versions, knowledge articles, model training."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from hotline import clock
from hotline.accounts.models import Unit
from hotline.dispatch.models import Area, CatalogueEntry, KnowledgeArticle
from hotline.domain.dispatch import classifier
from hotline.domain.lifecycle import Action, GuardFailed
from hotline.workorders.models import Category, WorkOrder, WorkOrderEvent

# Orders whose category a person confirmed: a dispatcher sent them on, or an agent answered.
CONFIRMING_ACTIONS = (Action.DISPATCH, Action.ANSWER_DIRECTLY)


def catalogue_entry_check(
    *, category: str, area: str, lead_unit: str, assist: Sequence[str]
) -> None:
    if not Category.objects.filter(code=category, is_active=True).exists():
        raise GuardFailed("category", f"unknown or inactive category {category!r}")
    if area and not Area.objects.filter(code=area).exists():
        raise GuardFailed("area", f"unknown area {area!r}")
    units = set(Unit.objects.filter(is_active=True).values_list("code", flat=True))
    for field, code in [("lead_unit", lead_unit), *(("assist_units", a) for a in assist)]:
        if code == settings.HOTLINE_CENTER_UNIT:
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


def confirmed_training_rows() -> tuple[list[str], list[str]]:
    """(text, category) of every order whose category a person confirmed, dispatchers'
    reclassifications included, since the order row holds the category as it ended up."""
    confirmed = WorkOrderEvent.objects.filter(order=OuterRef("pk"), action__in=CONFIRMING_ACTIONS)
    rows = (
        WorkOrder.objects.filter(Exists(confirmed))
        .exclude(text="")
        .exclude(category="")
        .order_by("pk")
        .values_list("text", "category")
    )
    texts, labels = [], []
    for text, category in rows.iterator(chunk_size=2000):
        texts.append(text)
        labels.append(category)
    return texts, labels


def dispatch_model_train_from_db(*, path: Path) -> classifier.TextClassifier:
    """Train on confirmed dispatches and save to ``path`` (the model the API then serves)."""
    texts, labels = confirmed_training_rows()
    model = classifier.train(texts, labels, source="database: confirmed dispatches")
    model.info.scores["overrides"] = suggestion_overrides()
    model.save(path)
    return model


def suggestion_overrides() -> dict[str, int]:
    """How often the agent chose another category than the top suggestion at intake, and how
    often a dispatcher corrected the category (改类) when dispatching."""
    shown = WorkOrderEvent.objects.filter(action=Action.CREATE, data__has_key="suggested")
    total = overridden = 0
    for chosen, suggested in shown.values_list("data__category", "data__suggested").iterator():
        if not suggested:
            continue
        total += 1
        overridden += chosen != suggested[0].get("category")
    corrected = WorkOrderEvent.objects.filter(
        action=Action.DISPATCH, data__has_key="category"
    ).count()
    return {"suggested": total, "overridden": overridden, "corrected_at_dispatch": corrected}
