"""DuckDB SQL → Spark SQL (hotline.domain.spark): the rewrites that keep the engine's one SQL
meaning the same on both engines. Text only: no Spark, no Java (tests/test_spark_engine.py runs
them)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlglot

from hotline.domain.spark import SparkEngineError, bind, spark_sql


def _spark(sql: str, params: list | None = None, names: dict | None = None) -> str:
    return spark_sql(bind(sqlglot.parse_one(sql, read="duckdb"), params or []), names)


def test_an_ordered_list_is_sorted_structs_and_null_when_empty() -> None:
    got = _spark("SELECT list(unit ORDER BY pos) FILTER (WHERE revisit) FROM steps")
    assert "SORT_ARRAY(COLLECT_LIST(STRUCT(pos AS k0, unit AS v)) FILTER(WHERE revisit))" in got
    assert got.startswith("SELECT CASE WHEN SIZE(") and "ELSE TRANSFORM(" in got


def test_a_descending_list_sorts_backwards_and_mixed_directions_are_refused() -> None:
    assert "FILTER" not in _spark("SELECT list(x ORDER BY k) FROM t")
    assert ", FALSE)" in _spark("SELECT list(x ORDER BY k DESC) FROM t")
    with pytest.raises(SparkEngineError, match="mixed directions"):
        _spark("SELECT list(x ORDER BY k DESC, j) FROM t")


def test_semi_and_anti_joins_are_left_joins_in_spark() -> None:
    got = _spark("SELECT * FROM a SEMI JOIN b USING (o) ANTI JOIN c ON c.x = a.x")
    assert "LEFT SEMI JOIN b" in got and "LEFT ANTI JOIN c" in got


def test_parameters_become_literals_by_position_and_by_number() -> None:
    got = _spark(
        "SELECT ? AS a, ? AS b, ? AS c FROM t",
        [3, datetime(2026, 3, 1, 9, 30), date(2026, 3, 2)],
    )
    assert "3 AS a" in got
    assert "CAST('2026-03-01 09:30:00' AS TIMESTAMP_NTZ) AS b" in got
    assert "CAST('2026-03-02' AS DATE) AS c" in got
    assert "WHERE n >= 5 AND m = 'x'" in _spark(
        "SELECT 1 FROM t WHERE n >= $2 AND m = $1", ["x", 5]
    )


def test_regexp_replace_replaces_the_first_match_unless_global() -> None:
    first = _spark(r"SELECT regexp_replace(s, '(\d)号', '\1栋') FROM t")
    # Spark's string literals unescape backslashes: the pattern Spark sees is (\d)号.
    assert r"REGEXP_REPLACE(s, '(?s)^(.*?)(?:(\\d)号)', '$1$2栋')" in first
    every = _spark(r"SELECT regexp_replace(s, '(\d)号', '\1栋', 'g') FROM t")
    assert r"REGEXP_REPLACE(s, '(\\d)号', '$1栋')" in every


def test_full_match_is_anchored_and_extract_all_takes_the_whole_match() -> None:
    got = _spark("SELECT regexp_full_match(s, 'a|b'), regexp_extract_all(s, '..') FROM t")
    assert "s RLIKE '^(?:a|b)$'" in got and "REGEXP_EXTRACT_ALL(s, '..', 0)" in got


def test_durations_are_seconds_and_constant_intervals_are_literals() -> None:
    got = _spark("SELECT epoch(a - b) / 60, to_microseconds($1) FROM t", [3_600_000_000])
    assert "TIMESTAMPDIFF(MICROSECOND, b, a) / CAST(1000000 AS DOUBLE) / 60" in got
    assert "INTERVAL '3600' SECOND" in got
    assert "MAKE_DT_INTERVAL(" in _spark("SELECT ts - to_days(n) FROM t")


def test_byte_lengths_and_month_starts() -> None:
    got = _spark("SELECT strlen(pair), date_trunc('month', ts) FROM t")
    assert "OCTET_LENGTH(pair)" in got and "AS TIMESTAMP_NTZ)" in got


def test_unit_names_are_a_map_lookup() -> None:
    sql = "SELECT list(coalesce((SELECT name FROM unit_names WHERE code = s.unit), s.unit)) FROM s"
    got = _spark(sql, names={"u1": "水务局"})
    assert "TRY_ELEMENT_AT(MAP_FROM_ARRAYS(ARRAY('u1'), ARRAY('水务局')), s.unit)" in got
    assert "CAST(NULL AS STRING)" in _spark(sql)


def test_nested_rewrites_reach_every_level() -> None:
    got = _spark(
        r"SELECT regexp_replace(regexp_replace(s, '(\d+)号楼', '\1栋', 'g'), '(\d+栋).*$', '\1',"
        r" 'g') FROM t"
    )
    assert got.count("'$1栋'") == 1 and got.count("'$1'") == 1 and r"\1" not in got
