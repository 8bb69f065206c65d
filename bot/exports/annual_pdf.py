"""The annual report as a print-ready PDF: A4 landscape, every table within the page width, the fonts
embedded.

Why reportlab: it is the long-kept PDF toolkit of Python (since 2000, BSD, pure-Python wheels); its
platypus layer flows tables across pages with the header row repeated, wraps cell text, and embeds
TrueType subsets, so Cyrillic and every Latin accent (õ, ä, ø, å) print anywhere. Its vector charts
use the same fonts, so the chart needs no picture. matplotlib's PDF backend draws charts well but has
no tables or page flow.

Fonts: DejaVu Sans, which matplotlib (already a dependency) ships in its data folder, so no system font
is needed. Characters DejaVu lacks (Chinese names) are set in a CJK font when the system has one
(Debian's fonts-droid-fallback, installed by the Dockerfile; embedded as well); otherwise in Adobe's
standard STSong-Light, which PDF readers with Asian fonts show; the text stays searchable either way.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bot.exports.annual import AnnualReport, Table, heading_lines, report_tables
from bot.exports.register import label
from bot.locale import catalogue

FONT, BOLD, CJK = "DejaVuSans", "DejaVuSans-Bold", "TwinbotCJK"
CJK_STANDARD = "STSong-Light"
# TrueType CJK fonts to embed, where the system has them (Debian/Ubuntu package names in the comments)
CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
)
CELL_SIZE, CELL_LEADING, CELL_PADDING, CELL_TOP, CELL_BOTTOM = 8.5, 10.5, 4, 2, 3
LIST_SMALLEST = 6.5  # the visit list's smallest font size, when its columns' words do not fit at CELL_SIZE
DATE_FORMAT = {"ru": "%d.%m.%Y", "en": "%Y-%m-%d"}
INCOMING_COLOUR, OUTGOING_COLOUR = "#2b6cb0", "#dd7a2c"
HEADER_BACKGROUND, TOTAL_BACKGROUND, GRID = "#e6edf5", "#f3f3f3", "#9aa5b1"
# relative column widths of the visit list, by register column; the purpose takes what is left
LIST_WEIGHTS = {
    "number": 0.45,
    "town": 1.3,
    "country": 1.0,
    "direction": 1.35,
    "kind": 1.3,
    "start": 1.15,
    "end": 1.15,
    "days": 0.75,
    "people": 0.95,
    "head": 1.5,
    "participants": 2.2,
    "purpose": 3.0,
    "notes": 2.2,
    "recorded_by": 1.2,
}


@cache
def _fonts() -> tuple[frozenset[int], str]:
    """Register the fonts once: (the code points DejaVu Sans has, the font for the others)."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular = TTFont(FONT, str(folder / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    covered = frozenset(regular.face.charToGlyph)
    for candidate in CJK_CANDIDATES:
        if os.path.exists(candidate):
            try:
                pdfmetrics.registerFont(TTFont(CJK, candidate, subfontIndex=0))
            except Exception:  # noqa: BLE001 - a broken system font: try the next, then the standard one
                continue
            return covered, CJK
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_STANDARD))
    return covered, CJK_STANDARD


def covered_by_dejavu(text: str) -> bool:
    covered, _ = _fonts()
    return all(ord(char) in covered for char in text)


def markup(text: str) -> str:
    """Paragraph markup of plain text: escaped, and the runs DejaVu cannot draw in the fallback font."""
    covered, fallback = _fonts()
    parts: list[str] = []
    run: list[str] = []
    in_fallback = False
    for char in text:
        outside = ord(char) not in covered and not char.isspace()
        if outside != in_fallback and run:
            chunk = escape("".join(run))
            parts.append(f'<font name="{fallback}">{chunk}</font>' if in_fallback else chunk)
            run = []
        in_fallback = outside
        run.append(char)
    if run:
        chunk = escape("".join(run))
        parts.append(f'<font name="{fallback}">{chunk}</font>' if in_fallback else chunk)
    return "".join(parts).replace("\n", "<br/>")


def fitted_widths(needs: Sequence[float], weights: Sequence[float], width: float) -> list[float]:
    """Column widths summing to `width`, shared by `weights`, but none under its need (its longest
    word or date: a date broken as "28.07.202 / 6" reads badly in print). Columns below their need
    are raised to it and the rest shared again among the others; when the needs alone overflow the
    page, the plain shares are kept (reportlab then breaks the long words)."""
    if sum(needs) >= width:
        unit = width / sum(weights)
        return [weight * unit for weight in weights]
    fixed: dict[int, float] = {}
    while True:
        free = [index for index in range(len(weights)) if index not in fixed]
        unit = (width - sum(fixed.values())) / sum(weights[index] for index in free)
        short = [index for index in free if weights[index] * unit < needs[index]]
        if not short:
            return [fixed.get(index, weights[index] * unit) for index in range(len(weights))]
        fixed.update((index, needs[index]) for index in short)


