"""The /stats summary the way it was made before the SQL aggregates: a Python object per visit.

Kept as the naive reference: tests/handlers/test_stats_charts.py checks that the SQL summary
(bot/exports/stats.py) equals it on random registers, and tests/bench_reports.py times both side by side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from bot.core.visits import Direction, Visit
from bot.exports.annual import same_day_last_year
from bot.exports.summary import PeriodCounts, StatsSummary, Stretch, TownCounts, summarize
from bot.runtime import Runtime


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


async def per_row_stats_summary(rt: Runtime, year: int | None) -> StatsSummary:
    """The old bot.handlers.reports.stats_summary, unchanged."""
    today = rt.today()
    if year is None:
        planned = await rt.visits.planned(today)
        periods, towns = without_planned(
            await rt.visits.yearly_counts(), await rt.visits.town_counts(), planned, by_month=False
        )
        first_year = min((period for period, _, _ in periods), default=today.year)
        everything = await rt.visits.totals(date(first_year, 1, 1), today)
        this_year = await stretch(rt, date(today.year, 1, 1), today)
        previous = await stretch(rt, date(today.year - 1, 1, 1), same_day_last_year(today))
        return summarize(
            periods,
            towns,
            planned=len(planned),
            people=everything[1],
            unknown_people=everything[2],
            period=Stretch(date(first_year, 1, 1), today, everything[0], everything[1]),
            previous=previous,
            this_year=this_year,
        )
    visits = await rt.visits.list(year=year)
    planned = [visit for visit in visits if visit.planned(today)]
    held = [visit for visit in visits if not visit.planned(today)]
    towns = without_planned([], await rt.visits.town_counts(year=year), planned, by_month=True)[1]
    last = min(date(year, 12, 31), today)
    people = sum(visit.people or 0 for visit in held)
    return summarize(
        monthly_counts(held),
        towns,
        year,
        planned=len(planned),
        people=people,
        unknown_people=sum(visit.people is None for visit in held),
        period=Stretch(date(year, 1, 1), last, len(held), people),
        previous=await stretch(rt, date(year - 1, 1, 1), same_day_last_year(last)),
    )


async def stretch(rt: Runtime, first: date, last: date) -> Stretch:
    visits, people, _ = await rt.visits.totals(first, last)
    return Stretch(first, last, visits, people)
