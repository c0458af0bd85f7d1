"""Writes for smart dispatch: catalogue versions, knowledge articles, model training."""

from __future__ import annotations

from pathlib import Path

from django.db.models import Exists, OuterRef

from hotline.domain.dispatch import classifier
from hotline.domain.lifecycle import Action
from hotline.workorders.models import WorkOrder, WorkOrderEvent

# Orders whose category a person confirmed: a dispatcher sent them on, or an agent answered.
CONFIRMING_ACTIONS = (Action.DISPATCH, Action.ANSWER_DIRECTLY)


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
