"""热点问题: many people, one matter, one place, a short time.

Orders are grouped when they are at places that agree (:mod:`hotline.domain.hotspots.places`)
and in the same area where both have one (a province's cities share estate names), close in time
(``window_hours`` between neighbours) and about the same matter: their texts, with the place
taken out, are alike (character 1–2-gram TF-IDF cosine ≥ ``text_similarity``), or they share a
category and are somewhat alike (≥ ``category_similarity``), because citizens paraphrase one
burst pipe as "停水", "没水" and "水龙头不出水", and the agent's category holds them together where
the words do not. An order whose place names only a building ("五号楼") or nothing joins a group
already formed when its text is close to the group's (``attach_similarity``) and its building,
area or coordinates fit.

A group is a hotspot when some ``window_hours`` of it hold ``min_orders`` orders from
``min_callers`` different callers: a matter spread thin over weeks is not one.

Heat (热度), documented in docs/design.md:

    heat = (callers + ½ · (orders − callers) + log2(1 + likes)) × (1 + recent share)

People count fully, the same caller again half; votes (点赞, where a channel has them) add on
a log scale so a few thousand likes weigh like a dozen callers; ``recent share`` is the part of
the orders in the last ``growing_hours`` before ``as_of``, so a surge still under way ranks above
a finished one of the same size. ``growing``: the hotspot had at least as many orders in the last
``growing_hours`` as in the ``growing_hours`` before them, and at least one.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from hotline.domain.hotspots.places import Place, place_of

# Members of a block compared at a time (see _link).
LINK_SLICE = 512

EARTH_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Entry:
    """One order as hotspot detection reads it."""

    key: str
    at: datetime
    text: str
    location: str = ""
    caller: str = ""
    category: str = ""
    area: str = ""
    likes: int = 0
    lat: float | None = None
    long: float | None = None


@dataclass(frozen=True)
class HotspotLimits:
    window_hours: float = 48.0
    min_orders: int = 4
    min_callers: int = 3
    text_similarity: float = 0.3
    category_similarity: float = 0.02
    attach_similarity: float = 0.3
    growing_hours: float = 24.0
    near_metres: float = 200.0
    topic_words: int = 5


def limits_from(thresholds: Mapping[str, Mapping[str, Any]] | None) -> HotspotLimits:
    """The ``hotspots`` entry of the supervision thresholds (``HOTLINE_SUPERVISION``) over the
    defaults: the engine and the live pages read the same limits the same way."""
    return HotspotLimits(**dict((thresholds or {}).get("hotspots", {})))


@dataclass(frozen=True)
class Span:
    """A group's time span and buildings: where loose orders may join it."""

    start: datetime
    end: datetime
    buildings: frozenset[str]


@dataclass
class Hotspot:
    orders: list[str]
    place: str
    topic: list[str]
    start: datetime
    end: datetime
    count: int
    callers: int
    heat: float
    growing: bool
    likes: int = 0
    category: str = ""
    area: str = ""
    texts: list[str] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "place": self.place,
            "topic": self.topic,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "count": self.count,
            "callers": self.callers,
            "heat": self.heat,
            "growing": self.growing,
            "likes": self.likes,
            "category": self.category,
            "area": self.area,
            "description": self.texts[0] if self.texts else "",
        }


