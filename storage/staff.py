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
    def __init__(self, database: Database) -> None:
        self.db = database

    async def contains(self, user_id: int) -> bool:
        return await self.db.fetchone("SELECT 1 FROM staff_members WHERE user_id = ?", (user_id,)) is not None

    async def all(self) -> list[StaffMember]:
        rows = await self.db.fetchall("SELECT * FROM staff_members ORDER BY added_at, user_id")
        return [StaffMember(row["user_id"], row["name"], row["added_by"], row["added_at"]) for row in rows]

    async def add(self, user_id: int, name: str, added_by: int) -> bool:
        """True when added, False when already staff."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO staff_members (user_id, name, added_by) VALUES (?, ?, ?)",
                (user_id, name[:200], added_by),
            )
            added = cursor.rowcount == 1
            await cursor.close()
            if added:
                await write_audit(
                    conn, "staff", user_id, "create", added_by, after={"user_id": user_id, "name": name}
                )
        return added

    async def remove(self, user_id: int, removed_by: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM staff_members WHERE user_id = ?", (user_id,))
            removed = cursor.rowcount == 1
            await cursor.close()
            if removed:
                await write_audit(conn, "staff", user_id, "delete", removed_by, before={"user_id": user_id})
        return removed
