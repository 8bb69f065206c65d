"""PTB's HTTPXRequest, with a cheaper look at the idle connections of its pool, and several small pools
instead of one large one (ShardedPool, at the end).

Before and after every request httpcore's connection pool asks each idle connection whether the server
closed it ("is the socket readable?"). With the anyio backend every such question first asks anyio for
the raw socket, and anyio builds the stream's whole attribute table to answer: a getpeername() system
call and a dozen lambdas, per idle connection, twice per request. Replies run concurrently (up to
bot.app.REQUESTS_IN_FLIGHT connections), so that was the largest cost of a reply after the send itself:
a quarter of the CPU per request with 16 connections, measured against an instant local Bot API (a bare
echo bot, one update at a time, has one connection and never pays it). Here each connection keeps its
socket from the moment it is opened, and the question is one poll() on it, as httpcore itself asks it.

The stream and the backend are httpcore's public interfaces; how they are put in place is not: the pool
of httpx's default transport (``client._transport._pool._network_backend``). When a release moves them,
nothing is changed and the requests work as before (tests/test_http_pool.py notices).
"""

# The timeouts are parameters because httpcore's stream and backend interfaces take them so:
# ruff: noqa: ASYNC109

from __future__ import annotations

import logging
import select
import socket
import ssl
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import httpcore
import httpx
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)


def socket_readable(sock: socket.socket | None) -> bool:
    """httpcore's check: something to read (for an idle HTTP/1.1 connection: the server's close); a
    socket that is gone counts as readable, so the connection is dropped."""
    descriptor = -1 if sock is None else sock.fileno()
    if descriptor < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):  # pragma: no cover - Linux runs the bot
        readable, _, _ = select.select([descriptor], [], [], 0)
        return bool(readable)
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(0))


class SocketKeepingStream(httpcore.AsyncNetworkStream):
    """A pooled connection's stream that knows its socket without asking anyio each time."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # TLS runs over the same socket: its readability still tells whether the server closed it
        return SocketKeepingStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return socket_readable(self._socket)
        return self._inner.get_extra_info(info)


class SocketKeepingBackend(httpcore.AsyncNetworkBackend):
    """Opens connections as `inner` does, each as a SocketKeepingStream."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return SocketKeepingStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return SocketKeepingStream(await self.inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def keep_sockets(client: httpx.AsyncClient) -> bool:
    """Put SocketKeepingBackend under the default transport's pool; False when it is not where this
    httpx keeps it (then nothing changes)."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not isinstance(
        backend, httpcore.AsyncNetworkBackend
    ):
        log.debug("httpx's connection pool is not where it was: idle connections are checked as usual")
        return False
    if not isinstance(backend, SocketKeepingBackend):
        pool._network_backend = SocketKeepingBackend(backend)
    return True


class PooledRequest(HTTPXRequest):
    """HTTPXRequest whose client (made again at each initialize after a shutdown) keeps its sockets."""

    def _build_client(self) -> httpx.AsyncClient:
        client = super()._build_client()
        keep_sockets(client)
        return client


class ShardedPool(BaseRequest):
    """Requests spread over several HTTPX clients with small pools, each to the one with the fewest on the
    wire.

    One httpcore pool of 16 connections costs time quadratic in its size per request: each request that
    starts or ends walks every connection and, for every idle one, builds the list of all of them again
    (``AsyncConnectionPool._assign_requests_to_connections``), under the pool's lock. With concurrent
    replies that was the largest cost of a reply after the send itself (0.8 of 4.5 ms per update,
    profiled). Eight clients of two connections carry the same 16 requests at once for a fraction of it:
    the webhook burst went from 459 to 723 replies/s in one run, against 753/s for PTB's stock echo bot
    (tests/bench_webhook.py). With the callers bounded to ``len(shards) * per_shard`` at once
    (InstrumentedRequest's gate), the least busy shard always has a free connection, so no request waits
    inside a pool while another pool sits idle."""

    __slots__ = ("_busy", "shards")

    def __init__(self, shards: Sequence[BaseRequest]) -> None:
        if not shards:
            raise ValueError("a sharded pool needs at least one shard")
        self.shards = tuple(shards)
        self._busy = [0] * len(self.shards)

    @classmethod
    def of_httpx(cls, *, connections: int, per_shard: int, httpx_kwargs: dict[str, Any]) -> ShardedPool:
        """`connections` in all, `per_shard` to a client (the last may have fewer)."""
        sizes = [min(per_shard, connections - start) for start in range(0, connections, per_shard)]
        return cls([PooledRequest(connection_pool_size=size, httpx_kwargs=httpx_kwargs) for size in sizes])

    @property
    def read_timeout(self) -> float | None:
        return self.shards[0].read_timeout

    def in_flight(self) -> tuple[int, ...]:
        return tuple(self._busy)

    async def initialize(self) -> None:
        for shard in self.shards:
            await shard.initialize()

    async def shutdown(self) -> None:
        for shard in self.shards:
            await shard.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        busy = self._busy
        index = busy.index(min(busy))
        busy[index] += 1
        try:
            return await self.shards[index].do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        finally:
            busy[index] -= 1
