"""Action forms generated from the API's own request schemas, so a page and the API accept
exactly the same input and name the same fields in their errors."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from hotline.accounts.models import User
from hotline.domain.lifecycle import GuardFailed
from hotline.web.labels import CONTACT_METHODS, FIELDS
from hotline.workorders import services
from hotline.workorders.api import OrderIn
from hotline.workorders.models import WorkOrder

UNIT_FIELDS = {"to_unit", "suggested_unit"}
# Lists of unit codes, chosen by name from a multiple select (协办单位).
UNIT_LIST_FIELDS = {"assist"}
LONG_TEXT = {"answer", "text", "reason", "basis", "result", "note", "comment"}


@dataclass
class FormField:
    name: str
    label: Any  # str, or a lazily translated one
    kind: str  # text | textarea | int | bool | tristate | select | list | unit | units
    required: bool
    choices: list[tuple[str, Any]] = field(default_factory=list)
    value: Any = ""


# Choices shown by their names rather than their codes.
CHOICE_NAMES: dict[str, dict[str, Any]] = {"method": CONTACT_METHODS}


def _kind(name: str, annotation: Any) -> tuple[str, list[tuple[str, Any]]]:
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        named = CHOICE_NAMES.get(name, {})
        return "select", [(str(a), named.get(str(a), str(a))) for a in args]
    if origin in (types.UnionType, typing.Union) and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        if inner is bool:
            return "tristate", [("", "—"), ("true", _("是")), ("false", _("否"))]
        return _kind(name, inner)
    if annotation is bool:
        return "bool", []
    if annotation is int:
        return "int", []
    if origin is list:
        return ("units" if name in UNIT_LIST_FIELDS else "list"), []
    if name in UNIT_FIELDS:
        return "unit", []
    return ("textarea" if name in LONG_TEXT else "text"), []


def form_fields(schema: Any) -> list[FormField]:
    out = []
    for name, info in schema.model_fields.items():
        if name in {"expected_version", "attachments"}:  # the page uploads files on its own
            continue
        kind, choices = _kind(name, info.annotation)
        out.append(
            FormField(
                name=name,
                label=FIELDS.get(name, name),
                kind=kind,
                required=info.is_required(),
                choices=choices,
            )
        )
    return out


def _value(kind: str, raw: str | None, present: bool) -> Any:
    if kind == "bool":
        return present
    if raw is None or raw == "":
        return None
    if kind == "tristate":
        return {"true": True, "false": False}.get(raw)
    if kind in ("list", "units"):
        return [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]
    return raw


# Pydantic's messages for the errors a form meets, in the reader's language (its own are English).
ERROR_MESSAGES: dict[str, Any] = {
    "missing": _("必填"),
    "string_too_short": _("不能为空"),
    "string_too_long": _("过长，最多 %(max_length)s 字"),
    "int_parsing": _("须是整数"),
    "int_type": _("须是整数"),
    "bool_parsing": _("须是“是”或“否”"),
    "literal_error": _("不是可选的值"),
    "greater_than_equal": _("不能小于 %(ge)s"),
    "less_than_equal": _("不能大于 %(le)s"),
    "greater_than": _("须大于 %(gt)s"),
    "less_than": _("须小于 %(lt)s"),
    "too_long": _("过多，最多 %(max_length)s 项"),
    "string_pattern_mismatch": _("格式不对"),
}


def error_message(error: Any) -> str:
    """One pydantic error as the form shows it: our words where we have them, else pydantic's."""
    found = ERROR_MESSAGES.get(str(error.get("type", "")))
    if found is None:
        return str(error.get("msg", ""))
    try:
        return str(found) % dict(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


def parse(schema: Any, data: QueryDict) -> tuple[Any | None, dict[str, str]]:
    """(payload, {}) or (None, {field: message})."""
    values: dict[str, Any] = {}
    for f in form_fields(schema):
        raw = ",".join(data.getlist(f.name)) if f.kind == "units" else data.get(f.name)
        value = _value(f.kind, raw, f.name in data)
        if value is not None:
            values[f.name] = value
    if data.get("expected_version"):
        values["expected_version"] = data["expected_version"]
    try:
        return schema(**values), {}
    except ValidationError as exc:
        return None, {
            ".".join(str(p) for p in err["loc"]) or "form": error_message(err)
            for err in exc.errors()
        }


def order_create(
    *,
    actor: User,
    data: QueryDict,
    fields: tuple[str, ...],
    channel: str,
    suggest: Callable[[str], list[dict[str, Any]]] | None = None,
) -> tuple[WorkOrder | None, dict[str, str], dict[str, str]]:
    """受理 from a form through the API's ``OrderIn``: (order, values, {}) or
    (None, values, {field: message}) for the form to show again. ``suggest`` gives the category
    suggestions the form showed for the text (智能派单), which the order records."""
    values = {name: data.get(name, "").strip() for name in fields}
    try:
        payload = OrderIn.model_validate(
            {"channel": channel, **{k: v for k, v in values.items() if v}}
        )
        body = payload.dict()
        if suggest is not None:
            body["suggested"] = suggest(payload.text)
        return services.workorder_create(actor=actor, **body), values, {}
    except ValidationError as exc:
        return (
            None,
            values,
            {str(e["loc"][-1]) if e["loc"] else "form": error_message(e) for e in exc.errors()},
        )
    except GuardFailed as exc:
        return None, values, {exc.field: exc.message}
