"""The register as files: CSV and XLSX, plain data, never HTML (texts go in verbatim).

Two guards apply instead:
- CSV: a cell that starts with = + - @ (or a tab / carriage return) gets a leading apostrophe, so
  Excel and LibreOffice never run it as a formula (CSV/formula injection);
- XLSX: text cells are always typed as strings, and formula-looking ones carry Excel's
  "quote prefix", so they stay text even when someone edits the cell later.
XlsxWriter (the register) and openpyxl (the annual report, via xlsx_text and print_setup) are imported
inside the functions that use them, so that starting the bot does not pay for them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import islice
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


class CsvFile:
    """UTF-8 with a BOM (so Excel picks the encoding), CRLF, ISO dates; ';' between fields in Russian
    (Excel with Russian regional settings splits on ';', since ',' is its decimal comma), ',' in English.
    Written a batch of rows at a time."""

    def __init__(self, lang: Language, columns: tuple[str, ...] = PUBLIC_COLUMNS) -> None:
        self.columns = columns
        # encoded as it is written: no second copy of the whole text as a str
        self.output = io.BytesIO()
        self.buffer = io.TextIOWrapper(self.output, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.buffer, dialect="excel", delimiter=CSV_DELIMITER.get(lang, ","))
        self.writer.writerow([csv_safe(header) for header in headers(lang, columns)])

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows of cell values in the order of the file's columns (ExportRow.values, RecordRows.rows)."""
        self.writer.writerows([_csv_value(value) for value in row] for row in rows)

    def finish(self) -> bytes:
        self.buffer.flush()
        return self.output.getvalue()


def write_csv(rows: Iterable[ExportRow], lang: Language, columns: tuple[str, ...] = PUBLIC_COLUMNS) -> bytes:
    file = CsvFile(lang, columns)
    file.add(row.values(columns) for row in rows)
    return file.finish()


# ---- XLSX ---------------------------------------------------------------------------------------

DATE_FORMAT = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
DATETIME_FORMAT = {"ru": "DD.MM.YYYY HH:MM", "en": "YYYY-MM-DD HH:MM"}
_NUMBER_COLUMNS = {"number", "days", "people"}
# long free text: wrapped within the column instead of running across the page
_WRAPPED_COLUMNS = {"purpose", "notes", "participants"}
A4 = 9  # openpyxl's paperSize code
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 6, 60, 2000


def _widths(rows: Sequence[Sequence[Any]], titles: Sequence[str], lang: Language) -> list[float]:
    """Column widths from the header and a sample of the rows (cell values), within sensible bounds."""
    widths = [len(title) + 3 for title in titles]  # room for the filter arrow
    date_width = len(DATE_FORMAT[lang]) + 1
    for row in rows[:_WIDTH_SAMPLE]:
        for index, value in enumerate(row):
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


_EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (with its 1900 leap-year slip)
_LABELS_KEPT = 10_000  # cleaned short texts kept per file (towns, kinds, recorders: a few dozen)


