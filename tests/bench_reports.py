"""Benchmark of /stats and the register export (not a test): `python -m tests.bench_reports`.

With 100,000 visits in a fresh SQLite file (9 partner towns, 1955..2028), every figure measured side by
side in one run, one process, the way before (kept here and in tests/stats_reference.py) against now:

- /stats summary, all years and one year: a Python object per visit (old) against SQL aggregates over the
  monthly counts (new);
- /stats on first open after a change, through the real Application with an in-process Bot API
  stand-in (our own processing: no network and no AIORateLimiter pacing, which only waits). Old: the
  change is noticed by the request, which draws. New: the change itself starts the drawing, off the
  event loop, and the /stats after it is served from the cache; also a /stats arriving at once (it
  waits for the drawing under way) and the drawing itself, in the background;
- the export of the whole register (.xlsx, .csv, both): load all rows + openpyxl write-only (old)
  against rows streamed in batches from one snapshot as plain tuples + XlsxWriter constant-memory (new),
  rows/s and tracemalloc peak, with 30% of the visits given participants first (--participants); then
  where the new .xlsx time goes: reading and making the rows, and XlsxWriter alone on the same cells;
- the annual report (/report) for a seeded year and a crowded one (--crowded-year visits more).

`--grow-to N` then adds visits up to N and measures /stats again: the ratio to the first size shows how
each way grows (`python3 dev.py bench stats1m` is 100,000 -> 1,000,000, /stats only). The issue's target
for /stats is 50 ms p99 of our own processing at 100,000 visits and at most twice that at 1,000,000.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import itertools
import random
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

import bot.exports.stats as stats_module
from bot.app import build_application, settle
from bot.config import parse_settings
from bot.console import ConsoleRequest
from bot.core.model import Language
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.exports.files import write_csv, write_files
from bot.exports.register import PUBLIC_COLUMNS, load_register, register_batches
from bot.exports.stats import stats_charts
from bot.exports.stats import stats_summary as sql_stats_summary
from bot.runtime import Runtime
from tests.stats_reference import per_row_stats_summary

ADMIN = 900
TOWNS = (
    "narva",
    "johvi",
    "narva_joesuu",
    "kohtla_jarve",
    "narvik",
    "raisio",
    "sassnitz",
    "svetlahorsk",
    "renhuai",
)
NOW = datetime(2026, 11, 26, 12, 0).astimezone()
UPDATE_IDS = itertools.count(1)
CHANGES = itertools.count(1)


@dataclass
class Timing:
    label: str
    samples: list[float]

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def row(self) -> str:
        return (
            f"{self.label:<44} {len(self.samples):>6} {self.quantile(0.5) * 1000:>9.1f} "
            f"{self.quantile(0.99) * 1000:>9.1f} {max(self.samples) * 1000:>9.1f}"
        )


async def timed(label: str, rounds: int, action: Callable[[], Awaitable[Any]]) -> Timing:
    await action()  # warm-up: imports, font cache, SQLite page cache
    samples = []
    gc.collect()
    for _ in range(rounds):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return Timing(label, samples)


async def seed(runtime: Runtime, count: int, rng: random.Random) -> float:
    """`count` visits written straight into the visits table (the triggers keep the counts)."""
    first, last = date(1955, 1, 1).toordinal(), date(2028, 6, 30).toordinal()
    kinds = list(DelegationType)
    rows = []
    for number in range(count):
        start = date.fromordinal(rng.randint(first, last))
        end = start + timedelta(days=rng.choice((0, 1, 2, 3, 5))) if rng.random() < 0.7 else None
        rows.append(
            (
                rng.choice(TOWNS),
                rng.choice((Direction.INCOMING.value, Direction.OUTGOING.value)),
                start.isoformat(),
                end.isoformat() if end else None,
                rng.choice(kinds).value,
                rng.randint(1, 60),
                f"Visit {number}: "
                + rng.choice(("Town Day", "school exchange", "=SUM(A1:A9)", "конференция")),
                rng.choice(("", "hotel booked", "трансфер из Таллина")),
                ADMIN,
                ADMIN,
            )
        )
    started = time.perf_counter()
    async with runtime.database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO visits (town_key, direction, start_date, end_date, kind, people, purpose, notes, "
            "created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return time.perf_counter() - started


async def run(
    count: int, rounds: int, crowded: int, grow_to: int, only: str, export_rounds: int, participants: float
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = parse_settings(
            {"storage": {"database": str(Path(folder) / "bench.sqlite3")}, "access": {"admins": [ADMIN]}}
        )
        app = build_application(settings, request=ConsoleRequest(), clock=lambda: NOW)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        try:
            runtime: Runtime = app.bot_data["runtime"]
            # AIORateLimiter paces sends to 30/s overall: that is waiting, not processing, so the
            # handler lines measure without it (the stand-in request answers at once)
            app.bot._rate_limiter = None
            seconds = await seed(runtime, count, random.Random(5))
            live = await runtime.visits.count()
            print(f"register: {live:,} visits seeded in {seconds:.1f} s (executemany, one transaction)")
            first = await stats(app, runtime, rounds) if only in ("all", "stats") else {}
            if grow_to > count:
                seconds = await seed(runtime, grow_to - count, random.Random(6))
                live = await runtime.visits.count()
                print(f"\nregister grown to {live:,} visits in {seconds:.1f} s")
                grown = await stats(app, runtime, rounds)
                growth(count, grow_to, first, grown)
            if only in ("all", "export"):
                await export(runtime, export_rounds, participants)
            if only == "all":
                await annual(app, runtime, crowded, random.Random(7))
        finally:
            await app.shutdown()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)


def side_by_side(name: str, old: Timing, new: Timing) -> str:
    return (
        f"{name:<46} {old.quantile(0.5) * 1000:>9.1f} {old.quantile(0.99) * 1000:>9.1f} "
        f"{new.quantile(0.5) * 1000:>9.1f} {new.quantile(0.99) * 1000:>9.1f} "
        f"{old.quantile(0.99) / new.quantile(0.99):>8.1f}x"
    )


async def stats(app: Any, runtime: Runtime, rounds: int) -> dict[str, tuple[Timing, Timing]]:
    """/stats the old way and the new way, side by side; returns (old, new) timings by line."""
    update_ids, changes = UPDATE_IDS, CHANGES  # go on across calls: a repeated update id is dropped as seen
    charts = stats_charts(app.bot_data, runtime)

    async def command(text: str) -> None:
        message = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": ADMIN, "type": "private", "first_name": "Admin"},
            "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }
        await app.process_update(Update.de_json({"update_id": next(update_ids), "message": message}, app.bot))

    async def change() -> None:
        """One visit recorded through the repository, as staff would: the register's generation moves."""
        number = next(changes)
        draft = VisitDraft(
            TOWNS[number % len(TOWNS)], Direction.INCOMING, date(2024, 5, 1 + number % 28), None,
            DelegationType.CULTURAL, 5, f"bench change {number}",
        )  # fmt: skip
        await runtime.visits.record(draft, ADMIN, f"bench-{time.monotonic_ns()}", allow_similar=True)

    def the_old_way() -> None:
        """The summary from Python objects, and no drawing on change: the request that comes next draws."""
        stats_module.stats_summary = per_row_stats_summary  # type: ignore[assignment]
        if charts.changed in runtime.visits.on_change:
            runtime.visits.on_change.remove(charts.changed)

    def the_new_way() -> None:
        stats_module.stats_summary = sql_stats_summary
        if charts.changed not in runtime.visits.on_change:
            runtime.visits.on_change.append(charts.changed)

    async def after_change(text: str, *, settle_first: bool) -> Callable[[], Awaitable[Any]]:
        async def one() -> Any:
            await change()
            if settle_first:
                await charts.settled()  # the drawing the change started, in the background
            start = time.perf_counter()
            await command(text)
            elapsed = time.perf_counter() - start
            await charts.settled()
            return elapsed

        return one

    async def measured(label: str, count: int, action: Callable[[], Awaitable[Any]]) -> Timing:
        """Like timed(), but the action returns the seconds to count (the change before is not timed)."""
        await action()
        gc.collect()
        return Timing(label, [await action() for _ in range(count)])

    async def redraw_time() -> float:
        await change()
        start = time.perf_counter()
        await charts.settled()
        return time.perf_counter() - start

    lines: dict[str, tuple[Timing, Timing]] = {}
    lines["summary, all years (queries + summary)"] = (
        await timed("old", rounds, lambda: per_row_stats_summary(runtime, None)),
        await timed("new", rounds, lambda: sql_stats_summary(runtime, None)),
    )
    lines["summary, 2025 (queries + summary)"] = (
        await timed("old", rounds, lambda: per_row_stats_summary(runtime, 2025)),
        await timed("new", rounds, lambda: sql_stats_summary(runtime, 2025)),
    )
    the_old_way()
    old_first = await measured("old", rounds, await after_change("/stats", settle_first=False))
    old_year = await measured("old", rounds, await after_change("/stats 2025", settle_first=False))
    old_warm = await timed("old", rounds * 5, lambda: command("/stats"))
    the_new_way()
    await charts.prewarm()
    new_first = await measured("new", rounds, await after_change("/stats", settle_first=True))
    new_at_once = await measured("new", rounds, await after_change("/stats", settle_first=False))
    new_year = await measured("new", rounds, await after_change("/stats 2025", settle_first=True))
    new_warm = await timed("new", rounds * 5, lambda: command("/stats"))
    drawn = charts.drawn
    redraws = Timing("redraw", [await redraw_time() for _ in range(rounds)])
    views = 2 + len(charts.recent)  # all years in ru and en, and the year asked for lately
    assert charts.drawn == drawn + views * rounds, "a chart was drawn twice, or not at all"
    lines["/stats handler, first open after a change"] = (old_first, new_first)
    lines["/stats at once after a change (waits for drawing)"] = (old_first, new_at_once)
    lines["/stats 2025 handler, first open after a change"] = (old_year, new_year)
    lines["/stats handler, warm (register unchanged)"] = (old_warm, new_warm)

    print(f"{rounds} rounds per line (warm: {rounds * 5}), times in ms; ratio = old p99 / new p99")
    print(f"{'measurement':<46} {'old p50':>9} {'old p99':>9} {'new p50':>9} {'new p99':>9} {'ratio':>9}")
    for name, (old, new) in lines.items():
        print(side_by_side(name, old, new))
    print(
        f"{'new: the redraw after a change (background)':<46} {'':>9} {'':>9} "
        f"{redraws.quantile(0.5) * 1000:>9.1f} {redraws.quantile(0.99) * 1000:>9.1f}   ({views} charts, off the loop)"
    )
    first_p99 = new_first.quantile(0.99) * 1000
    print(f"/stats first open after a change, new p99 against the 50 ms target: {first_p99 / 50:.2f}")
    return lines