class _Groups:
    """Union-find over entry indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def find_hotspots(
    entries: Sequence[Entry],
    *,
    as_of: datetime | None = None,
    limits: HotspotLimits | None = None,
    loose: Callable[[list[Span]], Sequence[Entry]] | None = None,
) -> list[Hotspot]:
    """Hotspots among ``entries``, hottest first. ``loose`` gives, for the groups' spans, more
    orders whose place names no more than a building (the engine reads them from the log only
    once it knows the groups); without it such orders are looked for among ``entries``."""
    limits = limits or HotspotLimits()
    if not entries:
        return []
    entries = sorted(entries, key=lambda e: (e.at, e.key))
    as_of = as_of or entries[-1].at
    places = [place_of(e.location, e.text) for e in entries]
    vectorizer, vectors = _vectors(entries)
    groups = _Groups(len(entries))
    window = timedelta(hours=limits.window_hours)
    for members in _blocks(entries, places).values():
        crowded = _crowded(members, entries, window, limits.min_orders)
        _link(crowded, entries, places, vectors, groups, window, limits)
    clusters: dict[int, list[int]] = {}
    for index in range(len(entries)):
        clusters.setdefault(groups.find(index), []).append(index)
    formed = [m for m in clusters.values() if len(m) > 1 and _dense(m, entries, window, limits)]
    if loose is not None and formed:
        known = {e.key for e in entries}
        extra = [e for e in loose(_spans(formed, entries, places)) if e.key not in known]
        if extra:
            entries = [*entries, *extra]
            extra_places = [place_of(e.location, e.text) for e in extra]
            places = [*places, *extra_places]
            texts = [_matter_text(e) for e in extra]
            vectors = sp.vstack([vectors, vectorizer.transform(texts)], format="csr")
    _attach(formed, entries, places, vectors, window, limits)
    found = [_hotspot(m, entries, places, as_of, limits) for m in formed]
    found = [h for h in found if h.callers >= limits.min_callers]
    found.sort(key=lambda h: (-h.heat, h.start, h.orders[0]))
    return found


def _matter_text(entry: Entry) -> str:
    """The text with the order's location taken out: what is said of the matter."""
    location = entry.location.strip()
    return entry.text.replace(location, " ") if location else entry.text


def _vectors(entries: Sequence[Entry]) -> tuple[TfidfVectorizer, Any]:
    texts = [_matter_text(e) for e in entries]
    if not any(t.strip() for t in texts):
        texts = [t or "·" for t in texts]
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32
    )
    return vectorizer, vectorizer.fit_transform(texts).tocsr()


def _spans(
    formed: list[list[int]], entries: Sequence[Entry], places: Sequence[Place]
) -> list[Span]:
    """Each group's first and last order and the buildings its places name."""
    return [
        Span(
            start=min(entries[m].at for m in members),
            end=max(entries[m].at for m in members),
            buildings=frozenset(places[m].building for m in members if places[m].building),
        )
        for members in formed
    ]


