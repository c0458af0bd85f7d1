"""The one input-error path for everything read from outside: files, lines, fields.

Every importer and parser (events import, queue_log, CDR, request import and its mapping,
dispatch CSVs, call-center import) raises :class:`InputError`; the CLI prints it as one line
naming the file, the line and the field, and exits 2 having written nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

# A line longer than this is not a log line: refuse it rather than hold it in memory.
MAX_LINE_BYTES = 1 << 20
# Nesting deeper than this in a JSON value is hostile, not data.
MAX_JSON_DEPTH = 20


class InputError(ValueError):
    """Bad input, located: ``source:line: field: message`` (each part when known)."""

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.field = field

    def located(self, *, source: str | Path | None = None, line: int | None = None) -> InputError:
        """The same error, placed in a file and line (keeps what it already knew)."""
        return InputError(
            self.message,
            source=self.source or (str(source) if source is not None else None),
            line=self.line if self.line is not None else line,
            field=self.field,
        )

    def __str__(self) -> str:
        place = ""
        if self.source:
            place = self.source + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            place = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{place}{field}{self.message}"


def input_file(path: str | Path) -> Path:
    """The path of a file to read, or an InputError saying why it cannot be one."""
    source = Path(path)
    if not source.exists():
        raise InputError("no such file", source=source)
    if source.is_dir():
        raise InputError("is a directory, not a file", source=source)
    if not source.is_file():
        raise InputError("is not a regular file", source=source)
    return source


def output_file(path: str | Path) -> Path:
    """The path of a file to write, refused when it names a directory or an unwritable place."""
    target = Path(path)
    if target.is_dir():
        raise InputError("is a directory; give a file name to write", source=target)
    parent = target.parent if str(target.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{parent} is not a directory", source=target)
    return target


def line_texts(
    path: str | Path, *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text with its line ending) for each line of a UTF-8 text file, read in
    bounded pieces (a hostile file is never held whole). A line that is not UTF-8 or longer than
    ``max_line_bytes`` comes as an InputError naming it, and reading goes on after it."""
    source = input_file(path)
    with source.open("rb") as raw:
        number = 0
        while chunk := raw.readline(max_line_bytes + 1):
            number += 1
            if len(chunk) > max_line_bytes and not chunk.endswith(b"\n"):
                while chunk and not chunk.endswith(b"\n"):  # skip the rest of it
                    chunk = raw.readline(max_line_bytes + 1)
                yield (
                    number,
                    InputError(
                        f"line longer than {max_line_bytes:,} bytes", source=source, line=number
                    ),
                )
                continue
            try:
                yield number, chunk.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield (
                    number,
                    InputError(
                        f"not UTF-8 text (byte {exc.start + 1} of the line)",
                        source=source,
                        line=number,
                    ),
                )


def csv_lines(path: str | Path, *, error: type[InputError] = InputError) -> Iterator[str]:
    """The lines of a UTF-8 text file with their endings, for the csv module; the first line
    that is not UTF-8 or too long raises ``error`` naming it."""
    for _, text in line_texts(path):
        if isinstance(text, InputError):
            raise error(text.message, source=text.source, line=text.line)
        yield text


def text_lines(
    path: str | Path, *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str]]:
    """(line number, text without the line ending) for each line of a UTF-8 text file; the first
    line that is not UTF-8 or too long raises an InputError naming it."""
    for number, text in line_texts(path, max_line_bytes=max_line_bytes):
        if isinstance(text, InputError):
            raise text
        yield number, text.rstrip("\r\n")


def utf8_text(path: str | Path, *, max_bytes: int | None = None) -> str:
    """A whole UTF-8 text file, or an InputError naming the first bad line."""
    source = input_file(path)
    data = source.read_bytes()
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"file larger than {max_bytes:,} bytes", source=source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", source=source, line=line) from None


def json_depth_ok(value: Any, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests no deeper than ``limit``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def json_type_name(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages: null, boolean, number, …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def number_text(value: int | float) -> str:
    """A number for a message, short: whole numbers up to 12 digits as written, others in three
    significant digits (an integer too large for a float is shown exactly that way too)."""
    if isinstance(value, int) and abs(value) < 10**12:
        return str(value)
    return f"{Decimal(value):.3g}" if isinstance(value, int) else f"{value:g}"


def finite_number(value: Any, *, field: str, low: float, high: float) -> float:
    """A real number within [low, high]: not a bool, not NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"must be a number, got {json_type_name(value)}", field=field)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError("must be a finite number", field=field)
    if not low <= value <= high:
        raise InputError(
            f"must be between {low:g} and {high:g}, got {number_text(value)}", field=field
        )
    return float(value)
