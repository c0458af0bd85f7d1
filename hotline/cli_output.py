"""What the ``hotline`` subcommands print and write: one-line errors, JSON reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def fail(message: str) -> int:
    """One clear line on stderr; the exit status for bad input."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n")
