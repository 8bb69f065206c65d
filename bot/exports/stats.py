"""/stats: the summary from SQL aggregates, and the charts, drawn when the register changes.

- `stats_summary`: a handful of GROUP BY queries over the monthly counts (storage/visit_stats.py), never
  a Python object per visit: ~the same time at a million visits as at 100,000.
- `StatsCharts`: the rendered (PNG, caption) pairs of one runtime, by (register generation, day, year,
  language, towns). Every write to the register (record, edit, delete, restore) tells it, and it draws
  the all-years charts (and the one-year charts asked for lately) again at once, in a worker thread,
  before anyone asks; a burst of writes costs one more drawing, not one each. A /stats that arrives while a chart is being drawn waits for that
  drawing: one chart is never drawn twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.model import LANGUAGES, Language
from bot.exports.annual import same_day_last_year
from bot.exports.chart import render_chart
from bot.exports.summary import StatsSummary, Stretch, summarize
from bot.replies.stats import only_planned_text, stats_caption
from storage.visit_stats import Tally, VisitStatistics

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

CHART_CACHE_SIZE = 16
RECENT_YEARS_REDRAWN = 4  # the one-year charts asked for lately are redrawn after a change too
Chart = tuple[bytes, str] | None  # (PNG, caption); b"" and a text when only planned; None: no visits


async def stats_summary(rt: Runtime, year: int | None) -> StatsSummary:
    """Counts of the visits held so far (started on or before today); planned ones are counted apart.

    With them: the headcount, the days counted, and the same months a year before (for one year: that
    year's stretch a year earlier; for all years: this year so far against the same months last year)."""
    today = rt.today()
    stats = VisitStatistics(rt.database)
    if year is None:
        held, years = await stats.by_year(date.min, today)
        first_year = min((period for period, _, _ in held.periods), default=today.year)
        so_far = years.get(today.year, Tally())  # held this year: 1 January .. today
        this_year = Stretch(date(today.year, 1, 1), today, so_far.visits, so_far.people)
        previous = await stretch(stats, date(today.year - 1, 1, 1), same_day_last_year(today))
        return summarize(
            held.periods,
            held.towns,
            planned=await rt.visits.count() - held.total.visits,
            people=held.total.people,
            unknown_people=held.total.unknown,
            period=Stretch(date(first_year, 1, 1), today, held.total.visits, held.total.people),
            previous=previous,
            this_year=this_year,
        )
    last = min(date(year, 12, 31), today)
    held = await stats.breakdown(date(year, 1, 1), last, by_month=True)
    return summarize(
        held.periods,
        held.towns,
        year,
        planned=await rt.visits.count(year=year) - held.total.visits,
        people=held.total.people,
        unknown_people=held.total.unknown,
        period=Stretch(date(year, 1, 1), last, held.total.visits, held.total.people),
        previous=await stretch(stats, date(year - 1, 1, 1), same_day_last_year(last)),
    )


async def stretch(stats: VisitStatistics, first: date, last: date) -> Stretch:
    tally = await stats.tally(first, last)
    return Stretch(first, last, tally.visits, tally.people)


@dataclass(slots=True)
class _Drawing:
    task: asyncio.Task[Chart]
    drawing: asyncio.Event = field(default_factory=asyncio.Event)  # set when the PNG is being drawn


class StatsCharts:
    """The /stats charts of one runtime: cached, drawn once each, and redrawn when the register changes."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._cache: OrderedDict[tuple[Any, ...], Chart] = OrderedDict()
        self._drawing: dict[tuple[Any, ...], _Drawing] = {}
        self._redraw: asyncio.Task[None] | None = None
        self._dirty = False
        self.drawn = 0  # charts drawn (for tests and the benchmark: never one twice)
        self.recent: OrderedDict[tuple[Language, int], None] = OrderedDict()  # (lang, year) asked lately
        rt.visits.on_change.append(self.changed)

    async def key(self, lang: Language, year: int | None) -> tuple[Any, ...]:
        rt = self.rt
        generation = await rt.visits.generation()
        return (generation, rt.today(), year, lang, id(rt.directory), rt.towns_version)

    def cached(self, key: tuple[Any, ...]) -> bool:
        return key in self._cache

    async def chart(
        self,
        lang: Language,
        year: int | None,
        before_drawing: Callable[[], Awaitable[object]] | None = None,
        *,
        remember: bool = True,
    ) -> Chart:
        """(PNG, caption) of the statistics, or None when there are no visits at all; when visits are
        only planned (none held yet) the PNG is empty and the caption is the text to send instead.

        `before_drawing` is awaited when this call has to wait for a drawing (to say "uploading…")."""
        if year is not None and remember:
            self.recent[(lang, year)] = None
            self.recent.move_to_end((lang, year))
            while len(self.recent) > RECENT_YEARS_REDRAWN:
                self.recent.popitem(last=False)
        key = await self.key(lang, year)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        job = self._drawing.get(key)
        if job is None:
            job = _Drawing(asyncio.get_running_loop().create_task(self._make(key, lang, year)))
            self._drawing[key] = job
            job.task.add_done_callback(lambda _: self._drawing.pop(key, None))
        if before_drawing is not None and not job.task.done():
            started = asyncio.ensure_future(job.drawing.wait())
            await asyncio.wait({job.task, started}, return_when=asyncio.FIRST_COMPLETED)
            started.cancel()
            if job.drawing.is_set():
                await before_drawing()
        # shielded: a waiter that goes away does not cancel the drawing the others wait for
        return await asyncio.shield(job.task)

    async def _chart(self, lang: Language, year: int | None) -> Chart:
        """As chart(), without counting as a view (a redraw is nobody's request)."""
        return await self.chart(lang, year, remember=False)

    async def _make(self, key: tuple[Any, ...], lang: Language, year: int | None) -> Chart:
        rt = self.rt
        summary = await stats_summary(rt, year)
        result: Chart
        if summary.empty:
            result = (b"", only_planned_text(summary, lang, rt.replies())) if summary.planned else None
        else:
            self._drawing[key].drawing.set()
            png = await asyncio.to_thread(render_chart, summary, lang, rt.directory)
            self.drawn += 1
            result = (png, stats_caption(summary, lang, rt.replies()))
        self._cache[key] = result
        while len(self._cache) > CHART_CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    # ---- redrawing when the register changes ----------------------------------------------------

    def changed(self) -> None:
        """Called by the visit repository after every committed write: draw the all-years charts anew."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a write made outside an event loop: the next /stats draws
            return
        self._dirty = True
        if self._redraw is None or self._redraw.done():
            self._redraw = loop.create_task(self._redraw_while_dirty(), name="stats-redraw")

    async def _redraw_while_dirty(self) -> None:
        while self._dirty:
            self._dirty = False
            await self.prewarm()

    async def prewarm(self) -> None:
        """The all-years charts for the current register, the default language first, then the one-year
        charts asked for lately (someone looking at a year tends to look again after a change)."""
        default = self.rt.settings.bot.default_language
        views: list[tuple[Language, int | None]] = [
            (lang, None) for lang in sorted(LANGUAGES, key=lambda code: code != default)
        ]
        views += reversed(self.recent)  # the latest first
        for lang, year in views:
            try:
                await self._chart(lang, year)
            except Exception:  # in the background, nobody to answer: logged, and the next /stats draws
                log.warning("drawing the /stats chart failed", exc_info=True)
                return

    async def settled(self) -> None:
        """Wait until the redrawing after the last change (if any) has finished."""
        while self._redraw is not None and not self._redraw.done():
            await asyncio.shield(self._redraw)


def stats_charts(bot_data: MutableMapping[str, Any], rt: Runtime) -> StatsCharts:
    """The charts of `rt`, kept in the application's bot_data (made, and subscribed, on first use)."""
    charts = bot_data.get("stats_charts")
    if not isinstance(charts, StatsCharts) or charts.rt is not rt:
        charts = bot_data["stats_charts"] = StatsCharts(rt)
    return charts
