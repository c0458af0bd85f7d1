"""A day plan (排班需求) from a forecast CSV: ``start,calls[,aht_seconds]`` per interval."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from hotline.domain import erlang
from hotline.domain.callcenter.cdr import CallLogInputError


def read_forecast(path: Path, *, default_aht: float | None) -> list[tuple[str, float, float]]:
    """(start, calls, aht seconds) per row; a bad row stops the read with its line number."""
    if not path.is_file():
        raise CallLogInputError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        names = reader.fieldnames or ()
        if "start" not in names or "calls" not in names:
            raise CallLogInputError(f"{path}: a forecast needs the columns start and calls")
        if "aht_seconds" not in names and default_aht is None:
            raise CallLogInputError(f"{path}: no aht_seconds column: give --aht-seconds")
        rows = []
        for row in reader:
            try:
                aht = float(row.get("aht_seconds") or default_aht or "nan")
                rows.append((row["start"].strip(), float(row["calls"]), aht))
            except ValueError:
                raise CallLogInputError(
                    f"{path}:{reader.line_num}: calls and aht_seconds must be numbers"
                ) from None
    if not rows:
        raise CallLogInputError(f"{path}: the forecast has no rows")
    return rows


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
