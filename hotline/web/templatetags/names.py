"""Template filters that show names, not codes (``{% load names %}``): every page formats codes,
times and rates through these (hotline.web.labels holds the tables)."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.web import labels

register = template.Library()


@register.filter
def unit_name(code: Any) -> str:
    """``fangguan`` → 市房屋管理局 (a list of codes → names joined with 、)."""
    if isinstance(code, list | tuple):
        return "、".join(labels.unit_name(c) for c in code) or "—"
    return labels.unit_name(code)


@register.filter
def category_name(code: Any) -> str:
    return labels.category_name(code)


@register.filter
def area_name(code: Any) -> str:
    return labels.area_name(code)


@register.filter
def state_name(code: Any) -> str:
    return labels.label(labels.STATES, code)


@register.filter
def action_name(code: Any) -> str:
    return labels.label(labels.ACTION_NAMES, code)


@register.filter
def detector_name(code: Any) -> str:
    return labels.label(labels.DETECTORS, code)


@register.filter
def severity_name(code: Any) -> str:
    return labels.label(labels.SEVERITIES, code)


@register.filter
def field_label(key: Any) -> str:
    return labels.field_label(key)


@register.filter
def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware datetime or ISO string → "2026-09-05 22:41" in Asia/Shanghai."""
    return labels.local_time(value, fmt)


@register.filter
def percent(value: Any) -> str:
    """0.98611 → "98.6%"; None → "—"."""
    return labels.percent(value)


@register.filter
def data_value(value: Any, key: str = "") -> str:
    """One event-data value as text (codes named, times local, no reprs)."""
    return labels.data_value(key, value)


@register.filter
def event_data(data: Any) -> list[dict[str, Any]]:
    """An event's data as labelled rows: ``{% for row in e.data|event_data %}``."""
    return labels.event_data(data)


@register.filter
def duplicate_reasons(reasons: Any) -> str:
    """Why an order looks like a duplicate ("text 0.93", "same caller") in words, joined with ·."""
    return " · ".join(labels.duplicate_reason(str(r)) for r in reasons or [])


@register.filter
def agent_state_name(code: Any) -> str:
    return labels.label(labels.AGENT_STATES, code)


@register.filter
def pause_reason_name(reason: Any) -> str:
    return labels.label(labels.PAUSE_REASONS, reason)


@register.filter
def case_state_name(code: Any) -> str:
    return labels.label(labels.CASE_STATES, code)


@register.filter
def user_name(username: Any) -> str:
    """A staff member's name (派单员小李) for their user name."""
    return labels.user_name(username)
