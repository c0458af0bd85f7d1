"""Limits on what enters the system: the one place the API's schemas and the importers read.

The REST API (``hotline.workorders.api``) declares its fields with these numbers, and the event
importer (``hotline.domain.interchange``) checks every imported event's ``data`` against
:data:`EVENT_DATA`, built from the same numbers, so an event the API would refuse for an action
is refused by ``hotline events import`` too: the same lengths, ranges and types.

What the importer does not ask is what only a live request can supply: required fields (other
platforms' histories leave empty values out), permissions, and whether a unit or category exists.
Fields the table does not name are kept (other platforms record more), but bounded like the rest:
text no longer than the longest text field, numbers finite, nesting no deeper than
:data:`hotline.domain.inputs.MAX_JSON_DEPTH`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.domain.inputs import (
    MAX_JSON_DEPTH,
    InputError,
    finite_number,
    json_depth_ok,
    json_type_name,
    number_text,
)
from hotline.domain.lifecycle import Action, Channel, Kind, Urgency

# -- the numbers ---------------------------------------------------------------------------------

CODE_MAX = 64  # category, area and unit codes (the database's columns)
ORDER_NUMBER_MAX = 64
# Letters, digits and . _ : - : a number has to fit in a URL path (/api/orders/{number}).
ORDER_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
ACTOR_MAX = 150
TEXT_MAX = 10_000  # a request's text, a direct answer, a reply, a closing result
NOTE_MAX = 5_000  # notes, reasons, the basis of a return
SHORT_NOTE_MAX = 2_000  # a dispatch note, a rating's comment
LOCATION_MAX = 300
CALLER_NAME_MAX = 100
CALLER_PHONE_MAX = 32
CALLER_PHONE_PATTERN = r"^[0-9+\- ]*$"
CALLER_ADDRESS_MAX = 300
CALLER_EMAIL_MAX = 254
CALL_ID_MAX = 64
SUGGESTIONS_MAX = 10
ASSIST_MAX = 20  # assisting units (协办) of one dispatch
EVIDENCE_MAX = 20
EVIDENCE_ITEM_MAX = 2_000
ATTACHMENTS_MAX = 5
ATTACHMENT_NAME_MAX = 200
ATTACHMENT_BYTES_MAX = 10 * 1024 * 1024
CONTENT_TYPE_MAX = 100
EXTENSION_DAYS_MIN, EXTENSION_DAYS_MAX = 1, 60
SCORE_MIN, SCORE_MAX = 1, 5
LATITUDE_MAX, LONGITUDE_MAX = 90, 180
IDEMPOTENCY_KEY_MAX = 200
CONTACT_METHODS = ("phone", "sms", "visit", "other")
# Whole numbers beyond this lose precision in JSON readers (2**53) and in database columns.
INTEGER_MAX = 2**53
SEQ_MAX = 2**31 - 1  # the event table's seq column
# One event's data, as JSON text: room for the longest text with every other field beside it.
EVENT_DATA_MAX_CHARS = 64_000
# Times outside these years are typing errors or attacks (year 9999 overflows on conversion).
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


# -- the types -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A string of at most ``max`` characters (optionally matching ``pattern`` or one of
    ``choices``)."""

    max: int
    pattern: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Whole:
    low: int
    high: int


@dataclass(frozen=True)
class Real:
    low: float
    high: float


@dataclass(frozen=True)
class Flag:
    """true or false."""


@dataclass(frozen=True)
class Moment:
    """An ISO 8601 time with a UTC offset, within EARLIEST_YEAR..LATEST_YEAR."""


@dataclass(frozen=True)
class Items:
    item: Spec
    max: int


@dataclass(frozen=True)
class Record:
    """A JSON object; the named fields are typed, others are kept but bounded."""

    fields: Mapping[str, Spec] = field(default_factory=dict)


Spec = Text | Whole | Real | Flag | Moment | Items | Record


def _choices(enum: Any) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum)


