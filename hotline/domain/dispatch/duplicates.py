"""Duplicate suggestions (并单建议): is a new request the same matter as a recent open order?

Text similarity alone cannot tell "the same pothole again" from "another pothole": citizens
paraphrase freely and matters of one kind share their words. So the place weighs in (a different
street makes a similar text a different matter) and the same caller adds a little, because a
citizen calling again about the same thing is how most duplicates arise. The result is only a
suggestion: merging stays a dispatcher's decision (the ``merge`` event).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

# Suggest when score ≥ THRESHOLD. The score is the text similarity, scaled by how well the places
# agree (unknown place: halfway), plus a little for the same caller. Tuned on the labelled fixture
# in tests/fixtures/duplicates.json, where citizens' paraphrases of one matter have cosine
# 0.26–0.43 and different matters at one place 0.23 at most.
THRESHOLD = 0.245
CALLER_BONUS = 0.05
UNKNOWN_PLACE = 0.5
# Places that share less than this are different places, so different matters however alike
# the words ("工地夜间施工噪音" is said of every building site in town).
MIN_PLACE = 0.3
MIN_TEXT = 0.1
FEATURES = 2**20

_counter = HashingVectorizer(
    analyzer="char", ngram_range=(1, 2), n_features=FEATURES, alternate_sign=False, norm=None
)


@dataclass(frozen=True)
class Entry:
    """An indexed order: what the comparison needs and nothing personal beyond the phone."""

    key: int
    number: str
    text: str
    caller_phone: str = ""
    location: str = ""
    area: str = ""
    category: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    key: int
    number: str
    score: float
    text_similarity: float
    same_caller: bool
    place_similarity: float | None

    @property
    def reasons(self) -> list[str]:
        found = [f"text {self.text_similarity:.2f}"]
        if self.place_similarity is not None:
            found.append(f"place {self.place_similarity:.2f}")
        if self.same_caller:
            found.append("same caller")
        return found


def _normal_place(value: str) -> str:
    return "".join(value.split()).lower()


def _bigrams(value: str) -> set[str]:
    return {value[i : i + 2] for i in range(len(value) - 1)} or {value}


def place_similarity(a: str, b: str) -> float | None:
    """Overlap of the two places' character pairs (1.0 when one names the other, as
    "实验小学" and "实验小学门口"); None when either is unknown."""
    a, b = _normal_place(a), _normal_place(b)
    if not a or not b:
        return None
    if a == b:
        return 1.0
    left, right = _bigrams(a), _bigrams(b)
    return len(left & right) / min(len(left), len(right))


def _normal_phone(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())[-11:]


def score(text_similarity: float, *, place: float | None, same_caller: bool) -> float:
    agreement = UNKNOWN_PLACE if place is None else place
    if agreement < MIN_PLACE:
        return 0.0
    return text_similarity * (0.5 + 0.5 * agreement) + CALLER_BONUS * same_caller


def _counts(texts: Sequence[str]) -> sp.csr_matrix:
    if not texts:  # the hashing vectorizer refuses an empty batch
        return sp.csr_matrix((0, FEATURES), dtype=np.float64)
    return _counter.transform(texts)


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency of every hashed feature (ones for no documents)."""
    documents = counts.shape[0]
    df = np.bincount(counts.indices, minlength=FEATURES)
    return np.log((1 + documents) / (1 + df)) + 1.0


class DuplicateIndex:
    """Recent open orders in memory. Texts are hashed character 1–2-gram vectors with sublinear
    counts and IDF weights (scikit-learn's HashingVectorizer needs no vocabulary, so orders join
    one at a time); ``rebuild`` indexes a set of orders afresh and derives the IDF from them."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._row_of: dict[int, int] = {}
        self._keys: list[int | None] = []
        self._matrix = sp.csr_matrix((0, FEATURES), dtype=np.float64)
        self._idf = np.ones(FEATURES)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: int) -> bool:
        return key in self._entries

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        counts.data = (1.0 + np.log(counts.data)) * self._idf[counts.indices]
        return normalize(counts)

    def _vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._weigh(_counter.transform(texts))

    def fit_weights(self, texts: Sequence[str]) -> None:
        """IDF from a reference corpus (e.g. a labelled fixture), then the index re-weighted."""
        self._idf = _idf(_counts(texts))
        self._place(list(self._entries.values()))

    def rebuild(self, entries: Iterable[Entry]) -> None:
        """Index exactly ``entries``, with IDF weights derived from their texts."""
        batch = list({e.key: e for e in entries}.values())
        counts = _counts([e.text for e in batch])
        self._idf = _idf(counts)
        self._place(batch, counts)

    def _place(self, batch: list[Entry], counts: sp.csr_matrix | None = None) -> None:
        """Make ``batch`` (unique keys) the whole index, one row each, weighted afresh."""
        if counts is None:
            counts = _counts([e.text for e in batch])
        self._entries = {e.key: e for e in batch}
        self._row_of = {e.key: row for row, e in enumerate(batch)}
        self._keys = [e.key for e in batch]
        # sklearn's normalize refuses a matrix without rows.
        self._matrix = self._weigh(counts) if batch else counts

    def add(self, entries: Iterable[Entry]) -> None:
        batch = list({e.key: e for e in entries}.values())
        if not batch:
            return
        self.remove(e.key for e in batch)
        rows = self._vectors([e.text for e in batch])
        first = len(self._keys)
        for offset, entry in enumerate(batch):
            self._entries[entry.key] = entry
            self._row_of[entry.key] = first + offset
            self._keys.append(entry.key)
        self._matrix = sp.vstack([self._matrix, rows], format="csr")

    def remove(self, keys: Iterable[int]) -> None:
        for key in keys:
            if self._entries.pop(key, None) is not None:
                self._keys[self._row_of.pop(key)] = None

    def query(
        self,
        text: str,
        *,
        caller_phone: str = "",
        location: str = "",
        exclude: Iterable[int] = (),
        limit: int = 5,
        threshold: float = THRESHOLD,
        created_after: datetime | None = None,
    ) -> list[Candidate]:
        """Orders likely to be the same matter as ``text``, best first; ``created_after`` leaves
        out orders older than the search window that are still indexed."""
        if not text.strip() or not self._entries:
            return []
        similarity = (self._matrix @ self._vectors([text]).T).toarray().ravel()
        phone = _normal_phone(caller_phone)
        skip = set(exclude)
        found = []
        for row in np.flatnonzero(similarity >= MIN_TEXT):
            key = self._keys[row]
            if key is None or key in skip:
                continue
            entry = self._entries[key]
            if created_after and entry.created_at and entry.created_at < created_after:
                continue
            place = place_similarity(location, entry.location)
            same_caller = bool(phone) and _normal_phone(entry.caller_phone) == phone
            total = score(float(similarity[row]), place=place, same_caller=same_caller)
            if total >= threshold:
                found.append(
                    Candidate(
                        key=key,
                        number=entry.number,
                        score=round(total, 4),
                        text_similarity=round(float(similarity[row]), 4),
                        same_caller=same_caller,
                        place_similarity=None if place is None else round(place, 2),
                    )
                )
        found.sort(key=lambda c: (-c.score, c.number))
        return found[:limit]
