"""The register's statistics as SQL aggregates: visits, headcount and visits without one, grouped.

A stretch of days is cut into whole years, read from ``visit_years`` (towns x 2 rows a year), whole
months of the part years, from ``visit_months`` (12 x towns x 2 a year), and the days of the part months
at its two ends, the only single visits read (through the date index). Both tables are kept by triggers
(migration 0010) and hold as many rows at a million visits as at 100,000: /stats costs about the same,
where reading every visit (or building a Python object per visit) grew with the register.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from bot.core.visits import Direction
from storage.database import Database

Grouping = Literal["cell", "year", "month", "town", "total"]
_GROUP_COLUMNS: dict[Grouping, tuple[str, ...]] = {
    "cell": ("year", "town_key", "direction"),
    "year": ("year", "direction"),
    "month": ("month", "direction"),
    "town": ("town_key",),
    "total": (),
}
_WHOLE_YEARS = (
    "SELECT year, 0 AS month, town_key, direction, visits, people, unknown FROM visit_years "
    "WHERE year >= ? AND year <= ?"
)
_WHOLE_MONTHS = (
    "SELECT year, month, town_key, direction, visits, people, unknown FROM visit_months "
    "WHERE (year, month) >= (?, ?) AND (year, month) <= (?, ?)"
)
# a part month: the live visits of those days, one row each (deleted_at IS NULL: the date index); a
# place that is not a partner is counted as the tallies count it (bot.core.visits.places.OTHER_TOWN)
_SINGLE_VISITS = (
    "SELECT CAST(substr(start_date, 1, 4) AS INTEGER) AS year, CAST(substr(start_date, 6, 2) AS INTEGER) "
    "AS month, coalesce(town_key, '~other') AS town_key, direction, 1 AS visits, coalesce(people, 0) AS people, people IS NULL AS unknown "
    "FROM visits WHERE deleted_at IS NULL AND start_date >= ? AND start_date <= ?"
)


@dataclass(frozen=True, slots=True)
class Tally:
    """Live visits, their headcount (where given) and how many have none."""

    visits: int = 0
    people: int = 0
    unknown: int = 0


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The visits of a stretch by period (year or month) and direction, and by town."""

    periods: tuple[tuple[int, Direction, int], ...]  # (year or month, direction, visits), ascending
    towns: tuple[tuple[str, int], ...]  # (town key, visits), most first, then by key
    total: Tally


def whole_years(first: date, last: date) -> tuple[int, int] | None:
    """The first and last of the whole years within first..last, or None when there are none."""
    start = first.year if (first.month, first.day) == (1, 1) else first.year + 1
    end = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    return (start, end) if start <= end else None


def whole_months(first: date, last: date) -> tuple[date, date] | None:
    """The first and last day of the whole months within first..last, or None when there are none."""
    start = first if first.day == 1 else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = last if (last + timedelta(days=1)).day == 1 else last.replace(day=1) - timedelta(days=1)
    return (start, end) if start <= end else None


class VisitStatistics:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def grouped(self, first: date, last: date, by: Grouping) -> list[tuple[Any, ...]]:
        """(the grouping's columns..., visits, people, unknown) of the live visits starting first..last,
        in the grouping's order; groups without visits are left out."""
        if first > last:
            return []
        parts: list[str] = []
        parameters: list[Any] = []
        rest = [(first, last)]
        years = whole_years(first, last) if by != "month" else None  # the year tally has no months
        if years is not None:
            parts.append(_WHOLE_YEARS)
            parameters += list(years)
            rest = [(first, date(years[0], 1, 1) - timedelta(days=1))] if years[0] > first.year else []
            if years[1] < last.year:
                rest.append((date(years[1] + 1, 1, 1), last))
        for low, high in rest:
            months = whole_months(low, high) if high < date.max else None
            edges = [(low, high)]
            if months is not None:
                start, end = months
                parts.append(_WHOLE_MONTHS)
                parameters += [start.year, start.month, end.year, end.month]
                edges = [(low, start - timedelta(days=1))] if low < start else []
                if end < high:
                    edges.append((end + timedelta(days=1), high))
            for edge_low, edge_high in edges:
                parts.append(_SINGLE_VISITS)
                parameters += [edge_low.isoformat(), edge_high.isoformat()]
        columns = ", ".join(_GROUP_COLUMNS[by])
        # only this module's fixed fragments are joined; every value is a parameter
        select = f"SELECT {columns + ', ' if columns else ''}sum(visits) AS n, sum(people), sum(unknown)"
        sql = f"{select} FROM ({' UNION ALL '.join(parts)})"
        if columns:
            order = "n DESC, town_key" if by == "town" else columns
            sql += f" GROUP BY {columns} HAVING n > 0 ORDER BY {order}"
        rows = await self.db.fetchall(sql, parameters)
        return [tuple(row) for row in rows if row["n"]]

    async def tally(self, first: date, last: date) -> Tally:
        rows = await self.grouped(first, last, "total")
        return Tally(*(int(value) for value in rows[0])) if rows else Tally()

    async def breakdown(self, first: date, last: date, *, by_month: bool) -> Breakdown:
        """Visits first..last per year (or month) and direction, per town, and in all."""
        periods = await self.grouped(first, last, "month" if by_month else "year")
        towns = await self.grouped(first, last, "town")
        return Breakdown(
            periods=tuple(
                (int(period), Direction(direction), int(n)) for period, direction, n, _, _ in periods
            ),
            towns=tuple((str(key), int(n)) for key, n, _, _ in towns),
            total=_sum(periods),
        )

    async def by_year(self, first: date, last: date) -> tuple[Breakdown, dict[int, Tally]]:
        """As breakdown() per year, and the tally of each year, from one query: the single visits of the
        part months are read once (at a million visits a part month holds ~1,100 of them)."""
        cells = await self.grouped(first, last, "cell")
        periods: dict[tuple[int, str], int] = {}
        towns: dict[str, int] = {}
        years: dict[int, list[int]] = {}
        for year, town_key, direction, n, people, unknown in cells:
            periods[(year, direction)] = periods.get((year, direction), 0) + n
            towns[town_key] = towns.get(town_key, 0) + n
            tally = years.setdefault(year, [0, 0, 0])
            tally[0] += n
            tally[1] += people
            tally[2] += unknown
        return (
            Breakdown(
                periods=tuple(
                    (year, Direction(direction), n) for (year, direction), n in sorted(periods.items())
                ),
                towns=tuple(sorted(towns.items(), key=lambda item: (-item[1], item[0]))),
                total=_sum(cells),
            ),
            {year: Tally(*tally) for year, tally in years.items()},
        )


def _sum(rows: Sequence[tuple[Any, ...]]) -> Tally:
    return Tally(
        sum(int(row[-3]) for row in rows),
        sum(int(row[-2]) for row in rows),
        sum(int(row[-1]) for row in rows),
    )
