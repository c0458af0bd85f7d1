"""Counting hostile inputs: how many malformed inputs a module tried per format, and how many
reached an exception other than the project's own InputError (a traceback). The figures go to
``var/test/<name>.json`` and to the end of the test run's output, for docs/security.md."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hotline.domain.inputs import InputError


class Tally:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tried: Counter[str] = Counter()
        self.tracebacks: Counter[str] = Counter()

    def attempt[T](self, fmt: str, call: Callable[[], T]) -> T | InputError:
        """Run a parser on one malformed input: its result, or the project's own error. Any
        other exception is counted as a traceback and fails the test."""
        self.tried[fmt] += 1
        try:
            return call()
        except InputError as exc:
            assert "\n" not in str(exc), "an input error is one line"
            return exc
        except Exception:
            self.tracebacks[fmt] += 1
            raise

    def figures(self) -> dict[str, dict[str, int]]:
        return {
            fmt: {"malformed_inputs": self.tried[fmt], "tracebacks": self.tracebacks[fmt]}
            for fmt in sorted(self.tried)
        }

    def write(self, pytestconfig: pytest.Config) -> None:
        """The module's figures to var/test/<name>.json and to the terminal."""
        figures = self.figures()
        out = Path(settings.VAR_DIR) / "test" / f"{self.name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=1) + "\n")
        reporter: Any = pytestconfig.pluginmanager.get_plugin("terminalreporter")
        capture: Any = pytestconfig.pluginmanager.get_plugin("capturemanager")
        if reporter is None or capture is None:
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for fmt, row in figures.items():
                reporter.write_line(
                    f"hostile input  {fmt:<28} tried {row['malformed_inputs']:>5}  "
                    f"tracebacks {row['tracebacks']}"
                )
