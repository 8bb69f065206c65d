"""What the public web pages may read of the database, and nothing else.

Every query here names its columns: a visit gives its dates, direction, kind and purpose; never its
notes, its number of people, who recorded or changed it, or when. tests/public/test_privacy.py holds the
list of columns of every table that may reach a page or the feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.visits import DelegationType, Direction
from storage.database import Database

# the columns of `visits` a page may show (the privacy test reads this)
PUBLIC_VISIT_COLUMNS = ("start_date", "end_date", "direction", "kind", "purpose")
# where the feed's Last-Modified comes from: the stamps of what the public calendar is made of
CALENDAR_STAMPS = (
    "SELECT max(updated_at) FROM towns",
    "SELECT max(updated_at) FROM town_day_rules",
    "SELECT max(updated_at) FROM town_day_dates",
    # a removed Town Day date or a changed agreement date leaves no row stamp behind: its audit entry does
    "SELECT max(at) FROM audit_log WHERE entity IN ('town', 'agreement', 'town_day')",
)


@dataclass(frozen=True, slots=True)
class PublicVisit:
    start: date
    end: date | None
    direction: Direction
    kind: DelegationType
    purpose: str


class PublicRegister:
    """The public part of the visit register: past visits (begun on or before `today`), newest first."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self._counts: dict[tuple[str, date, int], int] = {}

    async def count(self, town_key: str, today: date, generation: int | None = None) -> int:
        """How many; with the register's `generation` (it moves on with every write) the answer is kept
        until the register changes: counting a town's 20,000 visits is most of a page's time."""
        key = (town_key, today, generation if generation is not None else -1)
        if generation is not None and key in self._counts:
            return self._counts[key]
        row = await self.db.fetchone(
            "SELECT count(*) FROM visits WHERE town_key = ? AND deleted_at IS NULL AND start_date <= ?",
            (town_key, today.isoformat()),
        )
        total = int(row[0]) if row else 0
        if generation is not None:
            if len(self._counts) >= 256:
                self._counts.clear()
            self._counts[key] = total
        return total

    async def page(self, town_key: str, today: date, offset: int, limit: int) -> list[PublicVisit]:
        rows = await self.db.fetchall(
            "SELECT start_date, end_date, direction, kind, purpose FROM visits "
            "WHERE town_key = ? AND deleted_at IS NULL AND start_date <= ? "
            "ORDER BY start_date DESC, id DESC LIMIT ? OFFSET ?",
            (town_key, today.isoformat(), limit, offset),
        )
        return [
            PublicVisit(
                start=date.fromisoformat(row["start_date"]),
                end=date.fromisoformat(row["end_date"]) if row["end_date"] else None,
                direction=Direction(row["direction"]),
                kind=DelegationType(row["kind"]),
                purpose=str(row["purpose"]),
            )
            for row in rows
        ]

    async def calendar_changed_at(self) -> str:
        """The latest stamp (ISO 8601 UTC) of anything the public calendar is made of; '' if none."""
        stamps = []
        for sql in CALENDAR_STAMPS:
            row = await self.db.fetchone(sql)
            if row is not None and row[0]:
                stamps.append(str(row[0]))
        return max(stamps, default="")
