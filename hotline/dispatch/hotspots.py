"""热点预警 where people work: the live hotspots among the last days' orders, whether a draft
request at intake would join one, the hotspot an order belongs to, and the leaders' weekly list
of recurring matters (近期反复出现的问题).

The grouping is :mod:`hotline.domain.hotspots.cluster`'s; here the orders are read from the
database. Every reader here is center staff or an inspector (:data:`HOTSPOT_READERS`), who read
every order (policy scope "all"); unit staff do not reach these reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max

from hotline import clock
from hotline.caching import Cache
from hotline.domain.hotspots.cluster import (
    Entry,
    Hotspot,
    HotspotLimits,
    find_hotspots,
    limits_from,
    top_problems,
)
from hotline.domain.lifecycle import Role
from hotline.workorders.models import WorkOrder

# Who reads hotspots: agents (read-only), dispatchers (who act on them), the director,
# inspectors and administrators.
HOTSPOT_READERS = frozenset(
    {Role.AGENT, Role.DISPATCHER, Role.DIRECTOR, Role.SUPERVISOR, Role.ADMIN}
)
# The leaders' list: the director, inspectors, dispatchers and administrators.
RECURRING_READERS = frozenset({Role.DIRECTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
RECURRING_WEEKS = (1, 12)
RECURRING_DEFAULT_WEEKS = 4
CACHE_SECONDS = 60.0
DRAFT_KEY = "__draft__"
_FIELDS = (
    "number",
    "created_at",
    "text",
    "location",
    "caller_phone",
    "category",
    "area",
    "latitude",
    "longitude",
)


def hotspot_limits() -> HotspotLimits:
    """HOTLINE_SUPERVISION["hotspots"] over the defaults, as the engine reads them."""
    return limits_from(settings.HOTLINE_SUPERVISION)


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(
        key=row["number"],
        at=row["created_at"],
        text=row["text"] or "",
        location=row["location"] or "",
        caller=row["caller_phone"] or "",
        category=row["category"] or "",
        area=row["area"] or "",
        lat=row["latitude"],
        long=row["longitude"],
    )


def _entries_since(since: datetime) -> list[Entry]:
    rows = WorkOrder.objects.filter(created_at__gte=since).values(*_FIELDS)
    return [_entry(row) for row in rows]


def _stamp() -> tuple[Any, ...]:
    """The newest order's id: grouping reads only what an order says when it is created, so a
    cached answer stays right until the next order comes in (states are read fresh by pages)."""
    return (WorkOrder.objects.aggregate(last=Max("id"))["last"],)


@dataclasses.dataclass(frozen=True)
class _Live:
    as_of: datetime
    entries: list[Entry]
    hotspots: list[Hotspot]


_live: Cache[tuple[Any, ...], _Live] = Cache(
    name="live hotspots", max_age=CACHE_SECONDS, max_size=4
)
_recurring: Cache[tuple[Any, ...], list[dict[str, Any]]] = Cache(
    name="recurring hotspots", max_age=CACHE_SECONDS, max_size=16
)


def hotspots_reset() -> None:
    """Forget the cached hotspots (tests; ``caches_reset()`` does it too)."""
    _live.reset()
    _recurring.reset()


def _build_live() -> _Live:
    limits = hotspot_limits()
    now = clock.now()
    entries = _entries_since(now - timedelta(hours=2 * limits.window_hours))
    return _Live(
        as_of=now, entries=entries, hotspots=find_hotspots(entries, as_of=now, limits=limits)
    )


def _live_state() -> _Live:
    return _live.get_or_build(_stamp(), build=_build_live)


def live_hotspots() -> list[Hotspot]:
    """The hotspots among the orders of the last two windows (``2 × window_hours``), hottest
    first; cached for a minute, and rebuilt at once when a new order comes in."""
    return list(_live_state().hotspots)


def hotspot_anchor(hotspot: Hotspot) -> str:
    """A hotspot's name in links (``/hotspots/#hotspot-<number>``): its first real order."""
    return next((key for key in hotspot.orders if key != DRAFT_KEY), "")


def hotspot_of_order(number: str) -> Hotspot | None:
    """The live hotspot the order is part of, if any."""
    return next((h for h in live_hotspots() if number in h.orders), None)


@dataclasses.dataclass(frozen=True)
class DraftHotspot:
    """The live hotspot a draft request would join: ``hotspot`` as it stands with the draft in it,
    ``existing`` the orders it already has, ``anchor`` the hotspot's link name."""

    hotspot: Hotspot
    existing: int
    anchor: str

    @property
    def growing(self) -> bool:
        return self.hotspot.growing


def draft_hotspot(
    *, text: str, location: str = "", caller_phone: str = "", category: str = "", area: str = ""
) -> DraftHotspot | None:
    """Whether a request being taken would join a live hotspot: the draft, as an order of now,
    is grouped with the live hotspots' orders, and the group it lands in is one that already
    exists (a draft does not make a hotspot of orders that were none)."""
    if not text.strip():
        return None
    state = _live_state()
    if not state.hotspots:
        return None
    members = {key for h in state.hotspots for key in h.orders}
    entries = [e for e in state.entries if e.key in members]
    now = clock.now()
    draft = Entry(
        key=DRAFT_KEY,
        at=max([now, *(e.at for e in entries)]),
        text=text,
        location=location,
        caller=caller_phone,
        category=category,
        area=area,
    )
    found = find_hotspots([*entries, draft], as_of=draft.at, limits=hotspot_limits())
    joined = next((h for h in found if DRAFT_KEY in h.orders), None)
    if joined is None or len(joined.orders) < 2:
        return None
    live = next((h for h in state.hotspots if set(h.orders) & set(joined.orders)), None)
    if live is None:
        return None
    return DraftHotspot(
        hotspot=joined, existing=len(joined.orders) - 1, anchor=hotspot_anchor(live)
    )


def recurring_problems(*, weeks: int, top: int = 10) -> list[dict[str, Any]]:
    """The leaders' table (:func:`top_problems`) over the orders of the last ``weeks`` weeks."""

    def build() -> list[dict[str, Any]]:
        now = clock.now()
        entries = _entries_since(now - timedelta(weeks=weeks))
        return top_problems(entries, as_of=now, top=top)

    return list(_recurring.get_or_build((weeks, top, *_stamp()), build=build))


def orders_of(numbers: Iterable[str]) -> dict[str, WorkOrder]:
    """The orders named, by number."""
    wanted = [n for n in numbers if n != DRAFT_KEY]
    return {o.number: o for o in WorkOrder.objects.filter(number__in=wanted)}
