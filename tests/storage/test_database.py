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
