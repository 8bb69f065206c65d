"""Backups that are proven: an online copy, checked before it counts, kept in a rotating set; restore.

A copy is made with SQLite's backup API on a connection of its own, inside one read transaction that
also counts the rows of the main tables: the counts describe exactly the snapshot that was copied. The
copy is written under a ``.part`` name, then checked (``PRAGMA integrity_check``, the schema version
and the same row counts) and only then renamed to its final name, so a file that looks like a backup
always passed its check.

Restore checks the copy the same way, keeps the current file (and its -wal / -shm) aside under a
``.before-restore-<time>`` name, and puts a checked copy in place.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite

from storage.database import Database, migrations

# the tables whose rows a copy must hold as many of as the source did at copy time
MAIN_TABLES = (
    "towns",
    "agreements",
    "visits",
    "subscriptions",
    "delivery_ledger",
    "reminder_passes",
    "staff_members",
    "audit_log",
    "town_day_dates",
)
BACKUP_NAME = re.compile(r"^twinbot-(\d{8})-(\d{6})\.sqlite3$")


class BackupError(Exception):
    """A backup or restore that could not be made or did not pass its check; the text says why."""


@dataclass(frozen=True, slots=True)
class CopyCheck:
    """What a check found in a database file."""

    integrity: str  # "ok" or SQLite's first complaints
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok"

    def summary(self) -> str:
        rows = sum(self.counts.values())
        return f"integrity {self.integrity}, schema {self.schema_version}, {rows} rows in {len(self.counts)} tables"


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size_bytes: int
    check: CopyCheck
    seconds: float


def backup_name(moment: datetime) -> str:
    return f"twinbot-{moment.astimezone(UTC):%Y%m%d-%H%M%S}.sqlite3"


def _count(connection: sqlite3.Connection, tables: Iterable[str]) -> dict[str, int]:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # table names come from MAIN_TABLES (code), checked against sqlite_master: never user input
    return {
        table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        for table in tables
        if table in present
    }


def inspect_copy(path: Path) -> CopyCheck:
    """Open `path` read-only and check it: integrity, schema version, row counts. Raises BackupError when
    it is not an SQLite database at all."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened: {exc}") from None
    try:
        rows = connection.execute("PRAGMA integrity_check(20)").fetchall()
        integrity = "; ".join(str(row[0]) for row in rows) or "no answer"
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        counts = _count(connection, MAIN_TABLES) if integrity == "ok" else {}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not an SQLite database ({exc})") from None
    finally:
        connection.close()
    return CopyCheck(integrity=integrity, schema_version=version, counts=counts)


def _copy_and_check(source: Path, target: Path) -> tuple[CopyCheck, CopyCheck]:
    """The copy, under target's .part name, and (source snapshot, copy) checks; blocking, for a thread."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, isolation_level=None)
    try:
        reader.execute("PRAGMA busy_timeout = 5000")
        reader.execute("BEGIN")  # one snapshot for the counts and the copy
        version = int(reader.execute("PRAGMA user_version").fetchone()[0])
        counts = _count(reader, MAIN_TABLES)
        destination = sqlite3.connect(partial)
        try:
            reader.backup(destination)
            # a backup is one self-contained file: no -wal / -shm beside it (the bot sets WAL on open)
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
        reader.execute("COMMIT")
    finally:
        reader.close()
    expected = CopyCheck(integrity="ok", schema_version=version, counts=counts)
    return expected, inspect_copy(partial)


def make_backup(source: Path, directory: Path, moment: datetime) -> BackupResult:
    """A checked copy of the database at `source` in `directory`, named after `moment` (blocking: run it
    in a thread)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"backup directory {directory} cannot be created: {exc.strerror or exc}") from None
    return copy_checked(source, directory / backup_name(moment))


def copy_checked(source: Path, target: Path) -> BackupResult:
    """A checked copy of the database at `source` written to `target` (blocking). The live file is only
    read. Raises BackupError, leaving no file behind, when the copy cannot be made or fails its check."""
    started = time.monotonic()
    partial = target.with_name(target.name + ".part")
    try:
        expected, found = _copy_and_check(source, target)
        problems = _differences(expected, found)
        if problems:
            raise BackupError(f"the copy {target.name} failed its check: {'; '.join(problems)}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup to {target} failed: {exc}") from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup to {target} failed: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size, found, time.monotonic() - started)


def _differences(expected: CopyCheck, found: CopyCheck) -> list[str]:
    problems: list[str] = []
    if not found.ok:
        problems.append(f"integrity_check: {found.integrity}")
    if found.schema_version != expected.schema_version:
        problems.append(f"schema version {found.schema_version}, the source has {expected.schema_version}")
    for table, count in expected.counts.items():
        if found.counts.get(table) != count:
            problems.append(f"{table}: {found.counts.get(table)} rows, the source had {count}")
    return problems


