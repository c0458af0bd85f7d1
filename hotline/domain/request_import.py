"""Requests exported by other 311/12345 systems (CSV or Excel) → rows ready for the services.

A TOML mapping names the source, its id column, how to read its times, which columns hold the
order's fields, which source statuses mean what, and which unit each agency becomes. Pure: the
Django side walks each row through the lifecycle services.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STAGES = ("received", "dispatched", "handling", "closed")


class MappingError(ValueError):
    """The mapping file is wrong; the message names the key."""


class RowError(ValueError):
    """One source row cannot be imported; the message names the column."""


@dataclass(frozen=True)
class UnitTarget:
    code: str
    name: str


@dataclass(frozen=True)
class RequestMapping:
    source: str
    id_column: str
    timezone: ZoneInfo
    time_formats: tuple[str, ...]
    kind: str
    fields: dict[str, str]
    text_template: str
    stages: dict[str, str]  # source status → stage
    default_stage: str
    units: dict[str, UnitTarget]
    default_unit: UnitTarget | None
    categories: dict[str, str]  # source value → category code
    create_categories: bool


@dataclass(frozen=True)
class SourceRequest:
    """One source row, checked and typed."""

    row: int
    external_id: str
    created_at: datetime
    closed_at: datetime | None
    stage: str
    status: str
    category_code: str
    category_name: str
    unit: UnitTarget | None
    text: str
    location: str
    lat: float | None
    long: float | None


@dataclass
class ReadResult:
    requests: list[SourceRequest] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def load_mapping(path: Path) -> RequestMapping:
    if not path.is_file():
        raise MappingError(f"{path}: no such mapping file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None
    source = _table(raw, "source")
    name, id_column = _text(source, "name", "[source]"), _text(source, "id", "[source]")
    fields = _table(raw, "fields")
    for required in ("created_at", "category"):
        if not fields.get(required):
            raise MappingError(f"[fields] {required} is required")
    try:
        zone = ZoneInfo(str(source.get("timezone", "Asia/Shanghai")))
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"[source] timezone {source.get('timezone')!r} is unknown") from None
    formats = source.get("time_format", [])
    stages = _stages(_table(raw, "status", required=False))
    units_table = dict(_table(raw, "units", required=False))
    default = units_table.pop("default", None)
    categories = dict(_table(raw, "categories", required=False))
    create = bool(categories.pop("create_missing", False))
    mapping = RequestMapping(
        source=name,
        id_column=id_column,
        timezone=zone,
        time_formats=tuple([formats] if isinstance(formats, str) else formats),
        kind=str(source.get("kind", "help")),
        fields={key: str(value) for key, value in fields.items() if key != "text"},
        text_template=str(fields.get("text", "{" + fields["category"] + "}")),
        stages=stages,
        default_stage=str(_table(raw, "status", required=False).get("default", "dispatched")),
        units={name: _unit(name, value) for name, value in units_table.items()},
        default_unit=_unit("default", default) if default else None,
        categories={str(k): str(v) for k, v in categories.items()},
        create_categories=create,
    )
    if mapping.default_stage not in STAGES:
        raise MappingError(f"[status] default must be one of {', '.join(STAGES)}")
    return mapping


def _table(raw: dict[str, Any], name: str, *, required: bool = True) -> dict[str, Any]:
    value = raw.get(name, {} if not required else None)
    if not isinstance(value, dict):
        raise MappingError(f"the mapping needs a [{name}] table")
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{where} {key} is required")
    return value.strip()


def _stages(table: dict[str, Any]) -> dict[str, str]:
    stages: dict[str, str] = {}
    for stage, values in table.items():
        if stage == "default":
            continue
        if stage not in STAGES:
            raise MappingError(f"[status] {stage} is not a stage ({', '.join(STAGES)})")
        for value in [values] if isinstance(values, str) else values:
            stages[str(value).strip().lower()] = stage
    return stages


def _unit(name: str, value: Any) -> UnitTarget:
    if isinstance(value, str):
        return UnitTarget(code=value, name=value)
    if isinstance(value, dict) and value.get("code"):
        return UnitTarget(code=str(value["code"]), name=str(value.get("name") or value["code"]))
    raise MappingError(f"[units] {name!r} needs a unit code (a string or {{ code, name }})")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a person counts it, row) from a CSV or an Excel file."""
    if not path.is_file():
        raise MappingError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _excel_rows(path)
    elif suffix in (".csv", ".txt"):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
    else:
        raise MappingError(f"{path}: expected a .csv or .xlsx file")


