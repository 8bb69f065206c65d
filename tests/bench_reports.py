"""Benchmark of /stats and the register export (not a test): `python -m tests.bench_reports`.

With 100,000 visits in a fresh SQLite file (9 partner towns, 1955..2028), measured side by side in
one run, one process:

- /stats, all years and one year: the database queries, the chart drawing (matplotlib, Agg) and the
  caption, cold (the chart cache emptied before every round, as after any change to the register)
  and warm (the register unchanged since the last /stats); plus the whole handler through the real
  Application with an in-process Bot API stand-in (our own processing: no network, and no
  AIORateLimiter pacing, which only waits);
- export throughput: loading the register rows, then writing them as .xlsx and .csv (rows/s);
- the annual report (/report): loading a year, the workbook and the PDF, for a year of the register
  as seeded (~1,350 visits) and for a crowded year (--crowded-year visits more, default 10,000), and the
  whole /report handler for the ordinary year.

The issue's target for /stats is 50 ms p99 of our own processing. The visit register's own figures
(card, /visits, the statistics queries alone, recording throughput) are in `tests.bench_visits`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application, settle
from bot.config import parse_settings
from bot.console import ConsoleRequest
from bot.core.visits import DelegationType, Direction
from bot.exports.chart import render_chart
from bot.exports.files import write_csv, write_xlsx
from bot.handlers import reports as report_handlers
from bot.runtime import Runtime

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


async def run(count: int, rounds: int, crowded: int = 10_000) -> None:
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
            print(
                f"register: {live:,} visits seeded in {seconds:.1f} s; {rounds} rounds per line, times in ms"
            )
            await report(app, runtime, rounds)
            await annual(app, runtime, crowded, random.Random(7))
        finally:
            await app.shutdown()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)


async def report(app: Any, runtime: Runtime, rounds: int) -> None:
    charts = report_handlers._CHARTS
    update_ids = iter(range(1, 1_000_000))

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

    def cold(action: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def run_cold() -> Any:
            charts.clear()
            return await action()

        return run_cold

    summary_all = await report_handlers.stats_summary(runtime, None)
    summary_year = await report_handlers.stats_summary(runtime, 2025)
    lines = [
        await timed("stats, all years: queries + summary", rounds, lambda: report_handlers.stats_summary(runtime, None)),
        await timed("stats, 2025: queries + summary", rounds, lambda: report_handlers.stats_summary(runtime, 2025)),
        await timed("stats, all years: chart drawing", rounds, lambda: asyncio.to_thread(render_chart, summary_all, "ru", runtime.directory)),
        await timed("stats, 2025: chart drawing", rounds, lambda: asyncio.to_thread(render_chart, summary_year, "ru", runtime.directory)),
        await timed("stats, all years: cold (query+draw+caption)", rounds, cold(lambda: report_handlers.stats_chart(runtime, "ru", None))),
        await timed("stats, all years: warm (register unchanged)", rounds * 10, lambda: report_handlers.stats_chart(runtime, "ru", None)),
        await timed("/stats handler, cold", rounds, cold(lambda: command("/stats"))),
        await timed("/stats handler, warm", rounds * 10, lambda: command("/stats")),
        await timed("/stats 2025 handler, cold", rounds, cold(lambda: command("/stats 2025"))),
        await timed("/stats 2025 handler, warm", rounds * 10, lambda: command("/stats 2025")),
    ]  # fmt: skip
    print(f"{'measurement':<44} {'rounds':>6} {'p50':>9} {'p99':>9} {'max':>9}")
    for line in lines:
        print(line.row())
    cold_p99 = lines[6].quantile(0.99)
    warm_p99 = lines[7].quantile(0.99)
    print(
        f"/stats handler p99 against the 50 ms target: warm {warm_p99 * 1000 / 50:.2f}, cold {cold_p99 * 1000 / 50:.2f}"
    )
    print(f"cold / warm p99 (all years): {lines[6].quantile(0.99) / warm_p99:.0f}x")

    print()
    print(f"export of the whole register ({await runtime.visits.count():,} rows), best of 3")
    print(f"{'step':<44} {'seconds':>9} {'rows/s':>12} {'size':>12}")
    from bot.exports.register import load_register

    best: dict[str, tuple[float, int]] = {}
    rows: list[Any] = []
    for _ in range(3):
        start = time.perf_counter()
        rows = await load_register(runtime, "ru")
        elapsed = time.perf_counter() - start
        best["load rows (query + localise)"] = min(
            best.get("load rows (query + localise)", (1e9, 0)), (elapsed, 0)
        )
        for name, writer in (
            ("write .xlsx (openpyxl, write-only)", write_xlsx),
            ("write .csv (UTF-8 BOM)", write_csv),
        ):
            start = time.perf_counter()
            data = writer(rows, "ru")
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, (1e9, 0)), (elapsed, len(data)))
    for name, (elapsed, size) in best.items():
        size_text = f"{size / 1_000_000:.1f} MB" if size else ""
        print(f"{name:<44} {elapsed:>9.2f} {len(rows) / elapsed:>12,.0f} {size_text:>12}")
    xlsx, csv_ = best["write .xlsx (openpyxl, write-only)"][0], best["write .csv (UTF-8 BOM)"][0]
    print(f"csv / xlsx throughput: {xlsx / csv_:.1f}x")


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
        "--crowded-year", type=int, default=10_000, help="visits added to 2023 for the report"
    )
    args = parser.parse_args()
    asyncio.run(run(args.visits, args.rounds, args.crowded_year))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
