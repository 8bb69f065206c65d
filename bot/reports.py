"""The visit register as files and pictures: CSV, XLSX, the statistics chart and its summary.

Pure Python, no telegram: the chat handlers (`bot/handlers/reports.py`) and `twinbot export` both
use it. openpyxl and matplotlib are imported lazily, inside the functions that need them, so that
starting the bot does not pay for them; matplotlib always renders with the Agg backend (no display).

Files are plain data, never HTML: texts go into them verbatim. Two guards apply instead:
- CSV: a cell that starts with = + - @ (or a tab / carriage return) gets a leading apostrophe, so
  Excel and LibreOffice never run it as a formula (CSV/formula injection);
- XLSX: text cells are always typed as strings, and formula-looking ones carry Excel's
  "quote prefix", so they stay text even when someone edits the cell later.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.stamps import local_time
from bot.core.visits import MAX_YEARS_AHEAD as MAX_YEARS_AHEAD  # the visits' year range, re-exported
from bot.core.visits import MIN_YEAR as MIN_YEAR
from bot.core.visits import Direction, Visit
from bot.locale import Catalogue, Markup, catalogue
from bot.replies.reply import shorten, visible_length
from bot.replies.wording import Replies

if TYPE_CHECKING:
    from bot.runtime import Runtime

CAPTION_LIMIT = 1024  # Telegram's caption limit, counted after HTML parsing
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767
TOP_TOWNS_IN_CAPTION = 3
TOWNS_IN_CHART = 12
# control characters that XML 1.0 (and so XLSX) cannot hold; CSV drops them as well
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

COLUMNS = (
    "number",
    "town",
    "country",
    "direction",
    "kind",
    "start",
    "end",
    "people",
    "purpose",
    "notes",
    "recorded_by",
    "recorded_at",
    "status",
)


# ---- the rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One visit as the register shows it: localised labels, typed values."""

    number: int
    town: str
    country: str
    direction: str
    kind: str
    start: date
    end: date | None
    people: int | None
    purpose: str
    notes: str
    recorded_by: str
    recorded_at: datetime | None  # local time of the configured zone, naive (Excel has no zones)
    status: str

    def values(self) -> tuple[Any, ...]:
        return (
            self.number,
            self.town,
            self.country,
            self.direction,
            self.kind,
            self.start,
            self.end,
            self.people,
            self.purpose,
            self.notes,
            self.recorded_by,
            self.recorded_at,
            self.status,
        )


def label(lang: Language, key: str, texts: Catalogue | None = None) -> str:
    """A plain-text catalogue entry (for files and charts, which are not HTML)."""
    value = (texts or catalogue()).raw(lang, key)
    return str(value)


def headers(lang: Language) -> list[str]:
    return [label(lang, f"reports.columns.{column}") for column in COLUMNS]


def country_name(lang: Language, code: str, texts: Catalogue | None = None) -> str:
    texts = texts or catalogue()
    key = f"country.{code}"
    return str(texts.raw(lang, key)) if texts.has(lang, key) else code


def town_name(directory: TownDirectory, key: str, lang: Language) -> str:
    town = directory.get(key)
    return town.name(lang) if town is not None else key


def naive_local(stamp: str, zone: tzinfo | None) -> datetime | None:
    """A stored UTC stamp as naive local time in `zone` (Excel has no time zones); None when unreadable."""
    moment = local_time(stamp, zone)
    return moment.replace(tzinfo=None) if moment is not None else None


def recorder(user_id: int, names: Mapping[int, str]) -> str:
    name = names.get(user_id, "").strip()
    return f"{name} ({user_id})" if name else str(user_id)


