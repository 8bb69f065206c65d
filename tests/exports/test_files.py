"""The CSV and XLSX writers (bot/exports/files.py)."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime

from openpyxl import load_workbook

from bot.exports.files import csv_safe, write_csv, write_xlsx
from bot.exports.register import COLUMNS, PUBLIC_COLUMNS, headers
from tests.exports.sample import rows


def test_csv_has_a_bom_a_header_and_reads_back() -> None:
    data = write_csv(rows("ru"), "ru", COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data  # Excel's line ends
    assert data.decode("utf-8-sig").splitlines()[0].count(";") == len(COLUMNS) - 1  # Russian Excel
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert table[0] == headers("ru") and len(table[0]) == len(COLUMNS)
    assert len(table) == 4
    first = dict(zip(COLUMNS, table[1], strict=True))
    assert first["number"] == "3" and first["start"] == "2024-01-10" and first["end"] == "2024-01-10"
    assert first["days"] == "1"
    assert first["purpose"] == "Школьный обмен, «Нарва»; 5 дней"  # commas and quotes survive
    second = dict(zip(COLUMNS, table[2], strict=True))
    assert second["recorded_at"] == "2025-06-01 12:30" and second["people"] == "12"


def test_csv_guards_against_formula_injection() -> None:
    table = list(
        csv.reader(io.StringIO(write_csv(rows("en"), "en", COLUMNS).decode("utf-8-sig"), newline=""))
    )
    narvik = dict(zip(COLUMNS, table[3], strict=True))
    assert narvik["purpose"] == '\'=HYPERLINK("http://evil")'
    assert narvik["notes"] == "'+1 call -2 @admin"
    assert narvik["people"] == ""
    for cell in (value for row in table for value in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert [csv_safe(text) for text in ("-5", "@x", "\tx", "a=b", "")] == ["'-5", "'@x", "'\tx", "a=b", ""]
    assert csv_safe("bell\x07") == "bell"


def test_xlsx_has_typed_columns_a_frozen_filtered_header() -> None:
    data = write_xlsx(rows("ru"), "ru", COLUMNS)
    assert data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "Визиты"
    assert [cell.value for cell in sheet[1]] == headers("ru")
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:P4"  # 16 columns with the head and the participants
    assert sheet.max_row == 4
    by_name = {column: index for index, column in enumerate(COLUMNS, start=1)}
    row = 3  # visit 1
    assert sheet.cell(row, by_name["number"]).value == 1
    assert sheet.cell(row, by_name["people"]).value == 12
    assert sheet.cell(row, by_name["people"]).data_type == "n"
    start = sheet.cell(row, by_name["start"])
    assert start.is_date and start.value == datetime(2025, 6, 5) and start.number_format == "DD.MM.YYYY"
    stamp = sheet.cell(row, by_name["recorded_at"])
    assert stamp.is_date and stamp.value == datetime(2025, 6, 1, 12, 30)
    assert sheet.cell(row, by_name["notes"]).value == "met at the station"
    assert sheet.cell(2, by_name["end"]).value == datetime(2024, 1, 10)  # one day: end = start
    assert sheet.cell(row, by_name["days"]).value == 3 and sheet.cell(2, by_name["days"]).value == 1
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMN"]
    assert all(6 <= width <= 60 for width in widths)
    assert sheet.column_dimensions["J"].width > sheet.column_dimensions["A"].width  # purpose > number


def test_exports_leave_out_staff_notes_and_who_recorded_by_default() -> None:
    table = list(csv.reader(io.StringIO(write_csv(rows("en"), "en").decode("utf-8-sig"), newline="")))
    assert table[0] == headers("en", PUBLIC_COLUMNS) and "Notes" not in table[0]
    flat = " ".join(value for row in table for value in row)
    assert "met at the station" not in flat and "Ольга" not in flat and "(77)" not in flat
    sheet = load_workbook(io.BytesIO(write_xlsx(rows("en"), "en"))).active
    assert sheet is not None
    values = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)
    assert "met at the station" not in values and "Ольга" not in values
    assert [cell.value for cell in sheet[1]] == headers("en", PUBLIC_COLUMNS)


def test_xlsx_prints_on_a4_landscape_one_page_wide_with_wrapped_text() -> None:
    sheet = load_workbook(io.BytesIO(write_xlsx(rows("ru"), "ru"))).active
    assert sheet is not None
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9
    # one page wide (fitToWidth left out means 1 in ECMA-376), as many down as needed
    assert (
        setup.fitToWidth in (None, 1)
        and setup.fitToHeight == 0
        and sheet.sheet_properties.pageSetUpPr.fitToPage
    )
    assert sheet.oddFooter.center.text == "&P / &N"
    assert sheet.print_title_rows == "$1:$1" and sheet.print_options.gridLines
    purpose = sheet.cell(2, PUBLIC_COLUMNS.index("purpose") + 1)
    assert purpose.value.startswith("Школьный обмен") and purpose.alignment.wrap_text
    assert not sheet.cell(2, PUBLIC_COLUMNS.index("town") + 1).alignment.wrap_text


def test_xlsx_keeps_formula_looking_text_as_text() -> None:
    sheet = load_workbook(io.BytesIO(write_xlsx(rows("en"), "en", COLUMNS))).active
    assert sheet is not None
    purpose = sheet.cell(4, COLUMNS.index("purpose") + 1)
    assert purpose.value == '=HYPERLINK("http://evil")'
    assert purpose.data_type == "s" and purpose.quotePrefix
    assert sheet.cell(4, COLUMNS.index("start") + 1).number_format == "YYYY-MM-DD"
    assert sheet.title == "Visits"


def test_writers_are_lazy_about_heavy_imports() -> None:
    """Importing the export modules must not import openpyxl, XlsxWriter or matplotlib (the bot starts faster)."""
    import subprocess

    modules = "bot.exports, bot.exports.files, bot.exports.chart, bot.exports.register, bot.replies.stats"
    modules += ", bot.exports.stats"
    heavy = "'openpyxl' in sys.modules, 'xlsxwriter' in sys.modules, 'matplotlib' in sys.modules"
    code = f"import sys, {modules}; print({heavy})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False False"
