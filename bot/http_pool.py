"""PTB's HTTPXRequest, with a cheaper look at the idle connections of its pool.

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
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

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