CALLER = Record(
    {
        "name": Text(CALLER_NAME_MAX),
        "phone": Text(CALLER_PHONE_MAX, pattern=CALLER_PHONE_PATTERN),
        "address": Text(CALLER_ADDRESS_MAX),
        "email": Text(CALLER_EMAIL_MAX),
    }
)
SUGGESTION = Record({"category": Text(CODE_MAX), "score": Real(0, 1)})
ATTACHMENTS = Items(
    Record(
        {
            "name": Text(ATTACHMENT_NAME_MAX),
            "content_type": Text(CONTENT_TYPE_MAX),
            "size": Whole(0, ATTACHMENT_BYTES_MAX),
            "sha256": Text(64, pattern=r"^[0-9a-f]{64}$"),
        }
    ),
    ATTACHMENTS_MAX,
)
CATALOGUE = Record(
    {
        "entry": Whole(0, INTEGER_MAX),
        "version": Whole(0, INTEGER_MAX),
        "followed": Flag(),
        "lead_unit": Text(CODE_MAX),
    }
)
NOTE, REASON = Text(NOTE_MAX), Text(NOTE_MAX)

# Each action's data as the API takes it (hotline.workorders.api), plus what the services record
# beside it (deadlines, the dispatch catalogue, attachments' digests): docs/design.md's table.
EVENT_DATA: dict[Action, dict[str, Spec]] = {
    Action.CREATE: {
        "channel": Text(16, choices=_choices(Channel)),
        "kind": Text(16, choices=_choices(Kind)),
        "category": Text(CODE_MAX),
        "text": Text(TEXT_MAX),
        "location": Text(LOCATION_MAX),
        "area": Text(CODE_MAX),
        "urgency": Text(16, choices=_choices(Urgency)),
        "caller": CALLER,
        "lat": Real(-LATITUDE_MAX, LATITUDE_MAX),
        "long": Real(-LONGITUDE_MAX, LONGITUDE_MAX),
        "attributes": Record(),
        "call_id": Text(CALL_ID_MAX),
        "suggested": Items(SUGGESTION, SUGGESTIONS_MAX),
    },
    Action.ANSWER_DIRECTLY: {"answer": Text(TEXT_MAX), "article": Whole(0, INTEGER_MAX)},
    Action.DISPATCH: {
        "assist": Items(Text(CODE_MAX), ASSIST_MAX),
        "note": Text(SHORT_NOTE_MAX),
        "category": Text(CODE_MAX),
        "accept_deadline": Moment(),
        "deadline": Moment(),
        "catalogue": CATALOGUE,
    },
    Action.ACCEPT: {},
    Action.CONTACT: {"note": NOTE, "method": Text(16, choices=CONTACT_METHODS)},
    Action.VISIT: {"note": NOTE},
    Action.REPLY: {"text": Text(TEXT_MAX)},
    Action.REQUEST_EXTENSION: {
        "days": Whole(EXTENSION_DAYS_MIN, EXTENSION_DAYS_MAX),
        "reason": REASON,
        "attachments": ATTACHMENTS,
    },
    Action.APPROVE_EXTENSION: {
        "note": NOTE,
        "days": Whole(EXTENSION_DAYS_MIN, EXTENSION_DAYS_MAX),
        "deadline": Moment(),
    },
    Action.REJECT_EXTENSION: {"reason": REASON},
    Action.REQUEST_RETURN: {
        "reason": REASON,
        "basis": Text(NOTE_MAX),
        "suggested_unit": Text(CODE_MAX),
        "attachments": ATTACHMENTS,
    },
    Action.APPROVE_RETURN: {"note": NOTE, "deadline": Moment()},
    Action.REJECT_RETURN: {"reason": REASON, "deadline": Moment()},
    Action.REQUEST_CLOSE: {
        "result": Text(TEXT_MAX),
        "evidence": Items(Text(EVIDENCE_ITEM_MAX), EVIDENCE_MAX),
        "attachments": ATTACHMENTS,
    },
    Action.APPROVE_CLOSE: {"note": NOTE},
    Action.REJECT_CLOSE: {"reason": REASON, "deadline": Moment()},
    Action.URGE: {"note": NOTE},
    Action.FOLLOW_UP: {"reached": Flag(), "resolved": Flag(), "satisfied": Flag(), "note": NOTE},
    Action.RATE: {"score": Whole(SCORE_MIN, SCORE_MAX), "comment": Text(SHORT_NOTE_MAX)},
    Action.REOPEN: {"reason": REASON, "deadline": Moment()},
    Action.MERGE: {"into": Text(ORDER_NUMBER_MAX, pattern=ORDER_NUMBER_PATTERN)},
    Action.ARCHIVE: {},
}

# Fields no table names are bounded by the longest text any field may hold.
ANY_TEXT_MAX = TEXT_MAX
KEY_MAX = 100  # the name of a field in an event's data


# -- the checks ----------------------------------------------------------------------------------


