"""The statistics of the register: visits per year (or month) by direction and per town."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.visits import Direction
from bot.core.visits.places import OTHER_TOWN

TOP_TOWNS_IN_CAPTION = 3

PeriodCounts = Sequence[tuple[int, Direction, int]]  # (year or month, direction, visits)
TownCounts = Sequence[tuple[str, int]]  # (town key, visits)


@dataclass(frozen=True, slots=True)
class Stretch:
    """Visits and people over a stretch of days: the period shown, or the same days a year before."""

    first: date
    last: date
    visits: int
    people: int


@dataclass(frozen=True, slots=True)
class StatsSummary:
    year: int | None  # None: all years, periods are years; else periods are months of that year
    total: int
    incoming: int
    outgoing: int
    top_towns: tuple[tuple[str, int], ...]  # the first few, and whoever ties with the last of them
    busiest: tuple[tuple[int, ...], int] | None  # (the years or months with the most visits, that many)
    periods: tuple[tuple[int, int, int], ...]  # (period, incoming, outgoing), ascending
    towns: tuple[tuple[str, int], ...]  # most visits first
    planned: int = 0  # visits that start after today: not in the counts above
    people: int = 0  # the headcounts of the held visits, where staff gave one
    unknown_people: int = 0  # held visits without a headcount
    period: Stretch | None = None  # the days counted (first visit or 1 January .. today or 31 December)
    previous: Stretch | None = None  # the same months a year before (for all years: this year against it)
    this_year: Stretch | None = None  # all years only: this year so far, set against `previous`
    others: int = 0  # visits to places that are not partners: counted in total, shown apart ("другие: N")

    @property
    def empty(self) -> bool:
        return self.total == 0


def summarize(
    periods: PeriodCounts,
    towns: TownCounts,
    year: int | None = None,
    planned: int = 0,
    *,
    people: int = 0,
    unknown_people: int = 0,
    period: Stretch | None = None,
    previous: Stretch | None = None,
    this_year: Stretch | None = None,
) -> StatsSummary:
    split: dict[int, list[int]] = {}
    for when, direction, count in periods:
        pair = split.setdefault(when, [0, 0])
        pair[0 if direction is Direction.INCOMING else 1] += count
    ordered = tuple((period, pair[0], pair[1]) for period, pair in sorted(split.items()))
    incoming = sum(row[1] for row in ordered)
    outgoing = sum(row[2] for row in ordered)
    ranked = tuple(
        sorted(
            ((key, n) for key, n in towns if n > 0 and key != OTHER_TOWN),
            key=lambda item: (-item[1], item[0]),
        )
    )
    others = sum(n for key, n in towns if key == OTHER_TOWN and n > 0)
    busiest = None
    if ordered:
        # the most visits; a tie is a tie ("June, September: 1 each"), never one of them as the winner
        most = max(row[1] + row[2] for row in ordered)
        busiest = (tuple(row[0] for row in ordered if row[1] + row[2] == most), most)
    top = list(ranked[:TOP_TOWNS_IN_CAPTION])
    for key, n in ranked[TOP_TOWNS_IN_CAPTION:]:
        if n != top[-1][1]:
            break
        top.append((key, n))
    return StatsSummary(
        year=year,
        total=incoming + outgoing,
        incoming=incoming,
        outgoing=outgoing,
        top_towns=tuple(top),
        busiest=busiest,
        periods=ordered,
        towns=ranked,
        planned=planned,
        people=people,
        unknown_people=unknown_people,
        period=period,
        previous=previous,
        this_year=this_year,
        others=others,
    )
