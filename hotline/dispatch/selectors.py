"""Reads for smart dispatch: suggestions, duplicate candidates, knowledge hits, catalogue routes.

The classifier, the duplicate index and the knowledge index live in process memory and are
refreshed from the database when it changes, so one intake call costs a few small queries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from hotline import clock
from hotline.accounts.models import User
from hotline.caching import Cache
from hotline.domain.dispatch import classifier, duplicates, knowledge
from hotline.domain.lifecycle import OPEN_STATES
from hotline.reference.models import Category, KnowledgeArticle
from hotline.reference.selectors import catalogue_route, catalogue_routes, route_out, today
from hotline.workorders.models import WorkOrder
from hotline.workorders.selectors import restrict_orders

log = logging.getLogger(__name__)


def _option(name: str) -> Any:
    options: dict[str, Any] = settings.HOTLINE_DISPATCH
    return options[name]


def model_path() -> Path:
    return Path(_option("model"))


# -- classifier --------------------------------------------------------------------------------

# Keyed by the file's modification time: a retrained model is picked up on the next call.
_models: Cache[tuple[Path, int], classifier.TextClassifier | None] = Cache(
    name="dispatch model", max_size=1
)


def _load_model(path: Path) -> classifier.TextClassifier | None:
    try:
        return classifier.load(path)
    except classifier.ModelError as exc:
        # Kept as None under this stamp: a broken file is not re-read (and re-logged) per call.
        log.warning("dispatch model unusable: %s", exc)
        return None


def active_classifier() -> classifier.TextClassifier | None:
    """The model at HOTLINE_DISPATCH["model"], reloaded when the file changes; None if absent."""
    path = model_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _models.get_or_build((path, stamp), build=lambda: _load_model(path))


def _ranked_categories(text: str, k: int) -> list[tuple[str, str, float]]:
    """(code, name, score) of the top-k categories; labels the database lacks are skipped."""
    model = active_classifier()
    if model is None or not text.strip():
        return []
    names = dict(Category.objects.filter(is_active=True).values_list("code", "name"))
    by_name = {name: code for code, name in names.items()}
    ranked = []
    for suggestion in model.suggest([text], k=len(model.labels))[0]:
        code = suggestion.label if suggestion.label in names else by_name.get(suggestion.label)
        if code is not None:
            ranked.append((code, names[code], suggestion.score))
    return ranked[:k]


def category_suggestions(*, text: str, area: str = "", k: int = 3) -> list[dict[str, Any]]:
    """Top-k categories for ``text`` with calibrated scores, each with the unit the catalogue
    names for it in ``area``."""
    ranked = _ranked_categories(text, k)
    routes = catalogue_routes(categories=[code for code, _, _ in ranked], area=area)
    return [
        {"category": code, "name": name, "score": score, "route": route_out(routes[code])}
        for code, name, score in ranked
    ]


def recorded_suggestions(text: str) -> list[dict[str, Any]]:
    """What the intake event records: the categories shown and their scores."""
    return [{"category": code, "score": score} for code, _, score in _ranked_categories(text, 3)]


# -- duplicates --------------------------------------------------------------------------------

_OPEN = [str(s) for s in OPEN_STATES]
CATCH_UP_OVERLAP_SECONDS = 5
_FIELDS = ("pk", "number", "text", "caller_phone", "location", "area", "category", "created_at")


@dataclass
class _DuplicateState:
    index: duplicates.DuplicateIndex = field(default_factory=duplicates.DuplicateIndex)
    watermark: datetime | None = None


def _window_start() -> datetime:
    return clock.now() - timedelta(days=_option("duplicate_window_days"))


def _entry(row: dict[str, Any]) -> duplicates.Entry:
    return duplicates.Entry(key=row["pk"], **{k: row[k] for k in _FIELDS if k != "pk"})


def _load_index() -> _DuplicateState:
    """A fresh index of the window's open orders, and the watermark to catch up from."""
    # Read first: a change made while the rows are read is then caught up afterwards.
    watermark = WorkOrder.objects.aggregate(last=Max("updated_at"))["last"]
    rows = WorkOrder.objects.filter(state__in=_OPEN, created_at__gte=_window_start())
    index = duplicates.DuplicateIndex()
    index.rebuild(_entry(r) for r in rows.values(*_FIELDS))
    return _DuplicateState(index=index, watermark=watermark)


# A full rebuild (new IDF weights, aged-out orders gone) is due every duplicate_rebuild_seconds;
# under `hotline serve` the refresh loop makes it while requests keep the caught-up index.
_duplicates: Cache[None, _DuplicateState] = Cache(
    name="duplicate index",
    max_age=lambda: float(_option("duplicate_rebuild_seconds")),
    serve_stale=True,
)


