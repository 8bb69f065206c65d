"""Staff members added in chat by admins. Admins and staff from the config file are not stored here."""

from __future__ import annotations

from dataclasses import dataclass

from storage.audit import write_audit
from storage.database import Database


@dataclass(frozen=True, slots=True)
class StaffMember:
    user_id: int
    name: str
    added_by: int
    added_at: str


class StaffRepository:
    """Staff added in chat. Their ids are kept in memory: every private message is asked "is this
    staff?" (a staff member's question about the register), and the answer was a database round trip
    per update for a table that changes a few times a year. Changes made here update the set after
    their commit; :meth:`forget_cached` drops it when another process may have written
    (bot.runtime.Runtime.refresh, on SQLite's data_version)."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self._member_ids: frozenset[int] | None = None  # None: read at the next contains()
        self._changes = 0  # moves on at every forget_cached(): a read begun before it is not kept

    async def contains(self, user_id: int) -> bool:
        member_ids = self._member_ids
        if member_ids is None:
            changes = self._changes
            rows = await self.db.fetchall("SELECT user_id FROM staff_members")
            member_ids = frozenset(int(row[0]) for row in rows)
            if changes == self._changes:  # else a change committed meanwhile: this read may predate it
                self._member_ids = member_ids
        return user_id in member_ids

    def forget_cached(self) -> None:
        """Read the staff again at the next look-up (another process may have changed them)."""
        self._member_ids = None
        self._changes += 1

    async def all(self) -> list[StaffMember]:
        rows = await self.db.fetchall("SELECT * FROM staff_members ORDER BY added_at, user_id")
        return [StaffMember(row["user_id"], row["name"], row["added_by"], row["added_at"]) for row in rows]

    async def add(self, user_id: int, name: str, added_by: int) -> bool:
        """True when added, False when already staff."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO staff_members (user_id, name, added_by, added_at) VALUES (?, ?, ?, clock_now())",
                (user_id, name[:200], added_by),
            )
            added = cursor.rowcount == 1
            await cursor.close()
            if added:
                await write_audit(
                    conn, "staff", user_id, "create", added_by, after={"user_id": user_id, "name": name}
                )
        self.forget_cached()  # after the commit (or the rollback): the next look-up reads the table
        return added

    async def remember(self, user_id: int, name: str) -> None:
        """Keep the display name of someone who just acted (table `people`); written only on a change."""
        name = " ".join(name.split())[:200]
        if user_id <= 0 or not name:
            return
        row = await self.db.fetchone("SELECT name FROM people WHERE user_id = ?", (user_id,))
        if row is not None and row["name"] == name:
            return
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (user_id, name, seen_at) VALUES (?, ?, clock_now()) ON CONFLICT (user_id) DO UPDATE SET "
                "name = excluded.name, seen_at = clock_now()",
                (user_id, name),
            )

    async def names(self) -> dict[int, str]:
        """user id -> the name to show: the name given in /staff add, else the last one seen acting."""
        rows = await self.db.fetchall("SELECT user_id, name FROM people WHERE name != ''")
        found = {int(row["user_id"]): str(row["name"]) for row in rows}
        for member in await self.all():
            if member.name.strip():
                found[member.user_id] = member.name.strip()
        return found

    async def remove(self, user_id: int, removed_by: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM staff_members WHERE user_id = ?", (user_id,))
            removed = cursor.rowcount == 1
            await cursor.close()
            if removed:
                await write_audit(conn, "staff", user_id, "delete", removed_by, before={"user_id": user_id})
        self.forget_cached()
        return removed
