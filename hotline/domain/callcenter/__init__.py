"""Call center (话务): queue_log and CDR loading, KPIs, synthetic logs. Pure: no Django."""

from __future__ import annotations

from pathlib import Path

from hotline.domain.callcenter.calllog import CallLog, LoadReport
from hotline.domain.callcenter.cdr import CallLogInputError, load_cdr
from hotline.domain.callcenter.queue_log import load_queue_log

FORMATS = ("queue_log", "cdr")

__all__ = ["FORMATS", "CallLog", "CallLogInputError", "LoadReport", "detect_format", "load"]


def detect_format(path: Path) -> str:
    """queue_log or cdr, from the first non-blank line."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        first = next((line.strip() for line in handle if line.strip()), "")
    if not first:
        raise CallLogInputError(f"{path}: the file is empty")
    if "call_id" in first.split(","):
        return "cdr"
    if first.count("|") >= 4:
        return "queue_log"
    raise CallLogInputError(
        f"{path}: cannot tell the format: expected an Asterisk queue_log "
        "(time|callid|queue|agent|event|…) or a CDR CSV whose header has call_id"
    )


def load(path: str | Path, *, fmt: str = "auto", tz: str = "Asia/Shanghai") -> CallLog:
    """Load a call log of either format into DuckDB."""
    source = Path(path)
    if not source.is_file():
        raise CallLogInputError(f"{source}: no such file")
    if fmt == "auto":
        fmt = detect_format(source)
    if fmt == "queue_log":
        if source.stat().st_size == 0:
            raise CallLogInputError(f"{source}: the file is empty")
        return load_queue_log(source, tz=tz)
    if fmt == "cdr":
        return load_cdr(source, tz=tz)
    raise CallLogInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
