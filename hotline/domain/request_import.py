"""Requests exported by other 311/12345 systems (CSV or Excel) → rows ready for the services.

A TOML mapping names the source, its id column, how to read its times, which columns hold the
order's fields, which source statuses mean what, and which unit each agency becomes. Pure: the
Django side walks each row through the lifecycle services.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import string
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.domain import limits
from hotline.domain.inputs import InputError, csv_lines, input_file, utf8_text
from hotline.domain.lifecycle import Kind

STAGES = ("received", "dispatched", "handling", "closed")
# A source id, and the source's name, as long as the import key (200 characters) can hold both.
EXTERNAL_ID_MAX = 120
SOURCE_NAME_MAX = 64
MAPPING_MAX_BYTES = 1 << 20
# Columns of a spreadsheet row read at most: a hostile workbook can claim 16,384 of them.
EXCEL_COLUMNS_MAX = 1000


class MappingError(InputError):
    """The mapping file, or the data file as a whole, is wrong; the message names the key."""


class RowError(InputError):
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
        raw = tomllib.loads(utf8_text(path, max_bytes=MAPPING_MAX_BYTES))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise MappingError(f"{path}: not valid TOML: nested too deeply") from None
    source = _table(raw, "source")
    name, id_column = _text(source, "name", "[source]"), _text(source, "id", "[source]")
    if len(name) > SOURCE_NAME_MAX:
        raise MappingError(f"[source] name must be at most {SOURCE_NAME_MAX} characters")
    fields = _table(raw, "fields")
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            raise MappingError(f"[fields] {key} must be a column name (text), got {value!r}")
    for required in ("created_at", "category"):
        if not fields.get(required):
            raise MappingError(f"[fields] {required} is required")
    timezone = source.get("timezone", "Asia/Shanghai")
    try:
        if not isinstance(timezone, str):
            raise ValueError(timezone)
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise MappingError(f"[source] timezone {timezone!r} is unknown") from None
    formats = source.get("time_format", [])
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) and f for f in formats):
        raise MappingError("[source] time_format must be a format or a list of formats (text)")
    kind = source.get("kind", "help")
    if not isinstance(kind, str) or kind not in {k.value for k in Kind}:
        raise MappingError(
            f"[source] kind {kind!r} is not one of: {', '.join(k.value for k in Kind)}"
        )
    status = _table(raw, "status", required=False)
    stages = _stages(status)
    units_table = dict(_table(raw, "units", required=False))
    default = units_table.pop("default", None)
    categories = dict(_table(raw, "categories", required=False))
    create = categories.pop("create_missing", False)
    if not isinstance(create, bool):
        raise MappingError(f"[categories] create_missing must be true or false, got {create!r}")
    for value in categories.values():
        _code(value, "[categories]", "a category code")
    template = fields.get("text", "{" + fields["category"] + "}")
    mapping = RequestMapping(
        source=name,
        id_column=id_column,
        timezone=zone,
        time_formats=tuple(formats),
        kind=str(kind),
        fields={key: value for key, value in fields.items() if key != "text"},
        text_template=_template(template),
        stages=stages,
        default_stage=str(status.get("default", "dispatched")),
        units={name: _unit(name, value) for name, value in units_table.items()},
        default_unit=_unit("default", default) if default else None,
        categories={str(k): str(v) for k, v in categories.items()},
        create_categories=create,
    )
    if mapping.default_stage not in STAGES:
        raise MappingError(f"[status] default must be one of {', '.join(STAGES)}")
    return mapping


def _template(template: str) -> str:
    """The text template: plain ``{column}`` places only. A format spec could ask for a
    gigabyte of padding (``{x:>999999999}``), an attribute for a method: both are refused."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise MappingError(f"[fields] text {template[:60]!r} is not a template ({exc})") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name or spec or conversion or any(c in name for c in ".[]"):
            raise MappingError(
                f"[fields] text {template[:60]!r}: use plain {{column}} places "
                "(no format specs, conversions, attributes or indexes)"
            )
    return template


