"""One SQLite file, opened with the settings every connection needs, migrated under PRAGMA user_version.

All writes go through :meth:`Database.transaction`, which starts with ``BEGIN IMMEDIATE`` so that a
writer takes the lock up front instead of failing half-way with SQLITE_BUSY.

Connections per file: the writer, used only inside ``transaction()`` (and for the reads made there),
and a read-only reader for :meth:`Database.fetchall` / :meth:`Database.fetchone` everywhere else. In WAL
mode every read on the reader sees the last committed state, never a transaction another coroutine has
open on the writer. "A snapshot per statement" holds only because each read runs to its end in one step
(see fetchall): the reader never has two statements open at once. A third writer, opened at its first
use, commits the rows that need not wait for the disk (:meth:`Database.write` with ``durable=False``).

Every stamp a statement writes comes from :meth:`Database.stamp`, exposed to SQL as ``clock_now()``,
never from SQLite's own ``'now'``: the bot's clock is injectable, and what staff read back ("added on
26 November") must follow the same clock as everything else it decides.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
SYNCHRONOUS = "FULL"  # every commit waits for the disk: an acknowledged visit survives a power cut
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migration scripts shipped in storage/migrations, in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return found


# The Database whose transaction the current task is inside (a task sees only its own, not another's).
_inside: ContextVar[Database | None] = ContextVar("storage_transaction_owner", default=None)


class Database:
    """A writer connection with a lock that serialises this process's write transactions, and a reader.

    ``connection`` is the writer: use it through :meth:`transaction`. Reading through it outside a
    transaction can see another coroutine's uncommitted writes; read with :meth:`fetchall` /
    :meth:`fetchone` instead.
    """

    def __init__(
        self,
        connection: aiosqlite.Connection,
        path: Path,
        reader: aiosqlite.Connection | None = None,
    ) -> None:
        self.connection = connection
        self.reader = reader or connection  # ":memory:" is a separate database per connection: one only
        # a second writer, synchronous = NORMAL, for write(durable=False), opened at its first use; used
        # under the same lock as the writer, so the two never wait for each other inside SQLite
        self._relaxed: aiosqlite.Connection | None = None
        self.path = path
        # the aware "now" stamps are written with; the runtime points it at its own injectable clock
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._write_lock = asyncio.Lock()

    def stamp(self, moment: datetime | None = None) -> str:
        """Now (or `moment`), as the UTC text every table stores: '2026-11-26T09:00:00.000Z' (to the
        millisecond, so stamps written in one second still sort in order)."""
        moment = (self.clock() if moment is None else moment).astimezone(UTC)
        return (
            f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception. fetchall/fetchone made inside it
        (by the same task) read through the writer, so they see the transaction's own changes."""
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            marker = _inside.set(self)
            try:
                yield self.connection
            except BaseException:
                await self.connection.rollback()
                raise
            else:
                await self.connection.commit()
            finally:
                _inside.reset(marker)

    async def write(
        self, sql: str, parameters: Iterable[Any] = (), *, durable: bool = True
    ) -> tuple[int, int]:
        """One statement as a transaction of its own: (lastrowid, rowcount).

        SQLite's implicit transaction around a statement (the connections are in autocommit mode) is one
        step on aiosqlite's thread, where BEGIN IMMEDIATE ... COMMIT are three, each a wake-up of that
        thread and of the event loop; the bot writes a few such rows per update (the question log, the
        inbox). For a lone statement the two are the same: it takes the write lock when it starts and
        has read nothing before it that could go stale. The process's lock is taken as for
        :meth:`transaction`, so the statement never lands inside another coroutine's transaction.

        ``durable=False`` commits it on the third connection, with ``synchronous = NORMAL``: no wait for the disk (a commit with
        FULL waits for the WAL's fsync, 0.3 ms on an idle disk and several under load). Committed all
        the same, and kept when the process is killed; only a power cut or an OS crash before the
        next durable commit or checkpoint may take it back. For rows worth that trade only: the
        question log, the inbox's done marks (a lost one means a redelivery the handlers' dedup
        meets), never a visit, a subscription or an acknowledged update."""
        if _inside.get() is self:  # already inside this task's transaction: part of it
            cursor = await self.connection.execute(sql, tuple(parameters))
            return int(cursor.lastrowid or 0), int(cursor.rowcount)
        async with self._write_lock:
            connection = self.connection if durable else await self._relaxed_writer()
            cursor = await connection.execute(sql, tuple(parameters))
        return int(cursor.lastrowid or 0), int(cursor.rowcount)

    async def _relaxed_writer(self) -> aiosqlite.Connection:
        if self.reader is self.connection:  # ":memory:": one connection, and no disk to wait for
            return self.connection
        if self._relaxed is None:
            self._relaxed = await _connect(self.path, read_only=False, synchronous="NORMAL")
            await self._relaxed.create_function("clock_now", 0, self.stamp)
        return self._relaxed

    def _for_reading(self) -> aiosqlite.Connection:
        return self.connection if _inside.get() is self else self.reader

    async def fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        connection = self._for_reading()
        if connection is self.connection:  # inside the transaction: its own snapshot, as it should be
            async with connection.execute(sql, tuple(parameters)) as cursor:
                return list(await cursor.fetchall())
        # On the shared reader, a statement runs to its end in one step on aiosqlite's thread. A cursor
        # stepped across awaits would keep the connection's read transaction, and with it an old WAL
        # snapshot, open: statements of other coroutines started meanwhile would join it and miss a
        # write acknowledged a moment before. One statement at a time gets a fresh snapshot each.
        return list(await connection.execute_fetchall(sql, tuple(parameters)))

    async def fetchone(self, sql: str, parameters: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, parameters)  # to the end, for the same reason (look-ups by key)
        return rows[0] if rows else None

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply the migrations newer than user_version; each runs in its own transaction."""
        current = await self.schema_version()
        scripts = migrations()
        if current > len(scripts):
            raise RuntimeError(
                f"{self.path} has schema version {current}, newer than this program knows ({len(scripts)})"
            )
        for number, _name, script in scripts[current:]:
            # executescript would COMMIT first; run the statements one by one inside our transaction.
            async with self.transaction() as conn:
                for statement in _split_statements(script):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {int(number)}")
        return await self.schema_version()

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database (SQLite online backup), safe while the bot runs."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as destination:
            # from the reader: the committed state, never a transaction open on the writer
            await self.reader.backup(destination)

    async def close(self) -> None:
        try:
            if self._relaxed is not None:
                await self._relaxed.close()
                self._relaxed = None
            if self.reader is not self.connection:
                await self.reader.close()
        finally:
            await self.connection.close()


def _split_statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return [statement for statement in statements if statement.rstrip(";").strip()]


async def _connect(path: Path, *, read_only: bool, synchronous: str = SYNCHRONOUS) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    try:
        connection.row_factory = aiosqlite.Row
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            await connection.execute("PRAGMA journal_mode = WAL")  # stored in the file: the writer sets it
        await connection.execute(f"PRAGMA synchronous = {synchronous}")
        await connection.execute("PRAGMA foreign_keys = ON")
        if read_only:
            await connection.execute("PRAGMA query_only = ON")
    except BaseException:
        await connection.close()
        raise
    return connection


async def open_database(path: Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database file with WAL, foreign keys and a busy timeout: a writer
    connection, then a read-only one (none for ":memory:", which would be a second, empty database)."""
    in_memory = str(path) == ":memory:"
    if not in_memory:
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = await _connect(path, read_only=False)
    reader: aiosqlite.Connection | None = None
    try:
        if not in_memory:
            reader = await _connect(path, read_only=True)
        database = Database(connection, path, reader)
        # called on aiosqlite's thread: a plain function of the clock, no event-loop state
        await connection.create_function("clock_now", 0, database.stamp)
        if migrate:
            await database.migrate()
    except BaseException:
        if reader is not None:
            await reader.close()
        await connection.close()
        raise
    return database