def export_rows(
    visits: Iterable[Visit],
    *,
    directory: TownDirectory,
    lang: Language,
    today: date,
    zone: tzinfo | None = None,
    names: Mapping[int, str] | None = None,
) -> list[ExportRow]:
    """The register in date order (oldest first, then by number); deleted visits are left out."""
    texts = catalogue()
    names = names or {}
    direction = {member: label(lang, f"reports.direction.{member.value}", texts) for member in Direction}
    kinds: dict[Any, str] = {}
    status = {
        True: label(lang, "reports.status.planned", texts),
        False: label(lang, "reports.status.past", texts),
    }
    rows: list[ExportRow] = []
    for visit in sorted(visits, key=lambda v: (v.start, v.id)):
        if visit.deleted:
            continue
        kind = kinds.get(visit.kind)
        if kind is None:
            key = f"reports.kind.{visit.kind.value}"
            kind = kinds[visit.kind] = label(lang, key, texts) if texts.has(lang, key) else visit.kind.value
        town = directory.get(visit.town_key)
        rows.append(
            ExportRow(
                number=visit.id,
                town=town.name(lang) if town else visit.town_key,
                country=country_name(lang, town.country, texts) if town else "",
                direction=direction[visit.direction],
                kind=kind,
                start=visit.start,
                end=visit.end,
                people=visit.people,
                purpose=visit.purpose,
                notes=visit.notes,
                recorded_by=recorder(visit.created_by, names),
                recorded_at=naive_local(visit.created_at, zone),
                status=status[visit.planned(today)],
            )
        )
    return rows


async def load_register(
    rt: Runtime, lang: Language, *, year: int | None = None, town_key: str | None = None
) -> list[ExportRow]:
    """The register rows for a year and/or a town, as the chat and `twinbot export` write them."""
    visits = await rt.visits.list(town_key=town_key, year=year)
    if not visits:
        return []
    names = await rt.staff.names()
    # localising 100,000 rows takes a while: off the event loop
    return await asyncio.to_thread(
        partial(
            export_rows,
            visits,
            directory=rt.directory,
            lang=lang,
            today=rt.today(),
            zone=rt.settings.reminders.zone,
            names=names,
        )
    )


def export_filename(extension: str, *, year: int | None = None, town_key: str | None = None) -> str:
    """visits.xlsx, visits-2025.xlsx, visits-narva.csv, visits-narva-2025.csv."""
    parts = ["visits"]
    if town_key:
        parts.append(re.sub(r"[^a-z0-9]+", "-", town_key.lower()).strip("-") or "town")
    if year is not None:
        parts.append(str(year))
    return "-".join(parts) + "." + extension


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


def write_csv(rows: Sequence[ExportRow], lang: Language) -> bytes:
    """UTF-8 with a BOM (so Excel picks the encoding), CRLF, ISO dates; ';' between fields in Russian
    (Excel with Russian regional settings splits on ';', since ',' is its decimal comma), ',' in English."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", delimiter=CSV_DELIMITER.get(lang, ","))
    writer.writerow([csv_safe(header) for header in headers(lang)])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row.values()])
    return buffer.getvalue().encode("utf-8-sig")


# ---- XLSX ---------------------------------------------------------------------------------------

DATE_FORMAT = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
DATETIME_FORMAT = {"ru": "DD.MM.YYYY HH:MM", "en": "YYYY-MM-DD HH:MM"}
_NUMBER_COLUMNS = {"number", "people"}
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 6, 60, 2000


def _widths(rows: Sequence[ExportRow], titles: Sequence[str], lang: Language) -> list[float]:
    """Column widths from the header and a sample of the data, within sensible bounds."""
    widths = [len(title) + 3 for title in titles]  # room for the filter arrow
    date_width = len(DATE_FORMAT[lang]) + 1
    for row in rows[:_WIDTH_SAMPLE]:
        for index, value in enumerate(row.values()):
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


def write_xlsx(rows: Sequence[ExportRow], lang: Language) -> bytes:
    """One sheet: a bold frozen header with filters, then one typed row per visit."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    titles = headers(lang)
    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(label(lang, "reports.export.sheet")[:31])
    for index, width in enumerate(_widths(rows, titles, lang), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(titles))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"

    bold = Font(bold=True)
    header: list[Any] = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cell.alignment = Alignment(vertical="top")
        header.append(cell)
    sheet.append(header)

    date_format, stamp_format = DATE_FORMAT[lang], DATETIME_FORMAT[lang]
    for row in rows:
        cells: list[Any] = []
        for column, value in zip(COLUMNS, row.values(), strict=True):
            if isinstance(value, str):
                text = _CONTROL.sub("", value)[:XLSX_CELL_LIMIT]
                if text.startswith(FORMULA_STARTS):
                    cell = WriteOnlyCell(sheet, value=text)
                    cell.data_type = "s"  # openpyxl would take "=..." for a formula
                    cell.quotePrefix = True
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


