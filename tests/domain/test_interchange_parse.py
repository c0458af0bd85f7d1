"""Parsing interchange lines: any input gives a parsed line or a BadLine naming what is wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain.events import EventRecord, apply_event
from hotline.domain.interchange import FIELDS, BadLine, assemble, parse_line
from hotline.domain.lifecycle import Action

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@given(st.dictionaries(st.sampled_from([*FIELDS, "extra"]), json_values))
def test_arbitrary_objects_never_crash_the_parser(raw: dict[str, object]) -> None:
    try:
        parse_line(raw, 7)
    except BadLine as exc:
        assert str(exc)


offsets = st.integers(-12, 14).map(lambda h: timezone(timedelta(hours=h)))
times = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2040, 1, 1), timezones=offsets
)


@given(
    order=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,19}", fullmatch=True),
    seq=st.integers(1, 10**6),
    at=times,
    action=st.sampled_from(list(Action)),
    # Fields no action defines (x_…), in text without NUL, which no database stores.
    data=st.dictionaries(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=5).map(
            lambda k: "x_" + k
        ),
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=5),
    ),
)
def test_valid_lines_parse_to_their_fields(
    order: str, seq: int, at: datetime, action: Action, data: dict[str, str]
) -> None:
    raw = {"order": order, "seq": seq, "at": at.isoformat(), "action": action.value, "data": data}
    parsed = parse_line(raw, 1)
    assert (parsed.order, parsed.seq, parsed.at, parsed.action, parsed.data) == (
        order,
        seq,
        at,
        action,
        data,
    )
    # CSV delivers every value as text, data as JSON
    as_csv = {**raw, "seq": str(seq), "data": json.dumps(data)}
    assert parse_line(as_csv, 1) == parsed


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"order": "1", "at": "2025-01-01T09:00:00", "action": "create"}, "no UTC offset"),
        ({"order": "1", "at": "2025-01-01T09:00:00+08:00", "action": "x"}, "action 'x'"),
        ({"order": 5, "at": "2025-01-01T09:00:00+08:00", "action": "create"}, "order: must be"),
        ({"at": "2025-01-01T09:00:00+08:00", "action": "create"}, "order: is required"),
        ({"order": "1", "seq": 0, "at": "2025-01-01T09:00Z", "action": "create"}, "seq: must"),
        ({"order": "1", "at": "2025-01-01T09:00Z", "action": "create", "data": "{"}, "JSON"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_lines_say_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(BadLine, match=message):
        parse_line(raw, 1)


def test_assemble_reports_the_line_of_an_illegal_step() -> None:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    lines = [
        parse_line({"order": "A", "seq": 1, "at": t.isoformat(), "action": "create"}, 1),
        parse_line({"order": "A", "seq": 2, "at": t.isoformat(), "action": "archive"}, 2),
        parse_line({"order": "B", "seq": 2, "at": t.isoformat(), "action": "create"}, 3),
    ]
    result = assemble(lines, {})
    assert [e.line for e in result.errors] == [2, 3]


def test_assemble_continues_an_existing_order() -> None:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    existing = apply_event(None, EventRecord("A", 1, t, Action.CREATE))
    lines = [parse_line({"order": "A", "at": t.isoformat(), "action": "urge"}, 1)]
    result = assemble(lines, {"A": existing})
    assert not result.errors
    assert result.orders["A"].records[0].seq == 2
    assert result.orders["A"].final.urge_count == 1