def growth(
    small: int, large: int, first: dict[str, tuple[Timing, Timing]], grown: dict[str, tuple[Timing, Timing]]
) -> None:
    print(f"\ngrowth {small:,} -> {large:,} visits: p99 at {large:,} / p99 at {small:,}")
    print(f"{'measurement':<46} {'old':>9} {'new':>9}")
    for name, (old, new) in grown.items():
        before_old, before_new = first[name]
        print(
            f"{name:<46} {old.quantile(0.99) / before_old.quantile(0.99):>8.1f}x "
            f"{new.quantile(0.99) / before_new.quantile(0.99):>8.1f}x"
        )
    new_first = grown["/stats handler, first open after a change"][1].quantile(0.99) * 1000
    print(f"/stats first open after a change at {large:,}, new p99 against 2 x 50 ms: {new_first / 100:.2f}")


async def seed_participants(runtime: Runtime, share: float, rng: random.Random) -> tuple[int, int]:
    """Participants for `share` of the visits (2..12 each, the first the head), as /participants records
    them: the register's head and participants columns filled where a real register fills them."""
    ids = [
        row[0] for row in await runtime.database.fetchall("SELECT id FROM visits WHERE deleted_at IS NULL")
    ]
    chosen = rng.sample(ids, round(len(ids) * share))
    rows = []
    for visit_id in chosen:
        for position in range(1, rng.randint(2, 12) + 1):
            role = "руководитель делегации" if position == 1 else rng.choice(("", "переводчик", "teacher"))
            rows.append(
                (visit_id, position, f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}", role, int(position == 1))
            )
    async with runtime.database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO visit_participants (visit_id, position, name, role, head) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return len(chosen), len(rows)