# ---- statistics ---------------------------------------------------------------------------------

PeriodCounts = Sequence[tuple[int, Direction, int]]  # (year or month, direction, visits)
TownCounts = Sequence[tuple[str, int]]  # (town key, visits)


@dataclass(frozen=True, slots=True)
class StatsSummary:
    year: int | None  # None: all years, periods are years; else periods are months of that year
    total: int
    incoming: int
    outgoing: int
    top_towns: tuple[tuple[str, int], ...]
    busiest: tuple[int, int] | None  # (year or month, visits)
    periods: tuple[tuple[int, int, int], ...]  # (period, incoming, outgoing), ascending
    towns: tuple[tuple[str, int], ...]  # most visits first
    planned: int = 0  # visits that start after today: not in the counts above

    @property
    def empty(self) -> bool:
        return self.total == 0


def monthly_counts(visits: Iterable[Visit]) -> list[tuple[int, Direction, int]]:
    """(month, direction, visits) of the given visits, skipping deleted ones."""
    counts = Counter((visit.start.month, visit.direction) for visit in visits if not visit.deleted)
    return sorted(((month, direction, n) for (month, direction), n in counts.items()), key=_period_key)


def _period_key(item: tuple[int, Direction, int]) -> tuple[int, str]:
    return item[0], item[1].value


def without_planned(
    periods: PeriodCounts, towns: TownCounts, planned: Iterable[Visit], *, by_month: bool
) -> tuple[list[tuple[int, Direction, int]], list[tuple[str, int]]]:
    """The counts of held visits: `periods` and `towns` less the (live) `planned` visits among them."""
    minus_periods: Counter[tuple[int, Direction]] = Counter()
    minus_towns: Counter[str] = Counter()
    for visit in planned:
        if visit.deleted:
            continue
        minus_periods[(visit.start.month if by_month else visit.start.year, visit.direction)] += 1
        minus_towns[visit.town_key] += 1
    held_periods = [
        (period, direction, n - minus_periods[(period, direction)])
        for period, direction, n in periods
        if n - minus_periods[(period, direction)] > 0
    ]
    held_towns = [(key, n - minus_towns[key]) for key, n in towns if n - minus_towns[key] > 0]
    return held_periods, held_towns


def summarize(
    periods: PeriodCounts, towns: TownCounts, year: int | None = None, planned: int = 0
) -> StatsSummary:
    split: dict[int, list[int]] = {}
    for period, direction, count in periods:
        pair = split.setdefault(period, [0, 0])
        pair[0 if direction is Direction.INCOMING else 1] += count
    ordered = tuple((period, pair[0], pair[1]) for period, pair in sorted(split.items()))
    incoming = sum(row[1] for row in ordered)
    outgoing = sum(row[2] for row in ordered)
    ranked = tuple(sorted(((key, n) for key, n in towns if n > 0), key=lambda item: (-item[1], item[0])))
    busiest = None
    if ordered:
        # the most visits; on a tie, the most recent
        top = max(ordered, key=lambda row: (row[1] + row[2], row[0]))
        busiest = (top[0], top[1] + top[2])
    return StatsSummary(
        year=year,
        total=incoming + outgoing,
        incoming=incoming,
        outgoing=outgoing,
        top_towns=ranked[:TOP_TOWNS_IN_CAPTION],
        busiest=busiest,
        periods=ordered,
        towns=ranked,
        planned=planned,
    )


def stats_scope(summary: StatsSummary, lang: Language, replies: Replies) -> Markup:
    texts = replies.texts
    if summary.year is not None:
        return texts.text(lang, "reports.stats.scope_year", year=summary.year)
    return texts.text(lang, "reports.stats.scope_all")


def only_planned_text(summary: StatsSummary, lang: Language, replies: Replies) -> str:
    """The answer when no visit has been held yet but some are planned (there is nothing to chart)."""
    return replies.texts.text(
        lang,
        "reports.stats.only_planned",
        scope=stats_scope(summary, lang, replies),
        count=replies.number(lang, summary.planned),
    )


