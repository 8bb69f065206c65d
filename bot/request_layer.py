"""A BaseRequest that wraps another: the shared plumbing of the layers around PTB's HTTP requests
(bot.metrics.InstrumentedRequest, bot.connectivity.WatchedRequest, bot.intake.InboxRequest). A layer
only writes its do_request; timeouts, start-up and shutdown are the wrapped request's."""

from __future__ import annotations

from telegram.request import BaseRequest


class RequestLayer(BaseRequest):
    __slots__ = ("inner",)

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()
