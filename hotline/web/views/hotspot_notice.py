"""The notice "此工单属于正在增长的热点" on the order page (its own module: the order page and the
hotspot pages both read it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from hotline.dispatch import hotspots as hot
from hotline.web.access import role_of


def topic_text(topic: Any) -> str:
    """The matter's key words as one line: ["停水", "水压"] → "停水、水压"."""
    return "、".join(str(w) for w in topic) if isinstance(topic, list | tuple) else str(topic or "")


def hotspot_notice(request: HttpRequest, *, number: str) -> dict[str, Any] | None:
    """For readers of hotspots, when the order is part of a live hotspot: where, what, how many."""
    if role_of(request) not in hot.HOTSPOT_READERS:
        return None
    found = hot.hotspot_of_order(number)
    if found is None:
        return None
    return {
        "anchor": hot.hotspot_anchor(found),
        "place": found.place,
        "topic": topic_text(found.topic),
        "count": found.count,
        "growing": found.growing,
    }
