"""The inbox (storage/inbox.py): stored once per update id, unfinished in order, done ones pruned by age."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.database import Database, open_database
from storage.inbox import Inbox


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "inbox.sqlite3")
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    db.clock = lambda: now
    try:
        yield db
    finally:
        await db.close()


def update(update_id: int, text: str = "hi") -> dict[str, object]:
    return {"update_id": update_id, "message": {"message_id": update_id, "text": text}}


async def test_stored_once_and_unfinished_in_order(database: Database) -> None:
    inbox = Inbox(database)
    assert await inbox.store([update(3), update(1, "Привет"), update(2)]) == 3
    assert await inbox.store([update(2, "again"), update(4)]) == 1  # a redelivery is not stored twice
    assert [u["update_id"] for u in await inbox.unfinished()] == [1, 2, 3, 4]
    assert (await inbox.unfinished())[0] == update(1, "Привет")
    await inbox.mark_done([1, 3])
    assert await inbox.is_done(1) and not await inbox.is_done(2) and not await inbox.is_done(99)
    assert [u["update_id"] for u in await inbox.unfinished()] == [2, 4]
    assert await inbox.counts() == (2, 2)


async def test_done_rows_are_pruned_after_a_day_unfinished_never(database: Database) -> None:
    inbox = Inbox(database)
    await inbox.store([update(1), update(2)])
    await inbox.mark_done([1])
    assert await inbox.prune() == 0  # done just now: kept for redeliveries
    later = database.clock() + timedelta(days=2)
    database.clock = lambda: later
    assert await inbox.prune() == 1
    assert await inbox.counts() == (0, 1)
