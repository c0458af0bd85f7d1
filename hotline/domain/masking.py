"""Masking of callers' personal data (个人信息脱敏) for roles without the permission, for public
outputs (Open311, the tracking page) and for logs.

Free text is matched on a normalised copy (NFKC, so full-width ``１３８－００００`` reads as
``138-0000``; Chinese numerals and other scripts' digits read as digits) and masked in the
original, so the rest of the text stays exactly as written. Only the digits in the middle of a
number are replaced: separators and the digits kept (the first and last few, as on a bank
receipt) keep their spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else ""


def mask_name(name: str) -> str:
    """张三丰 → 张**: the family name stays, so staff can still address the caller politely."""
    name = name.strip()
    return name[0] + "*" * (len(name) - 1) if name else ""


def mask_address(address: str) -> str:
    """Keep the district-level prefix, hide the rest (门牌号)."""
    address = address.strip()
    if not address:
        return ""
    keep = min(6, max(len(address) // 2, 1))
    return address[:keep] + "****"


# -- matching on a normalised copy ---------------------------------------------------------------

# Spoken and written Chinese numerals that people use to spell a number past a filter (幺 is the
# "one" of read-out phone numbers).
_CHINESE_DIGITS = dict(zip("〇零一二三四五六七八九幺", "001234567891", strict=True))


_NUMERALS = re.compile(f"[{''.join(_CHINESE_DIGITS)}]")
# Digits of other scripts (\d is Unicode-aware, [0-9] is not).
_OTHER_DIGITS = re.compile(r"(?![0-9])\d")


def _normalised(text: str, *, numerals: bool = False) -> tuple[str, list[int]]:
    """(text for matching, for each of its characters the index of the original one);
    ``numerals``: Chinese numerals read as digits too."""
    if (
        unicodedata.is_normalized("NFKC", text)
        and not _OTHER_DIGITS.search(text)
        and not (numerals and _NUMERALS.search(text))
    ):
        return text, list(range(len(text)))  # the common case, without a loop in Python
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        form = unicodedata.normalize("NFKC", char)
        if len(form) == 1:
            if numerals and form in _CHINESE_DIGITS:
                form = _CHINESE_DIGITS[form]
            elif not form.isascii() and unicodedata.decimal(form, None) is not None:
                form = str(unicodedata.decimal(form))
        out.append(form)
        origin.extend([index] * len(form))
    return "".join(out), origin


# One separator people put inside a number: blanks, or a dash, dot, slash or middle dot with
# blanks around it (NFKC already made the full-width ones ASCII).
_SEP = r"(?:[ \t]{0,2}[-‐‑‒–—―−~.·/][ \t]{0,2}|[ \t]{1,2})"


def _spelled(*parts: str) -> str:
    """Digit classes joined so that each may be followed by one separator."""
    return f"{_SEP}?".join(parts)


_D = "[0-9]"
_BIRTH = _spelled("(?:1[89]|20)", _D, _D, "[01]", _D, "[0-3]", _D)
_BIRTH_SHORT = _spelled(_D, _D, "[01]", _D, "[0-3]", _D)
_AREA6 = _spelled("[1-8]", *[_D] * 5)
_COUNTRY = rf"(?:\(?(?:\+|00)?86\)?{_SEP}?)"  # +86, 0086, 86-, (+86)
_MOBILE = _spelled("1", "[3-9]", *[_D] * 9)
_AREA_CODE = r"\(?0(?:10|2[0-9]|[3-9][0-9]{2})\)?"  # 010, 020-029, 0xxx
_AREA_CODE_INTL = r"\(?(?:10|2[0-9]|[3-9][0-9]{2})\)?"  # the same after +86, without the 0
_LOCAL = _spelled("[1-9]", *[_D] * 5) + f"{_SEP}?{_D}(?:{_SEP}?{_D})?"
_EXTENSION = rf"(?:{_SEP}?(?:转|分机|ext\.?|x|#){_SEP}?{_D}{{1,6}})?"
_PHONE_WORDS = r"(?:电话|手机|座机|号码|联系方式|致电|回电|来电|tel|phone)"

# Each kind: its pattern (the group named after the kind is the number itself), and how many of
# that number's digits stay at the start and at the end (given how many digits it has).
_KINDS: dict[str, tuple[str, Callable[[int], tuple[int, int]]]] = {
    # 居民身份证号, 18 digits (the last may be X) or the old 15: the birth date goes.
    "id": (
        rf"(?P<id>{_AREA6}{_SEP}?(?:{_BIRTH}{_SEP}?{_spelled(_D, _D, _D)}{_SEP}?[0-9Xx]"
        rf"|{_BIRTH_SHORT}{_SEP}?{_spelled(_D, _D, _D)}))",
        lambda n: (6, 4 if n == 18 else 3),
    ),
    # Bank cards: 16 to 19 digits, written as one run or in groups of four.
    "card": (
        rf"(?P<card>[1-9][0-9]{{15,18}}|[1-9][0-9]{{3}}(?:{_SEP}[0-9]{{4}}){{3}}"
        rf"(?:{_SEP}[0-9]{{1,3}})?)",
        lambda n: (6, 4),
    ),
    # 手机: with or without the country code.
    "mobile": (rf"{_COUNTRY}?(?P<mobile>{_MOBILE})", lambda n: (3, 4)),
    # 座机: an area code (with or without brackets) and 7 or 8 digits, maybe an extension.
    "landline": (
        rf"(?:{_AREA_CODE}|{_COUNTRY}{_AREA_CODE_INTL}){_SEP}?(?P<landline>{_LOCAL}){_EXTENSION}",
        lambda n: (0, 4),
    ),
    # A local number without its area code, where the text says it is a phone number.
    "local": (
        rf"{_PHONE_WORDS}[:是为 ]{{0,3}}(?P<local>{_LOCAL})(?!{_SEP}?[0-9])",
        lambda n: (0, 4),
    ),
}
_NUMBERS = re.compile(
    "(?<![0-9])(?:" + "|".join(pattern for pattern, _ in _KINDS.values()) + ")(?![0-9])",
    re.IGNORECASE,
)
# Starting only where a user name can start keeps a long run without "@" linear, not quadratic.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<user>[A-Za-z0-9._%+-]+)@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
# A flat written in free text: 3085室, 2单元301, 3-2-301, 16栋3085 (the building stays).
_FLAT = re.compile(
    r"(?<![0-9-])(?:[0-9]{1,3}-[0-9]{1,2}-|[0-9]{1,2}单元)(?P<flat>[0-9]{3,4})(?![0-9-])"
    r"|(?<![0-9])(?P<room>[0-9]{3,5})(?=室|号房|房间)"
    r"|(?:栋|幢|号楼)[ \t]*(?P<after>[0-9]{3,4})(?![0-9])"
)


def _is_digit(char: str) -> bool:
    return char.isdigit() or char in "Xx"


def _star_digits(
    norm: str, origin: list[int], start: int, end: int, keep: tuple[int, int]
) -> dict[int, str]:
    """Replacements (original index → "*") for the digits of norm[start:end] but the kept ones."""
    positions = [i for i in range(start, end) if _is_digit(norm[i])]
    head, tail = keep
    hidden = positions[head : len(positions) - tail] if tail else positions[head:]
    return {origin[i]: "*" for i in hidden}


def _apply(text: str, replacements: dict[int, str]) -> str:
    if not replacements:
        return text
    return "".join(replacements.get(i, char) for i, char in enumerate(text))


def _numbers(norm: str, origin: list[int]) -> dict[int, str]:
    replacements: dict[int, str] = {}
    for match in _NUMBERS.finditer(norm):
        for kind, (_, keep) in _KINDS.items():
            if match.group(kind) is not None:
                start, end = match.span(kind)
                count = sum(1 for c in norm[start:end] if _is_digit(c))
                replacements |= _star_digits(norm, origin, start, end, keep(count))
                break
    return replacements


def mask_text(text: str) -> str:
    """Free text for public eyes and for logs: ID, bank card, mobile and landline numbers in any
    common spelling, e-mail addresses and flat numbers masked; everything else as written."""
    if not text:
        return text
    norm, origin = _normalised(text)
    replacements = _numbers(norm, origin)
    if _NUMERALS.search(text):
        # Once more with Chinese numerals read as digits (一三八〇〇〇〇…), apart from the first
        # pass so that a numeral written next to a number (第一13800001111) hides nothing.
        replacements |= _numbers(*_normalised(text, numerals=True))
    for match in _EMAIL.finditer(norm):
        start, end = match.span("user")  # z***@example.com, as the old masker wrote it
        for i in range(start + 1, end):
            replacements[origin[i]] = ""
        replacements[origin[start + 1] if end - start > 1 else origin[start]] = "***"
    for match in _FLAT.finditer(norm):
        group = next(name for name in ("flat", "room", "after") if match.group(name))
        start, end = match.span(group)
        for i in range(start, end):
            replacements[origin[i]] = "*"
    return _apply(text, replacements)


# -- public addresses: down to the building, never the flat ----------------------------------------

# A number starts where the run of its kind starts: a long run of digits stays linear to search.
_NUMBER = r"(?:(?<![0-9])[0-9]+|[A-Za-z]|(?<![一二三四五六七八九十百])[一二三四五六七八九十百]+)"
# The building: 16栋, 5号楼, 3幢, A座, 2号院3号楼 (the last such marker).
_BUILDING = re.compile(
    rf"{_NUMBER}[ \t]*(?:号楼|栋|幢|号院[ \t]*{_NUMBER}?[ \t]*号?楼)"
    r"|(?<![A-Za-z0-9])[A-Za-z0-9]+[ \t]*座"
)
# 3-2-301 or 16-3085: building, (unit,) flat; not a street number such as 12-3号.
_DASHED = re.compile(
    r"(?<![0-9-])(?P<building>[0-9]{1,3})-(?:[0-9]{1,2}-)?[0-9]{3,4}(?![0-9-])(?:室|号|房)?"
)
# Below the building: a unit, a floor, a flat.
_BELOW = re.compile(rf"{_NUMBER}[ \t]*(?:单元|层|楼|室|户|号房|房间)")


def public_address(address: str) -> str:
    """An address as the public may see it, cut to the building (the flat is usually the
    caller's home): …幸福家园16栋3085室 → …幸福家园16栋, 5号楼2单元301 → 5号楼,
    幸福家园3-2-301 → 幸福家园3号楼, 和平路12号301室 → 和平路12号."""
    text = address.strip()
    norm, origin = _normalised(text)

    def cut(at: int) -> str:
        return text[: origin[at]] if at < len(norm) else text

    buildings = list(_BUILDING.finditer(norm))
    if buildings:
        return cut(buildings[-1].end()).rstrip()
    dashed = _DASHED.search(norm)
    if dashed is not None:
        start, end = dashed.span("building")
        return cut(start) + text[origin[start] : origin[end - 1] + 1] + "号楼"
    below = _BELOW.search(norm)
    if below is not None:
        return cut(below.start()).rstrip(" \t-,，、")
    return text


def mask_location(location: str) -> str:
    """Where a request is, for public eyes: the address cut to the building, numbers masked."""
    return mask_text(public_address(location))
