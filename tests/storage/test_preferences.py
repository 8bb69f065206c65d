"""A chat's language: remembered, and never overwritten by a read that was slower than the change."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from storage.database import open_database
from storage.preferences import ChatPreferences


async def test_language_is_stored_and_cached(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "p.sqlite3")
    try:
        preferences = ChatPreferences(db)
        assert await preferences.language(5) is None
        await preferences.set_language(5, "en")
        assert await preferences.language(5) == "en"
        assert await ChatPreferences(db).language(5) == "en"  # from the file, not the cache
        with pytest.raises(ValueError, match="unsupported"):
            await preferences.set_language(5, "de")  # type: ignore[arg-type]
    finally:
        await db.close()


async def test_a_slow_read_does_not_undo_a_change_made_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await open_database(tmp_path / "p.sqlite3")
    try:
        preferences = ChatPreferences(db)
        read_done, go_on = asyncio.Event(), asyncio.Event()
        fetchone = db.fetchone

        async def slow_fetchone(*args: Any) -> Any:
            row = await fetchone(*args)  # the state before the change
            read_done.set()
            await go_on.wait()
            return row

        monkeypatch.setattr(db, "fetchone", slow_fetchone)
        reading = asyncio.create_task(preferences.language(7))  # e.g. a question being answered
        await read_done.wait()
        await preferences.set_language(7, "en")  # /lang pressed meanwhile
        go_on.set()
        assert await reading == "en"  # the newest known choice, not the stale row
        assert await preferences.language(7) == "en"  # but the change stays
    finally:
        await db.close()
