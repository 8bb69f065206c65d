"""Finding visits: the register filtered by town, direction, type and period, and searched in its texts
(migration 0010_visit_search: an FTS5 index), plus the filters kept for page buttons.

Kept apart from storage/visits.py (writes, /stats aggregates): reading only, except the filter rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.visits import Direction, Visit
from bot.core.visits.filters import VisitFilter
from storage.database import Database
from storage.visits import _COLUMNS, _visit

# The texts the search reads, as columns of the FTS table visits_fts. Participants (another change) go
# here and into a migration that recreates visits_fts with them: nothing else in this module changes.
SEARCH_COLUMNS: tuple[str, ...] = ("purpose", "notes")
FILTER_KEEP_DAYS = 180


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


def _where(found: VisitFilter) -> tuple[str, list[Any]]:
    conditions = ["deleted_at IS NULL"]
    parameters: list[Any] = []
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
    if found.terms:
        conditions.append("id IN (SELECT rowid FROM visits_fts WHERE visits_fts MATCH ?)")
        parameters.append(match_query(found.terms))
    return " WHERE " + " AND ".join(conditions), parameters


class VisitSearch:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def count(self, found: VisitFilter) -> int:
        where, parameters = _where(found)
        row = await self.db.fetchone(f"SELECT count(*) FROM visits{where}", parameters)
        return int(row[0]) if row else 0

    async def page(self, found: VisitFilter, *, limit: int, offset: int = 0) -> list[Visit]:
        """Visits newest first (by start date, then id), as /visits lists them."""
        where, parameters = _where(found)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM visits{where} ORDER BY start_date DESC, id DESC LIMIT ? OFFSET ?",
            [*parameters, limit, offset],
        )
        return [_visit(row) for row in rows]

    async def summary(self, found: VisitFilter) -> FoundSummary:
        where, parameters = _where(found)
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(people), 0), coalesce(sum(direction = ?), 0), "
            f"coalesce(sum(direction = ?), 0) FROM visits{where}",
            [Direction.INCOMING.value, Direction.OUTGOING.value, *parameters],
        )
        towns = await self.db.fetchall(
            f"SELECT town_key, count(*) AS n FROM visits{where} GROUP BY town_key ORDER BY n DESC, town_key",
            parameters,
        )
        visits, people, incoming, outgoing = (int(value) for value in row) if row else (0, 0, 0, 0)
        return FoundSummary(
            visits, people, incoming, outgoing, tuple((str(r["town_key"]), int(r["n"])) for r in towns)
        )

    # ---- filters behind page buttons -----------------------------------------------------------

    async def keep_filter(self, found: VisitFilter) -> str:
        """Store the filter (once per distinct filter) and return the token its buttons carry."""
        token = found.token()
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