def _longest_word(text: str) -> str:
    return max(text.split(), key=len, default="")


def _cell_text(value: object, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT.get(lang, "%Y-%m-%d"))
    return str(value)


def write_report_pdf(report: AnnualReport) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import (
        CondPageBreak,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable

    _fonts()
    texts = catalogue()
    lang = report.lang
    page_width, page_height = landscape(A4)
    margin = 12 * mm
    width = page_width - 2 * margin
    title_style = ParagraphStyle("title", fontName=BOLD, fontSize=18, leading=23, spaceAfter=4)
    line_style = ParagraphStyle("line", fontName=FONT, fontSize=10.5, leading=14)
    heading_style = ParagraphStyle(
        "heading", fontName=BOLD, fontSize=13, leading=17, spaceBefore=8, spaceAfter=5, keepWithNext=1
    )

    def cell_styles(size: float) -> dict[str, Any]:
        leading = size * CELL_LEADING / CELL_SIZE
        cell = ParagraphStyle(f"cell{size}", fontName=FONT, fontSize=size, leading=leading)
        total = ParagraphStyle(f"total{size}", parent=cell, fontName=BOLD)
        return {
            "cell": cell,
            "number": ParagraphStyle(f"number{size}", parent=cell, alignment=TA_RIGHT),
            "head": ParagraphStyle(f"head{size}", parent=cell, fontName=BOLD),
            "total": total,
            "total_number": ParagraphStyle(f"total_number{size}", parent=total, alignment=TA_RIGHT),
        }

    note_style = ParagraphStyle("note", fontName=FONT, fontSize=9, leading=12, spaceBefore=3)

    def table_flowable(table: Table, widths: Sequence[float], size: float = CELL_SIZE) -> Any:
        """A text that fits its column on one line goes in as a plain string, which reportlab draws far
        faster than a Paragraph (the list of a crowded year has tens of thousands of cells); the rest
        wraps as a Paragraph. `size`: the font size of the cells (the list with notes is set smaller)."""
        style_of = cell_styles(size)
        leading = size * CELL_LEADING / CELL_SIZE

        def cell(value: object, column: int, style: Any, bold: bool = False) -> Any:
            text = _cell_text(value, lang)
            if (
                "\n" not in text
                and covered_by_dejavu(text)
                and stringWidth(text, BOLD if bold else FONT, size) <= widths[column] - 2 * CELL_PADDING
            ):
                return text
            return Paragraph(markup(text), style)

        numeric = [
            bool(table.rows) and all(isinstance(row[index], int) or row[index] is None for row in table.rows)
            for index in range(len(table.headers))
        ]

        def styles(index: int, total: bool) -> Any:
            if numeric[index]:
                return style_of["total_number" if total else "number"]
            return style_of["total" if total else "cell"]

        data: list[list[Any]] = [
            [cell(title, index, style_of["head"], bold=True) for index, title in enumerate(table.headers)]
        ]
        for values in table.rows:
            data.append([cell(value, index, styles(index, False)) for index, value in enumerate(values)])
        if table.total is not None:
            data.append(
                [
                    cell(value, index, styles(index, True), bold=True)
                    for index, value in enumerate(table.total)
                ]
            )
        # the row heights measured once here: left to reportlab, a table split across pages measures
        # every remaining row again at each page (quadratic: a 10,000-visit list took minutes)
        heights = [
            max(
                (
                    item.wrap(widths[index] - 2 * CELL_PADDING, page_height)[1]
                    if isinstance(item, Paragraph)
                    else leading
                )
                for index, item in enumerate(row)
            )
            + CELL_TOP
            + CELL_BOTTOM
            for row in data
        ]
        flowable = PdfTable(data, colWidths=list(widths), rowHeights=heights, repeatRows=1, hAlign="LEFT")
        style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTNAME", (0, 0), (-1, 0), BOLD),
            ("FONTSIZE", (0, 0), (-1, -1), size),
            ("LEADING", (0, 0), (-1, -1), leading),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor(GRID)),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_BACKGROUND)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_TOP),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_BOTTOM),
        ]
        style.extend(
            ("ALIGN", (index, 1), (index, -1), "RIGHT") for index, flag in enumerate(numeric) if flag
        )
        if table.total is not None:
            style.append(("FONTNAME", (0, -1), (-1, -1), BOLD))
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor(TOTAL_BACKGROUND)))
        flowable.setStyle(TableStyle(style))
        return flowable

    def side_by_side(left: list[Any], right: list[Any]) -> Any:
        pair = PdfTable([[left, right]], colWidths=[width / 2, width / 2], hAlign="LEFT")
        pair.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),  # else a table's default Helvetica is listed
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, 0), 10 * mm),  # the gap between the two columns
                ]
            )
        )
        return pair

    def block(table: Table, widths: Sequence[float], size: float = CELL_SIZE) -> list[Any]:
        parts: list[Any] = [Paragraph(markup(table.title), heading_style)]
        if table.rows or table.total is not None:
            parts.append(table_flowable(table, widths, size))
        else:
            parts.append(Paragraph(markup(label(lang, "reports.annual.none", texts)), line_style))
        parts.extend(Paragraph(markup(note), note_style) for note in table.notes)
        return parts

    tables = {table.key: table for table in report_tables(report, texts)}
    heading = heading_lines(report, texts)
    story: list[Any] = [Paragraph(markup(heading[0]), title_style)]
    story.extend(Paragraph(markup(line), line_style) for line in heading[1:])
    story.append(Spacer(1, 4 * mm))

    # page 1: the totals against last year and the directions, the months' chart beside them
    half = width / 2 - 5 * mm
    four = [half * 0.43, half * 0.19, half * 0.19, half * 0.19]
    left = [
        *block(tables["summary"], [half * 0.36, half * 0.16, half * 0.28, half * 0.20]),
        *block(tables["direction"], four),
    ]
    right = [
        Paragraph(markup(label(lang, "reports.annual.chart", texts).format(year=report.year)), heading_style)
    ]
    right.append(_month_chart(report, half, 78 * mm, texts))
    story.append(side_by_side(left, right))

    # then the breakdowns, two to a row
    story.append(PageBreak())
    five = [half * 0.27, half * 0.22, half * 0.16, half * 0.19, half * 0.16]
    month = [half * 0.31, half * 0.25, half * 0.25, half * 0.19]
    story.append(side_by_side(block(tables["town"], five), block(tables["month"], month)))
    story.append(side_by_side(block(tables["country"], four), block(tables["kind"], four)))

    # the visits: held, then planned apart
    for key in ("held", "planned"):
        table = tables[key]
        story.append(CondPageBreak(25 * mm))
        columns_shown = [column for column in report.columns if column in LIST_WEIGHTS]
        weights = [LIST_WEIGHTS[column] for column in columns_shown]
        # each column's longest word (or date) at the cells' size; with many columns (the notes) the
        # list is set smaller until the words fit, down to LIST_SMALLEST
        words = [
            (
                stringWidth(_longest_word(header), BOLD, CELL_SIZE),
                max(
                    (
                        stringWidth(_longest_word(_cell_text(row[index], lang)), FONT, CELL_SIZE)
                        for row in table.rows
                    ),
                    default=0.0,
                ),
            )
            for index, header in enumerate(table.headers)
        ]
        natural = [max(pair) for pair in words]
        padding = 2 * CELL_PADDING + 1
        size = CELL_SIZE
        room = width - padding * len(natural)
        if sum(natural) > room:
            size = max(LIST_SMALLEST, math.floor(CELL_SIZE * room / sum(natural) * 4) / 4)
        cap = width * 0.25  # a very long word may still break rather than squeeze every other column
        needs = [min(cap, word * size / CELL_SIZE + padding) for word in natural]
        story.extend(block(table, fitted_widths(needs, weights, width), size))

    footer_title = heading[0]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(margin, 7 * mm, footer_title)
        page = label(lang, "reports.annual.page", texts).format(page=document.page)
        canvas.drawRightString(page_width - margin, 7 * mm, page)
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=heading[0],
        author=label(lang, "reports.annual.district", texts),
        creator="twinbot",
        # the canvas' own starting font would otherwise be Helvetica: listed in the file, never embedded
        initialFontName=FONT,
        initialFontSize=10,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _month_chart(report: AnnualReport, width: float, height: float, texts: Any) -> Any:
    """Stacked columns of the visits per month, incoming and outgoing: vector, in the report's fonts."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    lang = report.lang
    drawing = Drawing(width, height, initialFontName=FONT)
    chart = VerticalBarChart()
    chart.x, chart.y = 28, 30
    chart.width, chart.height = width - 40, height - 52
    incoming = [a for _, a, _ in report.by_month]
    outgoing = [b for _, _, b in report.by_month]
    chart.data = [incoming, outgoing]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [str(name) for name in texts.raw(lang, "reports.chart.months")]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    peak = max((a + b for a, b in zip(incoming, outgoing, strict=True)), default=0)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(peak, 1) * 1.1
    chart.valueAxis.valueStep = max(1, -(-peak // 5))
    chart.valueAxis.labelTextFormat = "%d"
    chart.bars[0].fillColor = colors.HexColor(INCOMING_COLOUR)
    chart.bars[1].fillColor = colors.HexColor(OUTGOING_COLOUR)
    chart.bars.strokeColor = None
    chart.barSpacing = 2
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 28, height - 6
    legend.fontName = FONT
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = width / 2.3
    legend.colorNamePairs = [
        (colors.HexColor(INCOMING_COLOUR), label(lang, "reports.annual.incoming", texts)),
        (colors.HexColor(OUTGOING_COLOUR), label(lang, "reports.annual.outgoing", texts)),
    ]
    drawing.add(legend)
    return drawing