def _blocks(entries: Sequence[Entry], places: Sequence[Place]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = {}
    for index, (entry, place) in enumerate(zip(entries, places, strict=True)):
        if place.named:
            blocks.setdefault(place.block, []).append(index)
        elif entry.lat is not None and entry.long is not None:
            blocks.setdefault(_cell(entry.lat, entry.long), []).append(index)
    return blocks


def _crowded(
    members: list[int], entries: Sequence[Entry], window: timedelta, min_orders: int
) -> list[int]:
    """Members with ``min_orders`` orders of their block (themselves included) within
    ``window`` either side: only these can start a hotspot. The engine applies the same rule
    in SQL before anything reaches Python (:data:`hotline.domain.supervision.hotspots.SQL`)."""
    times = [entries[m].at for m in members]
    kept, low, high = [], 0, 0
    for index, moment in enumerate(times):
        while moment - times[low] > window:
            low += 1
        while high < len(times) and times[high] - moment <= window:
            high += 1
        if high - low >= min_orders:
            kept.append(members[index])
    return kept


def _cell(lat: float, long: float) -> str:
    # About 150 m on a side at China's latitudes; neighbours across a cell edge attach later.
    return f"@{round(lat / 0.00135)}:{round(long / 0.0016)}"


def _link(
    members: list[int],
    entries: Sequence[Entry],
    places: Sequence[Place],
    vectors: Any,
    groups: _Groups,
    window: timedelta,
    limits: HotspotLimits,
) -> None:
    if len(members) < 2:
        return
    rows = vectors[members]
    times = [entries[m].at for m in members]
    # Only pairs within the window are compared, so the similarities are computed a slice of
    # members at a time against those up to a window later: a busy block (a big estate over
    # years, or a province's same-named buildings) has tens of thousands of members, and its
    # whole members × members matrix ran a 100 M-event log out of memory.
    for start in range(0, len(members), LINK_SLICE):
        stop = min(start + LINK_SLICE, len(members))
        end = bisect_right(times, times[stop - 1] + window, lo=stop)
        similarity = (rows[start:stop] @ rows[start:end].T).toarray()
        for a in range(start, stop):
            first = entries[members[a]]
            for b in range(a + 1, end):
                second = entries[members[b]]
                if second.at - first.at > window:
                    break  # members are in time order
                if not _same_place(places[members[a]], places[members[b]], first, second, limits):
                    continue
                if _same_matter(float(similarity[a - start, b - start]), first, second, limits):
                    groups.join(members[a], members[b])


def _same_place(one: Place, two: Place, first: Entry, second: Entry, limits: HotspotLimits) -> bool:
    if first.area and second.area and first.area != second.area:
        # Places are compared after their city and district ("北京市东城区幸福家园5号楼" and
        # "天津市和平区幸福家园5号楼" agree): in a province's log only the area tells them apart.
        return False
    if one.named and two.named:
        return one.agrees(two)
    return _near(first, second, limits.near_metres)


def _near(first: Entry, second: Entry, metres: float) -> bool:
    if None in (first.lat, first.long, second.lat, second.long):
        return False
    assert first.lat is not None and first.long is not None
    assert second.lat is not None and second.long is not None
    dy = (first.lat - second.lat) * EARTH_METRES_PER_DEGREE
    dx = (first.long - second.long) * EARTH_METRES_PER_DEGREE * math.cos(math.radians(first.lat))
    return math.hypot(dx, dy) <= metres


def _same_matter(similarity: float, first: Entry, second: Entry, limits: HotspotLimits) -> bool:
    if similarity >= limits.text_similarity:
        return True
    same_category = bool(first.category) and first.category == second.category
    return same_category and similarity >= limits.category_similarity


def _dense(
    members: list[int], entries: Sequence[Entry], window: timedelta, limits: HotspotLimits
) -> bool:
    """Some ``window`` of the group holds ``min_orders`` orders."""
    times = [entries[m].at for m in members]
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        if end - start + 1 >= limits.min_orders:
            return True
    return False


def _attach(
    formed: list[list[int]],
    entries: Sequence[Entry],
    places: Sequence[Place],
    vectors: Any,
    window: timedelta,
    limits: HotspotLimits,
) -> None:
    """Orders whose place names no more than a building join the group their text fits best."""
    if not formed:
        return
    taken = {m for members in formed for m in members}
    loose = [i for i, place in enumerate(places) if not place.named and i not in taken]
    if not loose:
        return
    scores = (vectors[loose] @ _centroids(formed, vectors).T).tocsr()
    for row, index in enumerate(loose):
        entry, place = entries[index], places[index]
        best, best_score = -1, limits.attach_similarity
        fit = scores[row].toarray().ravel()
        for g, members in enumerate(formed):
            score = float(fit[g])
            if score < best_score or not _fits(
                entry, place, members, entries, places, window, limits
            ):
                continue
            best, best_score = g, score
        if best >= 0:
            formed[best].append(index)
    for members in formed:
        members.sort(key=lambda m: (entries[m].at, entries[m].key))


def _centroids(formed: list[list[int]], vectors: Any) -> Any:
    """Each group's mean text vector, normalised, as a sparse matrix: held dense it was groups ×
    the whole vocabulary (thousands of groups × hundreds of thousands of character pairs in a
    province's log), most of it zeros."""
    rows = [g for g, members in enumerate(formed) for _ in members]
    columns = [m for members in formed for m in members]
    weights = [1.0 / len(members) for members in formed for _ in members]
    pick = sp.csr_matrix((weights, (rows, columns)), shape=(len(formed), vectors.shape[0]))
    means = (pick @ vectors).tocsr()
    norms = np.sqrt(np.asarray(means.multiply(means).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ means


def _fits(
    entry: Entry,
    place: Place,
    members: list[int],
    entries: Sequence[Entry],
    places: Sequence[Place],
    window: timedelta,
    limits: HotspotLimits,
) -> bool:
    first = min(entries[m].at for m in members)
    last = max(entries[m].at for m in members)
    if not first - window <= entry.at <= last + window:
        return False
    areas = {entries[m].area for m in members if entries[m].area}
    if entry.area and areas and entry.area not in areas:
        return False
    if place.building:
        return place.building in {places[m].building for m in members}
    if entry.lat is not None:
        return any(_near(entry, entries[m], limits.near_metres) for m in members)
    return True


def _hotspot(
    members: list[int],
    entries: Sequence[Entry],
    places: Sequence[Place],
    as_of: datetime,
    limits: HotspotLimits,
) -> Hotspot:
    chosen = [entries[m] for m in members]
    callers = len({e.caller or e.key for e in chosen})
    likes = sum(max(0, e.likes) for e in chosen)
    recent_from = as_of - timedelta(hours=limits.growing_hours)
    before_from = recent_from - timedelta(hours=limits.growing_hours)
    recent = sum(recent_from < e.at <= as_of for e in chosen)
    before = sum(before_from < e.at <= recent_from for e in chosen)
    weight = callers + 0.5 * (len(chosen) - callers) + math.log2(1 + likes)
    heat = round(weight * (1 + recent / len(chosen)), 1)
    return Hotspot(
        orders=[e.key for e in chosen],
        place=_place_name(members, places),
        topic=topic_words(
            [e.text for e in chosen], [places[m].said for m in members], limits.topic_words
        ),
        start=chosen[0].at,
        end=chosen[-1].at,
        count=len(chosen),
        callers=callers,
        heat=heat,
        growing=recent >= 1 and recent >= before,
        likes=likes,
        category=_most_common(e.category for e in chosen),
        area=_most_common(e.area for e in chosen),
        texts=[e.text for e in chosen],
    )


def _most_common(values: Any) -> str:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else ""


def _place_name(members: list[int], places: Sequence[Place]) -> str:
    """The place as most callers said it: among the named places, the most common normal form,
    shown as the shortest original wording of it."""
    named = [m for m in members if places[m].named]
    if not named:
        return ""
    common = _most_common(places[m].text for m in named)
    said = [places[m].said or places[m].text for m in named if places[m].text == common]
    return min(said, key=len)


def topic_words(texts: Sequence[str], locations: Sequence[str] = (), limit: int = 5) -> list[str]:
    """Key words of the matter (jieba's TF-IDF keywords), the place's own words left out."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    body = " ".join(texts)
    for location in locations:
        if location:
            body = body.replace(location, " ")
    place_words = {w for location in locations for w in jieba.lcut(location) if len(w) > 1}
    words = jieba.analyse.extract_tags(body, topK=limit + len(place_words))
    return [w for w in words if w not in place_words and not _says_nothing(w)][:limit]


def _says_nothing(word: str) -> bool:
    """Numbers, codes ("A5", the Teddy Cup's anonymised districts) and the word 小区."""
    return word.isdigit() or (word.isascii() and word.isalnum()) or word in _PLACE_KINDS


_PLACE_KINDS = frozenset({"小区", "社区", "楼栋", "单元"})


# 近期反复出现的问题 for leaders (the Teddy Cup's 热点问题表): the same grouping over a longer
# span, where two weeks between reports still make one matter and three callers are enough.
RECURRING = HotspotLimits(window_hours=14 * 24, min_orders=3, min_callers=2, growing_hours=7 * 24)


def top_problems(
    entries: Sequence[Entry],
    *,
    as_of: datetime | None = None,
    limits: HotspotLimits = RECURRING,
    top: int = 10,
) -> list[dict[str, Any]]:
    """The top-problems table: rank, heat, time span, place (or group), description (the
    matter's key words and its most typical text) and the orders, hottest first."""
    rows = []
    for rank, hotspot in enumerate(find_hotspots(entries, as_of=as_of, limits=limits)[:top], 1):
        rows.append(
            {
                "rank": rank,
                "heat": hotspot.heat,
                "start": hotspot.start,
                "end": hotspot.end,
                "place": hotspot.place,
                "topic": hotspot.topic,
                "description": _typical(hotspot),
                "orders": hotspot.orders,
                "count": hotspot.count,
                "callers": hotspot.callers,
                "likes": hotspot.likes,
                "growing": hotspot.growing,
            }
        )
    return rows


def _typical(hotspot: Hotspot) -> str:
    """The text that shares most of the matter's key words (shortest on a tie)."""
    if not hotspot.texts:
        return ""
    return min(hotspot.texts, key=lambda t: (-sum(w in t for w in hotspot.topic), len(t)))
