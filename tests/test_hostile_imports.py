"""Hostile input for the importers: events import, request import (rows, mapping, workbooks) and
the dispatch CSVs.

Whatever a file holds, the answer is the project's own error (an ``InputError``: one line naming
the file, line and field, exit 2; or the events importer's per-line report), never another
exception, and nothing is written. Hypothesis generates the malformed input; the figures (inputs
tried per format, tracebacks) are written to ``var/test/hostile_imports.json`` and printed at the
end of the module for docs/security.md.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.cli import main
from hotline.domain import limits
from hotline.domain.dispatch import classifier
from hotline.domain.dispatch.table import read_table
from hotline.domain.inputs import InputError
from hotline.domain.lifecycle import Action
from hotline.domain.request_import import load_mapping, read_requests, read_rows
from hotline.exchange.services import requests_import
from hotline.workorders.interchange import events_import
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from tests.common.hostile import Tally
from tests.common.world import World

pytestmark = pytest.mark.django_db

TALLY = Tally("hostile_imports")

# A deeper hunt: HOTLINE_HOSTILE_EXAMPLES=2000 pytest tests/test_hostile_imports.py
FAST = settings(
    max_examples=int(os.environ.get("HOTLINE_HOSTILE_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


attempt = TALLY.attempt


@pytest.fixture(scope="module", autouse=True)
def _figures(pytestconfig: pytest.Config) -> Iterator[None]:
    yield
    TALLY.write(pytestconfig)


def nothing_written() -> bool:
    return WorkOrder.objects.count() == 0 and WorkOrderEvent.objects.count() == 0


# -- events import ------------------------------------------------------------------------------

CREATE = {
    "channel": "phone",
    "kind": "complaint",
    "category": "noise",
    "text": "楼下夜间施工噪音",
    "caller": {"name": "张三", "phone": "13800001111"},
}


def event(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "order": "H1",
        "seq": 1,
        "at": "2025-03-03T09:00:00+08:00",
        "action": "create",
        "actor": "",
        "unit": "center",
        "to_unit": "",
        "data": dict(CREATE),
    }
    base.update(fields)
    return base


def jsonl(*events: dict[str, Any]) -> str:
    # ensure_ascii: lone surrogates and NUL travel as escapes, as a hostile file would carry them
    return "".join(json.dumps(e, ensure_ascii=True) + "\n" for e in events)


def as_csv(*events: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(event()))
    writer.writeheader()
    for e in events:
        row = {k: json.dumps(v, ensure_ascii=True) if k == "data" else v for k, v in e.items()}
        writer.writerow(row)
    return out.getvalue()


WRONG_TYPES = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(0, 9), max_size=2),
)
NOT_STRINGS = WRONG_TYPES
NUL_TEXT = st.text(max_size=8).map(lambda t: t + "\x00")
SURROGATE = st.text(max_size=8).map(lambda t: t + "\ud800")


def _bad_moment(value: Any) -> bool:
    try:
        limits.moment(value, field="x")
    except InputError:
        return True
    return False


def hostile(spec: limits.Spec) -> st.SearchStrategy[Any]:
    """Values the spec refuses, every one of them."""
    match spec:
        case limits.Text():
            options = [
                NOT_STRINGS,
                st.integers(spec.max + 1, spec.max + 40).map(lambda n: "长" * n),
                NUL_TEXT,
                SURROGATE,
            ]
            if spec.choices:
                choices = spec.choices
                options.append(st.text(max_size=12).filter(lambda t: t not in choices))
            if spec.pattern:
                pattern = spec.pattern
                options.append(
                    st.text(min_size=1, max_size=12).filter(
                        lambda t: not re.fullmatch(pattern, t) and len(t) <= spec.max
                    )
                )
            return st.one_of(options)
        case limits.Whole():
            return st.one_of(
                st.integers(max_value=spec.low - 1),
                st.integers(min_value=spec.high + 1),
                st.sampled_from([10**30, 10**400, -(10**400)]),  # 10**400: no float holds it
                st.floats(),
                st.text(max_size=5),
                st.booleans(),
                st.lists(st.integers(), max_size=2),
            )
        case limits.Real():
            return st.one_of(
                st.sampled_from([math.nan, math.inf, -math.inf, 10**30, -(10**30), 10**400]),
                st.floats(min_value=spec.high, exclude_min=True, allow_infinity=False),
                st.floats(max_value=spec.low, exclude_max=True, allow_infinity=False),
                st.text(max_size=5),
                st.booleans(),
            )
        case limits.Flag():
            return st.one_of(
                st.sampled_from(["yes", "no", "true", "1", 0, 1]),
                st.text(max_size=4),
                st.lists(st.booleans()),
            )
        case limits.Moment():
            return st.one_of(
                st.text(max_size=30).filter(_bad_moment),
                st.sampled_from(
                    [
                        "9999-12-31T23:59:59-14:00",
                        "0001-01-01T00:00:00+14:00",
                        "2025-03-03T09:00:00",
                        "yesterday",
                    ]
                ),
                st.integers(),
                st.lists(st.text(max_size=3), max_size=2),
            )
        case limits.Items():
            valid_items = st.just("zhujian") if isinstance(spec.item, limits.Text) else st.just({})
            return st.one_of(
                st.text(min_size=1, max_size=5),  # "abc" is not ["a", "b", "c"]
                st.integers(),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                st.lists(valid_items, min_size=spec.max + 1, max_size=spec.max + 3),
                hostile(spec.item).map(lambda bad: [bad]),
            )
        case limits.Record():
            options = [
                st.text(max_size=10),
                st.lists(st.text(max_size=3), max_size=3),
                st.integers(),
                st.sampled_from(
                    [{"k": "\x00"}, {"k": math.nan}, {"k": 10**30}, {"k": "长" * 10_001}]
                ),
            ]
            if spec.fields:
                names = sorted(spec.fields)
                options.append(
                    st.sampled_from(names).flatmap(
                        lambda name: hostile(spec.fields[name]).map(lambda bad: {name: bad})
                    )
                )
            return st.one_of(options)
    raise AssertionError(spec)


@st.composite
def hostile_data(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    """(action, data with one field made hostile, the field's name)."""
    action = draw(st.sampled_from([a for a in limits.EVENT_DATA if limits.EVENT_DATA[a]]))
    name = draw(st.sampled_from(sorted(limits.EVENT_DATA[action])))
    value = draw(hostile(limits.EVENT_DATA[action][name]))
    data = dict(CREATE) if action is Action.CREATE else {}
    data[name] = value
    return action.value, data, name


def deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


GENERIC_DATA = st.sampled_from(
    [
        ({"x": deep(limits.MAX_JSON_DEPTH + 5)}, "data"),
        ({"extra": "长" * (limits.TEXT_MAX + 1)}, "data.extra"),
        ({f"k{i}": "字" * 9000 for i in range(8)}, "data"),
        ({"\x00": 1}, "data"),
        ({"n": 2**60}, "data.n"),
    ]
)

TOP_LEVEL = {
    "order": st.one_of(
        NOT_STRINGS.filter(lambda v: v != 0),
        st.integers(65, 5000).map(lambda n: "9" * n),
        st.text(min_size=1, max_size=10).filter(
            lambda t: not re.fullmatch(limits.ORDER_NUMBER_PATTERN, t)
        ),
        NUL_TEXT,
    ),
    "seq": st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=limits.SEQ_MAX + 1),
        st.floats(),
        st.booleans(),
        st.text(min_size=1, max_size=5).filter(
            lambda t: not t.strip().isascii() or not t.strip().isdigit()
        ),
        st.sampled_from(["²", "٣", "1e3", "-1"]),
    ),
    "at": st.one_of(
        st.text(min_size=1, max_size=30).filter(_bad_moment),
        st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]),
        st.integers(min_value=1),
        st.booleans(),
    ),
    "action": st.one_of(
        st.text(min_size=1, max_size=12).filter(lambda t: t not in {a.value for a in Action}),
        st.integers(min_value=1),
        st.lists(st.text(max_size=2), min_size=1),
    ),
    "actor": st.one_of(
        st.integers(min_value=1), st.integers(151, 400).map(lambda n: "a" * n), NUL_TEXT
    ),
    "unit": st.one_of(
        st.integers(min_value=1), st.integers(65, 400).map(lambda n: "u" * n), SURROGATE
    ),
    "to_unit": st.one_of(st.booleans().filter(bool), st.integers(65, 400).map(lambda n: "u" * n)),
}


