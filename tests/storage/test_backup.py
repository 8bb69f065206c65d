"""Backups: an online copy checked before it counts, the rotation set, restore that refuses bad copies."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.townfile import shipped_towns
from storage import open_database
from storage.backup import (
    BackupError,
    backups_in,
    check_restorable,
    copy_checked,
    inspect_copy,
    make_backup,
    restore,
    retained,
    rotate,
)
from storage.database import migrations
from storage.towns import TownRepository

MOMENT = datetime(2026, 3, 14, 3, 30, tzinfo=UTC)


async def seeded(path: Path) -> None:
    db = await open_database(path)
    try:
        await TownRepository(db).seed_if_empty(shipped_towns())
    finally:
        await db.close()


async def test_a_backup_is_a_checked_copy_with_the_sources_row_counts(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    await seeded(live)
    result = make_backup(live, tmp_path / "backups", MOMENT)
    assert result.path.name == "twinbot-20260314-033000.sqlite3"
    assert result.check.ok and result.check.schema_version == len(migrations())
    assert result.check.counts["towns"] == len(shipped_towns()) > 0
    assert list((tmp_path / "backups").iterdir()) == [result.path]  # no .part left
    assert inspect_copy(result.path).counts == result.check.counts


async def test_a_backup_while_a_writer_holds_a_transaction_copies_the_committed_state(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    await seeded(live)
    db = await open_database(live)
    try:
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM town_aliases")
            result = copy_checked(live, tmp_path / "copy.sqlite3")  # the writer's change is not committed
        assert result.check.counts["towns"] == len(shipped_towns())
        copy = sqlite3.connect(result.path)
        assert copy.execute("SELECT count(*) FROM town_aliases").fetchone()[0] > 0
        copy.close()
    finally:
        await db.close()


async def test_a_copy_that_fails_its_check_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live.sqlite3"
    await seeded(live)
    import storage.backup as backup

    real = backup.inspect_copy

    def short_by_one(path: Path) -> backup.CopyCheck:
        found = real(path)
        return backup.CopyCheck(found.integrity, found.schema_version, {**found.counts, "towns": 0})

    monkeypatch.setattr(backup, "inspect_copy", short_by_one)
    with pytest.raises(BackupError, match="towns: 0 rows, the source had"):
        make_backup(live, tmp_path / "backups", MOMENT)
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_backup_directory_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(BackupError, match="cannot be created"):
        make_backup(tmp_path / "live.sqlite3", blocker / "backups", MOMENT)


def test_retention_keeps_daily_weekly_and_monthly_newest() -> None:
    start = datetime(2025, 1, 1, 3, 30, tzinfo=UTC)
    moments = [start + timedelta(days=day) for day in range(400)]  # one backup a day for 400 days
    keep = retained(moments, daily=7, weekly=4, monthly=12)
    newest = moments[-1]
    days = sorted({moment.date() for moment in keep}, reverse=True)
    assert all(newest - timedelta(days=n) in keep for n in range(7))
    weeks = {moment.isocalendar()[:2] for moment in keep}
    months = {(moment.year, moment.month) for moment in keep}
    assert len(months) == 12 and len(weeks) >= 4
    assert len(keep) <= 7 + 4 + 12 and len(days) == len(keep)
    assert moments[0] not in keep


def test_rotate_deletes_only_backups_outside_the_set(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, 3, 30, tzinfo=UTC)
    for day in range(30):
        (tmp_path / f"twinbot-{start + timedelta(days=day):%Y%m%d-%H%M%S}.sqlite3").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("kept: not a backup")
    removed = rotate(tmp_path, daily=3, weekly=0, monthly=0)
    assert len(removed) == 27
    assert [moment.day for moment, _ in backups_in(tmp_path)] == [30, 29, 28]
    assert (tmp_path / "notes.txt").exists()


async def test_restore_puts_the_copy_in_place_and_keeps_the_current_file_aside(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    await seeded(live)
    copy = copy_checked(live, tmp_path / "copy.sqlite3").path
    live.write_bytes(b"garbage" * 1000)  # the live file is ruined
    aside = restore(live, copy, MOMENT)
    assert aside is not None and aside.read_bytes().startswith(b"garbage")
    assert inspect_copy(live).counts["towns"] == len(shipped_towns())


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    live.write_bytes(b"the live one")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(BackupError, match="not an SQLite database"):
        restore(live, junk, MOMENT)
    assert live.read_bytes() == b"the live one"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["junk.sqlite3", "live.sqlite3"]


async def test_restore_refuses_a_newer_schema_and_a_foreign_database(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    await seeded(newer)
    connection = sqlite3.connect(newer)
    connection.execute(f"PRAGMA user_version = {len(migrations()) + 1}")
    connection.close()
    with pytest.raises(BackupError, match="newer than this program"):
        check_restorable(newer)
    foreign = tmp_path / "foreign.sqlite3"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE notes (x)")
    connection.close()
    with pytest.raises(BackupError, match="not a twinbot database"):
        check_restorable(foreign)
