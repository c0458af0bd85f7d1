"""Knowledge base search (知识库): BM25 over jieba-segmented Chinese text (bm25s)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import bm25s
import jieba
import numpy as np

jieba.setLogLevel(60)
# Punctuation and spaces are not words; single characters of these kinds add only noise.
_NOT_A_TOKEN = re.compile(r"^[\W_]+$")
TITLE_WEIGHT = 2


def tokenize(text: str) -> list[str]:
    """Search-engine segmentation (overlapping words), lower-cased, punctuation dropped."""
    return [
        token.lower()
        for token in jieba.cut_for_search(text, HMM=False)
        if token.strip() and not _NOT_A_TOKEN.match(token)
    ]


def in_force(day: date, *, valid_from: date | None, valid_to: date | None) -> bool:
    """Within an article's validity dates (either end may be open)."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


@dataclass(frozen=True)
class Article:
    key: int
    title: str
    body: str
    category: str = ""
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return in_force(day, valid_from=self.valid_from, valid_to=self.valid_to)


@dataclass(frozen=True)
class Hit:
    key: int
    title: str
    category: str
    score: float


class KnowledgeIndex:
    """Articles indexed once; a search filters by validity date and prefers the category."""

    CATEGORY_BOOST = 1.2

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = list(articles)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(" ".join([a.title] * TITLE_WEIGHT + [a.body])) for a in self.articles]
        if self.articles:
            self._bm25.index(corpus, show_progress=False)

    def search(self, query: str, *, on: date, category: str = "", limit: int = 5) -> list[Hit]:
        tokens = tokenize(query)
        if not self.articles or not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=float)
        hits = []
        for i in np.flatnonzero(scores > 0):
            article = self.articles[i]
            if not article.valid_on(on):
                continue
            boost = self.CATEGORY_BOOST if category and article.category == category else 1.0
            hits.append(Hit(article.key, article.title, article.category, float(scores[i] * boost)))
        hits.sort(key=lambda h: (-h.score, h.key))
        return [Hit(h.key, h.title, h.category, round(h.score, 3)) for h in hits[:limit]]
