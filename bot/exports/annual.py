"""The annual report (/report, `twinbot report`): a year of the register counted for the office's report.

Pure Python: the numbers and the labels. The workbook is written by bot/exports/annual_xlsx.py, the PDF by
bot/exports/annual_pdf.py; both show the same `AnnualReport`, so their totals never disagree.

What is counted: the live visits that start in the year. Held visits (started on or before the report
date) make the totals; planned ones (starting later) are listed apart and never counted. People are the
sum of the headcounts staff gave; visits without one are counted in `Tally.unknown_people`. Days are
calendar days, both ends included. The previous year is compared over the same stretch of days: all of
it for a finished year, 1 January to the same day for the current one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.core.model import Language
from bot.exports.register import COLUMNS, PUBLIC_COLUMNS, ExportRow, label, load_register
from bot.locale import Catalogue, catalogue

if TYPE_CHECKING:
    from bot.runtime import Runtime


class ReportYearError(ValueError):
    """No report for this year: `code` picks the message (reports.report.<code>)."""

    def __init__(self, code: str, year: int) -> None:
        super().__init__(f"{code}: {year}")
        self.code = code
        self.year = year


@dataclass(frozen=True, slots=True)
class Tally:
    visits: int = 0
    people: int = 0
    days: int = 0
    unknown_people: int = 0  # visits whose headcount was not recorded

    def plus(self, row: ExportRow) -> Tally:
        return Tally(
            self.visits + 1,
            self.people + (row.people or 0),
            self.days + row.days,
            self.unknown_people + (row.people is None),
        )


def tally(rows: Iterable[ExportRow]) -> Tally:
    total = Tally()
    for row in rows:
        total = total.plus(row)
    return total


@dataclass(frozen=True, slots=True)
class Line:
    """One row of a breakdown: a name (a town, a country, a direction, a type) and its tally."""

    name: str
    tally: Tally
    detail: str = ""  # the town's country


@dataclass(frozen=True, slots=True)
class AnnualReport:
    year: int
    lang: Language
    as_of: date  # the report date: visits after it are planned
    first: date  # the counted stretch of the year: 1 January ...
    last: date  # ... to 31 December, or to the report date in the current year
    total: Tally
    previous: Tally  # the previous year over the same stretch of days
    previous_first: date
    previous_last: date
    by_direction: tuple[Line, ...]
    by_town: tuple[Line, ...]
    by_country: tuple[Line, ...]
    by_kind: tuple[Line, ...]
    previous_by_direction: tuple[Line, ...]
    by_month: tuple[tuple[int, int, int], ...]  # (month, incoming, outgoing) for all 12 months
    held: tuple[ExportRow, ...]  # date order
    planned: tuple[ExportRow, ...]
    columns: tuple[str, ...]  # the register columns the visit lists show (notes only when asked)

    @property
    def complete(self) -> bool:
        """Whether the year is over (else the report is 'so far')."""
        return self.last.month == 12 and self.last.day == 31


def _lines(
    rows: Sequence[ExportRow],
    key: Callable[[ExportRow], str],
    detail: Callable[[ExportRow], str] | None = None,
) -> tuple[Line, ...]:
    """A breakdown, the most visits first (then by name): ties stay side by side, in name order."""
    tallies: dict[str, Tally] = {}
    details: dict[str, str] = {}
    for row in rows:
        name = key(row)
        tallies[name] = tallies.get(name, Tally()).plus(row)
        if detail is not None:
            details[name] = detail(row)
    ordered = sorted(tallies.items(), key=lambda item: (-item[1].visits, item[0].casefold()))
    return tuple(Line(name, value, details.get(name, "")) for name, value in ordered)


def apart(lines: tuple[Line, ...], others: Sequence[ExportRow], name: str) -> tuple[Line, ...]:
    """The breakdown with the places that are not partners as one last line ("Другие места: N")."""
    if not others:
        return lines
    return (*lines, Line(name, tally(others)))  # which places: the list of visits names them


def same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return date(day.year - 1, 2, 28)


def check_year(year: int, today: date) -> None:
    """A year that has begun (a report of a year not yet begun would count nothing)."""
    if year > today.year:
        raise ReportYearError("future", year)


def build_report(
    year: int,
    rows: Sequence[ExportRow],
    previous_rows: Sequence[ExportRow],
    *,
    lang: Language,
    today: date,
    columns: tuple[str, ...],
    texts: Catalogue | None = None,
) -> AnnualReport:
    """The report of `year` from the register rows of that year and of the year before.

    Raises ReportYearError for a year that has not begun ("future") or has no visits ("empty")."""
    texts = texts or catalogue()
    check_year(year, today)
    rows = [row for row in rows if row.start.year == year]
    if not rows:
        raise ReportYearError("empty", year)
    first = date(year, 1, 1)
    last = min(date(year, 12, 31), today)
    held = tuple(row for row in rows if row.start <= today)
    planned = tuple(row for row in rows if row.start > today)
    previous_first, previous_last = date(year - 1, 1, 1), same_day_last_year(last)
    previous_held = [row for row in previous_rows if previous_first <= row.start <= previous_last]

    # places that are not partners: in the totals, one line of their own in the town and country tables
    partners = [row for row in held if row.partner]
    others = [row for row in held if not row.partner]
    other_name = label(lang, "reports.annual.other_places", texts)
    incoming = label(lang, "reports.direction.in", texts)
    months: dict[int, list[int]] = {month: [0, 0] for month in range(1, 13)}
    for row in held:
        months[row.start.month][0 if row.direction == incoming else 1] += 1

    def direction_lines(chosen: Sequence[ExportRow]) -> tuple[Line, ...]:
        # both directions always, incoming first, so that the two years line up
        named = {line.name: line for line in _lines(chosen, lambda row: row.direction)}
        outgoing = label(lang, "reports.direction.out", texts)
        return tuple(named.get(name, Line(name, Tally())) for name in (incoming, outgoing))

    return AnnualReport(
        year=year,
        lang=lang,
        as_of=today,
        first=first,
        last=last,
        total=tally(held),
        previous=tally(previous_held),
        previous_first=previous_first,
        previous_last=previous_last,
        by_direction=direction_lines(held),
        by_town=apart(_lines(partners, lambda row: row.town, lambda row: row.country), others, other_name),
        by_country=apart(_lines(partners, lambda row: row.country or "—"), others, other_name),
        by_kind=_lines(held, lambda row: row.kind),
        previous_by_direction=direction_lines(previous_held),
        by_month=tuple((month, pair[0], pair[1]) for month, pair in months.items()),
        held=held,
        planned=planned,
        columns=columns,
    )


async def load_report(rt: Runtime, lang: Language, year: int, *, notes: bool = False) -> AnnualReport:
    """The report of `year` from the register (two queries: the year and the one before)."""
    today = rt.today()
    check_year(year, today)
    rows = await load_register(rt, lang, year=year)
    previous = await load_register(rt, lang, year=year - 1)
    return build_report(
        year, rows, previous, lang=lang, today=today, columns=COLUMNS if notes else PUBLIC_COLUMNS
    )


def change(now: int, before: int) -> str:
    """'+3 (+25%)', '−2 (−10%)', '0', '+4' (no percentage from zero)."""
    delta = now - before
    if delta == 0:
        return "0"
    sign = "+" if delta > 0 else "−"
    if before == 0:
        return f"{sign}{abs(delta)}"
    return f"{sign}{abs(delta)} ({sign}{round(abs(delta) * 100 / before)}%)"


def day_text(lang: Language, day: date, texts: Catalogue | None = None) -> str:
    """'5 июня 2026', '5 June 2026' (plain text)."""
    texts = texts or catalogue()
    month = texts.raw(lang, "month.genitive")[day.month - 1]
    return f"{day.day} {month} {day.year}"


def stretch_text(lang: Language, first: date, last: date, texts: Catalogue | None = None) -> str:
    """'1 января – 31 декабря 2025' (one year), '5–7 июня 2026' (one month)."""
    texts = texts or catalogue()
    months = texts.raw(lang, "month.genitive")
    if first.year != last.year:
        return f"{day_text(lang, first, texts)} – {day_text(lang, last, texts)}"
    if first.month == last.month:
        if first.day == last.day:
            return day_text(lang, first, texts)
        return f"{first.day}–{last.day} {months[first.month - 1]} {first.year}"
    return f"{first.day} {months[first.month - 1]} – {last.day} {months[last.month - 1]} {last.year}"


def report_filename(year: int, extension: str) -> str:
    return f"report-{year}.{extension}"


# ---- the report as tables: what both the workbook and the PDF show --------------------------------

# the register columns of the visit lists: the status is the section itself, the stamp is bookkeeping
LIST_LEAVES_OUT = frozenset({"status", "recorded_at"})


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # which sheet (reports.annual.sheet_<key>)
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    total: tuple[object, ...] | None = None  # a last row in bold
    notes: tuple[str, ...] = ()  # lines under the table


LIST_PARTICIPANT_CHARS = 300  # a row of the printed list stays shorter than a page; the register has all


def listed(row: ExportRow) -> ExportRow:
    """The row as the report's list shows it: a long participant list cut, with how many there are."""
    if len(row.participants) <= LIST_PARTICIPANT_CHARS:
        return row
    count = row.participants.count("; ") + 1
    cut = row.participants[: LIST_PARTICIPANT_CHARS - 1].rstrip()
    return replace(row, participants=f"{cut}… ({count})")