def _catch_up(state: _DuplicateState) -> None:
    """Fold in orders changed since the last look: new ones join, closed ones leave."""
    if state.watermark is None:
        changed = WorkOrder.objects.all()
    else:
        # A little overlap: a transaction stamped before the watermark may commit after it.
        since = state.watermark - timedelta(seconds=CATCH_UP_OVERLAP_SECONDS)
        changed = WorkOrder.objects.filter(updated_at__gte=since)
    rows = list(changed.values(*_FIELDS, "updated_at", "state"))
    start = _window_start()
    still_open = [r for r in rows if r["state"] in _OPEN and r["created_at"] >= start]
    state.index.remove(r["pk"] for r in rows)
    state.index.add(_entry(r) for r in still_open)
    if rows:
        state.watermark = max(r["updated_at"] for r in rows)


def duplicate_index() -> duplicates.DuplicateIndex:
    """The index, caught up with the database. The first call of a process builds it; a full
    rebuild every HOTLINE_DISPATCH["duplicate_rebuild_seconds"] is the refresh loop's under
    `hotline serve` (hotline.web.warmup), the caller's otherwise."""
    # The cache's lock also guards the in-place catch-up: one thread folds changes in at a time.
    with _duplicates.lock:
        state = _duplicates.get_or_build(None, build=_load_index)
        _catch_up(state)
        return state.index


def duplicate_candidates(
    *,
    user: User,
    text: str,
    caller_phone: str = "",
    location: str = "",
    exclude: str = "",
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Recent open orders that may be the same matter, among those ``user`` may see."""
    index = duplicate_index()
    skip = [pk for pk in WorkOrder.objects.filter(number=exclude).values_list("pk", flat=True)]
    found = index.query(
        text,
        caller_phone=caller_phone,
        location=location,
        exclude=skip,
        limit=limit,
        created_after=_window_start(),
    )
    if not found:
        return []
    visible = {
        row["pk"]: row
        for row in restrict_orders(user)
        .filter(pk__in=[c.key for c in found])
        .values("pk", "number", "state", "category", "current_unit", "created_at", "text")
    }
    out = []
    for c in found:
        row = visible.get(c.key)
        if row is None or row["number"] != c.number:
            continue
        out.append(
            {
                "number": c.number,
                "score": c.score,
                "reasons": c.reasons,
                "state": row["state"],
                "category": row["category"],
                "current_unit": row["current_unit"],
                "created_at": row["created_at"],
                "excerpt": row["text"][:120],
            }
        )
    return out


# -- knowledge base ----------------------------------------------------------------------------

# Keyed by a stamp of the active articles: adding, changing or deactivating one changes it.
_knowledge: Cache[tuple[Any, ...], knowledge.KnowledgeIndex] = Cache(
    name="knowledge index", max_size=1
)


def _build_knowledge_index() -> knowledge.KnowledgeIndex:
    articles = [
        knowledge.Article(
            key=a.pk,
            title=a.title,
            body=a.body,
            category=a.category,
            valid_from=a.valid_from,
            valid_to=a.valid_to,
        )
        for a in KnowledgeArticle.objects.filter(is_active=True).order_by("pk")
    ]
    return knowledge.KnowledgeIndex(articles)


def knowledge_index() -> knowledge.KnowledgeIndex:
    """Active articles, re-indexed when one is added, changed or deactivated."""
    active = KnowledgeArticle.objects.filter(is_active=True)
    stamp = tuple(active.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id")).values())
    return _knowledge.get_or_build(stamp, build=_build_knowledge_index)


def knowledge_search(*, query: str, category: str = "", limit: int = 5) -> list[dict[str, Any]]:
    index = knowledge_index()
    hits = index.search(query, on=today(), category=category, limit=limit)
    bodies = dict(
        KnowledgeArticle.objects.filter(pk__in=[h.key for h in hits]).values_list("pk", "body")
    )
    return [
        {
            "id": h.key,
            "title": h.title,
            "category": h.category,
            "score": h.score,
            "excerpt": bodies.get(h.key, "")[:200],
        }
        for h in hits
    ]


# -- one call for the intake form --------------------------------------------------------------


def intake_assist(
    *,
    user: User,
    text: str,
    caller_phone: str = "",
    location: str = "",
    area: str = "",
    category: str = "",
    exclude: str = "",
) -> dict[str, Any]:
    """Everything beside the intake form: category/unit suggestions, duplicate candidates and
    knowledge-base answers, in one call."""
    suggestions = category_suggestions(text=text, area=area)
    chosen = category or (suggestions[0]["category"] if suggestions else "")
    return {
        "suggestions": suggestions,
        "route": route_out(catalogue_route(category=category, area=area)) if category else None,
        "duplicates": duplicate_candidates(
            user=user, text=text, caller_phone=caller_phone, location=location, exclude=exclude
        ),
        "knowledge": knowledge_search(query=text, category=chosen),
    }