SURNAMES = ("Иванов", "Петрова", "Tamm", "Virtanen", "Hansen", "Schmidt", "Смирнова", "Wang")
NAMES = ("Иван", "Анна", "Mari", "Mikko", "Ola", "Jonas", "Ольга", "Li")


def xlsxwriter_alone(rows: list[list[tuple[Any, ...]]], lang: Language) -> float:
    """Seconds XlsxWriter takes by itself for the cells the new writer writes (the same values, formats
    and sheet set-up), converted beforehand and then timed alone: what no change of ours can save."""
    from bot.exports.files import _EXCEL_EPOCH, _WRAPPED_COLUMNS, FORMULA_STARTS, XlsxFile

    file = XlsxFile(lang, PUBLIC_COLUMNS, rows[0] if rows else ())
    prepared: list[list[tuple[int, Any, Any, bool]]] = []
    for batch in rows:
        for row in batch:
            cells: list[tuple[int, Any, Any, bool]] = []
            for index, value in enumerate(row):
                if isinstance(value, datetime):
                    seconds = value.hour * 3600 + value.minute * 60 + value.second
                    serial = value.toordinal() - _EXCEL_EPOCH + seconds / 86400
                    cells.append((index, serial, file.stamp_format, False))
                elif isinstance(value, date):
                    cells.append((index, value.toordinal() - _EXCEL_EPOCH, file.date_format, False))
                elif isinstance(value, str) and value:
                    wrapped, quoted = (
                        PUBLIC_COLUMNS[index] in _WRAPPED_COLUMNS,
                        value.startswith(FORMULA_STARTS),
                    )
                    formats = {
                        (True, True): file.quoted_wrapped_format,
                        (True, False): file.wrapped_format,
                        (False, True): file.quoted_format,
                        (False, False): None,
                    }
                    cells.append((index, value, formats[wrapped, quoted], True))
                elif isinstance(value, int):
                    cells.append((index, value, None, False))
            prepared.append(cells)
    sheet = file.sheet
    write_string, write_number = sheet.write_string, sheet.write_number
    gc.collect()
    started = time.perf_counter()
    for number, cells in enumerate(prepared, start=1):
        for index, value, cell_format, text in cells:
            if text:
                write_string(number, index, value, cell_format)
            else:
                write_number(number, index, value, cell_format)
    file.rows = len(prepared)
    file.finish()
    return time.perf_counter() - started