class XlsxFile:
    """One sheet: a bold frozen header with filters, then one typed row per visit; long texts wrap,
    and the sheet prints on A4 landscape, one page wide. Written a batch of rows at a time.

    XlsxWriter in constant-memory mode: each row goes to a temporary file as it is added, strings
    inline (no shared-string table), so memory stays flat however long the register. openpyxl's
    write-only mode, used before, spent ~14 us a cell on cell objects and styles: 6,600 rows/s at
    100,000 visits, against XlsxWriter's ~3x (tests/bench_reports.py measures both). openpyxl still
    reads the files in the tests and writes the annual report's workbook (charts, several sheets).
    """

    def __init__(
        self,
        lang: Language,
        columns: tuple[str, ...] = PUBLIC_COLUMNS,
        sample: Sequence[Sequence[Any]] = (),
    ) -> None:
        """`sample`: rows of cell values the column widths are measured on (the first batch)."""
        import xlsxwriter

        self.columns = columns
        self.output = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.output,
            {
                "constant_memory": True,
                # text is data, never a formula, a number or a link, whatever it looks like
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        titles = headers(lang, columns)
        sheet = self.sheet = self.workbook.add_worksheet(label(lang, "reports.export.sheet")[:31])
        for index, width in enumerate(_widths(sample, titles, lang)):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 0)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)  # one page wide, as many down as needed
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        sheet.hide_gridlines(0)  # shown on screen and printed
        sheet.set_footer("&C&P / &N")
        sheet.repeat_rows(0)
        add = self.workbook.add_format
        header = add({"bold": True, "valign": "top", "text_wrap": True})
        for index, title in enumerate(titles):
            sheet.write_string(0, index, title, header)
        wrapped = {"text_wrap": True, "valign": "top"}
        # one Format object per kind of cell, shared by every cell of that kind
        self.date_format = add({"num_format": DATE_FORMAT[lang]})
        self.stamp_format = add({"num_format": DATETIME_FORMAT[lang]})
        self.wrapped_format = add(wrapped)
        # a formula-looking text keeps Excel's quote prefix: it stays text when someone edits it
        self.quoted_format = add({"quote_prefix": True})
        self.quoted_wrapped_format = add({**wrapped, "quote_prefix": True})
        self.wrapped_columns = [column in _WRAPPED_COLUMNS for column in columns]
        self.rows = 0
        # label text -> (cleaned text, its format): towns, countries, kinds, statuses, recorders
        self._labels: dict[str, tuple[str, Any]] = {}

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows of cell values in the order of the file's columns (ExportRow.values, RecordRows.rows).

        Each cell goes in with XlsxWriter's typed write_string/write_number (the generic write() and
        write_row() dispatch on the type again: write_row with the formats set on the columns measured
        ~8% slower than this), dates as the serial day numbers Excel keeps, with a date format (what
        write_datetime computes, with more steps). XlsxWriter itself is ~85% of the time here."""
        sheet, columns, labels = self.sheet, self.columns, self._labels
        write_string, write_number, clean = sheet.write_string, sheet.write_number, _CONTROL.sub
        wrapped, epoch, cell_limit = self.wrapped_columns, _EXCEL_EPOCH, XLSX_CELL_LIMIT
        date_format, stamp_format = self.date_format, self.stamp_format
        wrapped_format, quoted_wrapped = self.wrapped_format, self.quoted_wrapped_format
        number = self.rows
        for row in rows:
            number += 1
            for index, value in enumerate(row):
                kind = type(value)
                if kind is str:
                    if wrapped[index]:
                        if not value:
                            continue
                        # printable text (most of it) has no control character: no regex pass
                        text = (value if value.isprintable() else clean("", value))[:cell_limit]
                        if text:
                            write_string(
                                number,
                                index,
                                text,
                                quoted_wrapped if text.startswith(FORMULA_STARTS) else wrapped_format,
                            )
                        continue
                    # the short labels repeat: cleaned and checked once each
                    known = labels.get(value)
                    if known is None:
                        known = self._label(value)
                    if known[0]:
                        write_string(number, index, known[0], known[1])
                elif kind is int:
                    write_number(number, index, value)
                elif kind is date:
                    write_number(number, index, value.toordinal() - epoch, date_format)
                elif kind is datetime:
                    seconds = value.hour * 3600 + value.minute * 60 + value.second
                    write_number(number, index, value.toordinal() - epoch + seconds / 86400, stamp_format)
                elif value is not None:  # None: an empty cell, nothing to write
                    raise TypeError(f"unexpected {kind.__name__} in column {columns[index]!r}")
        self.rows = number

    def _label(self, value: str) -> tuple[str, Any]:
        text = _CONTROL.sub("", value)[:XLSX_CELL_LIMIT]
        known = (text, self.quoted_format if text.startswith(FORMULA_STARTS) else None)
        if len(self._labels) < _LABELS_KEPT:
            self._labels[value] = known
        return known

    def finish(self) -> bytes:
        self.sheet.autofilter(0, 0, self.rows, len(self.columns) - 1)
        self.workbook.close()
        return self.output.getvalue()


def write_xlsx(rows: Iterable[ExportRow], lang: Language, columns: tuple[str, ...] = PUBLIC_COLUMNS) -> bytes:
    values = (row.values(columns) for row in rows)
    sample = list(islice(values, _WIDTH_SAMPLE))
    file = XlsxFile(lang, columns, sample)
    file.add(sample)
    file.add(values)
    return file.finish()


def write_files(
    batches: Iterable[Sequence[Sequence[Any]]],
    lang: Language,
    formats: Sequence[str] = ("xlsx", "csv"),
    columns: tuple[str, ...] = PUBLIC_COLUMNS,
) -> tuple[list[tuple[str, bytes]], int]:
    """The register in the given formats from one pass over its batches of rows of cell values in the
    order of `columns` (register_batches; one read of the database, so the files agree with each other),
    and how many rows each holds. The XLSX column widths are measured on the first batch."""
    files: dict[str, CsvFile | XlsxFile] = {}
    count = 0
    for batch in batches:
        if not files:
            for kind in formats:
                files[kind] = CsvFile(lang, columns) if kind == "csv" else XlsxFile(lang, columns, batch)
        for file in files.values():
            file.add(batch)
        count += len(batch)
    return [(kind, file.finish()) for kind, file in files.items()], count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
