"""The instance lease: one bot process per database, stale leases taken over safely."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database, open_database
from storage.lease import InstanceLease, LeaseLostError, LeaseRefusedError


class Wall:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "lease.sqlite3")
    try:
        yield database
    finally:
        await database.close()


def lease(
    db: Database, wall: Wall, *, pid: int, host: str = "box", alive: frozenset[int] = frozenset()
) -> InstanceLease:
    return InstanceLease(db, pid=pid, host=host, wall=wall, is_alive=lambda p: p in alive, mode="polling")


async def test_a_second_live_process_is_refused_with_the_holders_pid_and_host(db: Database) -> None:
    wall = Wall()
    first = lease(db, wall, pid=100)
    assert await first.acquire() is None
    second = lease(db, wall, pid=200, alive=frozenset({100}))
    with pytest.raises(LeaseRefusedError, match="pid 100 on box"):
        await second.acquire()
    assert (await second.current()).holder == first.holder  # type: ignore[union-attr]


async def test_the_lease_of_a_killed_process_on_this_host_is_taken_over(db: Database) -> None:
    wall = Wall()
    await lease(db, wall, pid=100).acquire()
    second = lease(db, wall, pid=200, alive=frozenset())  # pid 100 is gone
    taken = await second.acquire()
    assert taken is not None and taken.pid == 100
    assert (await second.current()).pid == 200  # type: ignore[union-attr]


async def test_another_hosts_lease_holds_until_its_heartbeat_is_stale(db: Database) -> None:
    wall = Wall()
    remote = lease(db, wall, pid=100, host="other")
    await remote.acquire()
    local = lease(db, wall, pid=200, host="box")
    wall.now += 20
    await remote.renew()
    wall.now += 20  # 20 s after the last heartbeat: still fresh
    with pytest.raises(LeaseRefusedError):
        await local.acquire()
    wall.now += 11  # 31 s: stale
    assert (await local.acquire()) is not None
    with pytest.raises(LeaseLostError):
        await remote.renew()


async def test_a_reused_pid_with_a_long_dead_heartbeat_is_stale(db: Database) -> None:
    wall = Wall()
    await lease(db, wall, pid=100).acquire()
    wall.now += 3600
    assert await lease(db, wall, pid=200, alive=frozenset({100})).acquire() is not None


async def test_same_pid_but_another_holder_is_an_earlier_container_run(db: Database) -> None:
    wall = Wall()
    await lease(db, wall, pid=1).acquire()
    assert await lease(db, wall, pid=1, alive=frozenset({1})).acquire() is not None


async def test_release_frees_the_lease_and_only_our_own(db: Database) -> None:
    wall = Wall()
    first = lease(db, wall, pid=100)
    await first.acquire()
    stranger = lease(db, wall, pid=300)
    await stranger.release()  # never held: nothing happens
    assert await first.current() is not None
    await first.release()
    assert await first.current() is None
    assert await lease(db, wall, pid=200, alive=frozenset({100})).acquire() is None