async def export(runtime: Runtime, rounds: int, participants: float) -> None:
    """The whole register as .xlsx, .csv and both (as /export sends them), old and new, best of `rounds`."""
    if participants:
        with_people, people = await seed_participants(runtime, participants, random.Random(8))
        print(f"participants: {people:,} for {with_people:,} visits (head and participants columns filled)")
    count = await runtime.visits.count()

    async def old_xlsx() -> int:
        rows = await load_register(runtime, "ru")
        await asyncio.to_thread(openpyxl_write_xlsx, rows, "ru")
        return len(rows)

    async def old_csv() -> int:
        rows = await load_register(runtime, "ru")
        await asyncio.to_thread(write_csv, rows, "ru")
        return len(rows)

    async def old_both() -> int:
        rows = await load_register(runtime, "ru")
        await asyncio.to_thread(lambda: (openpyxl_write_xlsx(rows, "ru"), write_csv(rows, "ru")))
        return len(rows)

    async def new(formats: tuple[str, ...]) -> int:
        batches = await register_batches(runtime, "ru")
        _, written = await asyncio.to_thread(write_files, batches, "ru", formats)
        return written

    async def new_rows_only() -> int:
        batches = await register_batches(runtime, "ru")
        return await asyncio.to_thread(lambda: sum(len(batch) for batch in batches))

    async def best_of_both(
        old: Callable[[], Awaitable[int]], new: Callable[[], Awaitable[int]]
    ) -> tuple[float, float, list[float], list[float]]:
        """Best of `rounds` each, the two ways taking turns: a machine busy with other work slows both alike."""
        times: dict[Any, list[float]] = {old: [], new: []}
        for _ in range(rounds):
            for action in (old, new):
                gc.collect()
                start = time.perf_counter()
                assert await action() == count
                times[action].append(time.perf_counter() - start)
        return min(times[old]), min(times[new]), times[old], times[new]

    async def peak(action: Callable[[], Awaitable[int]]) -> float:
        gc.collect()
        tracemalloc.start()
        try:
            await action()
            return tracemalloc.get_traced_memory()[1] / 1_000_000
        finally:
            tracemalloc.stop()

    print()
    print(
        f"export of the whole register ({count:,} rows): best of {rounds}, old and new taking turns; "
        "memory: tracemalloc peak, one run"
    )
    print(
        f"{'step':<34} {'old s':>7} {'old rows/s':>11} {'old MB':>7} "
        f"{'new s':>7} {'new rows/s':>11} {'new MB':>7} {'speed':>7} {'memory':>7}"
    )
    xlsx_new = 0.0
    for name, old, fresh in (
        (".xlsx (load + write)", old_xlsx, lambda: new(("xlsx",))),
        (".csv (load + write)", old_csv, lambda: new(("csv",))),
        (".xlsx + .csv (as /export sends)", old_both, lambda: new(("xlsx", "csv"))),
    ):
        old_s, new_s, old_all, new_all = await best_of_both(old, fresh)
        old_mb, new_mb = await peak(old), await peak(fresh)
        print(
            f"{name:<34} {old_s:>7.2f} {count / old_s:>11,.0f} {old_mb:>7.0f} "
            f"{new_s:>7.2f} {count / new_s:>11,.0f} {new_mb:>7.0f} {old_s / new_s:>6.1f}x {old_mb / new_mb:>6.1f}x"
        )
        print(
            f"{'  every round, s':<34} old {' '.join(f'{t:.2f}' for t in old_all)}; new {' '.join(f'{t:.2f}' for t in new_all)}"
        )
        if name.startswith(".xlsx (load"):
            xlsx_new = new_s
    print(f".xlsx new against the issue's 21.4 s (openpyxl, 4,663 rows/s): {21.4 / xlsx_new:.1f}x")
    # where the new .xlsx time goes: reading and making the rows, and XlsxWriter by itself
    started = time.perf_counter()
    await new_rows_only()
    reading = time.perf_counter() - started
    batches = list(await register_batches(runtime, "ru"))
    alone = await asyncio.to_thread(xlsxwriter_alone, batches, "ru")
    print(
        f"new .xlsx, {xlsx_new:.2f} s: reading and making the rows {reading:.2f} s ({reading / xlsx_new:.0%}); "
        f"XlsxWriter alone on the same cells {alone:.2f} s ({alone / xlsx_new:.0%}); "
        f"the rest, our cell loop, {xlsx_new - reading - alone:.2f} s"
    )
    print("(tracemalloc counts Python's allocations: not SQLite's page cache nor lxml's buffers)")


