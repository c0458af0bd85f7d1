"""Excel exports (openpyxl) of what a list shows; the rows come disclosed to the reader by the
policy (hotline.domain.policy), as on the page. Citizens write the texts: none becomes a formula
in the staff's spreadsheet (OWASP CSV/formula injection)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000
# A cell beginning with one of these is a formula (or starts one) when Excel reads or edits it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(sheet: Worksheet, row: int, values: Sequence[Any]) -> None:
    """Cells that would run as formulas kept as the text the citizen wrote: a string cell (openpyxl
    makes any string beginning with = a formula), with Excel's quote prefix so that editing the
    cell does not turn it into one either."""
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = sheet.cell(row=row, column=column)
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_response(
    filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(title)[:31]
    header = [str(h) for h in header]  # names may come lazily translated
    sheet.append(header)
    _as_text(sheet, 1, header)
    widths = [len(h) + 2 for h in header]
    for count, row in enumerate(rows):
        if count >= MAX_ROWS:
            break
        cells = ["" if v is None else str(v) if isinstance(v, Promise) else v for v in row]
        sheet.append(cells)
        _as_text(sheet, count + 2, cells)  # the header is row 1
        for i, v in enumerate(cells[: len(widths)]):
            widths[i] = min(60, max(widths[i], len(str(v)) + 2))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