def not_blank(raw: bytes) -> bool:
    try:
        return bool(raw.decode("utf-8").strip())
    except UnicodeDecodeError:
        return True


RAW_LINES = st.binary(min_size=1, max_size=200).filter(lambda b: b"\n" not in b and not_blank(b))


def import_events(path: Path, fmt: str) -> Any:
    """events_import inside a transaction that is rolled back whatever happens."""

    def run() -> Any:
        with transaction.atomic():
            result = events_import(path)
            wrote = not nothing_written()
            transaction.set_rollback(True)
        return result, wrote

    return attempt(fmt, run)


def assert_refused(outcome: Any, line: int, field: str | None = None) -> None:
    assert not isinstance(outcome, InputError), outcome
    result, wrote = outcome
    assert not result.ok and not wrote
    by_line = {e.line: e for e in result.errors}
    assert line in by_line, result.errors
    if field is not None:
        assert by_line[line].field.startswith(field), by_line[line]


@FAST
@given(bad=hostile_data())
def test_events_jsonl_any_hostile_data_field_is_refused_by_line_and_field(
    world: World, tmp_path_factory: pytest.TempPathFactory, bad: tuple[str, dict[str, Any], str]
) -> None:
    action, data, name = bad
    path = tmp_path_factory.mktemp("ev") / "events.jsonl"
    order = "H2" if action == "create" else "H1"
    path.write_text(
        jsonl(event(), event(order=order, seq=1 if order == "H2" else 2, action=action, data=data))
    )
    assert_refused(import_events(path, "events .jsonl"), 2, f"data.{name}")


