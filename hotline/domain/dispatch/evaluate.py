"""Held-out evaluation of the classifier: stratified k-fold macro-F1, accuracy, top-3 accuracy,
and a reliability table (is a score of 0.9 right nine times in ten?); and precision / recall of
duplicate suggestions on a labelled set of orders."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from hotline.domain.dispatch import classifier
from hotline.domain.dispatch.duplicates import DuplicateIndex, Entry

BINS = (0.0, 0.5, 0.7, 0.9, 1.0)


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    accuracy: float | None
    mean_score: float | None


@dataclass(frozen=True)
class Evaluation:
    folds: int
    rows: int
    macro_f1: float
    accuracy: float
    top3_accuracy: float
    reliability: list[ReliabilityBin]

    def precision_at(self, threshold: float) -> tuple[int, float | None]:
        """How many top suggestions scored ≥ ``threshold`` and the share of them that were right."""
        bins = [b for b in self.reliability if b.low >= threshold]
        count = sum(b.count for b in bins)
        right = sum((b.accuracy or 0.0) * b.count for b in bins)
        return count, (right / count if count else None)


def reliability_table(scores: np.ndarray, correct: np.ndarray) -> list[ReliabilityBin]:
    table = []
    for low, high in itertools.pairwise(BINS):
        inside = (scores >= low) & ((scores < high) if high < 1.0 else (scores <= high))
        n = int(inside.sum())
        table.append(
            ReliabilityBin(
                low=low,
                high=high,
                count=n,
                accuracy=float(correct[inside].mean()) if n else None,
                mean_score=float(scores[inside].mean()) if n else None,
            )
        )
    return table


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    unlabelled: Sequence[str] = (),
) -> Evaluation:
    y = np.asarray(labels)
    top1 = np.empty(len(y), dtype=object)
    score = np.zeros(len(y))
    in_top3 = np.zeros(len(y), dtype=bool)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = classifier.train(
            [texts[i] for i in train_idx], list(y[train_idx]), unlabelled=unlabelled
        )
        for i, suggestions in zip(
            test_idx, model.suggest([texts[i] for i in test_idx]), strict=True
        ):
            top1[i], score[i] = suggestions[0].label, suggestions[0].score
            in_top3[i] = y[i] in {s.label for s in suggestions}
    correct = top1 == y
    return Evaluation(
        folds=folds,
        rows=len(y),
        macro_f1=float(f1_score(y, top1.astype(str), average="macro")),
        accuracy=float(accuracy_score(y, top1.astype(str))),
        top3_accuracy=float(in_top3.mean()),
        reliability=reliability_table(score, correct),
    )


@dataclass(frozen=True)
class DuplicateScore:
    orders: int
    pairs: int  # labelled duplicate pairs
    precision: float
    recall: float


def duplicate_precision_recall(orders: Sequence[Mapping[str, Any]]) -> DuplicateScore:
    """Orders (id, group, text, phone, location) arrive one by one, each compared with those
    before it; the pairs suggested are scored against the pairs sharing a group."""
    index = DuplicateIndex()
    index.fit_weights([o["text"] for o in orders])
    predicted = set()
    for o in orders:
        for c in index.query(o["text"], caller_phone=o["phone"], location=o["location"]):
            predicted.add((c.key, o["id"]))
        index.add([Entry(o["id"], str(o["id"]), o["text"], o["phone"], o["location"])])
    truth = {
        (a["id"], b["id"])
        for a, b in itertools.combinations(orders, 2)
        if a["group"] and a["group"] == b["group"]
    }
    hits = len(predicted & truth)
    return DuplicateScore(
        orders=len(orders),
        pairs=len(truth),
        precision=hits / max(len(predicted), 1),
        recall=hits / max(len(truth), 1),
    )
