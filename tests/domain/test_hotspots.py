"""热点 without a database: place normal forms (Python and DuckDB alike), groups, heat."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.hotspots.cluster import Entry, HotspotLimits, find_hotspots, top_problems
from hotline.domain.hotspots.places import normalise, place_of, place_sql

START = datetime(2026, 6, 1, 8, 0)
H = timedelta(hours=1)

SAME_BUILDING = [
    "幸福家园5号楼",
    "幸福家园五号楼",
    "幸福家园小区5栋",
    "东城区幸福家园一期5号楼2单元301",
    "幸福家园 5# 楼",
    "建设路12号幸福家园5幢",
]


@pytest.mark.parametrize("said", SAME_BUILDING)
def test_ways_of_naming_one_building_agree(said: str) -> None:
    assert normalise(said).agrees(normalise("幸福家园5号楼"))
    assert normalise(said).block == "家园5栋"


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("幸福家园5号楼", "幸福家园6号楼"),
        ("幸福家园5号楼", "金色家园5号楼"),
        ("第一人民医院", "第二人民医院"),
        ("五号楼", "幸福家园5号楼"),  # a bare building names no place
    ],
)
def test_different_places_do_not_agree(one: str, two: str) -> None:
    assert not normalise(one).agrees(normalise(two))


def test_numerals_and_tens() -> None:
    assert normalise("和平里十二号楼").text == "和平里12栋"
    assert normalise("和平里二十三栋").text == "和平里23栋"
    assert normalise("和平里二十号楼").text == "和平里20栋"
    assert normalise("和平里十号楼").text == "和平里10栋"


def test_place_named_in_the_text_when_the_order_has_none() -> None:
    assert place_of("", "A市A5区魅力之城小区临街门面油烟扰民").text == "魅力之城"
    assert place_of("", "紫荆花园十六号楼整栋停水").text == "紫荆花园16栋"
    assert place_of("实验小学门口", "紫荆花园16号楼").text == "实验小学"


PLACE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("幸福家园小区一二三四五六七八九十0123456789号楼栋幢座期单元室#路市区 ，,'A")
    ),
    max_size=24,
)


@settings(max_examples=150, deadline=None)
@given(location=PLACE_TEXT, text=PLACE_TEXT)
def test_duckdb_applies_the_same_rules(location: str, text: str) -> None:
    con = duckdb.connect()
    in_sql = con.execute(
        f"SELECT {place_sql('l', 't')} FROM (SELECT ? AS l, ? AS t)", [location, text]
    )
    assert in_sql.fetchone()[0] == place_of(location, text).text  # type: ignore[index]


def surge(
    place_words: list[str], texts: list[str], *, start: datetime = START, every: timedelta = H,
    category: str = "water", prefix: str = "W",
) -> list[Entry]:  # fmt: skip
    return [
        Entry(
            key=f"{prefix}{n}",
            at=start + n * every,
            text=texts[n % len(texts)],
            location=place_words[n % len(place_words)],
            caller=f"1390000{n:04d}",
            category=category,
        )
        for n in range(max(len(place_words), len(texts)))
    ]


WATER = ["停水一天了", "家里没有水，自来水停了", "水龙头不出水", "整栋楼停水", "断水了没人管"]


def test_a_surge_at_one_building_is_one_hotspot_whatever_the_wording() -> None:
    orders = surge(SAME_BUILDING, WATER)
    background = [
        Entry(
            key=f"B{n}",
            at=START + n * H,
            text="路灯不亮",
            location=f"光明路{n}号",
            caller=f"1380000{n:04d}",
            category="light",
        )
        for n in range(30)
    ]
    (hotspot,) = find_hotspots(orders + background, as_of=START + 6 * H)
    assert sorted(hotspot.orders) == sorted(e.key for e in orders)
    assert hotspot.place == "幸福家园5号楼"
    assert "停水" in hotspot.topic
    assert (hotspot.count, hotspot.callers) == (6, 6)
    assert hotspot.growing


def test_a_bare_building_joins_the_hotspot_it_fits() -> None:
    orders = surge(SAME_BUILDING[:5], WATER)
    bare = Entry(key="BARE", at=START + 5 * H, text="五号楼停水一天了", location="五号楼",
                 caller="13911112222", category="water")  # fmt: skip
    elsewhere = Entry(key="ELSE", at=START + 5 * H, text="八号楼停水一天了", location="八号楼",
                      caller="13911113333", category="water")  # fmt: skip
    (hotspot,) = find_hotspots([*orders, bare, elsewhere])
    assert "BARE" in hotspot.orders and "ELSE" not in hotspot.orders


def test_a_matter_spread_thin_is_not_a_hotspot() -> None:
    weekly = surge(SAME_BUILDING, WATER, every=timedelta(days=4))
    assert find_hotspots(weekly) == []
    places = [f"幸福家园{n}号楼" for n in range(1, 7)]
    scattered = surge(places, WATER)
    assert find_hotspots(scattered) == []


def test_one_caller_calling_again_and_again_is_not_a_hotspot() -> None:
    same = [Entry(key=f"R{n}", at=START + n * H, text="停水一天了", location="幸福家园5号楼",
                  caller="13900000000", category="water") for n in range(6)]  # fmt: skip
    assert find_hotspots(same) == []


def test_heat_counts_people_fully_repeats_half_and_recent_orders_more() -> None:
    orders = surge(SAME_BUILDING, WATER)
    (finished,) = find_hotspots(orders, as_of=START + 5 * 24 * H)
    assert finished.heat == 6.0 and not finished.growing
    (live,) = find_hotspots(orders, as_of=START + 6 * H)
    assert live.heat == 12.0  # every order in the last 24 hours
    liked = [Entry(**{**e.__dict__, "likes": 255 if e.key == "W0" else 0}) for e in orders]
    (popular,) = find_hotspots(liked, as_of=START + 5 * 24 * H)
    assert popular.heat == 14.0  # log2(1 + 255) = 8


def test_a_second_matter_at_the_same_building_is_a_second_hotspot() -> None:
    water = surge(SAME_BUILDING, WATER)
    lift = surge(SAME_BUILDING, ["电梯坏了困人", "电梯停运好几天", "电梯一直不能用"],
                 category="lift", prefix="L")  # fmt: skip
    found = find_hotspots(water + lift)
    assert sorted(sorted(h.orders) for h in found) == [
        sorted(e.key for e in lift),
        sorted(e.key for e in water),
    ]


def test_top_problems_ranks_by_heat() -> None:
    big = surge(SAME_BUILDING, WATER, every=timedelta(days=2))
    small = surge(["和平里3号楼"] * 3, ["油烟扰民", "餐馆油烟很大", "油烟太大"], prefix="S",
                  category="smoke")  # fmt: skip
    rows = top_problems(big + small, as_of=START + 30 * 24 * H)
    assert [row["rank"] for row in rows] == [1, 2]
    assert rows[0]["orders"] == [e.key for e in big]
    assert rows[1]["place"] == "和平里3号楼" and "油烟" in rows[1]["description"]


def test_limits_are_read_from_settings_names() -> None:
    limits = HotspotLimits(**{"min_orders": 3, "window_hours": 12})
    orders = surge(SAME_BUILDING[:3], WATER[:3])
    assert len(find_hotspots(orders, limits=limits)) == 1
    assert find_hotspots(orders) == []


def test_a_busy_block_is_compared_in_slices_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A block with more members than one slice (a big estate over months): comparing a slice
    at a time against the window after it finds the groups that the whole block at once finds,
    surges across slice edges included; the bare buildings attach to the same groups."""
    from hotline.domain.hotspots import cluster

    orders = []
    for week in range(12):  # a surge a week at the same building, other matters in between
        start = START + week * 7 * 24 * H
        orders += surge(SAME_BUILDING, WATER, start=start, prefix=f"W{week}-")
        lift = ["电梯坏了", "电梯停运"]
        orders += surge(SAME_BUILDING, lift, start=start + 60 * H, every=3 * H, category="lift",
                        prefix=f"L{week}-")  # fmt: skip
        bare = Entry(key=f"BARE{week}", at=start + 4 * H, text="五号楼停水一天了",
                     location="五号楼", caller=f"1391111{week:04d}", category="water")  # fmt: skip
        orders.append(bare)
    whole = find_hotspots(orders, as_of=START + 84 * 24 * H)
    monkeypatch.setattr(cluster, "LINK_SLICE", 5)
    sliced = find_hotspots(orders, as_of=START + 84 * 24 * H)
    assert sliced == whole
    assert len(whole) == 24  # each week's water and lift surges
    attached = {key for hotspot in whole for key in hotspot.orders if key.startswith("BARE")}
    assert attached == {f"BARE{week}" for week in range(12)}


def test_two_cities_same_named_building_are_two_hotspots() -> None:
    """A province's log: "幸福家园5号楼" in two cities, both without water the same morning. The
    names agree once the city and district are set aside; the areas keep them apart."""
    beijing = [
        Entry(**{**e.__dict__, "area": "110101", "location": "北京市东城区" + e.location})
        for e in surge(SAME_BUILDING, WATER, prefix="BJ")
    ]
    tianjin = [
        Entry(**{**e.__dict__, "area": "120101", "location": "天津市和平区" + e.location})
        for e in surge(SAME_BUILDING, WATER, prefix="TJ")
    ]
    found = find_hotspots(beijing + tianjin)
    assert sorted(sorted(h.orders) for h in found) == [
        sorted(e.key for e in beijing),
        sorted(e.key for e in tianjin),
    ]
    assert {h.area for h in found} == {"110101", "120101"}
