"""One bot process per database: a lease row with the holder's pid and host, renewed by a heartbeat.

Two processes polling the same token fight over getUpdates (409 Conflict) and could send a reminder pass
twice; the lease makes the second one refuse to start instead. It is taken in ``BEGIN IMMEDIATE``, so
two processes starting at the same moment cannot both win. A lease is stale, and taken over, when

- its holder ran on this host and that pid is gone (killed, crashed), or the pid is alive but the
  heartbeat stopped long ago (the pid was reused), or the pid is this very process's (a container that
  always runs as pid 1) while the holder id is not ours;
- its holder ran on another host (a shared volume) and the heartbeat is older than the lease time.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import aiosqlite

from storage.database import Database

LEASE_SECONDS = 30.0  # a heartbeat older than this is stale
HEARTBEAT_SECONDS = 5.0  # how often the holder renews


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    holder: str
    pid: int
    host: str
    token_hash: str
    mode: str
    version: str
    started_at: float
    heartbeat_at: float

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} ({self.mode}, since {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(self.started_at))})"


class LeaseRefusedError(Exception):
    """Another live process holds the lease."""

    def __init__(self, holder: LeaseHolder) -> None:
        super().__init__(f"another twinbot is already running on this database: {holder.describe()}")
        self.holder = holder


class LeaseLostError(Exception):
    """Our lease row was taken over by another process (our heartbeat had stopped for too long)."""


class InstanceLease:
    def __init__(
        self,
        database: Database,
        *,
        name: str = "bot",
        token_hash: str = "",
        mode: str = "polling",
        version: str = "",
        pid: int | None = None,
        host: str | None = None,
        wall: Callable[[], float] = time.time,
        is_alive: Callable[[int], bool] = pid_alive,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.database = database
        self.name = name
        self.token_hash = token_hash
        self.mode = mode
        self.version = version
        self.pid = os.getpid() if pid is None else pid
        self.host = socket.gethostname() if host is None else host
        self.holder = uuid.uuid4().hex
        self.wall = wall
        self.is_alive = is_alive
        self.lease_seconds = lease_seconds
        self.held = False

    def alive(self, current: LeaseHolder) -> bool:
        """Whether `current` (not us) still runs, as far as this process can tell."""
        fresh = self.wall() - current.heartbeat_at < self.lease_seconds
        if current.host != self.host:
            return fresh
        if current.pid == self.pid:
            return False  # our own pid, another holder: an earlier run of a pid-1 container
        return fresh and self.is_alive(current.pid)

    async def current(self) -> LeaseHolder | None:
        row = await self.database.fetchone("SELECT * FROM instance_lease WHERE name = ?", (self.name,))
        return _holder(row) if row is not None else None

    async def running_elsewhere(self) -> LeaseHolder | None:
        """The live holder of the lease, if a process other than this one holds it."""
        current = await self.current()
        if current is None or current.holder == self.holder or not self.alive(current):
            return None
        return current

    async def acquire(self) -> LeaseHolder | None:
        """Take the lease; returns the stale holder it took over (None when it was free). Raises
        LeaseRefusedError while another live process holds it."""
        now = self.wall()
        async with self.database.transaction() as conn:
            async with conn.execute("SELECT * FROM instance_lease WHERE name = ?", (self.name,)) as cursor:
                row = await cursor.fetchone()
            previous = _holder(row) if row is not None else None
            if previous is not None and previous.holder != self.holder and self.alive(previous):
                raise LeaseRefusedError(previous)
            await conn.execute(
                "INSERT OR REPLACE INTO instance_lease "
                "(name, holder, pid, host, token_hash, mode, version, started_at, heartbeat_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.name,
                    self.holder,
                    self.pid,
                    self.host,
                    self.token_hash,
                    self.mode,
                    self.version,
                    now,
                    now,
                ),
            )
        self.held = True
        return previous if previous is not None and previous.holder != self.holder else None

    async def renew(self) -> None:
        """The heartbeat. Raises LeaseLostError when another process has taken the lease over."""
        async with self.database.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE instance_lease SET heartbeat_at = ? WHERE name = ? AND holder = ?",
                (self.wall(), self.name, self.holder),
            )
            lost = cursor.rowcount == 0
        if lost:
            self.held = False
            raise LeaseLostError(f"the lease {self.name!r} was taken over by another process")

    async def release(self) -> None:
        if not self.held:
            return
        async with self.database.transaction() as conn:
            await conn.execute(
                "DELETE FROM instance_lease WHERE name = ? AND holder = ?", (self.name, self.holder)
            )
        self.held = False


def _holder(row: aiosqlite.Row) -> LeaseHolder:
    return LeaseHolder(
        holder=row["holder"],
        pid=int(row["pid"]),
        host=row["host"],
        token_hash=row["token_hash"],
        mode=row["mode"],
        version=row["version"],
        started_at=float(row["started_at"]),
        heartbeat_at=float(row["heartbeat_at"]),
    )
