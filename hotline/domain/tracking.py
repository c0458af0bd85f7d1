"""查询码: the code a caller is given to follow their order without an account.

``<order number>-XXXXX-XXXXX-XXXXX``: the number, then 75 bits of HMAC-SHA256 keyed by the
site's secret, written in Crockford's base32 (digits and capitals without I, L, O and U, so
nothing is misread over the phone) in three groups of five. Guessing a code for a known number
takes 2**75 tries on average; the tracking page also stops an address after a few wrong ones.
Reading is forgiving: case, spaces and dashes do not matter, and in the check O is read as 0
and I or L as 1.
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_CHARACTERS = 15  # 75 bits
GROUP = 5
# What a person may type for a character the alphabet leaves out.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_part(*, key: bytes, number: str) -> str:
    """The keyed check for ``number``, ungrouped: CHECK_CHARACTERS base32 characters."""
    digest = hmac.new(key, b"tracking-code:" + number.encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest, "big") >> (256 - 5 * CHECK_CHARACTERS)
    chars = []
    for _ in range(CHECK_CHARACTERS):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def tracking_code(*, key: bytes, number: str) -> str:
    """The code a caller is told: the order number and the grouped check."""
    check = check_part(key=key, number=number)
    groups = [check[i : i + GROUP] for i in range(0, CHECK_CHARACTERS, GROUP)]
    return "-".join([number, *groups])


def code_parts(code: str) -> tuple[str, str] | None:
    """(order number, normalised check) of what someone typed, or None when it cannot be a code."""
    compact = "".join(code.split()).replace("-", "").upper()
    number, check = compact[:-CHECK_CHARACTERS], compact[-CHECK_CHARACTERS:].translate(_MISREAD)
    if not number.isdigit() or len(check) != CHECK_CHARACTERS:
        return None
    if any(c not in ALPHABET for c in check):
        return None
    return number, check


def code_matches(*, key: bytes, code: str) -> str | None:
    """The order number when ``code`` is that order's code (compared in constant time)."""
    parts = code_parts(code)
    if parts is None:
        return None
    number, check = parts
    if not hmac.compare_digest(check_part(key=key, number=number), check):
        return None
    return number