@FAST
@given(bad=hostile_data())
def test_events_csv_any_hostile_data_field_is_refused_by_line_and_field(
    world: World, tmp_path_factory: pytest.TempPathFactory, bad: tuple[str, dict[str, Any], str]
) -> None:
    action, data, name = bad
    path = tmp_path_factory.mktemp("ev") / "events.csv"
    order = "H2" if action == "create" else "H1"
    path.write_text(
        as_csv(
            event(), event(order=order, seq=1 if order == "H2" else 2, action=action, data=data)
        ),
        encoding="utf-8",
    )
    assert_refused(import_events(path, "events .csv"), 3, f"data.{name}")  # line 1: header


@FAST
@given(field=st.sampled_from(sorted(TOP_LEVEL)), data=st.data())
def test_events_hostile_columns_are_refused_by_line_and_field(
    world: World, tmp_path_factory: pytest.TempPathFactory, field: str, data: st.DataObject
) -> None:
    value = data.draw(TOP_LEVEL[field])
    path = tmp_path_factory.mktemp("ev") / "events.jsonl"
    path.write_text(jsonl(event(), event(**{"order": "H2", field: value})))
    assert_refused(import_events(path, "events .jsonl"), 2, field)


@FAST
@given(
    generic=GENERIC_DATA, unknown=st.text(min_size=1, max_size=8).filter(lambda k: k not in event())
)
def test_events_hostile_shapes_are_refused(
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
    generic: tuple[dict[str, Any], str],
    unknown: str,
) -> None:
    data, field = generic
    path = tmp_path_factory.mktemp("ev") / "events.jsonl"
    path.write_text(
        jsonl(
            event(), event(order="H2", data={**CREATE, **data}), {**event(order="H3"), unknown: 1}
        )
    )
    outcome = import_events(path, "events .jsonl")
    assert_refused(outcome, 2, field)
    assert_refused(outcome, 3)