def text_ok(value: str) -> str | None:
    """Why a string cannot be stored (NUL, which PostgreSQL refuses; a lone surrogate, which is
    not Unicode text), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not Unicode text)"
    return None


def moment(value: Any, *, field: str) -> datetime:
    """An ISO 8601 time with offset, in the years the system takes."""
    if not isinstance(value, str) or not value:
        raise InputError("must be an ISO 8601 time with UTC offset", field=field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value[:40]!r} is not an ISO 8601 time", field=field) from None
    if parsed.tzinfo is None:
        raise InputError(f"{value[:40]!r} has no UTC offset", field=field)
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise InputError(
            f"year {parsed.year} is outside {EARLIEST_YEAR}..{LATEST_YEAR}", field=field
        )
    return parsed


def check(spec: Spec, value: Any, *, field: str) -> None:
    """Raise InputError naming ``field`` when ``value`` does not fit ``spec``."""
    match spec:
        case Text():
            if not isinstance(value, str):
                raise InputError(f"must be a string, got {json_type_name(value)}", field=field)
            if len(value) > spec.max:
                raise InputError(
                    f"must be at most {spec.max:,} characters, got {len(value):,}", field=field
                )
            if problem := text_ok(value):
                raise InputError(problem, field=field)
            if spec.choices and value not in spec.choices:
                raise InputError(f"{value!r} is not one of: {', '.join(spec.choices)}", field=field)
            if spec.pattern and not re.fullmatch(spec.pattern, value):
                raise InputError(f"{value[:40]!r} is not in the expected form", field=field)
        case Whole():
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(
                    f"must be a whole number, got {json_type_name(value)}", field=field
                )
            if not spec.low <= value <= spec.high:
                raise InputError(
                    f"must be between {spec.low} and {spec.high}, got {number_text(value)}",
                    field=field,
                )
        case Real():
            finite_number(value, field=field, low=spec.low, high=spec.high)
        case Flag():
            if not isinstance(value, bool):
                raise InputError(f"must be true or false, got {json_type_name(value)}", field=field)
        case Moment():
            moment(value, field=field)
        case Items():
            if not isinstance(value, list):
                raise InputError(f"must be an array, got {json_type_name(value)}", field=field)
            if len(value) > spec.max:
                raise InputError(f"must have at most {spec.max} items", field=field)
            for index, item in enumerate(value):
                check(spec.item, item, field=f"{field}[{index}]")
        case Record():
            if not isinstance(value, dict):
                raise InputError(f"must be an object, got {json_type_name(value)}", field=field)
            _record(spec.fields, value, field=field)


def _key(key: Any, *, field: str) -> str:
    """A field name: text, short, storable."""
    if not isinstance(key, str) or len(key) > KEY_MAX or text_ok(key) is not None:
        raise InputError(f"has a field name that is not short text: {str(key)[:40]!r}", field=field)
    return key


def _record(fields: Mapping[str, Spec], value: Mapping[str, Any], *, field: str) -> None:
    for key, item in value.items():
        name = f"{field}.{_key(key, field=field)}" if field else _key(key, field=field)
        if item is None:  # an empty value, left out as the services leave it out
            continue
        spec = fields.get(key)
        if spec is not None:
            check(spec, item, field=name)
        else:
            _bounded(item, field=name)


def _bounded(value: Any, *, field: str) -> None:
    """A value no table describes: any JSON, but with the limits every value keeps."""
    if isinstance(value, str):
        check(Text(ANY_TEXT_MAX), value, field=field)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        check(Whole(-INTEGER_MAX, INTEGER_MAX), value, field=field)
    elif isinstance(value, float):
        check(Real(-float(INTEGER_MAX), float(INTEGER_MAX)), value, field=field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _bounded(item, field=f"{field}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _bounded(item, field=f"{field}.{_key(key, field=field)}")
    else:
        raise InputError(f"is not a JSON value ({type(value).__name__})", field=field)


def check_event_data(action: Action, data: Mapping[str, Any], *, field: str = "data") -> None:
    """The API's limits and types for ``action``'s data; InputError naming the first bad field.

    The nesting is checked first: the walk below recurses, and hostile depth is refused before.
    """
    if not json_depth_ok(data, limit=MAX_JSON_DEPTH):
        raise InputError(f"nests deeper than {MAX_JSON_DEPTH} levels", field=field)
    _record(EVENT_DATA.get(action, {}), data, field=field)
