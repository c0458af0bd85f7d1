"""What every API router shares: the error body, the 4xx answers each route documents, bounded
query parameters, and request bodies that must be JSON objects.

A shared helper beside the layers (it imports no app), so every app's ``api.py`` uses the same
rules and ``hotline.api``, which mounts the routers, answers ninja's own errors in the same body.

The bounds, chosen so that no value a client can send reaches the database as an overflow:

- ``page`` at most :data:`PAGE_MAX` (1,000,000): beyond it ``OFFSET`` overflows a 64-bit integer
  on the way to the database, and no list is that long.
- times (``created_after``, ``since``, …) within the years :data:`EARLIEST_YEAR`..
  :data:`LATEST_YEAR` once converted to UTC, the same years ``hotline events import`` takes
  (:mod:`hotline.domain.limits`); a time without an offset is read in the platform's time zone.
  ``9999-12-31T23:59:59-14:00`` would overflow on the conversion.
- row ids at most :data:`ROW_ID_MAX` (2**53: JSON readers lose precision beyond it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from hotline.domain.inputs import MAX_JSON_DEPTH, json_type_name
from hotline.domain.limits import (
    EARLIEST_YEAR,
    INTEGER_MAX,
    LATEST_YEAR,
    text_ok,
)

PAGE_MAX = 1_000_000
ROW_ID_MAX = INTEGER_MAX


class ErrorItem(Schema):
    loc: list[str | int] = Field(description='where: ["body", "text"], ["query", "page"]')
    msg: str
    type: str


class ErrorOut(Schema):
    """Every 4xx answer: a message, or (422) the list of fields that are wrong and why."""

    detail: str | list[ErrorItem]


# Every route: 401 without a valid token or session, 403 when the role or unit may not, 422 when
# a parameter or the body is invalid (ninja's own validation, naming the field). Routes add 400
# (a body that is not JSON), 404 (not found or not visible) and 409 (expected_version is stale).
COMMON_ERRORS = (401, 403, 422)


def answers(ok: Mapping[int, Any], *errors: int) -> dict[int, Any]:
    """A route's ``response=``: its success answers, the common 4xx and the ``errors`` it adds
    (400, 404, 409), each documented with :class:`ErrorOut`."""
    documented: dict[int, Any] = dict(ok)
    for code in sorted({*COMMON_ERRORS, *errors}):
        documented[code] = ErrorOut
    return documented


class BodyIn(Schema):
    """A request body: a JSON object and nothing else.

    ninja's Schema reads attributes off whatever it is given (for Django models), so a JSON string
    such as ``"AAA"`` would be read as an object whose ``title`` is ``"AAA".title()``; a body
    schema takes only objects."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if isinstance(values, cls):
            return values
        if not isinstance(values, dict):
            raise ValueError(f"must be a JSON object, got {json_type_name(values)}")
        if found := _unstorable_text(values):
            where, problem = found
            # Located at the field, as pydantic's own errors are, so forms show it beside it.
            raise ValidationError.from_exception_data(
                cls.__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError("unstorable_text", problem),
                        loc=where,
                        input="…",
                    )
                ],
            )
        return handler(values)


def _unstorable_text(value: Any) -> tuple[tuple[str | int, ...], str] | None:
    """The first thing in a body that no database stores, with its path: a string with a NUL
    (PostgreSQL refuses it) or a lone surrogate, or nesting deeper than any schema has.
    Iterative: a hostile body may nest thousands deep."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            return path[:MAX_JSON_DEPTH], f"nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(item, str):
            if problem := text_ok(item):
                return path, problem
        elif isinstance(item, dict):
            stack.extend((child, (*path, str(key))) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
    return None


# A date and a time of day (an offset is optional): what pydantic would also take, a number of
# seconds since 1970 or a bare date, is refused so the parameter means one thing.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_text(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str) or not ISO_TIME.match(value):
        raise ValueError(
            f"{info.field_name} must be an ISO 8601 time such as 2026-11-30T08:00:00+08:00"
        )
    return value


def _in_years(value: datetime, info: ValidationInfo) -> datetime:
    """The time, aware (naive: the platform's time zone), if its UTC year is in range."""
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = None
    if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(
            f"{info.field_name} must be between {EARLIEST_YEAR}-01-01 and {LATEST_YEAR}-12-31 "
            f"(UTC), got {value.isoformat()}"
        )
    return value


BoundedTime = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_years),
    Field(description=f"ISO 8601; years {EARLIEST_YEAR}–{LATEST_YEAR} in UTC"),
]
Page = Annotated[int, Field(ge=1, le=PAGE_MAX, description=f"1 to {PAGE_MAX:,}")]
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
