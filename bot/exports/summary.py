"""The statistics of the register: visits per year (or month) by direction and per town."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.visits import Direction, Visit

TOP_TOWNS_IN_CAPTION = 3

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
