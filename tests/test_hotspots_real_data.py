"""热点问题 and 答非所问 on the Teddy Cup 2020 messages (``../shared/data/tipdm2020_c``).

The data is read where it lies (bench/hotspots.py loads it); the tests skip when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from hotline.domain.hotspots.cluster import top_problems
from hotline.domain.hotspots.places import place_of, place_sql

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020_c"
pytestmark = pytest.mark.skipif(
    not (DATA / "messages_with_votes.csv").is_file()
    or not (DATA / "messages_with_replies.csv").is_file(),
    reason=f"Teddy Cup messages absent ({DATA})",
)
# Measured: 33 of 2,816 official replies (1.2 %) flagged, bench/README.md.
MAX_FLAGGED_SHARE = 0.02


@pytest.fixture(scope="module")
def bench() -> object:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import hotspots
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return hotspots


def test_the_top_problems_are_the_mixing_plant_and_the_bundled_parking(bench: object) -> None:
    entries = bench.read_entries()  # type: ignore[attr-defined]
    assert len(entries) == 4326
    table = top_problems(entries)
    assert len(table) == 10
    top_three = [row["place"] for row in table[:3]]
    assert any("丽发新城" in place for place in top_three)
    assert any("伊景园" in place for place in top_three)
    mixing = next(row for row in table if "丽发新城" in row["place"])
    assert "搅拌站" in mixing["description"] or "搅拌" in " ".join(mixing["topic"])
    assert not any(word in mixing["topic"] for word in ("丽发", "新城", "小区"))
    # Places come out as names, never with what the caller said before them.
    assert not any(row["place"].startswith(("投诉", "坚决", "要求")) for row in table)


def test_places_in_the_messages_are_the_same_in_duckdb_and_python(bench: object) -> None:
    texts = [entry.text for entry in bench.read_entries()]  # type: ignore[attr-defined]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    in_sql = [
        row[0] for row in con.execute(f"SELECT {place_sql("''", 'x')} FROM t ORDER BY n").fetchall()
    ]
    assert in_sql == [place_of("", text).text for text in texts]


def test_official_replies_are_seldom_taken_for_answers_to_something_else(bench: object) -> None:
    count, flagged, _ = bench.reply_scores()  # type: ignore[attr-defined]
    assert count > 2500
    assert 0 < len(flagged) <= MAX_FLAGGED_SHARE * count
