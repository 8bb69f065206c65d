import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.database import migrations, open_database


async def test_open_sets_pragmas_and_migrates(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        assert await db.schema_version() == len(migrations())
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] >= 1000  # type: ignore[index]
    finally:
        await db.close()


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    first = await open_database(path)
    await first.close()
    again = await open_database(path)
    try:
        assert await again.schema_version() == len(migrations())
    finally:
        await again.close()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    db = await open_database(path)
    await db.connection.execute("PRAGMA user_version = 999")
    await db.close()
    with pytest.raises(RuntimeError, match="newer than this program"):
        await open_database(path)


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        with pytest.raises(ZeroDivisionError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (1, 'ru')")
                _ = 1 / 0
        assert await db.fetchone("SELECT * FROM chat_preferences") is None
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (1, 'ru')")
        assert await db.fetchone("SELECT language FROM chat_preferences") is not None
    finally:
        await db.close()


async def test_backup_is_a_usable_copy(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (7, 'en')")
        await db.backup(tmp_path / "copy" / "b.sqlite3")
    finally:
        await db.close()
    copy = await open_database(tmp_path / "copy" / "b.sqlite3")
    try:
        row = await copy.fetchone("SELECT language FROM chat_preferences WHERE chat_id = 7")
        assert row is not None and row[0] == "en"
    finally:
        await copy.close()


def test_migrations_are_numbered_without_gaps() -> None:
    numbers = [number for number, _, _ in migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


# ---- reads: a second, read-only connection --------------------------------------------------------------


async def test_a_read_never_sees_another_coroutines_open_transaction(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    inside, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (1, 'en')")
            inside.set()
            await release.wait()

    try:
        task = asyncio.create_task(writer())
        await inside.wait()
        assert await db.fetchone("SELECT language FROM chat_preferences WHERE chat_id = 1") is None
        assert await db.fetchall("SELECT * FROM chat_preferences") == []
        release.set()
        await task
        row = await db.fetchone("SELECT language FROM chat_preferences WHERE chat_id = 1")
        assert row is not None and row[0] == "en"
    finally:
        release.set()
        await db.close()


async def test_reads_inside_a_transaction_see_its_own_changes(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (2, 'ru')")
            row = await db.fetchone("SELECT language FROM chat_preferences WHERE chat_id = 2")
            assert row is not None and row[0] == "ru"
            assert len(await db.fetchall("SELECT * FROM chat_preferences")) == 1
    finally:
        await db.close()


async def test_the_reader_is_read_only_with_the_same_settings(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        assert db.reader is not db.connection
        for pragma, value in (("query_only", 1), ("foreign_keys", 1), ("journal_mode", "wal")):
            async with db.reader.execute(f"PRAGMA {pragma}") as cursor:
                row = await cursor.fetchone()
            assert row is not None and row[0] == value, pragma
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.fetchone("INSERT INTO chat_preferences (chat_id, language) VALUES (3, 'ru') RETURNING 1")
    finally:
        await db.close()


async def test_close_closes_both_connections(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    await db.close()
    for connection in (db.connection, db.reader):
        with pytest.raises(ValueError, match="no active connection"):
            await connection.execute("SELECT 1")


async def test_backup_leaves_out_a_transaction_still_open(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite3")
    inside, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (9, 'en')")
            inside.set()
            await release.wait()

    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (8, 'ru')")
        task = asyncio.create_task(writer())
        await inside.wait()
        await db.backup(tmp_path / "copy.sqlite3")
        release.set()
        await task
    finally:
        release.set()
        await db.close()
    copy = await open_database(tmp_path / "copy.sqlite3")
    try:
        rows = await copy.fetchall("SELECT chat_id FROM chat_preferences ORDER BY chat_id")
        assert [row[0] for row in rows] == [8]
    finally:
        await copy.close()


async def test_in_memory_uses_one_connection() -> None:
    db = await open_database(Path(":memory:"))
    try:
        assert db.reader is db.connection
        assert await db.schema_version() == len(migrations())
    finally:
        await db.close()


async def test_every_stamp_follows_the_databases_clock_not_sqlites(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from storage.audit import write_audit
    from storage.staff import StaffRepository

    database = await open_database(tmp_path / "bot.sqlite3")
    try:
        # 31 December, 23:30 in Kingisepp: still 20:30 UTC, the stamp is stored in UTC
        database.clock = lambda: datetime(
            2026, 12, 31, 23, 30, 0, 250_000, tzinfo=timezone(timedelta(hours=3))
        )
        assert database.stamp() == "2026-12-31T20:30:00.250Z"
        await StaffRepository(database).add(4242, "Olga", added_by=1)
        async with database.transaction() as conn:
            await write_audit(conn, "staff", 4242, "create", 1)
        row = await database.fetchone("SELECT added_at FROM staff_members WHERE user_id = 4242")
        assert row is not None and row[0] == "2026-12-31T20:30:00.250Z"
        database.clock = lambda: datetime(2036, 2, 29, 9, 0, tzinfo=UTC)
        async with database.transaction() as conn:
            await write_audit(conn, "staff", 4242, "update", 1)
        stamps = [r[0] for r in await database.fetchall("SELECT at FROM audit_log ORDER BY id")]
        assert stamps[0] == stamps[-2] == "2026-12-31T20:30:00.250Z"
        assert stamps[-1] == "2036-02-29T09:00:00.000Z"
    finally:
        await database.close()


async def test_every_acknowledged_write_is_readable_at_once_under_concurrent_readers(tmp_path: Path) -> None:
    """Ten writers commit and read their row back on the shared reader at once, while readers keep
    multi-row queries going on it. A statement left open on the reader held an old WAL snapshot that
    later statements joined, so a row acknowledged a moment before was not found (issue 12, item 7)."""
    db = await open_database(tmp_path / "concurrent.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, writer INTEGER, n INTEGER)")
            await conn.executemany("INSERT INTO probe (writer, n) VALUES (-1, ?)", [(n,) for n in range(300)])
        missing: list[int] = []
        acknowledged = 0
        writing = True

        async def writer(number: int) -> None:
            nonlocal acknowledged
            for n in range(40):
                async with db.transaction() as conn:
                    cursor = await conn.execute("INSERT INTO probe (writer, n) VALUES (?, ?)", (number, n))
                    row_id = int(cursor.lastrowid or 0)
                acknowledged += 1
                row = await db.fetchone("SELECT writer, n FROM probe WHERE id = ?", (row_id,))
                if row is None or tuple(row) != (number, n):
                    missing.append(row_id)
                (count,) = await db.fetchall("SELECT count(*) FROM probe WHERE writer = ?", (number,))
                if count[0] != n + 1:
                    missing.append(-row_id)

        async def reader() -> None:
            while writing:
                await db.fetchall("SELECT * FROM probe")
                await db.fetchone("SELECT * FROM probe ORDER BY id")  # one row of many: a statement left open

        readers = [asyncio.create_task(reader()) for _ in range(4)]
        await asyncio.gather(*(writer(number) for number in range(10)))
        writing = False
        await asyncio.gather(*readers)
        assert acknowledged == 400
        assert missing == [], f"{len(missing)} acknowledged writes were not readable at once"
    finally:
        await db.close()
