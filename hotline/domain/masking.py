"""Masking of callers' personal data (个人信息脱敏) for roles without the permission."""

from __future__ import annotations


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
