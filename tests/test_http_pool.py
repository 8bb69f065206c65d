"""bot/http_pool.py: the reply requests' pool keeps each connection's socket, reuses a live connection,
and still drops one the server closed (its readability is what httpcore asks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.http_pool import PooledRequest, SocketKeepingBackend, keep_sockets, socket_readable


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