def stats_caption(summary: StatsSummary, lang: Language, replies: Replies) -> str:
    """The chart's caption (Telegram HTML, data escaped), at most CAPTION_LIMIT visible characters.

    The counts are of held visits (started on or before today); planned ones are only mentioned."""
    texts = replies.texts
    number = replies.number
    scope = stats_scope(summary, lang, replies)
    lines: list[Markup] = [
        texts.text(lang, "reports.stats.title", scope=scope),
        texts.text(
            lang,
            "reports.stats.totals",
            total=number(lang, summary.total),
            visits=texts.plural(lang, "report_visits", summary.total),
            incoming=number(lang, summary.incoming),
            outgoing=number(lang, summary.outgoing),
        ),
    ]
    if summary.planned:
        planned = texts.text(lang, "reports.stats.planned", count=number(lang, summary.planned))
        lines[-1] = Markup(lines[-1] + "; " + planned)
    if summary.busiest is not None:
        period, count = summary.busiest
        if summary.year is None:
            lines.append(
                texts.text(lang, "reports.stats.busiest_year", year=period, count=number(lang, count))
            )
        else:
            month = texts.raw(lang, "month.nominative")[period - 1]
            lines.append(
                texts.text(lang, "reports.stats.busiest_month", month=month, count=number(lang, count))
            )
    tops = [
        texts.text(
            lang,
            "reports.stats.town_item",
            town=town_name(replies.directory, key, lang),
            count=number(lang, n),
        )
        for key, n in summary.top_towns
    ]
    while tops:
        line = texts.text(lang, "reports.stats.top_towns", towns=Markup(", ".join(tops)))
        if visible_length("\n".join([*lines, line])) <= CAPTION_LIMIT:
            lines.append(line)
            break
        tops.pop()
    caption = "\n".join(lines)
    while visible_length(caption) > CAPTION_LIMIT and len(lines) > 1:  # pragma: no cover - defensive
        lines.pop()
        caption = "\n".join(lines)
    return caption


# ---- the chart ----------------------------------------------------------------------------------

INCOMING_COLOUR = "#2b6cb0"
OUTGOING_COLOUR = "#dd7a2c"
TOWN_COLOUR = "#4a8c5c"
MAX_YEAR_LABELS = 16
MAX_TOWN_LABEL = 28
DPI = 100
WIDTH_PX = 1000
# the layout is computed in pixels (no constrained layout: it would draw the figure twice)
TITLE_PX, PERIOD_AXES_PX, GAP_PX, TOWN_ROW_PX, FOOT_PX, RIGHT_PX = 34, 300, 24, 36, 52, 40


def _bars(xs: Sequence[float], bottoms: Sequence[float], heights: Sequence[float], width: float) -> list[Any]:
    """Rectangles for one PolyCollection: far cheaper than one Rectangle patch per bar."""
    half = width / 2
    return [
        ((x - half, b), (x - half, b + h), (x + half, b + h), (x + half, b))
        for x, b, h in zip(xs, bottoms, heights, strict=True)
        if h > 0
    ]


