"""The annual report as an .xlsx workbook: one sheet per table of bot/exports/annual.py, so that each can
be copied into a report as it is, and a native Excel chart of the months (it stays editable and pastes
into Word as a chart, unlike a picture).

Sheets: the totals with the title block and the comparison with the previous year; directions,
countries, towns, types, months (with the chart); the visits held; the planned visits. Every sheet prints
on A4 landscape, one page wide. Text goes in verbatim and typed as text (see bot/exports/files.py).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from bot.exports.annual import AnnualReport, Table, heading_lines, report_tables
from bot.exports.files import DATE_FORMAT, XLSX_CELL_LIMIT, print_setup, xlsx_text
from bot.exports.register import label
from bot.locale import catalogue

_MIN_WIDTH, _MAX_WIDTH = 8, 60
_WRAPPED_HEADERS_AFTER = 50  # the purpose and notes columns wrap rather than run across the page


def write_report_xlsx(report: AnnualReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    texts = catalogue()
    lang = report.lang
    bold = Font(bold=True)
    top = Alignment(vertical="top")
    wrapped = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()
    workbook.remove(workbook.active)

    def sheet_for(table: Table) -> Any:
        return workbook.create_sheet(label(lang, f"reports.annual.sheet_{table.key}", texts)[:31])

    def put(sheet: Any, row: int, column: int, value: object) -> Any:
        if isinstance(value, str):
            return xlsx_text(sheet.cell(row, column), value[:XLSX_CELL_LIMIT])
        cell = sheet.cell(row, column, value)
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT[lang]
        return cell

    def write_table(sheet: Any, table: Table, first_row: int, *, filters: bool = False) -> int:
        """The table from `first_row` (its title, header, rows, total); returns the row after it."""
        sheet.cell(first_row, 1, table.title).font = Font(bold=True, size=13)
        header_row = first_row + 1
        for column, title in enumerate(table.headers, start=1):
            cell = sheet.cell(header_row, column, title)
            cell.font = bold
            cell.alignment = wrapped
        row = header_row
        widths = [len(title) + 3 for title in table.headers]
        for values in table.rows:
            row += 1
            for column, value in enumerate(values, start=1):
                cell = put(sheet, row, column, value)
                size = 11 if isinstance(value, date) else len(str(value)) + 2
                widths[column - 1] = max(widths[column - 1], size)
                if isinstance(value, str) and len(value) > _WRAPPED_HEADERS_AFTER:
                    cell.alignment = wrapped
                else:
                    cell.alignment = top
        if not table.rows:
            row += 1
            sheet.cell(row, 1, label(lang, "reports.annual.none", texts))
        if table.total is not None:
            row += 1
            for column, value in enumerate(table.total, start=1):
                put(sheet, row, column, value).font = bold
        for column, width in enumerate(widths, start=1):
            letter = get_column_letter(column)
            current = sheet.column_dimensions[letter].width or 0
            sheet.column_dimensions[letter].width = max(current, min(max(width, _MIN_WIDTH), _MAX_WIDTH))
        if filters and table.rows:
            sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.headers))}{row}"
            sheet.freeze_panes = f"A{header_row + 1}"
            sheet.print_title_rows = f"{header_row}:{header_row}"
        for note in table.notes:
            row += 1
            sheet.cell(row, 1, note)
        return row + 2

    tables = report_tables(report, texts)
    summary, *rest = tables
    # the title sheet: the heading block, then the totals compared with the previous year
    sheet = sheet_for(summary)
    heading = heading_lines(report, texts)
    sheet.cell(1, 1, heading[0]).font = Font(bold=True, size=16)
    for offset, line in enumerate(heading[1:], start=2):
        sheet.cell(offset, 1, line)
    write_table(sheet, summary, len(heading) + 2)
    print_setup(sheet, repeat_header=False)

    for table in rest:
        sheet = sheet_for(table)
        write_table(sheet, table, 1, filters=table.key in ("held", "planned"))
        print_setup(sheet, repeat_header=False)
        if table.key == "month":
            chart = BarChart()
            chart.type = "col"
            chart.grouping = "stacked"
            chart.overlap = 100
            chart.title = label(lang, "reports.annual.chart", texts).format(year=report.year)
            chart.y_axis.title = label(lang, "reports.annual.visits", texts)
            chart.y_axis.majorGridlines = None
            # rows 2..14: the header and the twelve months; columns B and C: incoming, outgoing
            chart.add_data(
                Reference(sheet, min_col=2, max_col=3, min_row=2, max_row=14), titles_from_data=True
            )
            chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=14))
            chart.width, chart.height = 24, 11
            sheet.add_chart(chart, "F2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
