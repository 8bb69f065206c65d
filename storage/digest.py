"""The monthly digest's side of the database: who opted in, and the month's public visits.

Only the public fields of visits are read (as on the public pages: storage.public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from bot.core.model import Language
from bot.core.visits import DelegationType, Direction
from storage.audit import write_audit
from storage.database import Database

NOTABLE = 5


@dataclass(frozen=True, slots=True)
class MonthVisit:
    town_key: str
    start: date
    direction: Direction
    kind: DelegationType
    purpose: str


class DigestStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def recipients(self) -> list[tuple[int, Language]]:
        """Active subscriptions that asked for the digest: (chat id, language)."""
        rows = await self.db.fetchall(
            "SELECT chat_id, language FROM subscriptions WHERE active = 1 AND digest = 1 ORDER BY chat_id"
        )
        return [(int(row[0]), cast(Language, row[1])) for row in rows]

    async def is_on(self, chat_id: int) -> bool:
        row = await self.db.fetchone("SELECT digest FROM subscriptions WHERE chat_id = ?", (chat_id,))
        return bool(row and row[0])

    async def set(self, chat_id: int, on: bool, actor_id: int) -> bool:
        """Switch the digest of a chat's subscription (audited); False when the chat has none."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT digest FROM subscriptions WHERE chat_id = ?", (chat_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            await conn.execute(
                "UPDATE subscriptions SET digest = ?, updated_at = clock_now() WHERE chat_id = ?",
                (int(on), chat_id),
            )
            await write_audit(
                conn,
                "subscription",
                chat_id,
                "digest_on" if on else "digest_off",
                actor_id,
                before={"digest": bool(row[0])},
                after={"digest": on},
            )
        return True

    async def counts(self, first: date, last: date) -> list[tuple[str, Direction, int]]:
        """Visits that began between first and last, per town and direction."""
        rows = await self.db.fetchall(
            "SELECT town_key, direction, count(*) FROM visits WHERE deleted_at IS NULL AND town_key IS NOT NULL "
            "AND start_date >= ? AND start_date <= ? GROUP BY town_key, direction ORDER BY town_key, direction",
            (first.isoformat(), last.isoformat()),
        )
        return [(str(row[0]), Direction(row[1]), int(row[2])) for row in rows]

    async def notable(self, first: date, last: date, limit: int = NOTABLE) -> list[MonthVisit]:
        """The month's visits worth naming: official delegations first, then the rest, by date."""
        rows = await self.db.fetchall(
            "SELECT town_key, start_date, direction, kind, purpose FROM visits WHERE deleted_at IS NULL "
            "AND town_key IS NOT NULL AND start_date >= ? AND start_date <= ? "
            "ORDER BY kind != 'official', start_date, id LIMIT ?",
            (first.isoformat(), last.isoformat(), limit),
        )
        return [
            MonthVisit(
                town_key=str(row[0]),
                start=date.fromisoformat(row[1]),
                direction=Direction(row[2]),
                kind=DelegationType(row[3]),
                purpose=str(row[4]),
            )
            for row in rows
        ]

    async def ledger_rows(self, event_key: str, occurrence: str) -> dict[int, tuple[int, str]]:
        """chat id -> (ledger row id, status) of one digest."""
        rows = await self.db.fetchall(
            "SELECT chat_id, id, status FROM delivery_ledger WHERE event_key = ? AND occurrence = ? "
            "AND lead_days = 0",
            (event_key, occurrence),
        )
        return {int(row[0]): (int(row[1]), str(row[2])) for row in rows}