def list_columns(report: AnnualReport) -> tuple[str, ...]:
    return tuple(column for column in report.columns if column not in LIST_LEAVES_OUT)


def report_tables(report: AnnualReport, texts: Catalogue | None = None) -> list[Table]:
    """The summary, the breakdowns, the months and the two visit lists, in the order both files show them."""
    from bot.exports.register import headers

    texts = texts or catalogue()
    lang = report.lang

    def t(key: str, **values: object) -> str:
        return label(lang, f"reports.annual.{key}", texts).format(**values)

    counts = (t("visits"), t("people"), t("days"))

    def tally_cells(value: Tally) -> tuple[int, int, int]:
        return value.visits, value.people, value.days

    def total_row(name: str, value: Tally, pad: int = 0) -> tuple[object, ...]:
        return (name, *([""] * pad), *tally_cells(value))

    now, before = report.total, report.previous
    incoming, outgoing = report.by_direction
    was_in, was_out = report.previous_by_direction
    previous_head = str(report.year - 1)
    if not report.complete:
        previous_head += f" ({stretch_text(lang, report.previous_first, report.previous_last, texts)})"
    summary_rows = [
        (t("visits"), now.visits, before.visits, change(now.visits, before.visits)),
        (t("people"), now.people, before.people, change(now.people, before.people)),
        (t("days"), now.days, before.days, change(now.days, before.days)),
        (
            t("incoming"),
            incoming.tally.visits,
            was_in.tally.visits,
            change(incoming.tally.visits, was_in.tally.visits),
        ),
        (
            t("outgoing"),
            outgoing.tally.visits,
            was_out.tally.visits,
            change(outgoing.tally.visits, was_out.tally.visits),
        ),
    ]
    summary_notes = []
    if now.unknown_people:
        summary_notes.append(t("unknown_people", count=now.unknown_people))
    if report.planned:
        summary_notes.append(t("planned_note", year=report.year, count=len(report.planned)))
    compare = (
        t("compare", year=report.year - 1)
        if report.complete
        else t(
            "compare_so_far",
            year=report.year - 1,
            period=stretch_text(lang, report.previous_first, report.previous_last, texts),
        )
    )
    months = texts.raw(lang, "month.nominative")
    columns = list_columns(report)
    list_headers = tuple(headers(lang, columns))

    def visit_rows(rows: Sequence[ExportRow]) -> tuple[tuple[object, ...], ...]:
        return tuple(listed(row).values(columns) for row in rows)

    return [
        Table(
            "summary",
            compare,
            (t("indicator"), str(report.year), previous_head, t("change")),
            tuple(summary_rows),
            notes=tuple(summary_notes),
        ),
        Table(
            "direction",
            t("by_direction"),
            (t("direction"), *counts),
            tuple((line.name, *tally_cells(line.tally)) for line in report.by_direction),
            total_row(t("total"), now),
        ),
        Table(
            "country",
            t("by_country"),
            (t("country"), *counts),
            tuple((line.name, *tally_cells(line.tally)) for line in report.by_country),
            total_row(t("total"), now),
        ),
        Table(
            "town",
            t("by_town"),
            (t("town"), t("country"), *counts),
            tuple((line.name, line.detail, *tally_cells(line.tally)) for line in report.by_town),
            total_row(t("total"), now, pad=1),
        ),
        Table(
            "kind",
            t("by_kind"),
            (t("kind"), *counts),
            tuple((line.name, *tally_cells(line.tally)) for line in report.by_kind),
            total_row(t("total"), now),
        ),
        Table(
            "month",
            t("by_month"),
            (t("month"), t("incoming"), t("outgoing"), t("total")),
            tuple((str(months[month - 1]), a, b, a + b) for month, a, b in report.by_month),
            (
                t("total"),
                sum(a for _, a, _ in report.by_month),
                sum(b for _, _, b in report.by_month),
                sum(a + b for _, a, b in report.by_month),
            ),
        ),
        Table("held", t("held"), list_headers, visit_rows(report.held)),
        Table("planned", t("planned"), list_headers, visit_rows(report.planned)),
    ]


def heading_lines(report: AnnualReport, texts: Catalogue | None = None) -> list[str]:
    """The title block: title, district, period, the report date and what is left out."""
    texts = texts or catalogue()
    lang = report.lang

    def t(key: str, **values: object) -> str:
        return label(lang, f"reports.annual.{key}", texts).format(**values)

    lines = [
        t("title", year=report.year),
        t("district"),
        t("period", period=stretch_text(lang, report.first, report.last, texts)),
    ]
    if not report.complete:
        lines.append(t("so_far", date=day_text(lang, report.last, texts)))
    lines.append(t("made", date=day_text(lang, report.as_of, texts)))
    lines.append(t("with_notes") if "notes" in report.columns else t("no_notes"))
    return lines
