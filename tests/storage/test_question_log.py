"""The question log written behind the answers (storage/knowledge.py): an id at once, the rows in one
statement a moment later, every read of the log after them, nothing lost to a failed or repeated write."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.database import Database, open_database
from storage.knowledge import KnowledgeRepository

NOW = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "log.sqlite3")
    db.clock = lambda: NOW
    try:
        yield db
    finally:
        await db.close()


async def rows(db: Database) -> list[tuple[Any, ...]]:
    found = await db.fetchall("SELECT id, text, message_id FROM question_log ORDER BY id")
    return [tuple(row) for row in found]


def counting_writes(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    statements: list[str] = []
    write = db.write

    async def counted(sql: str, *args: Any, **kwargs: Any) -> Any:
        statements.append(sql)
        return await write(sql, *args, **kwargs)

    monkeypatch.setattr(db, "write", counted)
    return statements


async def log(knowledge: KnowledgeRepository, text: str) -> int:
    return await knowledge.log_question(text, "ru", "private", "answered", "town_card")


async def test_ids_come_at_once_and_the_rows_follow_in_one_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = KnowledgeRepository(database)
    writes = counting_writes(database, monkeypatch)
    first, second = await log(knowledge, "Нарва"), await log(knowledge, "Нарвик")
    assert 0 < first < second  # in the order asked, also within one millisecond of a frozen clock
    await knowledge.answer_sent(first, 501)
    assert await rows(database) == []  # in memory, not yet in the file
    await knowledge.flush_log()
    assert len(writes) == 1  # both rows, their message ids with them
    assert await rows(database) == [(first, "Нарва", 501), (second, "Нарвик", None)]
    await knowledge.answer_sent(second, 502)  # the row was written meanwhile: its message id follows
    await knowledge.flush_log()
    assert await rows(database) == [(first, "Нарва", 501), (second, "Нарвик", 502)]


async def test_ids_stay_above_those_in_the_file_whatever_the_clock_says(database: Database) -> None:
    later = KnowledgeRepository(database)
    first = await log(later, "Нарва")
    await later.close_log()
    database.clock = lambda: datetime(2020, 1, 1, tzinfo=UTC)  # a clock set back (tests, a bad NTP)
    assert await log(KnowledgeRepository(database), "Нарвик") > first


async def test_the_rows_are_written_by_themselves_within_the_delay(database: Database) -> None:
    knowledge = KnowledgeRepository(database)
    knowledge.flush_delay = 0
    question_id = await log(knowledge, "Нарва")
    for _ in range(100):  # the timer's task, without a wall-clock sleep
        if await rows(database):
            break
        await asyncio.sleep(0)
    assert await rows(database) == [(question_id, "Нарва", None)]


async def test_every_read_of_the_log_sees_the_rows_still_in_memory(database: Database) -> None:
    knowledge = KnowledgeRepository(database)
    question_id = await log(knowledge, "где Нарва")
    await knowledge.answer_sent(question_id, 77)
    assert await knowledge.mark(question_id, 77, helpful=False) is True  # written first, then marked
    assert await knowledge.mark(question_id, 77, helpful=True) is False
    logged = await knowledge.logged(question_id)
    assert logged is not None and logged.helpful == 0
    assert [item.id for item in await knowledge.to_answer(NOW.replace(year=2025))] == [question_id]
    # forged ids beyond SQLite's integers are stale, not an error
    assert await knowledge.mark(10**19, 77, helpful=True) is None
    assert await knowledge.logged(10**19) is None


async def test_a_failed_write_keeps_the_rows_for_the_next_one(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = KnowledgeRepository(database)
    question_id = await log(knowledge, "Нарва")
    write = database.write

    async def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(database, "write", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        await knowledge.flush_log()
    monkeypatch.setattr(database, "write", write)
    await knowledge.flush_log()
    assert await rows(database) == [(question_id, "Нарва", None)]


async def test_a_write_interrupted_after_its_commit_is_not_written_twice(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = KnowledgeRepository(database)
    question_id = await log(knowledge, "Нарва")
    await knowledge.answer_sent(question_id, 9)
    write = database.write

    async def committed_then_cancelled(*args: Any, **kwargs: Any) -> Any:
        await write(*args, **kwargs)
        raise asyncio.CancelledError

    monkeypatch.setattr(database, "write", committed_then_cancelled)
    with pytest.raises(asyncio.CancelledError):
        await knowledge.flush_log()
    monkeypatch.setattr(database, "write", write)
    await knowledge.flush_log()  # the same row again: recognised, not a second copy
    assert await rows(database) == [(question_id, "Нарва", 9)]


async def test_an_id_another_process_took_meanwhile_keeps_both_questions(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge = KnowledgeRepository(database)
    question_id = await log(knowledge, "Нарва")
    await knowledge.answer_sent(question_id, 9)
    other = await open_database(database.path)  # `twinbot console` on the same file, the same moment
    try:
        await other.write(
            "INSERT INTO question_log (id, asked_at, text, language, chat_type, outcome, intent, message_id) "
            "VALUES (?, '2026-06-05T09:00:00.000Z', 'Райсио', 'ru', 'private', 'answered', 'town_card', 9)",
            (question_id,),
        )
    finally:
        await other.close()
    await knowledge.flush_log()
    found = await rows(database)
    assert (question_id, "Райсио", 9) in found  # the other process's row is untouched
    (ours,) = [row for row in found if row[1] == "Нарва"]
    # under a new id, without the message id: its buttons (they carry the old id) are refused as stale
    assert ours[0] != question_id and ours[2] is None
    assert "was taken by another process" in caplog.text
