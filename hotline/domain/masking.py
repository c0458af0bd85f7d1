"""Masking of callers' personal data (个人信息脱敏) for roles without the permission."""

from __future__ import annotations

import re


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


_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")  # 居民身份证号
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def mask_text(text: str) -> str:
    """Free text for public eyes: ID numbers, phone numbers and e-mail addresses masked."""
    text = _ID_NUMBER.sub(lambda m: m.group()[:6] + "********" + m.group()[-4:], text)
    text = _PHONE.sub(lambda m: mask_phone(m.group()), text)
    return _EMAIL.sub(lambda m: m.group()[0] + "***@" + m.group().split("@", 1)[1], text)
