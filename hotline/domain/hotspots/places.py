"""Places as callers say them, brought to one form: "幸福家园五号楼", "幸福家园小区5栋" and
"东城区幸福家园一期5号楼2单元" are one building.

The rules are one table of regular expressions in the common subset of Python's ``re`` and RE2
(no look-arounds, no ``\\p`` classes), so the engine applies the same rules inside DuckDB
(:func:`normalise_sql`, over a million orders at once) as the intake page does in Python
(:func:`normalise`) on one order.

A normalised place ends at the building (``5栋``) when one is named: unit, floor and room are
dropped, because neighbours in one building report one burst pipe. Two places agree when one
ends with the other (the city and district prefix is said by some callers and not by others) and
the shorter still names something (:data:`MIN_NAME` characters before any building number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
_HALFWIDTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NUMERALS = "〇零一二三四五六七八九两"
_DIGITS = "001234567892"
TRANSLATE_FROM = _FULLWIDTH + _NUMERALS
TRANSLATE_TO = _HALFWIDTH + _DIGITS

# (pattern, replacement) in order; replacements use \1 only (both engines read it alike).
RULES: tuple[tuple[str, str], ...] = (
    # 十 as a numeral: 十二 → 12, 二十 → 20, 二十三 → 23, 十 → 10.
    (r"(\d)十(\d)", r"\1\2"),
    (r"(\d)十", r"\1" + "0"),
    (r"十(\d)", "1" + r"\1"),
    (r"十", "10"),
    # Punctuation and spaces say nothing about the place.
    (r"[\s,.;:!?'\"()\[\]{}<>\-_/\\，。、；：！？“”‘’（）【】《》—…·]+", ""),
    # Every way of naming a building: 5号楼, 5栋, 5幢, 5座, 5#, 5号院 → 5栋.
    (r"(\d+)(号楼|号栋|号幢|栋楼|栋|幢|座|号院|#楼|#)", r"\1栋"),
    # Unit, floor and room go: neighbours of one building report one matter.
    (r"(\d+栋).*$", r"\1"),
    # Words that callers add or leave out.
    (r"(小区|\d+期|附近|门口|旁边|对面|周边|一带|这边|那边)", ""),
)
# Characters before a building number (or in a place without one) for a place to name something.
MIN_NAME = 2
_PREFIX = re.compile(r"^.*([市区县]|[路街道巷]\d+号)")
_BUILDING = re.compile(r"([A-Za-z]*\d+栋)$")
_COMPILED = tuple(
    (re.compile(pattern), re.sub(r"\\(\d)", r"\\g<\1>", repl)) for pattern, repl in RULES
)
_TABLE = str.maketrans(TRANSLATE_FROM, TRANSLATE_TO)
# A place named in a message's text when the order has none (the Teddy Cup messages): the first
# run of name characters that ends in a kind of place, with its building if one follows.
_IN_TEXT = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{2,10}?"
    r"(小区|家园|花园|公寓|大厦|广场|新城|新村|苑|园|城|村|社区|学院|大学|中学|小学|学校|医院|市场|公园|车站))"
    r"([A-Za-z]?[0-9一二三四五六七八九十]+(号楼|栋|幢|座))?"
    r"|[\u4e00-\u9fa5A-Za-z0-9]{2,8}?[A-Za-z]?[0-9一二三四五六七八九十]+(号楼|栋|幢|座)"
)
_ADMIN = re.compile(
    r"^([\u4e00-\u9fa5A-Za-z0-9]{1,4}?[省市])?([\u4e00-\u9fa5A-Za-z0-9]{1,4}?[区县])?"
)
# Words that end in a kind of place without naming one (城市, 城管, 农村) are taken out before
# looking; what a caller says before the name (投诉, 坚决要求, 我家住在) is cut off the front.
_NOT_PLACES = re.compile(r"城[市区管乡镇]|[农乡]村")
_SAID = re.compile(
    r"^.*(要求|投诉|反映|举报|关于|希望|请求|建议|咨询|呼吁|强烈|感谢|领导|您好|你好|我是|我们|我家|住在|"
    r"位于|附近|旁边|在|是|的|对|到|从|向|给|把|让)"
)


@dataclass(frozen=True)
class Place:
    """A place in normal form: ``text`` the whole, ``block`` the few characters that any two
    agreeing places share (the engine groups by it), ``building`` the building if named;
    ``said`` the place as it was worded before normalising (shown, and kept out of topics)."""

    text: str
    block: str
    building: str
    said: str = ""

    @property
    def named(self) -> bool:
        """Whether the place names something beyond a bare building number ("五号楼")."""
        return len(self.text) - len(self.building) >= MIN_NAME

    @property
    def core(self) -> str:
        """The place without the district or street address said before it: "朝阳区紫荆花园16栋"
        and "和西路702号紫荆花园16栋" are both "紫荆花园16栋"."""
        core = _PREFIX.sub("", self.text)
        return core if len(core) - len(self.building) >= MIN_NAME else self.text

    def agrees(self, other: Place) -> bool:
        """One place ends with the other, or both are the same place after their district or
        street address, and the shorter names something."""
        if not self.named or not other.named:
            return False
        if self.core == other.core:
            return True
        short, long = sorted((self.text, other.text), key=len)
        return long.endswith(short)


def normalise(value: str) -> Place:
    text = value.upper().translate(_TABLE)
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    building = building_of(text)
    return Place(text=text, block=block_of(text, building), building=building, said=value)


def building_of(text: str) -> str:
    found = _BUILDING.search(text)
    return found.group(1) if found else ""


def block_of(text: str, building: str) -> str:
    """The last MIN_NAME characters of the name and the building; the last four characters
    of a place without a building ("实验小学")."""
    if building:
        return text[-(len(building) + MIN_NAME) :]
    return text[-4:]


def normalise_sql(column: str) -> str:
    """The same rules as :func:`normalise`, as one DuckDB expression over ``column``."""
    # DuckDB's translate is slow on non-ASCII text: only the rows with a numeral pay for it.
    expression = (
        f"CASE WHEN regexp_matches({column}, '[{TRANSLATE_FROM}]') "
        f"THEN translate(upper({column}), '{TRANSLATE_FROM}', '{TRANSLATE_TO}') "
        f"ELSE upper({column}) END"
    )
    for pattern, replacement in RULES:
        expression = f"regexp_replace({expression}, '{_re2(pattern)}', '{_sql(replacement)}', 'g')"
    return expression


def block_sql(column: str) -> str:
    """:func:`block_of` over an already normalised ``column``."""
    building = building_sql(column)
    return (
        f"CASE WHEN {building} <> '' THEN right({column}, length({building}) + {MIN_NAME}) "
        f"ELSE right({column}, 4) END"
    )


def named_sql(place: str, building: str) -> str:
    """:attr:`Place.named` over a normalised ``place`` and its ``building`` (SQL expressions)."""
    return f"length({place}) - length({building}) >= {MIN_NAME}"


def place_sql(location: str, text: str) -> str:
    """:func:`place_of` as one DuckDB expression: the normalised location, else the normalised
    place the text names. (A query over many rows computes :func:`said_place_sql` once in a
    column and normalises that column: the expression repeats its argument.)"""
    return normalise_sql(said_place_sql(location, text))


def said_place_sql(location: str, text: str) -> str:
    """The place as said: the location, else the place the text names."""
    pattern = _re2(_IN_TEXT.pattern)
    looked = f"regexp_replace({text}, '{_re2(_NOT_PLACES.pattern)}', '|', 'g')"
    said = f"regexp_replace(found, '{_re2(_SAID.pattern)}', '')"
    rest = f"regexp_replace({said}, '{_re2(_ADMIN.pattern)}', '')"
    cleaned = (
        f"CASE WHEN regexp_full_match({rest}, '{pattern}') THEN {rest} "
        f"WHEN regexp_full_match({said}, '{pattern}') THEN {said} ELSE '' END"
    )
    candidates = f"regexp_extract_all({looked}, '{pattern}', 0)"
    in_text = (
        f"coalesce(list_filter(list_transform({candidates}, lambda found: {cleaned}), "
        f"lambda place: place <> '')[1], '')"
    )
    return f"CASE WHEN trim({location}) <> '' THEN trim({location}) ELSE {in_text} END"


def building_sql(column: str) -> str:
    return f"regexp_extract({column}, '{_re2(_BUILDING.pattern)}', 1)"


def _re2(pattern: str) -> str:
    """A pattern of the shared subset in RE2's spelling: \\x{4e00} where Python writes \\u4e00."""
    return _sql(re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", pattern))


def _sql(value: str) -> str:
    return value.replace("'", "''")


def place_in_text(text: str) -> str:
    """The place a message names, when the order records none; '' when none is found.
    The city and district prefix ("A市A5区") and the words said before the name ("投诉",
    "坚决要求") are left out; a match that names no place once they are gone ("投诉小区" is
    "小区") gives way to the next one."""
    for found in _IN_TEXT.finditer(_NOT_PLACES.sub("|", text)):
        said = _SAID.sub("", found.group(0), count=1)
        rest = _ADMIN.sub("", said, count=1)
        for place in (rest, said):
            if _IN_TEXT.fullmatch(place):
                return place
    return ""


def place_of(location: str, text: str) -> Place:
    """An order's place: its location, else the place its text names."""
    return normalise(location.strip() or place_in_text(text))
