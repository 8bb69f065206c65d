"""Finding visits: the register filtered by town, direction, type and period, and searched in its texts
(migration 0010_visit_search: an FTS5 index), plus the filters kept for page buttons.

Kept apart from storage/visits.py (writes, /stats aggregates): reading only, except the filter rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.visits import Visit
from bot.core.visits.filters import VisitFilter
from storage.database import Database
from storage.visits import _COLUMNS, _visit

FEW_HITS = 3000  # up to this many hits a search starts from them (see _source)

# The texts the search reads, as columns of the FTS table visits_fts. Participants (another change) go
# here and into a migration that recreates visits_fts with them: nothing else in this module changes.
SEARCH_COLUMNS: tuple[str, ...] = ("purpose", "notes")
FILTER_KEEP_DAYS = 180
FILTER_REFRESH_DAYS = 30  # a kept filter's use is noted again after this long (not on every list)


@dataclass(frozen=True, slots=True)
class FoundSummary:
    """The counts a staff question is answered with."""

    visits: int
    people: int
    incoming: int
    outgoing: int
    towns: tuple[tuple[str, int], ...]  # (town key, visits), most first


def match_query(terms: tuple[str, ...]) -> str:
    """An FTS5 query: every term as the beginning of a word in any of SEARCH_COLUMNS.

    Terms are word characters only (bot.core.visits.filters.search_terms), so quoting them is enough.
    """
    columns = " ".join(SEARCH_COLUMNS)
    return " AND ".join(f'{{{columns}}} : "{term}"*' for term in terms)


def _source(found: VisitFilter, *, from_hits: bool) -> tuple[str, list[Any]]:
    """FROM ... WHERE ... of the visits a filter asks for.

    A text search reads the index's hits first. `from_hits`: few hits, each joined to its visit by id
    (CROSS JOIN keeps that order). Otherwise the visits are walked by the usual indexes (newest first, or
    a town's) and each tested against the hits: joining 100,000 hits of a word every visit has costs
    ~40 ms, walking the date index to the first page ~1 ms.
    """
    conditions = ["deleted_at IS NULL"]
    parameters: list[Any] = []
    source = "visits"
    if found.terms and from_hits:
        source = (
            "(SELECT rowid AS hit FROM visits_fts WHERE visits_fts MATCH ?) AS found "
            "CROSS JOIN visits ON visits.id = found.hit"
        )
        parameters.append(match_query(found.terms))
    elif found.terms:
        # "+id": not the rowid look-up the planner prefers (then a sort of every hit), the indexes' walk
        conditions.append("+id IN (SELECT rowid FROM visits_fts WHERE visits_fts MATCH ?)")
        parameters.append(match_query(found.terms))
    if found.town_keys:
        conditions.append(f"town_key IN ({', '.join('?' * len(found.town_keys))})")
        parameters.extend(sorted(found.town_keys))
    if found.direction is not None:
        conditions.append("direction = ?")
        parameters.append(found.direction.value)
    if found.kinds:
        conditions.append(f"kind IN ({', '.join('?' * len(found.kinds))})")
        parameters.extend(sorted(kind.value for kind in found.kinds))
    if found.first is not None:
        conditions.append("start_date >= ?")
        parameters.append(found.first.isoformat())
    if found.last is not None:
        conditions.append("start_date <= ?")
        parameters.append(found.last.isoformat())
    return f"{source} WHERE {' AND '.join(conditions)}", parameters


class VisitSearch:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def hits(self, found: VisitFilter) -> int:
        """How many live visits have every search term (the index holds live visits only)."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM visits_fts WHERE visits_fts MATCH ?", (match_query(found.terms),)
        )
        return int(row[0]) if row else 0

    async def _plan(self, found: VisitFilter) -> tuple[str, list[Any]]:
        few = bool(found.terms) and await self.hits(found) <= FEW_HITS
        return _source(found, from_hits=few)

    async def count(self, found: VisitFilter) -> int:
        if found.terms and found == VisitFilter(terms=found.terms):
            return await self.hits(found)  # nothing but words: the index counts them alone
        source, parameters = await self._plan(found)
        row = await self.db.fetchone(f"SELECT count(*) FROM {source}", parameters)
        return int(row[0]) if row else 0

    async def page(self, found: VisitFilter, *, limit: int, offset: int = 0) -> list[Visit]:
        """Visits newest first (by start date, then id), as /visits lists them."""
        source, parameters = await self._plan(found)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM {source} ORDER BY start_date DESC, id DESC LIMIT ? OFFSET ?",
            [*parameters, limit, offset],
        )
        return [_visit(row) for row in rows]

    async def summary(self, found: VisitFilter) -> FoundSummary:
        """Counts, headcount and the split by direction and town, in one pass over the visits found."""
        source, parameters = await self._plan(found)
        rows = await self.db.fetchall(
            "SELECT coalesce(town_key, '~other') AS town_key, count(*) AS n, coalesce(sum(people), 0) AS people, "
            f"coalesce(sum(direction = 'in'), 0) AS incoming FROM {source} GROUP BY 1",
            parameters,
        )
        visits = sum(int(row["n"]) for row in rows)
        incoming = sum(int(row["incoming"]) for row in rows)
        towns = sorted(
            ((str(row["town_key"]), int(row["n"])) for row in rows), key=lambda item: (-item[1], item[0])
        )
        return FoundSummary(
            visits=visits,
            people=sum(int(row["people"]) for row in rows),
            incoming=incoming,
            outgoing=visits - incoming,
            towns=tuple(towns),
        )

    # ---- filters behind page buttons -----------------------------------------------------------

    async def keep_filter(self, found: VisitFilter) -> str:
        """Store the filter (once per distinct filter) and return the token its buttons carry.

        A filter already kept and used within FILTER_REFRESH_DAYS is only read: showing a list writes
        (and syncs) nothing then."""
        token = found.token()
        # the reader has no clock_now(): the stamp is bound as a value
        fresh = await self.db.fetchone(
            "SELECT 1 FROM visit_filters WHERE token = ? AND used_at >= strftime('%Y-%m-%dT%H:%M:%fZ', ?, ?)",
            (token, self.db.stamp(), f"-{FILTER_REFRESH_DAYS} days"),
        )
        if fresh is not None:
            return token
        data = json.dumps(found.to_json(), ensure_ascii=False, sort_keys=True)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO visit_filters (token, filter, used_at) VALUES (?, ?, clock_now()) "
                "ON CONFLICT (token) DO UPDATE SET used_at = excluded.used_at",
                (token, data),
            )
            await conn.execute(
                "DELETE FROM visit_filters WHERE used_at < strftime('%Y-%m-%dT%H:%M:%fZ', clock_now(), ?)",
                (f"-{FILTER_KEEP_DAYS} days",),
            )
        return token

    async def kept_filter(self, token: str) -> object | None:
        """The JSON a token stands for (check it with VisitFilter.from_json), or None."""
        row = await self.db.fetchone("SELECT filter FROM visit_filters WHERE token = ?", (token,))
        if row is None:
            return None
        loaded: object = json.loads(str(row[0]))
        return loaded
