"""Text classifier: Chinese request text → category, top-k with calibrated confidence.

Character 1–2-gram TF-IDF with sublinear term frequency and a class-balanced linear SVM. On the
Teddy Cup messages this beats jieba words (word boundaries in citizens' texts are noisy, and the
segmenter halves throughput); see ``bench/dispatch.py`` for the figures. The SVM's margins become
probabilities by temperature scaling fitted on cross-validation folds, so a score of 0.9 means
"right about nine times in ten" on held-out data.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from hotline.domain.inputs import InputError

FORMAT = 1
# A title says in a few characters what the whole message is about: it counts this many times.
TITLE_WEIGHT = 2
MIN_PER_LABEL = 2
# Self-training adopts only the unlabelled texts the first model is this sure about.
SELF_TRAINING_SCORE = 0.9


class ModelError(InputError):
    """The training data or the saved model cannot be used; the message says why."""


@dataclass(frozen=True)
class Suggestion:
    label: str
    score: float


@dataclass
class ModelInfo:
    """What the metadata file next to the model says (labels, training size, scores)."""

    labels: list[str]
    trained_at: str
    training_rows: int
    label_counts: dict[str, int]
    dropped_labels: dict[str, int] = field(default_factory=dict)
    unlabelled_used: int = 0
    source: str = ""
    scores: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT


def compose_text(fields: Sequence[str]) -> str:
    """One text from a row's fields: the first (subject / title) weighted, then the rest."""
    parts = [str(f).strip() for f in fields]
    if len(parts) > 1 and parts[0]:
        parts = [parts[0]] * TITLE_WEIGHT + parts[1:]
    return " ".join(p for p in parts if p)


# In a real history a character pair seen in one message only is noise, and dropping such pairs
# shrinks the model threefold (bench/README.md); a tiny history keeps every pair it has.
PRUNE_FROM_ROWS = 200


def _vectorizer(rows: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2 if rows >= PRUNE_FROM_ROWS else 1,
        dtype=np.float32,
    )


def _calibrated(folds: int) -> CalibratedClassifierCV:
    svm = LinearSVC(class_weight="balanced", C=0.5)
    return CalibratedClassifierCV(svm, method="temperature", cv=folds, ensemble=True)


class TextClassifier:
    """A trained model: ``suggest`` gives the top-k labels with calibrated scores."""

    def __init__(self, vectorizer: TfidfVectorizer, model: Any, info: ModelInfo) -> None:
        self.vectorizer = vectorizer
        self.model = model
        self.info = info

    @property
    def labels(self) -> list[str]:
        return list(self.model.classes_)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.predict_proba(self.vectorizer.transform(texts)))

    def suggest(self, texts: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        if not texts:
            return []
        probs = self.probabilities(texts)
        classes = self.model.classes_
        top = np.argsort(-probs, axis=1)[:, :k]
        return [
            [Suggestion(str(classes[j]), round(float(row[j]), 4)) for j in order]
            for row, order in zip(probs, top, strict=True)
        ]

    def save(self, path: Path) -> Path:
        """The model (joblib) and, beside it, ``<path>.json`` with the metadata."""
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT, "vectorizer": self.vectorizer, "model": self.model}, path)
        meta = metadata_path(path)
        meta.write_text(json.dumps(asdict(self.info), ensure_ascii=False, indent=1) + "\n")
        return meta


def metadata_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def load(path: Path) -> TextClassifier:
    if not path.is_file():
        raise ModelError(f"no model at {path}; train one with `hotline dispatch train`")
    try:
        blob = joblib.load(path)
        info = ModelInfo(**json.loads(metadata_path(path).read_text()))
    except FileNotFoundError:
        raise ModelError(f"{metadata_path(path)} is missing; retrain the model") from None
    except Exception as exc:
        raise ModelError(f"{path} is not a dispatch model ({type(exc).__name__})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ModelError(f"{path} is not a dispatch model of format {FORMAT}; retrain it")
    return TextClassifier(blob["vectorizer"], blob["model"], info)


def _usable(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str], dict]:
    if len(texts) != len(labels):
        raise ModelError(f"{len(texts)} texts but {len(labels)} labels")
    pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if t.strip() and lab.strip()]
    counts = Counter(lab for _, lab in pairs)
    dropped = {lab: n for lab, n in counts.items() if n < MIN_PER_LABEL}
    kept = [(t, lab) for t, lab in pairs if lab not in dropped]
    if len({lab for _, lab in kept}) < 2:
        raise ModelError(
            f"need at least 2 labels with {MIN_PER_LABEL}+ non-empty examples each; "
            f"got {dict(counts) or 'no labelled rows'}"
        )
    return [t for t, _ in kept], [lab for _, lab in kept], dropped


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    unlabelled: Sequence[str] = (),
    source: str = "",
) -> TextClassifier:
    """Fit on labelled texts. ``unlabelled`` texts join by self-training: those the first model
    labels with a score of at least SELF_TRAINING_SCORE are added with that label, and the model
    is fitted again. (On the Teddy Cup data this lowers macro-F1: see bench/README.md.)"""
    texts, labels, dropped = _usable(texts, labels)
    folds = min(5, min(Counter(labels).values()))
    vectorizer = _vectorizer(len(texts))
    features = vectorizer.fit_transform(texts)
    if hasattr(vectorizer, "stop_words_"):
        del vectorizer.stop_words_  # the pruned pairs: only for inspection, and large
    y = np.asarray(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny classes: fewer members than folds
        model = _calibrated(folds).fit(features, y)
        added = 0
        pool = [t for t in unlabelled if t.strip()]
        if pool:
            pooled = vectorizer.transform(pool)
            confident = model.predict_proba(pooled).max(axis=1) >= SELF_TRAINING_SCORE
            added = int(confident.sum())
            if added:
                guessed = model.predict(pooled[confident])
                model = _calibrated(folds).fit(
                    sp.vstack([features, pooled[confident]]), np.concatenate([y, guessed])
                )
    info = ModelInfo(
        labels=sorted(set(labels)),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        training_rows=len(texts),
        label_counts=dict(sorted(Counter(labels).items())),
        dropped_labels=dropped,
        unlabelled_used=added,
        source=source,
    )
    return TextClassifier(vectorizer, model, info)
