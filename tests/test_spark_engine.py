"""The supervision engine on Apache Spark (local mode) gives the report DuckDB gives: the same
findings, hotspots, handover metrics, unit pairs and scorecards, on a simulated city, on a
month-partitioned Parquet export through the CLI, and on external logs (BPI 2013)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from hotline.domain.supervision.engine import supervise
from hotline.domain.supervision.eventlog import load_external, load_interchange
from hotline.domain.supervision.simulate import simulate_city
from tests.test_cli import hotline, migrate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

# Java comes with `make test` (its `java` step) and .ci/run. These tests read files, never the
# database: they run once per `make test`, in the SQLite pass.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="engine tests read files, not the database: run in the SQLite pass",
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from hotline.domain.spark import spark_session

    session = spark_session(app="hotline-tests")
    yield session


def _same(duck: dict[str, Any], spark: dict[str, Any]) -> None:
    for key in duck:
        assert _json(spark[key]) == _json(duck[key]), f"{key} differs between the engines"
    assert spark.keys() == duck.keys()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def test_a_simulated_city_gives_the_same_report_on_both_engines(tmp_path: Path, spark: Any) -> None:
    out = io.StringIO()
    city = simulate_city(
        out, days=60, orders_per_day=40, misconduct_rate=0.1, seed=5, surge_every_days=4
    )
    path = tmp_path / "city.jsonl"
    path.write_text(out.getvalue())
    duck = supervise(load_interchange(path), unit_names=city.units)
    on_spark = supervise(load_interchange(path, engine="spark"), unit_names=city.units)
    _same(duck, on_spark)
    fired = set(duck["summary"]["by_detector"])
    # Every planted kind is in the comparison, not just the easy ones.
    assert fired >= {kind for kind, _ in city.truth} - {"unreviewed_request"}
    assert len(fired) >= 9 and duck["hotspots"] and duck["scorecards"] and duck["pairs"]


def test_the_cli_supervises_a_month_partitioned_export_on_spark(tmp_path: Path) -> None:
    out = io.StringIO()
    simulate_city(out, days=40, orders_per_day=20, misconduct_rate=0.1, seed=2)
    lines = tmp_path / "city.jsonl"
    lines.write_text(out.getvalue())
    # A month-partitioned export's layout (hotline events export --partition month).
    duckdb.connect().execute(
        f"COPY (SELECT *, strftime(CAST(\"at\" AS TIMESTAMPTZ) AT TIME ZONE 'Asia/Shanghai', "
        f"'%Y-%m') AS month FROM read_json('{lines}', columns = {{'order': 'VARCHAR', "
        f"'seq': 'BIGINT', 'at': 'VARCHAR', 'action': 'VARCHAR', 'actor': 'VARCHAR', "
        f"'unit': 'VARCHAR', 'to_unit': 'VARCHAR', 'data': 'VARCHAR'}}, "
        f"format = 'newline_delimited')) TO '{tmp_path / 'by-month'}' "
        f"(FORMAT parquet, PARTITION_BY (month))"
    )
    assert len(list((tmp_path / "by-month").glob("month=*"))) >= 2
    migrate("db.sqlite3", cwd=tmp_path)
    reports = {}
    for engine in ("duckdb", "spark"):
        done = hotline("--db", "db.sqlite3", "supervise", "--events", "by-month",
                       "--engine", engine, "--json", f"{engine}.json", cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        reports[engine] = json.loads((tmp_path / f"{engine}.json").read_text())
    assert reports["spark"]["summary"]["findings"] > 0
    _same(reports["duckdb"], reports["spark"])


def test_an_external_log_gives_the_same_handover_metrics_on_both_engines(
    tmp_path: Path, spark: Any
) -> None:
    (tmp_path / "log.csv").write_text(
        "case,when,team\n"
        "1,2026-03-02 09:00:00,A\n1,2026-03-02 10:00:00,A\n1,2026-03-02 11:00:00,B\n"
        "1,2026-03-02 12:00:00,A\n2,2026-03-02 09:00:00,C\n2,2026-03-02 09:00:00,D\n"
        "3,2026-03-02 08:00:00+00:00,E\n3,2026-03-02 17:00:00+08:00,F\n"
    )
    reports = [
        supervise(
            load_external(
                tmp_path / "log.csv", case="case", time="when", unit="team", engine=engine
            )
        )
        for engine in ("duckdb", "spark")
    ]
    _same(*reports)
    assert reports[1]["orders"][1] == {
        "order": "2", "units": ["C", "D"], "handovers": 1, "revisits": 0, "aba": 0
    }  # fmt: skip


@pytest.mark.skipif(not (SHARED / "bpic2013").is_dir(), reason="shared data absent")
def test_bpi_2013_gives_the_same_report_on_both_engines(spark: Any) -> None:
    columns = {
        "case": "case:concept:name",
        "time": "time:timestamp",
        "unit": "organization involved",
    }
    path = SHARED / "bpic2013" / "BPI13C.csv"
    duck = supervise(load_external(path, activity="concept:name", **columns))
    on_spark = supervise(load_external(path, activity="concept:name", engine="spark", **columns))
    _same(duck, on_spark)
    assert (duck["summary"]["cases"], duck["summary"]["events"]) == (1487, 6660)


def test_spark_says_what_is_missing_for_a_file_it_cannot_read(tmp_path: Path, spark: Any) -> None:
    from hotline.domain.supervision.eventlog import EventLogError

    with pytest.raises(EventLogError, match="no such file or directory"):
        load_interchange(tmp_path / "none.jsonl", engine="spark")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EventLogError, match=r"no \.parquet files"):
        load_interchange(tmp_path / "empty", engine="spark")
    (tmp_path / "log.csv").write_text("case,when,team\n1,2026-03-02 09:00:00,A\n")
    with pytest.raises(EventLogError, match="no column 'unit' \\(given as --unit\\)"):
        load_external(tmp_path / "log.csv", case="case", time="when", unit="unit", engine="spark")


def test_places_normalise_on_spark_as_in_python(spark: Any) -> None:
    from hotline.domain.hotspots.places import normalise, normalise_sql, said_place_sql
    from hotline.domain.spark import SparkConnection

    texts = [
        "放西路177号紫苑11栋1836室", "锦绣花园七号楼2单元", "朝阳区锦绣花园一期5幢", "",
        "５号楼１２０３室", "幸福路十二号院3#楼", "经核实，福西路586号福轩17栋629室反映的问题属实",
    ]  # fmt: skip
    sql = f"SELECT t, {normalise_sql('t')}, {said_place_sql(chr(39) * 2, 't')} FROM places"
    found = []
    for con in (duckdb.connect(), SparkConnection(spark)):
        con.execute("CREATE OR REPLACE TEMP TABLE places (t VARCHAR)")
        con.executemany("INSERT INTO places VALUES (?)", [[text] for text in texts])
        found.append(sorted(con.execute(sql).fetchall()))
    assert found[1] == found[0]
    assert {row[0]: row[1] for row in found[0]} == {text: normalise(text).text for text in texts}
