"""Dispatch catalogue (派单目录): category × area → lead unit (主办) and assisting units (协办).

The most specific entry wins: one for the order's street, then for its district, then the
city-wide entry for the category (area empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    entry: int
    version: int
    category: str
    area: str
    lead_unit: str
    assist_units: tuple[str, ...] = ()


def resolve(routes: Iterable[Route], *, category: str, area_path: Sequence[str]) -> Route | None:
    """``area_path`` runs from the order's own area up to the city: (street, district)."""
    by_area = {r.area: r for r in routes if r.category == category}
    for area in (*area_path, ""):
        if area in by_area:
            return by_area[area]
    return None
