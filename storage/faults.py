"""Faults by kind, kept for a few days so that /status and `twinbot status` can say what went wrong
lately (the error handler writes one row per fault, best effort)."""

from __future__ import annotations

import time
from collections.abc import Callable

from storage.database import Database

KEPT_SECONDS = 14 * 24 * 3600


class FaultLog:
    def __init__(self, database: Database, wall: Callable[[], float] = time.time) -> None:
        self.db = database
        self.wall = wall

    async def record(self, kind: str) -> None:
        now = self.wall()
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO fault_log (at, kind) VALUES (?, ?)", (now, kind[:200]))
            await conn.execute("DELETE FROM fault_log WHERE at < ?", (now - KEPT_SECONDS,))

    async def counts_since(self, seconds: float) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT kind, count(*) FROM fault_log WHERE at >= ? GROUP BY kind ORDER BY count(*) DESC, kind",
            (self.wall() - seconds,),
        )
        return {row[0]: int(row[1]) for row in rows}