def render_chart(summary: StatsSummary, lang: Language, directory: TownDirectory) -> bytes:
    """A PNG: visits per year (or per month of the chosen year) by direction, and visits per town."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    texts = catalogue()
    towns = list(summary.towns)
    if len(towns) > TOWNS_IN_CHART:
        rest = sum(n for _, n in towns[TOWNS_IN_CHART - 1 :])
        shown = [(town_name(directory, key, lang), n) for key, n in towns[: TOWNS_IN_CHART - 1]]
        shown.append((label(lang, "reports.chart.other_towns", texts), rest))
    else:
        shown = [(town_name(directory, key, lang), n) for key, n in towns]
    shown = [(shorten(name, MAX_TOWN_LABEL), n) for name, n in shown] or [("", 0)]

    if summary.year is None:
        first, last = (summary.periods[0][0], summary.periods[-1][0]) if summary.periods else (0, 0)
        periods = list(range(first, last + 1))
    else:
        periods = list(range(1, 13))
    rotate = summary.year is None and len(periods) > MAX_YEAR_LABELS
    period_foot = FOOT_PX + (28 if rotate else 0)
    town_axes = TOWN_ROW_PX * len(shown) + 12
    height = TITLE_PX + PERIOD_AXES_PX + period_foot + GAP_PX + TITLE_PX + town_axes + FOOT_PX

    def rect(top_px: float, axes_px: float) -> tuple[float, float, float, float]:
        return (
            left / WIDTH_PX,
            1 - (top_px + axes_px) / height,
            (WIDTH_PX - left - RIGHT_PX) / WIDTH_PX,
            axes_px / height,
        )

    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    canvas: Any = FigureCanvasAgg(figure)
    # room on the left for the longest town name, measured with the font that will draw it
    renderer = canvas.get_renderer()
    font = FontProperties(size=matplotlib.rcParams["ytick.labelsize"])
    widest = max(renderer.get_text_width_height_descent(name, font, ismath=False)[0] for name, _ in shown)
    left = max(70.0, widest + 24)
    top = figure.add_axes(rect(TITLE_PX, PERIOD_AXES_PX))
    bottom = figure.add_axes(rect(TITLE_PX * 2 + PERIOD_AXES_PX + period_foot + GAP_PX, town_axes))

    # visits per period, stacked by direction
    by_period = {period: (incoming, outgoing) for period, incoming, outgoing in summary.periods}
    incoming = [by_period.get(period, (0, 0))[0] for period in periods]
    outgoing = [by_period.get(period, (0, 0))[1] for period in periods]
    totals = [a + b for a, b in zip(incoming, outgoing, strict=True)]
    zeros = [0] * len(periods)
    top.add_collection(
        PolyCollection(_bars(periods, zeros, incoming, 0.8), facecolors=INCOMING_COLOUR, edgecolors="none")
    )
    top.add_collection(
        PolyCollection(_bars(periods, incoming, outgoing, 0.8), facecolors=OUTGOING_COLOUR, edgecolors="none")
    )
    peak = max(totals, default=0) or 1
    top.set_xlim(periods[0] - 0.6, periods[-1] + 0.6)
    top.set_ylim(0, peak * 1.12 + 0.2)
    if len(periods) <= 24:
        for period, total in zip(periods, totals, strict=True):
            if total:
                top.text(period, total + peak * 0.01, str(total), ha="center", va="bottom", fontsize=8)
    if summary.year is None:
        title = label(lang, "reports.chart.per_year", texts)
        top.set_xlabel(label(lang, "reports.chart.year", texts))
        top.xaxis.set_major_locator(MaxNLocator(nbins=MAX_YEAR_LABELS, integer=True))
        if rotate:
            top.tick_params(axis="x", labelrotation=45)
    else:
        title = label(lang, "reports.chart.per_month", texts).format(year=summary.year)
        top.set_xlabel(label(lang, "reports.chart.month", texts))
        top.set_xticks(periods, [str(name) for name in texts.raw(lang, "reports.chart.months")])
    top.set_title(title, fontsize=13, loc="left")
    top.set_ylabel(label(lang, "reports.chart.visits", texts))
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.legend(
        handles=[
            Patch(color=INCOMING_COLOUR, label=label(lang, "reports.chart.incoming", texts)),
            Patch(color=OUTGOING_COLOUR, label=label(lang, "reports.chart.outgoing", texts)),
        ],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        frameon=False,
        borderaxespad=0.2,
    )
    top.spines[["top", "right"]].set_visible(False)

    # visits per town, the busiest on top
    rows = list(range(len(shown)))
    counts = [n for _, n in reversed(shown)]
    bottom.add_collection(
        PolyCollection(
            [
                ((0, y - 0.35), (n, y - 0.35), (n, y + 0.35), (0, y + 0.35))
                for y, n in zip(rows, counts, strict=True)
            ],
            facecolors=TOWN_COLOUR,
            edgecolors="none",
        )
    )
    most = max(counts) or 1
    for y, n in zip(rows, counts, strict=True):
        if n:
            bottom.text(n + most * 0.01, y, str(n), va="center", fontsize=8)
    bottom.set_xlim(0, most * 1.1)
    bottom.set_ylim(-0.6, len(shown) - 0.4)
    bottom.set_yticks(rows, [name for name, _ in reversed(shown)])
    bottom.set_title(label(lang, "reports.chart.per_town", texts), fontsize=13, loc="left")
    bottom.set_xlabel(label(lang, "reports.chart.visits", texts))
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