def _code(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limits.CODE_MAX:
        raise MappingError(
            f"{where} needs {what} (text of at most {limits.CODE_MAX} characters), got {value!r}"
        )
    return value


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
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise MappingError(f"[status] {stage} must be a status or a list of statuses (text)")
        for value in listed:
            stages[value.strip().lower()] = stage
    return stages


def _unit(name: str, value: Any) -> UnitTarget:
    if isinstance(value, str):
        code = _code(value, f"[units] {name!r}", "a unit code")
        return UnitTarget(code=code, name=code)
    if isinstance(value, dict) and value.get("code"):
        code = _code(value["code"], f"[units] {name!r}", "a unit code")
        label = value.get("name") or code
        if not isinstance(label, str) or len(label) > 200:
            raise MappingError(f"[units] {name!r} name must be text of at most 200 characters")
        return UnitTarget(code=code, name=label)
    raise MappingError(f"[units] {name!r} needs a unit code (a string or {{ code, name }})")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a person counts it, row) from a CSV or an Excel file.

    A file that cannot be read as one (not UTF-8, broken CSV quoting, not a workbook) is a
    MappingError naming the file and, where there is one, the line."""
    try:
        input_file(path)
    except InputError as exc:
        raise MappingError(exc.message, source=path) from None
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _excel_rows(path)
    elif suffix in (".csv", ".txt"):
        yield from _csv_rows(path)
    else:
        raise MappingError(f"{path}: expected a .csv or .xlsx file")


def _csv_lines(path: Path) -> Iterator[str]:
    """The file's lines with their endings, refusing non-UTF-8 bytes and over-long lines."""
    return csv_lines(path, error=MappingError)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(_csv_lines(path))
    try:
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
    except csv.Error as exc:
        raise MappingError(f"malformed CSV ({exc})", source=path, line=reader.line_num) from None


def _excel_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of the workbook's active sheet. openpyxl reads whatever the zip holds, and a file
    that is not a workbook fails in many ways (bad zip, missing parts, bad XML): each becomes
    one MappingError naming the file."""
    from openpyxl import load_workbook

    number = 1
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.active
            if sheet is None:
                return
            rows = sheet.iter_rows(values_only=True, max_col=EXCEL_COLUMNS_MAX)
            header = [str(name or "").strip() for name in next(rows, ())]
            for number, values in enumerate(rows, start=2):
                yield (
                    number,
                    {
                        name: _cell(value)
                        for name, value in zip(header, values, strict=False)
                        if name
                    },
                )
        finally:
            book.close()
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise MappingError(f"not an Excel workbook ({exc})", source=path) from None
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML errors … on garbage
        raise MappingError(
            f"not a readable Excel workbook ({type(exc).__name__}: {str(exc)[:80]})",
            source=path,
            line=number if number > 1 else None,
        ) from None


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
    for column, value in row.items():
        if problem := limits.text_ok(value):
            raise RowError(f"{column} {problem}")
    external_id = row.get(mapping.id_column, "")
    if not external_id:
        raise RowError(f"{mapping.id_column} is empty")
    if len(external_id) > EXTERNAL_ID_MAX:
        raise RowError(f"{mapping.id_column} is longer than {EXTERNAL_ID_MAX} characters")
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
    text = text or category_value
    if len(text) > limits.TEXT_MAX:
        raise RowError(f"the text is {len(text):,} characters; at most {limits.TEXT_MAX:,}")
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
        text=text,
        location=row.get(fields.get("location", ""), "")[: limits.LOCATION_MAX],
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
    parsed: datetime | None = None
    for fmt in mapping.time_formats:
        try:
            parsed = datetime.strptime(value, fmt).replace(tzinfo=mapping.timezone)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise RowError(
                f"{column} {value[:40]!r} does not match {mapping.time_formats or 'ISO'}"
            ) from None
    if not limits.EARLIEST_YEAR <= parsed.year <= limits.LATEST_YEAR:
        raise RowError(
            f"{column} {value[:40]!r}: year outside {limits.EARLIEST_YEAR}..{limits.LATEST_YEAR}"
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=mapping.timezone)


def _number(row: dict[str, str], column: str) -> float | None:
    value = row.get(column, "") if column else ""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowError(f"{column} {value[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise RowError(f"{column} {value[:40]!r} is not a finite number")
    return number