def openpyxl_write_xlsx(rows: list[Any], lang: Language, columns: tuple[str, ...] = PUBLIC_COLUMNS) -> bytes:
    """The old writer, unchanged: openpyxl in write-only mode, every row given as a list in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, NamedStyle
    from openpyxl.utils import get_column_letter

    from bot.exports.files import (
        _CONTROL,
        _WRAPPED_COLUMNS,
        DATE_FORMAT,
        DATETIME_FORMAT,
        FORMULA_STARTS,
        XLSX_CELL_LIMIT,
        _widths,
        print_setup,
    )
    from bot.exports.register import headers, label

    titles = headers(lang, columns)
    workbook = Workbook(write_only=True)
    wrapped = NamedStyle("wrapped", alignment=Alignment(wrap_text=True, vertical="top"))
    workbook.add_named_style(wrapped)
    sheet: Any = workbook.create_sheet(label(lang, "reports.export.sheet")[:31])
    sample = [row.values(columns) for row in rows[:2000]]  # the sample the old _widths took itself
    for index, width in enumerate(_widths(sample, titles, lang), start=1):
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
                    cell.data_type = "s"
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
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def annual(app: Any, runtime: Runtime, crowded: int, rng: random.Random) -> None:
    """The annual report: each step once per year measured (a report is made once, not in a loop)."""
    from bot.exports.annual import load_report
    from bot.exports.annual_pdf import write_report_pdf
    from bot.exports.annual_xlsx import write_report_xlsx

    async def steps(year: int) -> list[tuple[str, float, int]]:
        start = time.perf_counter()
        made = await load_report(runtime, "ru", year)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        workbook = write_report_xlsx(made)
        xlsx = time.perf_counter() - start
        start = time.perf_counter()
        pdf = write_report_pdf(made)
        pdf_time = time.perf_counter() - start
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        return [
            (f"{year}: {len(made.held) + len(made.planned):,} visits, load (2 years)", loaded, 0),
            (f"{year}: write .xlsx", xlsx, len(workbook)),
            (f"{year}: write .pdf (~{pages} pages)", pdf_time, len(pdf)),
            (f"{year}: total", loaded + xlsx + pdf_time, 0),
        ]

    print()
    print("annual report (/report), one run each")
    print(f"{'step':<44} {'seconds':>9} {'size':>12}")
    lines = await steps(2025)
    handler_started = time.perf_counter()
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": ADMIN, "type": "private", "first_name": "Admin"},
        "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"},
        "text": "/report 2025",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
    }
    await app.process_update(Update.de_json({"update_id": 999_999, "message": message}, app.bot))
    await settle(app)  # the handler and the report's task run concurrently: wait for the files
    await asyncio.gather(*app._Application__create_task_tasks)
    lines.append(("/report 2025 handler (files sent)", time.perf_counter() - handler_started, 0))
    await seed_year(runtime, 2023, crowded, rng)
    lines.extend(await steps(2023))
    for name, seconds, size in lines:
        size_text = f"{size / 1_000_000:.1f} MB" if size else ""
        print(f"{name:<44} {seconds:>9.2f} {size_text:>12}")
    ordinary = next(seconds for name, seconds, _ in lines if name == "2025: total")
    crowded_total = next(seconds for name, seconds, _ in lines if name == "2023: total")
    print(
        f"crowded / ordinary year, total time: {crowded_total / ordinary:.1f}x; against the one-minute target: "
        f"{ordinary / 60:.2f} and {crowded_total / 60:.2f}"
    )


async def seed_year(runtime: Runtime, year: int, count: int, rng: random.Random) -> None:
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    rows = []
    for number in range(count):
        start = date.fromordinal(rng.randint(first, last))
        rows.append(
            (
                rng.choice(TOWNS),
                rng.choice((Direction.INCOMING.value, Direction.OUTGOING.value)),
                start.isoformat(),
                None,
                rng.choice(list(DelegationType)).value,
                rng.randint(1, 60),
                f"Crowded {number}: Town Day, school exchange and a long purpose that wraps in the PDF list",
                "",
                ADMIN,
                ADMIN,
            )
        )
    async with runtime.database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO visits (town_key, direction, start_date, end_date, kind, people, purpose, notes, "
            "created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--grow-to", type=int, default=0, help="then add visits up to this many, /stats again"
    )
    parser.add_argument("--only", choices=("all", "stats", "export"), default="all")
    parser.add_argument("--export-rounds", type=int, default=2, help="best of this many exports")
    parser.add_argument(
        "--participants", type=float, default=0.3, help="share of visits given participants before the export"
    )
    parser.add_argument(
        "--crowded-year", type=int, default=10_000, help="visits added to 2023 for the report"
    )
    args = parser.parse_args()
    asyncio.run(
        run(
            args.visits,
            args.rounds,
            args.crowded_year,
            args.grow_to,
            args.only,
            args.export_rounds,
            args.participants,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
