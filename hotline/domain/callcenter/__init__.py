"""Call center (话务): queue_log and CDR loading, KPIs, synthetic logs. Pure: no Django."""

from __future__ import annotations

from pathlib import Path

from hotline.domain.callcenter.calllog import CallLog, CallLogInputError, LoadReport
from hotline.domain.callcenter.cdr import load_cdr
from hotline.domain.callcenter.queue_log import load_queue_log
from hotline.domain.inputs import InputError, input_file, text_lines

FORMATS = ("queue_log", "cdr")

__all__ = ["FORMATS", "CallLog", "CallLogInputError", "LoadReport", "detect_format", "load"]


def detect_format(path: Path) -> str:
    """queue_log or cdr, from the first non-blank line."""
    try:
        first = next((text.strip() for _, text in text_lines(path) if text.strip()), "")
    except InputError as exc:
        raise CallLogInputError(exc.message, source=path, line=exc.line) from None
    if not first:
        raise CallLogInputError("the file is empty", source=path)
    if "call_id" in [name.strip() for name in first.split(",")]:
        return "cdr"
    if first.count("|") >= 4:
        return "queue_log"
    raise CallLogInputError(
        "cannot tell the format: expected an Asterisk queue_log "
        "(time|callid|queue|agent|event|…) or a CDR CSV whose header has call_id",
        source=path,
    )


def load(path: str | Path, *, fmt: str = "auto", tz: str = "Asia/Shanghai") -> CallLog:
    """Load a call log of either format into DuckDB."""
    try:
        source = input_file(path)
    except InputError as exc:
        raise CallLogInputError(exc.message, source=path) from None
    if fmt == "auto":
        fmt = detect_format(source)
    if fmt == "queue_log":
        if source.stat().st_size == 0:
            raise CallLogInputError("the file is empty", source=source)
        log = load_queue_log(source, tz=tz)
    elif fmt == "cdr":
        log = load_cdr(source, tz=tz)
    else:
        raise CallLogInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    _refuse_if_nothing_usable(log)
    return log


def _refuse_if_nothing_usable(log: CallLog) -> None:
    """A file whose every line is malformed is not a call log: refuse it, naming the first.

    (One bad line among good ones is left out and listed; a report of zero calls from a file
    of nothing but bad lines would read as a quiet day.)
    """
    report = log.report
    if report.valid_lines or not report.malformed_sample:
        return
    first = report.malformed_sample[0]
    raise CallLogInputError(
        f"no usable line; the first: {first.problem}"
        + (f" ({report.malformed - 1} more malformed)" if report.malformed > 1 else ""),
        source=report.source,
        line=first.line,
        field=first.field,
    )
