"""What the crawler (tests/browser/test_crawl.py) calls a raw value on a page, and how it bounds
its walk: checked here without a browser, so a rule that stops catching anything fails fast."""

from __future__ import annotations

from tests.common.crawl import codes_pattern, text_problems, url_shape

CODES = {"fangguan", "water-supply", "nanhujie", "closed", "request_close", "bounce", "supervisor"}


def problems(text: str) -> list[str]:
    return [name for name, _ in text_problems(text, codes_pattern(CODES))]


def test_codes_are_found_as_whole_words_only() -> None:
    assert problems("承办单位 fangguan 已办结") == ["internal code shown: 'fangguan'"]
    assert problems("分类：water-supply") == ["internal code shown: 'water-supply'"]
    assert problems("状态closed") == ["internal code shown: 'closed'"]
    # Part of another word, a user name, or another case: not a code shown.
    assert problems("handler-fangguan 已签收 Closed bounced request_closed") == []


def test_raw_values_are_found() -> None:
    assert problems("得分 0.9861111111111112") == ["float with 5+ decimals: '0.9861111111111112'"]
    assert problems("得分 98.6%  坐标 120.1551") == []
    assert problems("{'phone': '196****1528'}")[0].startswith("Python repr shown")
    assert problems("['a', 'b']")[0].startswith("Python repr shown")
    assert problems("签收时限 2026-09-05T22:41:47+08:00") == [
        "ISO timestamp shown: '2026-09-05T22:41'"
    ]
    assert problems("签收时限 2026-09-05 22:41") == []


def test_english_pages_are_not_checked_for_codes() -> None:
    assert text_problems("State: closed", None) == []


def test_url_shapes_hide_ids_and_codes() -> None:
    assert url_shape("/orders/2026112200005/", CODES) == "/orders/<id>/"
    assert url_shape("/units/fangguan/", CODES | {"dongcheng-jd1"}) == "/units/<code>/"
    assert url_shape("/units/dongcheng-jd1/", CODES | {"dongcheng-jd1"}) == "/units/<code>/"
    assert url_shape("/orders/?state=closed&page=3", CODES) == "/orders/?page&state"
    assert url_shape("/orders/?page=4&state=received", CODES) == "/orders/?page&state"
