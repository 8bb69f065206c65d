"""Staff added in chat: kept in memory for the per-update look-up, and never stale after a change."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from storage.database import open_database
from storage.staff import StaffRepository


async def test_a_look_up_reads_the_table_once_and_follows_every_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await open_database(tmp_path / "s.sqlite3")
    try:
        staff = StaffRepository(db)
        reads: list[str] = []
        fetchall = db.fetchall

        async def counting_fetchall(sql: str, *args: Any) -> Any:
            reads.append(sql)
            return await fetchall(sql, *args)

        monkeypatch.setattr(db, "fetchall", counting_fetchall)
        assert not await staff.contains(7)
        assert not await staff.contains(8)
        assert len(reads) == 1  # one read of the table, then the set in memory

        assert await staff.add(7, "Olga", added_by=1)
        assert await staff.contains(7)  # an addition counts at once
        assert await staff.remove(7, removed_by=1)
        assert not await staff.contains(7)  # and so does a removal
        assert len(reads) == 3
    finally:
        await db.close()


async def test_a_change_made_elsewhere_counts_once_the_cache_is_forgotten(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "s.sqlite3")
    try:
        staff, elsewhere = StaffRepository(db), StaffRepository(db)
        assert not await staff.contains(9)
        await elsewhere.add(9, "Ivan", added_by=1)
        assert not await staff.contains(9)  # kept until told (bot.runtime.Runtime.refresh)
        staff.forget_cached()
        assert await staff.contains(9)
    finally:
        await db.close()


async def test_a_slow_read_does_not_keep_the_staff_as_they_were_before_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await open_database(tmp_path / "s.sqlite3")
    try:
        staff = StaffRepository(db)
        await staff.add(5, "Olga", added_by=1)
        read_done, go_on = asyncio.Event(), asyncio.Event()
        fetchall = db.fetchall

        async def slow_fetchall(sql: str, *args: Any) -> Any:
            rows = await fetchall(sql, *args)  # the staff before the removal
            read_done.set()
            await go_on.wait()
            return rows

        monkeypatch.setattr(db, "fetchall", slow_fetchall)
        looking = asyncio.create_task(staff.contains(5))
        await read_done.wait()
        monkeypatch.setattr(db, "fetchall", fetchall)
        await staff.remove(5, removed_by=1)
        go_on.set()
        assert await looking  # that look-up began before the removal
        assert not await staff.contains(5)  # its stale read was not kept
    finally:
        await db.close()
