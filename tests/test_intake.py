"""Intake's economies (bot/intake.py) keep its guarantees: concurrent stores share a commit and each
waits for it, done marks are written in batches (and all of them on close), an update this process
stored is admitted without a read, and a redelivery is still skipped; Database.write's lone statements."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.intake import Intake
from storage.database import Database, open_database
from storage.inbox import Inbox


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "intake.sqlite3")
    try:
        yield db
    finally:
        await db.close()


def update(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": update_id, "text": "hi"}}


class CountingInbox(Inbox):
    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.stores: list[int] = []
        self.marks: list[list[int]] = []
        self.reads = 0
        self.broken = False

    async def store(self, updates: Any) -> int:
        updates = list(updates)
        self.stores.append(len(updates))
        if self.broken:
            raise OSError("disk full")
        return await super().store(updates)

    async def mark_done(self, update_ids: Any) -> None:
        self.marks.append(list(update_ids))
        await super().mark_done(self.marks[-1])

    async def is_done(self, update_id: int) -> bool:
        self.reads += 1
        return await super().is_done(update_id)


async def test_concurrent_stores_share_commits_and_every_update_is_stored(database: Database) -> None:
    inbox = CountingInbox(database)
    intake = Intake(inbox)
    await asyncio.gather(*(intake.store([update(number)]) for number in range(1, 41)))
    assert sum(inbox.stores) == 40 and len(inbox.stores) < 40  # batched: fewer commits than requests
    assert [row["update_id"] for row in await inbox.unfinished()] == list(range(1, 41))


async def test_a_failed_store_fails_every_request_of_its_batch_and_the_next_batch_is_written(
    database: Database,
) -> None:
    inbox = CountingInbox(database)
    intake = Intake(inbox)
    inbox.broken = True
    results = await asyncio.gather(*(intake.store([update(n)]) for n in (1, 2, 3)), return_exceptions=True)
    assert all(isinstance(result, OSError) for result in results)  # none is acknowledged
    inbox.broken = False
    await intake.store([update(4)])
    assert [row["update_id"] for row in await inbox.unfinished()] == [4]


async def test_stored_updates_are_admitted_without_a_read_and_a_redelivery_is_skipped(
    database: Database,
) -> None:
    inbox = CountingInbox(database)
    intake = Intake(inbox)
    await intake.store([update(1), update(2)])
    assert await intake.admit(1) and await intake.admit(2)
    assert inbox.reads == 0
    intake.finished(1)
    intake.finished(2)
    assert not await intake.admit(1)  # finished here: skipped, before or after its done mark
    await intake.close()
    assert inbox.marks == [[1, 2]]  # one batch of done marks
    assert await inbox.is_done(1) and await inbox.is_done(2)
    # a new process (no memory of them): the redelivery is looked up in the inbox and skipped
    later = Intake(inbox)
    await later.store([update(2)])  # already there: not "fresh"
    assert not await later.admit(2)
    assert later.skipped == 1


async def test_an_update_stored_by_an_earlier_process_is_looked_up(database: Database) -> None:
    inbox = CountingInbox(database)
    await inbox.store([update(7)])
    intake = Intake(inbox)
    assert await intake.admit(7)
    assert inbox.reads == 1


async def test_write_runs_one_statement_durable_or_not_and_joins_a_transaction(
    database: Database, tmp_path: Path
) -> None:
    await database.write("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    first, _ = await database.write("INSERT INTO notes (text) VALUES (?)", ("a",))
    second, _ = await database.write("INSERT INTO notes (text) VALUES (?)", ("b",), durable=False)
    assert (first, second) == (1, 2)
    _, changed = await database.write("UPDATE notes SET text = 'c'", durable=False)
    assert changed == 2
    with pytest.raises(RuntimeError):
        async with database.transaction():
            await database.write("INSERT INTO notes (text) VALUES ('rolled back')", durable=False)
            raise RuntimeError("the transaction fails")
    rows = await database.fetchall("SELECT id, text FROM notes ORDER BY id")
    assert [tuple(row) for row in rows] == [(1, "c"), (2, "c")]
    # committed for every other connection too, the non-durable row included
    with sqlite3.connect(tmp_path / "intake.sqlite3") as other:
        assert other.execute("SELECT count(*) FROM notes").fetchone()[0] == 2


async def test_what_handlers_left_to_write_is_written_before_their_updates_are_marked_done(
    database: Database,
) -> None:
    inbox = CountingInbox(database)
    steps: list[str] = []

    async def write_behind() -> None:
        steps.append(f"written before mark {len(inbox.marks) + 1}")

    intake = Intake(inbox, before_done=write_behind)
    await intake.store([update(1)])
    assert await intake.admit(1)
    intake.finished(1)
    await intake.close()
    assert steps == ["written before mark 1"] and inbox.marks == [[1]]


async def test_a_failed_write_behind_leaves_the_update_to_be_handled_again(database: Database) -> None:
    inbox = CountingInbox(database)

    async def broken() -> None:
        raise OSError("disk full")

    intake = Intake(inbox, before_done=broken)
    await intake.store([update(1)])
    assert await intake.admit(1)
    intake.finished(1)
    await intake.close()
    assert inbox.marks == []  # not marked done: the next start hands it to the handlers again
    assert [row["update_id"] for row in await inbox.unfinished()] == [1]
