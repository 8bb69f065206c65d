"""The inbox: each update Telegram delivered, written before it is acknowledged, marked done once handled.

Polling confirms an update by asking getUpdates for a higher offset; the webhook by answering 200. Both
happen only after :meth:`Inbox.store` has committed, so an update survives a process killed at any
moment. :meth:`Inbox.unfinished` gives back what was stored but never finished, in update order, for
the next start; :meth:`Inbox.is_done` lets a redelivered update (an offset that was not confirmed in
time) be skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta
from typing import Any

from storage.database import Database

KEEP_DONE = timedelta(days=1)  # done rows kept this long (a redelivery comes within minutes)
CHUNK = 400  # rows per statement: well under SQLite's 32,766 bound parameters


class Inbox:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def store(self, updates: Iterable[Mapping[str, Any]]) -> int:
        """Write the updates not stored before (one statement, so one transaction, per CHUNK); how many
        were new."""
        rows = [(int(update["update_id"]), json.dumps(update, ensure_ascii=False)) for update in updates]
        stored = 0
        # one statement per chunk, each one step and one commit (Database.write): a getUpdates answer
        # holds at most 100 updates, a webhook request one
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join(["(?, ?, clock_now())"] * len(chunk))
            _, inserted = await self.db.write(
                f"INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES {values}",  # noqa: S608 - only placeholders
                [value for row in chunk for value in row],
            )
            stored += inserted
        return stored

    async def mark_done(self, update_ids: Iterable[int]) -> None:
        ids = [int(update_id) for update_id in update_ids]
        for start in range(0, len(ids), CHUNK):  # one statement and one commit per chunk
            chunk = ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            await self.db.write(
                f"UPDATE inbox SET done_at = clock_now() WHERE update_id IN ({marks}) AND done_at IS NULL",  # noqa: S608 - only placeholders
                chunk,
                durable=False,  # a mark lost to a power cut is a redelivery, which the dedup meets
            )

    async def is_done(self, update_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT done_at IS NOT NULL FROM inbox WHERE update_id = ?", (update_id,)
        )
        return bool(row[0]) if row else False

    async def unfinished(self) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT payload FROM inbox WHERE done_at IS NULL ORDER BY update_id")
        return [json.loads(row[0]) for row in rows]

    async def counts(self) -> tuple[int, int]:
        """(done, unfinished) rows."""
        row = await self.db.fetchone("SELECT count(done_at), count(*) - count(done_at) FROM inbox")
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def prune(self, keep: timedelta = KEEP_DONE) -> int:
        """Delete the done rows finished more than `keep` ago. Telegram redelivers within minutes; after
        a week without updates it starts update ids afresh, which must not meet an old done row."""
        cutoff = (self.db.clock() - keep).astimezone(UTC)
        stamp = cutoff.strftime("%Y-%m-%dT%H:%M:%S.") + f"{cutoff.microsecond // 1000:03d}Z"
        # a prune lost to a power cut is made again by the next one: no need to wait for the disk
        _, deleted = await self.db.write(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (stamp,), durable=False
        )
        return deleted