@FAST
@given(raw=RAW_LINES, cut=st.integers(min_value=1, max_value=60), csv_file=st.booleans())
def test_events_random_bytes_and_truncated_json_are_refused_by_line(
    world: World, tmp_path_factory: pytest.TempPathFactory, raw: bytes, cut: int, csv_file: bool
) -> None:
    folder = tmp_path_factory.mktemp("ev")
    if csv_file:
        path = folder / "events.csv"
        good = as_csv(event()).encode()
        path.write_bytes(good + raw + b"\n")
        outcome = import_events(path, "events .csv")
        assert not isinstance(outcome, InputError)
        result, wrote = outcome
        # Random bytes may parse as a CSV row of the wrong shape, or not: refused either way.
        assert not result.ok and not wrote
        return
    path = folder / "events.jsonl"
    line = jsonl(event(order="H9")).strip()
    path.write_bytes(jsonl(event()).encode() + raw + b"\n" + line[:cut].encode() + b"\n")
    outcome = import_events(path, "events .jsonl")
    assert_refused(outcome, 2)
    assert_refused(outcome, 3)


# Each case the probe found, and each thing the API refuses that the importer took.
EVENT_CASES: list[tuple[str, str | bytes, int, str]] = [
    ("caller is a string", jsonl(event(data={**CREATE, "caller": "张三"})), 1, "data.caller"),
    ("caller is a list", jsonl(event(data={**CREATE, "caller": ["张三"]})), 1, "data.caller"),
    (
        "caller field is a number",
        jsonl(event(data={**CREATE, "caller": {"phone": 13800001111}})),
        1,
        "data.caller.phone",
    ),
    (
        "reached: yes",
        jsonl(event(), event(seq=2, action="follow_up", data={"reached": "yes"})),
        2,
        "data.reached",
    ),
    (
        "score 10^30",
        jsonl(event(), event(seq=2, action="rate", data={"score": 10**30})),
        2,
        "data.score",
    ),
    (
        "score 10^400, beyond any float",
        jsonl(event(), event(seq=2, action="rate", data={"score": 10**400})),
        2,
        "data.score",
    ),
    (
        "latitude 10^400",
        jsonl(event(data={**CREATE, "lat": 10**400, "long": 120.0})),
        1,
        "data.lat",
    ),
    (
        "rating 999",
        jsonl(event(), event(seq=2, action="rate", data={"score": 999})),
        2,
        "data.score",
    ),
    ("NaN", jsonl(event(data={**CREATE, "lat": math.nan, "long": 120.0})), 1, "data.lat"),
    ("Infinity", jsonl(event(data={**CREATE, "lat": 30.0, "long": math.inf})), 1, "data.long"),
    ("deeply nested arrays", "[" * 100_000 + "]" * 100_000 + "\n", 1, ""),
    ("nested data", jsonl(event(data={**CREATE, "attributes": {"a": deep(50)}})), 1, "data"),
    ("non-UTF-8 file", jsonl(event()).encode() + b'{"order": "\xff\xfe"}\n', 2, ""),
    (
        "text over the API's limit",
        jsonl(event(data={**CREATE, "text": "字" * 10_001})),
        1,
        "data.text",
    ),
    ("a 30 MB text", b'{"order":"H1","data":{"text":"' + b"x" * (30 << 20) + b'"}}\n', 1, ""),
    ("a 5,000-character order number", jsonl(event(order="1" * 5000)), 1, "order"),
    ("order number with a slash", jsonl(event(order="../etc")), 1, "order"),
    (
        '"assist": "abc"',
        jsonl(event(), event(seq=2, action="dispatch", to_unit="zhujian", data={"assist": "abc"})),
        2,
        "data.assist",
    ),
    ("seq ²", jsonl(event(seq="²")), 1, "seq"),
    ("year 9999", jsonl(event(at="9999-12-31T23:59:59-14:00")), 1, "at"),
    ("year 1", jsonl(event(at="0001-01-01T00:00:00+14:00")), 1, "at"),
    ("a number of 5,000 digits", '{"order":"H1","seq":' + "9" * 5000 + "}\n", 1, ""),
    ("NUL in a text", jsonl(event(data={**CREATE, "text": "a\x00b"})), 1, "data.text"),
    (
        "days 0",
        jsonl(event(), event(seq=2, action="request_extension", data={"days": 0})),
        2,
        "data.days",
    ),
]


