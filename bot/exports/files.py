"""The register as files: CSV and XLSX, plain data, never HTML (texts go in verbatim).

Two guards apply instead:
- CSV: a cell that starts with = + - @ (or a tab / carriage return) gets a leading apostrophe, so
  Excel and LibreOffice never run it as a formula (CSV/formula injection);
- XLSX: text cells are always typed as strings, and formula-looking ones carry Excel's
  "quote prefix", so they stay text even when someone edits the cell later.
openpyxl is imported inside write_xlsx, so that starting the bot does not pay for it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core.model import Language
from bot.exports.register import PUBLIC_COLUMNS, ExportRow, headers, label

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767
# control characters that XML 1.0 (and so XLSX) cannot hold; CSV drops them as well
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# ---- CSV ----------------------------------------------------------------------------------------


def csv_safe(text: str) -> str:
    """Verbatim text that a spreadsheet will not run as a formula."""
    text = _CONTROL.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_safe(value)
    return value


CSV_DELIMITER = {"ru": ";", "en": ","}


def write_csv(rows: Sequence[ExportRow], lang: Language, columns: tuple[str, ...] = PUBLIC_COLUMNS) -> bytes:
    """UTF-8 with a BOM (so Excel picks the encoding), CRLF, ISO dates; ';' between fields in Russian
    (Excel with Russian regional settings splits on ';', since ',' is its decimal comma), ',' in English."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", delimiter=CSV_DELIMITER.get(lang, ","))
    writer.writerow([csv_safe(header) for header in headers(lang, columns)])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row.values(columns)])
    return buffer.getvalue().encode("utf-8-sig")


# ---- XLSX ---------------------------------------------------------------------------------------

DATE_FORMAT = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
DATETIME_FORMAT = {"ru": "DD.MM.YYYY HH:MM", "en": "YYYY-MM-DD HH:MM"}
_NUMBER_COLUMNS = {"number", "days", "people"}
# long free text: wrapped within the column instead of running across the page
_WRAPPED_COLUMNS = {"purpose", "notes", "participants"}
A4 = 9  # openpyxl's paperSize code
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 6, 60, 2000


def _widths(
    rows: Sequence[ExportRow], titles: Sequence[str], lang: Language, columns: tuple[str, ...]
) -> list[float]:
    """Column widths from the header and a sample of the data, within sensible bounds."""
    widths = [len(title) + 3 for title in titles]  # room for the filter arrow
    date_width = len(DATE_FORMAT[lang]) + 1
    for row in rows[:_WIDTH_SAMPLE]:
        for index, value in enumerate(row.values(columns)):
            if isinstance(value, datetime):
                size = len(DATETIME_FORMAT[lang]) + 1
            elif isinstance(value, date):
                size = date_width
            elif value is None:
                size = 0
            else:
                size = max((len(line) for line in str(value).splitlines()), default=0) + 1
            widths[index] = max(widths[index], size)
    return [float(min(max(width, _MIN_WIDTH), _MAX_WIDTH)) for width in widths]


def xlsx_text(cell: Any, value: str) -> Any:
    """A text cell that stays text: control characters dropped, formula-looking text quote-prefixed."""
    text = _CONTROL.sub("", value)[:XLSX_CELL_LIMIT]
    cell.value = text
    cell.data_type = "s"  # openpyxl would take "=..." for a formula
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def print_setup(sheet: Any, *, repeat_header: bool = True) -> None:
    """A4 landscape, one page wide (as many pages down as needed), narrow margins, the header row on
    every page and page numbers in the footer: what a report-writer sets by hand before printing."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.print_options.gridLines = True
    sheet.oddFooter.center.text = "&P / &N"
    if repeat_header:
        sheet.print_title_rows = "1:1"


def write_xlsx(rows: Sequence[ExportRow], lang: Language, columns: tuple[str, ...] = PUBLIC_COLUMNS) -> bytes:
    """One sheet: a bold frozen header with filters, then one typed row per visit; long texts wrap,
    and the sheet prints on A4 landscape, one page wide."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, NamedStyle
    from openpyxl.utils import get_column_letter

    titles = headers(lang, columns)
    workbook = Workbook(write_only=True)
    wrapped = NamedStyle("wrapped", alignment=Alignment(wrap_text=True, vertical="top"))
    workbook.add_named_style(wrapped)
    sheet: Any = workbook.create_sheet(label(lang, "reports.export.sheet")[:31])
    for index, width in enumerate(_widths(rows, titles, lang, columns), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(titles))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    print_setup(sheet)

    bold = Font(bold=True)
    header: list[Any] = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        header.append(cell)
    sheet.append(header)

    date_format, stamp_format = DATE_FORMAT[lang], DATETIME_FORMAT[lang]
    for row in rows:
        cells: list[Any] = []
        for column, value in zip(columns, row.values(columns), strict=True):
            if isinstance(value, str):
                text = _CONTROL.sub("", value)[:XLSX_CELL_LIMIT]
                if text.startswith(FORMULA_STARTS):
                    cell = WriteOnlyCell(sheet, value=text)
                    cell.data_type = "s"  # openpyxl would take "=..." for a formula
                    cell.quotePrefix = True
                    if column in _WRAPPED_COLUMNS:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                    cells.append(cell)
                elif column in _WRAPPED_COLUMNS and text:
                    cell = WriteOnlyCell(sheet, value=text)
                    cell.style = "wrapped"
                    cells.append(cell)
                else:
                    cells.append(text)
            elif isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = stamp_format
                cells.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = date_format
                cells.append(cell)
            elif value is None or column in _NUMBER_COLUMNS:
                cells.append(value)
            else:
                raise TypeError(f"unexpected {type(value).__name__} in column {column!r}")
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
