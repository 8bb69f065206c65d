"""bot/http_pool.py: the reply requests' pool keeps each connection's socket, reuses a live connection,
and still drops one the server closed (its readability is what httpcore asks); the sharded pool sends
each request to its least busy client and, behind the in-flight gate, never overfills one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram.request import BaseRequest

from bot.http_pool import PooledRequest, ShardedPool, SocketKeepingBackend, keep_sockets, socket_readable
from bot.metrics import BotMetrics, InstrumentedRequest


class OneShotServer:
    """HTTP/1.1 on 127.0.0.1: answers each request with keep-alive, then closes every second
    connection after its first answer (a server that drops idle connections)."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        close_after_one = self.connections % 2 == 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                if length:
                    await reader.readexactly(length)
                body = b'{"ok":true,"result":true}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                if close_after_one:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])


@pytest.fixture
async def server() -> AsyncIterator[OneShotServer]:
    found = OneShotServer()
    found.server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    try:
        yield found
    finally:
        found.server.close()
        await found.server.wait_closed()


def test_the_pool_of_this_httpx_gets_the_socket_keeping_backend() -> None:
    """If an httpx release moves its pool, this fails: the saving is gone (nothing breaks)."""
    client = httpx.AsyncClient()
    assert keep_sockets(client)
    assert isinstance(client._transport._pool._network_backend, SocketKeepingBackend)  # type: ignore[attr-defined]
    assert keep_sockets(client)  # a second call wraps nothing twice
    backend = client._transport._pool._network_backend  # type: ignore[attr-defined]
    assert not isinstance(backend.inner, SocketKeepingBackend)
    request = PooledRequest()
    assert isinstance(request._client._transport._pool._network_backend, SocketKeepingBackend)  # type: ignore[attr-defined]


def test_a_socket_is_readable_when_closed_by_the_other_side_or_gone() -> None:
    import socket

    ours, theirs = socket.socketpair()
    try:
        assert not socket_readable(ours)  # idle, open
        theirs.close()
        assert socket_readable(ours)  # the other side closed: b"" waits to be read
    finally:
        ours.close()
    assert socket_readable(ours)  # closed here: fileno() is -1
    assert socket_readable(None)


async def test_requests_reuse_live_connections_and_replace_closed_ones(server: OneShotServer) -> None:
    request = PooledRequest(connection_pool_size=4)
    await request.initialize()
    try:
        url = f"http://127.0.0.1:{server.port}/bot1:x/sendMessage"
        for _ in range(6):
            code, payload = await request.do_request(url, "POST")
            assert code == 200 and b'"ok":true' in payload
            await asyncio.sleep(0)  # the server's close reaches the socket
        # connection 1 is closed by the server after one answer; a request on it would fail. Every
        # request succeeded, so that connection was seen closed and replaced (connection 2), which then
        # served the rest: two connections, not six
        assert server.connections == 2
    finally:
        await request.shutdown()


class HeldShard(BaseRequest):
    """A shard whose requests wait until released; it notes how many it ever held at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.now = 0
        self.most = 0
        self.served = 0
        self.lifecycle: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        self.lifecycle.append("initialize")

    async def shutdown(self) -> None:
        self.lifecycle.append("shutdown")

    async def do_request(self, *_: object, **__: object) -> tuple[int, bytes]:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.release.wait()
            self.served += 1
            return 200, b'{"ok":true,"result":true}'
        finally:
            self.now -= 1


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_each_request_goes_to_the_least_busy_shard() -> None:
    shards = [HeldShard(), HeldShard(), HeldShard()]
    pool = ShardedPool(shards)
    first = [asyncio.create_task(pool.do_request("http://x/bot1:x/sendMessage", "POST")) for _ in range(5)]
    await settle()
    assert pool.in_flight() == (2, 2, 1)
    shards[0].release.set()  # shard 0's two finish: the next two requests go there, not to shard 2 twice
    await asyncio.gather(*first[0:1], *first[3:4])
    assert pool.in_flight() == (0, 2, 1)
    more = [asyncio.create_task(pool.do_request("http://x/bot1:x/sendMessage", "POST")) for _ in range(2)]
    await settle()
    assert shards[0].served == 4 and pool.in_flight() == (0, 2, 1)  # shard 0 still releases at once
    for shard in shards:
        shard.release.set()
    results = await asyncio.gather(*first, *more)
    assert all(code == 200 for code, _ in results)
    assert pool.in_flight() == (0, 0, 0)
    assert [shard.served for shard in shards] == [4, 2, 1]


async def test_behind_the_gate_no_shard_holds_more_than_its_share() -> None:
    """100 requests at once through InstrumentedRequest's gate of 16 over 8 shards: never more than 2 in
    one shard (each shard's pool has 2 connections, so none waits inside httpcore)."""
    shards = [HeldShard() for _ in range(8)]
    request = InstrumentedRequest(ShardedPool(shards), BotMetrics(), max_in_flight=16)
    calls = [
        asyncio.create_task(request.do_request("http://x/bot1:x/sendMessage", "POST")) for _ in range(100)
    ]
    await settle()
    assert [shard.now for shard in shards] == [2] * 8
    for shard in shards:
        shard.release.set()
    await asyncio.gather(*calls)
    assert max(shard.most for shard in shards) == 2
    assert sum(shard.served for shard in shards) == 100


async def test_the_sharded_pool_starts_and_stops_every_shard() -> None:
    shards = [HeldShard(), HeldShard()]
    pool = ShardedPool(shards)
    await pool.initialize()
    await pool.shutdown()
    assert all(shard.lifecycle == ["initialize", "shutdown"] for shard in shards)
    assert pool.read_timeout == 5.0
    with pytest.raises(ValueError):
        ShardedPool([])


async def test_a_sharded_httpx_pool_talks_http(server: OneShotServer) -> None:
    pool = ShardedPool.of_httpx(connections=5, per_shard=2, httpx_kwargs={})
    assert [shard._client._transport._pool._max_connections for shard in pool.shards] == [2, 2, 1]  # type: ignore[attr-defined]
    await pool.initialize()
    try:
        url = f"http://127.0.0.1:{server.port}/bot1:x/sendMessage"
        results = await asyncio.gather(*(pool.do_request(url, "POST") for _ in range(10)))
        assert all(code == 200 and b'"ok":true' in payload for code, payload in results)
    finally:
        await pool.shutdown()
