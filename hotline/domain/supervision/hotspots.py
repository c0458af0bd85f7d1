"""热点 in the supervision report: the engine's side of :mod:`hotline.domain.hotspots`.

A city's log has a million orders; almost none of them is part of a surge. DuckDB first keeps
the orders that have ``min_orders`` orders at the same place block within ``window_hours``
either side (the places normalised by the same rules as in Python), then, once the groups are
formed, the orders whose place names only a building (or nothing) from the same hours. Only
those reach :func:`find_hotspots`, which applies the same crowding rule again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.domain.duck import insert_columns, query_dicts
from hotline.domain.hotspots.cluster import Entry, Hotspot, HotspotLimits, Span, find_hotspots
from hotline.domain.hotspots.places import (
    block_sql,
    building_sql,
    named_sql,
    normalise_sql,
    said_place_sql,
)
from hotline.domain.supervision.eventlog import EventLog

_CREATED = f"""
CREATE OR REPLACE TEMP TABLE hotspot_orders AS
WITH created AS (
  SELECT order_id, ts, coalesce(data->>'$.text', '') AS text,
    coalesce(data->>'$.location', '') AS location,
    coalesce(data->>'$.caller.phone', '') AS caller,
    coalesce(data->>'$.category', '') AS category, coalesce(data->>'$.area', '') AS area,
    TRY_CAST(data->>'$.lat' AS DOUBLE) AS lat, TRY_CAST(data->>'$.long' AS DOUBLE) AS long,
    coalesce(TRY_CAST(data->>'$.likes' AS BIGINT), 0) AS likes
  FROM events WHERE action = 'create'
), said AS (
  SELECT *, {said_place_sql("location", "text")} AS said FROM created
), placed AS (
  SELECT *, {normalise_sql("said")} AS place FROM said
)
SELECT *, {block_sql("place")} AS block, {building_sql("place")} AS building FROM placed
"""
# $1 window (microseconds), $2 min_orders.
_CROWDED = f"""
WITH blocked AS (
  SELECT *, CASE WHEN {named_sql("place", "building")} THEN block
    WHEN lat IS NOT NULL AND long IS NOT NULL
    THEN '@' || CAST(round(lat / 0.00135) AS BIGINT) || ':' || CAST(round(long / 0.0016) AS BIGINT)
    END AS key
  FROM hotspot_orders
), counted AS (
  SELECT *, count(*) OVER (PARTITION BY key ORDER BY ts RANGE BETWEEN
    to_microseconds($1) PRECEDING AND
    to_microseconds($1) FOLLOWING) AS near
  FROM blocked WHERE key IS NOT NULL
)
SELECT order_id, ts, text, location, caller, category, area, lat, long, likes
FROM counted WHERE near >= $2
"""
# Orders naming no more than a building, or nothing, within the window of a group.
_LOOSE = f"""
SELECT o.order_id, o.ts, o.text, o.location, o.caller, o.category, o.area, o.lat, o.long,
       o.likes
FROM hotspot_orders o JOIN hotspot_spans s
  ON o.ts BETWEEN s.start - to_microseconds($1)
              AND s.stop + to_microseconds($1)
WHERE NOT {named_sql("o.place", "o.building")}
  AND (o.building = '' OR o.building = s.building)
GROUP BY ALL
"""


def _micros(hours: float) -> int:
    """The window as a whole number of microseconds: a constant both engines read as an
    interval (Spark's window frames take only a literal one)."""
    return round(hours * 3600e6)


def detect_hotspots(log: EventLog, limits: HotspotLimits | None = None) -> list[Hotspot]:
    if not log.ours:
        return []
    limits = limits or HotspotLimits()
    con = log.con
    con.execute(_CREATED)
    crowded = _entries(
        query_dicts(con, _CROWDED, [_micros(limits.window_hours), limits.min_orders])
    )

    def loose(spans: list[Span]) -> list[Entry]:
        rows = [(s.start, s.end, b) for s in spans for b in (s.buildings or {""})]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE hotspot_spans "
            "(start TIMESTAMP, stop TIMESTAMP, building VARCHAR)"
        )
        columns: dict[str, list[Any]] = {
            "start": [row[0] for row in rows],
            "stop": [row[1] for row in rows],
            "building": [row[2] for row in rows],
        }
        insert_columns(con, "hotspot_spans", columns)
        found = _entries(query_dicts(con, _LOOSE, [_micros(limits.window_hours)]))
        con.execute("DROP TABLE hotspot_spans")
        return found

    try:
        return find_hotspots(crowded, as_of=_naive(log.as_of), limits=limits, loose=loose)
    finally:
        con.execute("DROP TABLE hotspot_orders")


def _entries(rows: list[dict[str, Any]]) -> list[Entry]:
    return [
        Entry(
            key=row["order_id"],
            at=row["ts"],
            text=row["text"],
            location=row["location"],
            caller=row["caller"],
            category=row["category"],
            area=row["area"],
            likes=int(row["likes"] or 0),
            lat=row["lat"],
            long=row["long"],
        )
        for row in rows
    ]


def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None
