"""Excel exports (openpyxl) of what a list shows; the rows come disclosed to the reader by the
policy (hotline.domain.policy), as on the page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000


def xlsx_response(
    filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    widths = [len(h) + 2 for h in header]
    for count, row in enumerate(rows):
        if count >= MAX_ROWS:
            break
        cells = ["" if v is None else v for v in row]
        sheet.append(cells)
        for i, v in enumerate(cells[: len(widths)]):
            widths[i] = min(60, max(widths[i], len(str(v)) + 2))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