def _excel_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).active
    if sheet is None:
        return
    rows = sheet.iter_rows(values_only=True)
    header = [str(name or "").strip() for name in next(rows, ())]
    for number, values in enumerate(rows, start=2):
        yield (
            number,
            {name: _cell(value) for name, value in zip(header, values, strict=False) if name},
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def read_requests(path: Path, mapping: RequestMapping) -> ReadResult:
    """Every row checked; good rows become :class:`SourceRequest`, bad ones errors."""
    result = ReadResult()
    seen: dict[str, int] = {}
    columns_checked = False
    for number, row in read_rows(path):
        if not columns_checked:
            _check_columns(mapping, row)
            columns_checked = True
        try:
            request = _request(number, row, mapping)
        except RowError as error:
            result.errors.append((number, str(error)))
            continue
        first = seen.get(request.external_id)
        if first is not None:
            message = f"{mapping.id_column} {request.external_id!r} repeats row {first}"
            result.errors.append((number, message))
            continue
        seen[request.external_id] = number
        result.requests.append(request)
    if not columns_checked:
        raise MappingError(f"{path}: the file has no rows")
    return result


def _check_columns(mapping: RequestMapping, row: dict[str, str]) -> None:
    wanted = {mapping.id_column, *mapping.fields.values()}
    wanted |= set(re.findall(r"{([^{}]+)}", mapping.text_template))
    missing = sorted(name for name in wanted if name not in row)
    if missing:
        raise MappingError(f"column(s) missing from the file: {', '.join(missing)}")


def _request(number: int, row: dict[str, str], mapping: RequestMapping) -> SourceRequest:
    external_id = row.get(mapping.id_column, "")
    if not external_id:
        raise RowError(f"{mapping.id_column} is empty")
    fields = mapping.fields
    created = _time(row, fields["created_at"], mapping, required=True)
    assert created is not None
    closed = _time(row, fields.get("closed_at", ""), mapping, required=False)
    status = row.get(fields.get("status", ""), "")
    stage = mapping.stages.get(status.lower(), mapping.default_stage)
    category_value = row.get(fields["category"], "")
    if not category_value:
        raise RowError(f"{fields['category']} is empty")
    code = mapping.categories.get(category_value)
    if code is None:
        if not mapping.create_categories:
            raise RowError(f"category {category_value!r} is not in [categories]")
        code = category_code(category_value)
    agency = row.get(fields.get("unit", ""), "")
    unit = mapping.units.get(agency, mapping.default_unit)
    if unit is None and stage != "received":
        raise RowError(f"unit {agency!r} is not in [units] (and there is no default)")
    try:
        text = mapping.text_template.format_map(row).strip()
    except (KeyError, ValueError, IndexError):
        raise RowError(f"the text template {mapping.text_template!r} does not fit") from None
    if closed is not None and closed < created:
        closed = created  # some exports stamp the closure before the creation
    return SourceRequest(
        row=number,
        external_id=external_id,
        created_at=created,
        closed_at=closed,
        stage=stage,
        status=status,
        category_code=code,
        category_name=category_value,
        unit=unit,
        text=text or category_value,
        location=row.get(fields.get("location", ""), "")[:300],
        lat=_number(row, fields.get("lat", "")),
        long=_number(row, fields.get("long", "")),
    )


def category_code(name: str) -> str:
    """A slug for a category name; names with no ASCII letters get a stable hash code."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    if not slug:
        return "cat-" + hashlib.sha1(name.encode()).hexdigest()[:10]
    return slug


def _time(
    row: dict[str, str], column: str, mapping: RequestMapping, *, required: bool
) -> datetime | None:
    value = row.get(column, "") if column else ""
    if not value:
        if required:
            raise RowError(f"{column} is empty")
        return None
    for fmt in mapping.time_formats:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=mapping.timezone)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(
            f"{column} {value!r} does not match {mapping.time_formats or 'ISO'}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=mapping.timezone)


def _number(row: dict[str, str], column: str) -> float | None:
    value = row.get(column, "") if column else ""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a number") from None
    return number