@pytest.mark.parametrize(
    ("case", "content", "line", "field"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES]
)
def test_events_import_cli_names_line_and_field_and_imports_nothing(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    content: str | bytes,
    line: int,
    field: str,
) -> None:
    path = tmp_path / "events.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code = attempt("events .jsonl", lambda: main(["events", "import", str(path)]))
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path}: line {line}: {field}" in err, err
    assert "nothing imported" in err and "Traceback" not in err
    assert nothing_written()


def test_events_import_of_a_directory_and_export_to_one_are_one_line_errors(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "d.jsonl"
    folder.mkdir()
    assert main(["events", "import", str(folder)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {folder}: is a directory, not a file"
    assert main(["events", "export", str(folder)]) == 2
    assert "is a directory" in capsys.readouterr().err


# -- request import: rows, mapping, workbooks ------------------------------------------------------

MAPPING: dict[str, dict[str, Any]] = {
    "source": {
        "name": "test-city",
        "id": "Id",
        "timezone": "America/New_York",
        "time_format": "%m/%d/%Y %I:%M:%S %p",
    },
    "fields": {
        "created_at": "Created",
        "closed_at": "Closed",
        "status": "Status",
        "category": "Type",
        "unit": "Agency",
        "location": "Address",
        "lat": "Lat",
        "long": "Long",
        "text": "{Type}: {Address}",
    },
    "status": {"closed": ["Closed"], "handling": ["Open"], "dispatched": ["New"]},
    "categories": {"create_missing": True, "Pothole": "noise"},
    "units": {"Roads": {"code": "roads", "name": "Department of Roads"}},
}
COLUMNS = ["Id", "Created", "Closed", "Status", "Type", "Agency", "Address", "Lat", "Long"]
GOOD_ROW = [
    "A1",
    "04/12/2018 11:11:26 AM",
    "",
    "Open",
    "Pothole",
    "Roads",
    "1 Main St",
    "39.29",
    "-76.61",
]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return "nan"
        if isinstance(value, float) and math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_text(mapping: dict[str, dict[str, Any]]) -> str:
    lines = []
    for table, entries in mapping.items():
        lines.append(f"[{table}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in entries.items()]
    return "\n".join(lines) + "\n"


def requests_csv(*rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


TOML_VALUES = st.recursive(
    st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(),
        st.booleans(),
        st.text(max_size=12),
        st.sampled_from(
            ["{Type:>999999999}", "{Type.upper}", "{0}", "{Type!r}", "{", "../../etc/passwd"]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3),
    ),
    max_leaves=6,
)
MAPPING_KEYS = [(table, key) for table, entries in MAPPING.items() for key in entries] + [
    ("units", "default"),
    ("status", "default"),
    ("source", "kind"),
]


def read_ok(path: Path, mapping_path: Path, fmt: str) -> None:
    """The mapping and the file read, and every row accepted within the limits the services
    keep (one malformed input: one attempt)."""

    def read() -> Any:
        return read_requests(path, load_mapping(mapping_path))

    read = attempt(fmt, read)
    if isinstance(read, InputError):
        return
    for request in read.requests:
        assert len(request.text) <= limits.TEXT_MAX
        assert len(request.location) <= limits.LOCATION_MAX
        texts = (request.text, request.location, request.external_id)
        assert all(limits.text_ok(v) is None for v in texts)
        assert limits.EARLIEST_YEAR <= request.created_at.year <= limits.LATEST_YEAR
        for number in (request.lat, request.long):
            assert number is None or math.isfinite(number)
        assert request.unit is None or len(request.unit.code) <= limits.CODE_MAX


HOSTILE_CELLS = st.one_of(
    st.text(max_size=20),
    NUL_TEXT,
    st.integers(limits.TEXT_MAX, limits.TEXT_MAX + 30).map(lambda n: "长" * n),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "1e999",
            "9" * 400,
            "01/01/0001 12:00:00 AM",
            "12/31/9999 11:59:59 PM",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            '"unbalanced',
            "a,b,c",
            "\r",
        ]
    ),
)


@FAST
@given(column=st.integers(0, len(COLUMNS) - 1), cell=HOSTILE_CELLS, raw=st.binary(max_size=40))
def test_request_rows_hostile_cells_never_raise_and_accepted_rows_keep_the_limits(
    tmp_path_factory: pytest.TempPathFactory, column: int, cell: str, raw: bytes
) -> None:
    folder = tmp_path_factory.mktemp("rq")
    (folder / "map.toml").write_text(toml_text(MAPPING), encoding="utf-8")
    bad = list(GOOD_ROW)
    bad[0], bad[column] = "A2", cell
    (folder / "requests.csv").write_bytes(requests_csv(GOOD_ROW, bad).encode() + raw)
    read_ok(folder / "requests.csv", folder / "map.toml", "request rows .csv")


@FAST
@given(where=st.sampled_from(MAPPING_KEYS), value=TOML_VALUES)
def test_request_mapping_values_of_any_type_are_one_error(
    tmp_path_factory: pytest.TempPathFactory, where: tuple[str, str], value: Any
) -> None:
    folder = tmp_path_factory.mktemp("rq")
    mapping = {table: dict(entries) for table, entries in MAPPING.items()}
    mapping[where[0]][where[1]] = value
    (folder / "map.toml").write_text(toml_text(mapping), encoding="utf-8")
    (folder / "requests.csv").write_text(requests_csv(GOOD_ROW), encoding="utf-8")
    read_ok(folder / "requests.csv", folder / "map.toml", "request mapping .toml")


@FAST
@given(raw=st.binary(max_size=300))
def test_request_mapping_random_bytes_are_one_error(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("rq") / "map.toml"
    path.write_bytes(raw)
    attempt("request mapping .toml", lambda: load_mapping(path))


def workbook_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    sheet.append(GOOD_ROW)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WORKBOOK = workbook_bytes()
WORKBOOK_PARTS = zipfile.ZipFile(io.BytesIO(WORKBOOK)).namelist()


def rezipped(part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, content if name == part else source.read(name))
    return out.getvalue()


@FAST
@given(
    how=st.sampled_from(["random", "truncated", "part"]),
    raw=st.binary(max_size=200),
    cut=st.integers(0, len(WORKBOOK) - 1),
    part=st.sampled_from(WORKBOOK_PARTS),
)
def test_request_xlsx_garbage_is_one_error(
    tmp_path_factory: pytest.TempPathFactory, how: str, raw: bytes, cut: int, part: str
) -> None:
    path = tmp_path_factory.mktemp("rq") / "requests.xlsx"
    content = {"random": raw, "truncated": WORKBOOK[:cut], "part": rezipped(part, raw)}[how]
    path.write_bytes(content)
    attempt("request .xlsx", lambda: list(read_rows(path)))


@settings(FAST, max_examples=15)
@given(column=st.integers(0, len(COLUMNS) - 1), cell=HOSTILE_CELLS)
def test_request_import_writes_only_rows_within_the_limits(
    world: World, tmp_path_factory: pytest.TempPathFactory, column: int, cell: str
) -> None:
    folder = tmp_path_factory.mktemp("rq")
    (folder / "map.toml").write_text(toml_text(MAPPING), encoding="utf-8")
    bad = list(GOOD_ROW)
    bad[0], bad[column] = "A2", cell
    (folder / "requests.csv").write_text(requests_csv(GOOD_ROW, bad), encoding="utf-8")
    mapping = load_mapping(folder / "map.toml")

    def run() -> Any:
        with transaction.atomic():
            result = requests_import(path=folder / "requests.csv", mapping=mapping)
            texts = list(WorkOrder.objects.values_list("text", flat=True))
            transaction.set_rollback(True)
        return result, texts

    outcome = attempt("request rows .csv", run)
    if isinstance(outcome, InputError):
        return
    result, texts = outcome
    assert result.created == len(texts) and all(len(t) <= limits.TEXT_MAX for t in texts)
    assert result.created + len(result.errors) == result.rows


REQUEST_MAPPING_CASES = [
    ("time_format is a number", ("source", "time_format", 5), "[source] time_format"),
    ("kind is not a kind", ("source", "kind", 7), "[source] kind"),
    ("timezone is a table", ("source", "timezone", {"a": 1}), "[source] timezone"),
    ("a field is a number", ("fields", "created_at", 5), "[fields] created_at"),
    ("status is a number", ("status", "closed", 5), "[status] closed"),
    ("create_missing is text", ("categories", "create_missing", "yes"), "create_missing"),
    ("category code is a list", ("categories", "Pothole", ["a"]), "[categories]"),
    ("unit code too long", ("units", "Roads", "r" * 65), "[units] 'Roads'"),
    ("padding in the template", ("fields", "text", "{Type:>999999999}"), "[fields] text"),
    ("attribute in the template", ("fields", "text", "{Type.upper}"), "[fields] text"),
]


@pytest.mark.parametrize(
    ("case", "change", "message"), REQUEST_MAPPING_CASES, ids=[c[0] for c in REQUEST_MAPPING_CASES]
)
def test_import_requests_cli_refuses_a_mapping_value_of_the_wrong_type(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    change: tuple[str, str, Any],
    message: str,
) -> None:
    mapping = {table: dict(entries) for table, entries in MAPPING.items()}
    mapping[change[0]][change[1]] = change[2]
    (tmp_path / "map.toml").write_text(toml_text(mapping), encoding="utf-8")
    (tmp_path / "r.csv").write_text(requests_csv(GOOD_ROW), encoding="utf-8")
    args = ["import", "requests", str(tmp_path / "r.csv"), "--mapping", str(tmp_path / "map.toml")]
    code = attempt("request mapping .toml", lambda: main(args))
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err, err
    assert err.count("\n") == 1 and nothing_written()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.xlsx", b"PK\x03\x04 not really a zip", "not an Excel workbook"),
        ("r.xlsx", rezipped("xl/workbook.xml", b"<garbage"), "not a readable Excel workbook"),
        ("r.csv", requests_csv(GOOD_ROW).encode() + b"A2,\xff\xfe,,,,,,,\n", "r.csv:3: not UTF-8"),
        ("r.csv", b"\xff" + requests_csv(GOOD_ROW).encode(), "r.csv:1: not UTF-8"),
    ],
)
def test_import_requests_cli_refuses_an_unreadable_file_in_one_line(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    message: str,
) -> None:
    (tmp_path / "map.toml").write_text(toml_text(MAPPING), encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    args = ["import", "requests", str(tmp_path / name), "--mapping", str(tmp_path / "map.toml")]
    fmt = "request .xlsx" if name.endswith(".xlsx") else "request rows .csv"
    code = attempt(fmt, lambda: main(args))
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert nothing_written()


def test_import_requests_names_a_row_with_nan_or_a_year_9999(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nan = ["A2", *GOOD_ROW[1:7], "nan", "1"]
    future = ["A3", "12/31/9999 11:59:59 PM", *GOOD_ROW[2:]]
    (tmp_path / "map.toml").write_text(toml_text(MAPPING), encoding="utf-8")
    (tmp_path / "r.csv").write_text(requests_csv(GOOD_ROW, nan, future), encoding="utf-8")
    args = ["import", "requests", str(tmp_path / "r.csv"), "--mapping", str(tmp_path / "map.toml")]
    code = attempt("request rows .csv", lambda: main(args))
    captured = capsys.readouterr()
    assert code == 2, "a file with bad rows is refused whole by default"
    assert f"{tmp_path / 'r.csv'}:3: Lat 'nan' is not a finite number" in captured.err
    assert f"{tmp_path / 'r.csv'}:4: Created '12/31/9999 11:59:59 PM': year outside" in captured.err
    assert "2 bad row(s), nothing imported" in captured.err
    assert nothing_written()

    code = attempt("request rows .csv", lambda: main([*args, "--skip-bad-rows"]))
    captured = capsys.readouterr()
    assert code == 1
    assert f"{tmp_path / 'r.csv'}:3: Lat 'nan' is not a finite number" in captured.err
    assert "1 orders created" in captured.out


# -- dispatch CSVs ---------------------------------------------------------------------------------

TRAINING = "text,label\n" + "".join(
    f"{text},{label}\n"
    for text, label in [
        ("楼下施工噪音", "noise"),
        ("夜间噪音扰民", "noise"),
        ("物业不管电梯", "property"),
        ("物业收费过高", "property"),
    ]
)


@FAST
@given(raw=st.binary(max_size=300), prefix=st.booleans())
def test_dispatch_csv_random_bytes_give_a_table_or_one_error(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes, prefix: bool
) -> None:
    path = tmp_path_factory.mktemp("dp") / "in.csv"
    path.write_bytes((TRAINING.encode() if prefix else b"") + raw)
    table = attempt(
        "dispatch .csv", lambda: read_table(path, text_columns=["text"], label_column="label")
    )
    if isinstance(table, InputError) or len(table.texts) > 40:
        return
    attempt("dispatch .csv", lambda: classifier.train(table.texts, table.labels))


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    (folder / "train.csv").write_text(TRAINING, encoding="utf-8")
    path = folder / "m.joblib"
    table = read_table(folder / "train.csv", text_columns=["text"], label_column="label")
    classifier.train(table.texts, table.labels).save(path)
    return path


def test_dispatch_cli_refuses_bad_files_in_one_line(
    tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "in.csv"
    good.write_text("text\n楼下噪音\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text,label\n\xff\xfe,noise\n")
    predict = ["dispatch", "predict", "--model", str(model), "--text-column", "text"]
    cases = [
        (
            [*predict, "--input", str(good), "--output", str(tmp_path / "out")],
            "out: is a directory",
        ),
        (
            [*predict, "--input", str(tmp_path / "out"), "--output", str(tmp_path / "p.csv")],
            "is a directory",
        ),
        (
            [*predict, "--input", str(bad), "--output", str(tmp_path / "p.csv")],
            "bad.csv:2: not UTF-8",
        ),
        (
            [
                "dispatch",
                "train",
                "--input",
                str(bad),
                "--text-column",
                "text",
                "--label-column",
                "label",
                "--model",
                str(tmp_path / "m.joblib"),
            ],
            "bad.csv:2: not UTF-8",
        ),
        (
            [
                "dispatch",
                "train",
                "--input",
                str(good),
                "--text-column",
                "text",
                "--label-column",
                "label",
                "--model",
                str(tmp_path / "out"),
            ],
            "is a directory",
        ),
    ]
    for args, message in cases:
        code = attempt("dispatch .csv", lambda args=args: main(args))  # type: ignore[misc]
        err = capsys.readouterr().err
        assert (
            code == 2 and err.startswith("error: ") and message in err and err.count("\n") == 1
        ), err
    assert not (tmp_path / "p.csv").exists()
    assert main([*predict, "--input", str(good), "--output", str(tmp_path / "p.csv")]) == 0
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").count("\n") == 2


def test_no_traceback_in_any_format() -> None:
    """Runs last in the module: the sum over every format above."""
    assert sum(TALLY.tracebacks.values()) == 0, dict(TALLY.tracebacks)