# ---- rotation -----------------------------------------------------------------------------------------


def backups_in(directory: Path) -> list[tuple[datetime, Path]]:
    """The backups in `directory` (by their name's time, UTC), newest first; other files are ignored."""
    if not directory.is_dir():
        return []
    found: list[tuple[datetime, Path]] = []
    for entry in directory.iterdir():
        match = BACKUP_NAME.match(entry.name)
        if match and entry.is_file():
            moment = datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            found.append((moment, entry))
    found.sort(reverse=True)
    return found


def retained(moments: Sequence[datetime], daily: int, weekly: int, monthly: int) -> set[datetime]:
    """Grandfather-father-son: the newest backup of each of the last `daily` days that have one, of the
    last `weekly` ISO weeks and of the last `monthly` months. The newest backup is always kept."""
    keep: set[datetime] = set()
    newest_first = sorted(moments, reverse=True)
    if newest_first:
        keep.add(newest_first[0])
    buckets: list[tuple[int, Callable[[date], object]]] = [
        (daily, lambda day: day),
        (weekly, lambda day: day.isocalendar()[:2]),
        (monthly, lambda day: (day.year, day.month)),
    ]
    for limit, bucket in buckets:
        seen: set[object] = set()
        for moment in newest_first:
            key = bucket(moment.date())
            if key in seen:
                continue
            if len(seen) >= limit:
                break
            seen.add(key)
            keep.add(moment)
    return keep


def rotate(directory: Path, daily: int, weekly: int, monthly: int) -> list[Path]:
    """Delete the backups the retention set does not keep; returns what was deleted."""
    found = backups_in(directory)
    keep = retained([moment for moment, _ in found], daily, weekly, monthly)
    removed: list[Path] = []
    for moment, path in found:
        if moment not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


# ---- restore ------------------------------------------------------------------------------------------


def check_restorable(copy: Path) -> CopyCheck:
    """The copy's check, or BackupError saying why it must not replace the live database."""
    check = inspect_copy(copy)
    if not check.ok:
        raise BackupError(f"{copy}: failed integrity_check: {check.integrity}")
    known = len(migrations())
    if check.schema_version > known:
        raise BackupError(
            f"{copy}: schema version {check.schema_version} is newer than this program knows ({known}); "
            "restore it with the version of twinbot that made it"
        )
    if "towns" not in check.counts:
        raise BackupError(f"{copy}: an SQLite file, but not a twinbot database (no towns table)")
    return check


def restore(live: Path, copy: Path, moment: datetime) -> Path | None:
    """Put a checked `copy` in place of `live`; the current file and its WAL are kept aside first (their
    path is returned, None when there was no live file). Nothing is touched if the copy fails its check.
    The caller makes sure the bot is not running."""
    check_restorable(copy)
    staged = live.with_name(live.name + ".restoring")
    shutil.copyfile(copy, staged)
    if _differences(check_restorable(copy), inspect_copy(staged)):
        staged.unlink(missing_ok=True)
        raise BackupError(f"{staged}: the copy changed while it was read; nothing was restored")
    aside: Path | None = None
    if live.exists():
        aside = live.with_name(f"{live.name}.before-restore-{moment.astimezone(UTC):%Y%m%d-%H%M%S}")
        os.replace(live, aside)
    for suffix in ("-wal", "-shm"):
        companion = live.with_name(live.name + suffix)
        if companion.exists():
            if aside is not None:
                os.replace(companion, aside.with_name(aside.name + suffix))
            else:
                companion.unlink()
    os.replace(staged, live)
    return aside


# ---- the record of backups ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupRun:
    started_at: float
    finished_at: float
    path: str
    ok: bool
    size_bytes: int
    detail: str


class BackupLog:
    def __init__(self, database: Database, wall: Callable[[], float] = time.time) -> None:
        self.db = database
        self.wall = wall

    async def record(self, started_at: float, path: str, ok: bool, size_bytes: int, detail: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO backup_runs (started_at, finished_at, path, ok, size_bytes, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (started_at, self.wall(), path, int(ok), size_bytes, detail[:1000]),
            )
            # a year of daily runs is plenty of history
            await conn.execute("DELETE FROM backup_runs WHERE id <= (SELECT max(id) FROM backup_runs) - 400")

    async def last(self, *, ok: bool | None = None) -> BackupRun | None:
        where = "" if ok is None else f"WHERE ok = {int(ok)}"
        row = await self.db.fetchone(f"SELECT * FROM backup_runs {where} ORDER BY id DESC LIMIT 1")  # noqa: S608
        return _run(row) if row is not None else None


def _run(row: aiosqlite.Row) -> BackupRun:
    return BackupRun(
        started_at=float(row["started_at"]),
        finished_at=float(row["finished_at"]),
        path=row["path"],
        ok=bool(row["ok"]),
        size_bytes=int(row["size_bytes"]),
        detail=row["detail"],
    )
