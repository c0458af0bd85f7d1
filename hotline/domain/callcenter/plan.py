"""A day plan (排班需求) from a forecast CSV: ``start,calls[,aht_seconds]`` per interval."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from hotline.domain import erlang
from hotline.domain.callcenter.calllog import MAX_CALL_SECONDS, CallLogInputError
from hotline.domain.inputs import InputError, csv_lines, finite_number

# More calls than this in one interval is a garbled forecast, not a hotline's busiest hour.
MAX_CALLS_PER_INTERVAL = 1_000_000
MAX_ROWS = 10_000


def read_forecast(path: Path, *, default_aht: float | None) -> list[tuple[str, float, float]]:
    """(start, calls, aht seconds) per row; a bad row stops the read with its line and field."""
    reader = csv.DictReader(csv_lines(path, error=CallLogInputError))
    try:
        names = reader.fieldnames or ()
        if "start" not in names or "calls" not in names:
            raise CallLogInputError("a forecast needs the columns start and calls", source=path)
        if "aht_seconds" not in names and default_aht is None:
            raise CallLogInputError("no aht_seconds column: give --aht-seconds", source=path)
        rows: list[tuple[str, float, float]] = []
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise CallLogInputError(f"more than {MAX_ROWS:,} intervals", source=path)
            try:
                rows.append(_interval(row, default_aht))
            except InputError as exc:
                raise exc.located(source=path, line=reader.line_num) from None
    except csv.Error as exc:
        raise CallLogInputError(
            f"not readable as CSV: {exc}", source=path, line=reader.line_num
        ) from None
    if not rows:
        raise CallLogInputError("the forecast has no rows", source=path)
    return rows


def _interval(row: dict[str, Any], default_aht: float | None) -> tuple[str, float, float]:
    if None in row:
        raise InputError("more fields than the header has")
    start = str(row.get("start") or "").strip()
    if not start:
        raise InputError("is empty", field="start")
    calls = finite_number(
        _number(row, "calls", None), field="calls", low=0, high=MAX_CALLS_PER_INTERVAL
    )
    aht = finite_number(
        _number(row, "aht_seconds", default_aht), field="aht_seconds", low=1, high=MAX_CALL_SECONDS
    )
    return start[:64], calls, aht


def _number(row: dict[str, Any], name: str, default: float | None) -> float:
    text = str(row.get(name) or "").strip()
    if not text:
        if default is None:
            raise InputError("is empty", field=name)
        return default
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{text[:40]!r} is not a number", field=name) from None


def day_plan(
    forecast: list[tuple[str, float, float]],
    *,
    interval_minutes: float,
    target_seconds: float,
    service_level: float,
    shrinkage: float,
) -> dict[str, Any]:
    """Erlang C for every interval of the forecast, with totals in agent-hours."""
    plans = erlang.staff_day(
        [calls for _, calls, _ in forecast],
        interval_minutes=interval_minutes,
        aht_seconds=[aht for _, _, aht in forecast],
        target_seconds=target_seconds,
        service_level_goal=service_level,
        shrinkage=shrinkage,
    )
    intervals = [
        {"start": start, **plan.as_dict()}
        for (start, _, _), plan in zip(forecast, plans, strict=True)
    ]
    hours = interval_minutes / 60
    return {
        "intervals": intervals,
        "agent_hours": sum(row["agents"] for row in intervals) * hours,
        "position_hours": sum(row["positions"] for row in intervals) * hours,
        "peak_positions": max(row["positions"] for row in intervals),
    }
