"""Events exported as Parquet, one file or a directory partitioned by month, read back by the
DuckDB loaders and `hotline supervise --events DIR` exactly as the JSON Lines export."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from hotline import clock
from hotline.domain.inputs import InputError
from hotline.domain.lifecycle import Action, State
from hotline.domain.supervision.eventlog import (
    EventLogError,
    event_source,
    load_external,
    load_interchange,
)
from tests.common.world import World, perform
from tests.test_cli import hotline, migrate

SHANGHAI = ZoneInfo("Asia/Shanghai")
JANUARY = datetime(2026, 1, 30, 9, 0, tzinfo=SHANGHAI)
# Still January 31st in UTC: the partition is the local month, as `at` says.
FEBRUARY = datetime(2026, 2, 1, 7, 0, tzinfo=SHANGHAI)
EVENT_COLUMNS = ["order", "seq", "at", "action", "actor", "unit", "to_unit", "data"]


def _two_months(world: World) -> None:
    with clock.frozen_at(JANUARY):
        first = world.walk(world.create(), State.HANDLING)
        world.walk(world.create(), State.CLOSED)
    with clock.frozen_at(FEBRUARY):
        perform(world, Action.URGE, first, world.supervisor)
        world.walk(world.create(), State.DISPATCHED)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _events(path: Path | str) -> list[tuple]:
    log = load_interchange(path)
    return log.con.execute("SELECT * FROM events ORDER BY order_id, seq").fetchall()


@pytest.mark.django_db
def test_parquet_exports_carry_the_interchange_columns_and_load_like_json_lines(
    world: World, tmp_path: Path
) -> None:
    from hotline.workorders.interchange import events_export

    assert events_export(tmp_path / "none", partition="month") == 0
    assert list((tmp_path / "none").iterdir()) == []
    _two_months(world)
    lines = tmp_path / "events.jsonl"
    count = events_export(lines)
    assert events_export(tmp_path / "events.parquet") == count
    assert events_export(tmp_path / "by-month", partition="month") == count

    dataset = tmp_path / "by-month"
    parts = sorted(str(p.relative_to(dataset)) for p in dataset.rglob("*") if p.is_file())
    assert parts == ["month=2026-01/part-0.parquet", "month=2026-02/part-0.parquet"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left

    expected = [json.loads(line) for line in lines.read_text().splitlines()]
    con = duckdb.connect()
    for source in (str(tmp_path / "events.parquet"), f"{dataset}/*/*.parquet"):
        rows = _rows(con, f"SELECT * FROM read_parquet('{source}', hive_partitioning = false)")
        assert list(rows[0]) == EVENT_COLUMNS  # the month lives in the folder name only
        rows.sort(key=lambda row: (row["order"], row["seq"]))
        assert [{**row, "data": json.loads(row["data"])} for row in rows] == expected
    february = _rows(con, f"SELECT \"at\" FROM '{dataset}/month=2026-02/part-0.parquet'")
    assert {row["at"] for row in february} == {"2026-02-01T07:00:00+08:00"}

    assert _events(dataset) == _events(tmp_path / "events.parquet") == _events(lines)


@pytest.mark.django_db
def test_supervising_a_month_directory_reports_what_the_json_lines_export_does(
    world: World, tmp_path: Path
) -> None:
    from hotline.supervision.selectors import database_report
    from hotline.workorders.interchange import events_export

    _two_months(world)
    events_export(tmp_path / "events.jsonl")
    events_export(tmp_path / "by-month", partition="month")
    from_lines = database_report(events=tmp_path / "events.jsonl")
    from_dataset = database_report(events=tmp_path / "by-month")
    assert from_dataset["summary"] == from_lines["summary"]
    assert from_dataset["summary"]["findings"] > 0
    assert from_dataset["findings"] == from_lines["findings"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("there", "message"),
    [("an earlier export", "directory is not empty"), ("a file", "is a file")],
)
def test_a_dataset_goes_only_to_a_new_or_empty_directory(
    tmp_path: Path, there: str, message: str
) -> None:
    from hotline.workorders.interchange import events_export

    target = tmp_path / "out"
    if there == "a file":
        target.write_text("x")
    else:
        (target / "month=2026-01").mkdir(parents=True)
        (target / "month=2026-01" / "part-0.parquet").write_bytes(b"x")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(InputError, match=message):
        events_export(target, partition="month")
    assert sorted(tmp_path.rglob("*")) == before


def _hand_made(root: Path) -> Path:
    """Two months as another tool (Spark, a script) might write them: Hive folders, any names."""
    con = duckdb.connect()
    for month, rows in {
        "2026-01": "('A1', 1, '2026-01-05T09:00:00+08:00', 'create', '', 'center', '', '{}'),"
        "('A1', 2, '2026-01-05T10:00:00+08:00', 'dispatch', 'd', 'center', 'u1', '{}')",
        "2026-02": "('A1', 3, '2026-02-02T09:00:00+08:00', 'reassign', 'd', 'center', 'u2', '{}'),"
        "('B2', 1, '2026-02-03T09:00:00+08:00', 'create', '', 'center', '', '{}')",
    }.items():
        folder = root / f"month={month}"
        folder.mkdir(parents=True)
        con.execute(
            f"COPY (SELECT * FROM (VALUES {rows}) AS t({', '.join(map(repr, EVENT_COLUMNS))}))"
            f" TO '{folder / 'chunk-000.parquet'}' (FORMAT parquet)".replace("'order'", '"order"')
        )
    return root


def test_the_loaders_read_a_hand_made_two_month_directory(tmp_path: Path) -> None:
    dataset = _hand_made(tmp_path / "log")
    log = load_interchange(dataset)
    assert log.count() == 4
    columns = [row[0] for row in log.con.execute("DESCRIBE events").fetchall()]
    assert "month" not in columns
    holders = log.con.execute("SELECT holder FROM events WHERE order_id = 'A1' ORDER BY seq")
    assert [row[0] for row in holders.fetchall()] == [None, "u1", "u2"]
    external = load_external(dataset, case="order", time="at", unit="to_unit")
    assert external.count() == 4


def test_a_directory_without_parquet_files_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty" / "month=2026-01").mkdir(parents=True)
    (tmp_path / "empty" / "month=2026-01" / "notes.txt").write_text("x")
    with pytest.raises(EventLogError, match=r"empty: no \.parquet files in this directory"):
        load_interchange(tmp_path / "empty")


def test_urls_reach_the_reader_as_written(tmp_path: Path) -> None:
    assert event_source("hdfs://namenode:8020/hotline/events/") == (
        "hdfs://namenode:8020/hotline/events/"
    )
    assert event_source("events/") == Path("events")
    # DuckDB has no HDFS: the error is its own, about the URL as given, not a local "no such file".
    with pytest.raises(EventLogError) as caught:
        load_interchange(event_source("hdfs://namenode:8020/hotline/events/"))
    assert str(caught.value).startswith("hdfs://namenode:8020/hotline/events/: ")
    assert "no such file or directory" not in str(caught.value)


def test_cli_refuses_to_mix_exports_and_supervises_a_month_directory(tmp_path: Path) -> None:
    _hand_made(tmp_path / "log")
    done = hotline("--db", "db.sqlite3", "events", "export", "log", "--partition", "month",
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: log: directory is not empty; give a new or empty one (exports are never mixed)"
    )
    migrate("db.sqlite3", cwd=tmp_path)
    done = hotline("--db", "db.sqlite3", "supervise", "--events", "log/", "--json", "out.json",
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["events"] == 4
