"""CSV input for training and prediction: named text columns (and a label column)."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from hotline.domain.dispatch.classifier import ModelError, compose_text
from hotline.domain.inputs import InputError, csv_lines, input_file, output_file

csv.field_size_limit(10_000_000)


@dataclass(frozen=True)
class Table:
    texts: list[str]
    labels: list[str]


def _lines(path: Path) -> Iterator[str]:
    """The file's lines with their endings; non-UTF-8 bytes and over-long lines are refused
    at their line number."""
    return csv_lines(path, error=ModelError)


def read_table(path: Path, *, text_columns: Sequence[str], label_column: str = "") -> Table:
    """Rows in file order; the text is the named columns joined (the first counts double)."""
    try:
        input_file(path)
    except InputError as exc:
        raise ModelError(exc.message, source=path) from None
    reader = csv.DictReader(_lines(path))
    try:
        header = reader.fieldnames or []
        if not header:
            raise ModelError(f"{path}: empty file (no header row)")
        wanted = [*text_columns, *([label_column] if label_column else [])]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise ModelError(
                f"{path}: no column {', '.join(map(repr, missing))}; "
                f"columns are {', '.join(header)[:500]}"
            )
        texts, labels = [], []
        for row in reader:
            texts.append(compose_text([row[c] or "" for c in text_columns]))
            if label_column:
                labels.append((row[label_column] or "").strip())
    except csv.Error as exc:
        raise ModelError(f"malformed CSV ({exc})", source=path, line=reader.line_num) from None
    if not texts:
        raise ModelError(f"{path}: no data rows")
    return Table(texts, labels)


def write_predictions(
    path: Path, suggestions: Sequence[Sequence[tuple[str, float]]], k: int
) -> None:
    """row, label_1, score_1, … label_k, score_k; one line per input row, in input order."""
    output_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", *[f"{n}_{i}" for i in range(1, k + 1) for n in ("label", "score")]])
        for row, top in enumerate(suggestions, start=1):
            cells: list[object] = [row]
            for i in range(k):
                cells += [top[i][0], f"{top[i][1]:.4f}"] if i < len(top) else ["", ""]
            writer.writerow(cells)
