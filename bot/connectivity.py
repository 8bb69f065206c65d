"""Reaching the Bot API: start-up with retries, and an outage while polling logged twice, not per poll.

- :func:`with_retries` runs one start-up request (getMe inside ``Application.initialize``, deleteWebhook,
  setWebhook). A network failure is one log line ("what failed, next try in N s"); after the last try it
  raises :class:`StartupFailedError` whose text is the one line to print. A rejected token is never
  retried: :data:`TOKEN_REJECTED` is raised at once, without the token PTB puts into its exception.
- :class:`Connectivity` is told about every getUpdates (see :class:`WatchedRequest` and the polling
  ``error_callback``): the first failure logs that the outage started, the first success after it logs
  that it ended and how long it lasted. PTB's default would log a traceback on every failed poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import BaseRequest, RequestData

from bot.logmask import describe_error
from bot.request_layer import RequestLayer

log = logging.getLogger("bot.connectivity")

T = TypeVar("T")
TOKEN_REJECTED = (
    "Telegram rejected the token: check [telegram] token or TWINBOT_TOKEN; get one from @BotFather"
)
MAX_WAIT_SECONDS = 30.0


class StartupFailedError(Exception):
    """Start-up could not reach the Bot API, or the token was rejected; the text is the one line to print."""


def backoff(attempt: int) -> float:
    """Seconds before try number `attempt + 1` (attempt counts from 1): 1, 2, 4, ... at most 30."""
    return float(min(MAX_WAIT_SECONDS, 2 ** (attempt - 1)))


def describe(error: BaseException, token: str) -> str:
    """One line about a failure, the token masked (PTB's texts may carry it)."""
    return describe_error(error, token).splitlines()[0]


async def with_retries(
    action: Callable[[], Awaitable[T]],
    what: str,
    *,
    retries: int,
    token: str,
    stop: asyncio.Event | None = None,
) -> T:
    """`action()`, tried again `retries` times after a network failure (TimedOut, NetworkError, 5xx,
    RetryAfter). Raises StartupFailedError after the last try or at once on a rejected token; `stop`
    (SIGTERM) ends the wait between tries."""
    attempts = retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return await action()
        except InvalidToken:
            raise StartupFailedError(TOKEN_REJECTED) from None
        except BadRequest as error:  # PTB counts it as a NetworkError; a retry would not change it
            raise StartupFailedError(f"{what} was refused by Telegram: {describe(error, token)}") from None
        except (NetworkError, RetryAfter) as error:
            failure = describe(error, token)
            if attempt == attempts:
                raise StartupFailedError(
                    f"could not reach the Telegram Bot API ({what}) after {attempts} "
                    f"{'try' if attempts == 1 else 'tries'}: {failure}; check the network and "
                    "[telegram] base_url"
                ) from None
            wait = backoff(attempt)
            log.warning(
                "%s failed (try %d of %d): %s; next try in %.0f s", what, attempt, attempts, failure, wait
            )
            stop = stop or asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            if stop.is_set():
                raise StartupFailedError(f"stopped while waiting to try {what} again") from None
        except TelegramError as error:  # a refusal that a retry would not change (400, 403, 409 ...)
            raise StartupFailedError(f"{what} was refused by Telegram: {describe(error, token)}") from None
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class Connectivity:
    """Whether the last getUpdates reached the Bot API; logs the start and the end of an outage."""

    def __init__(self, token: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.clock = clock
        self.down_since: float | None = None
        self.failed_polls = 0
        self.outages = 0

    def failed(self, error: BaseException) -> None:
        """A failed poll (PTB's polling error_callback and WatchedRequest): logged only when it is the first."""
        self.failed_polls += 1
        if self.down_since is not None:
            return
        self.down_since = self.clock()
        self.outages += 1
        log.warning(
            "the Telegram Bot API cannot be reached: %s; polling goes on and says when it is back",
            describe(error, self.token),
        )

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        lasted = self.clock() - self.down_since
        log.warning(
            "the Telegram Bot API is reachable again after %.0f s (%d failed polls)",
            lasted,
            self.failed_polls,
        )
        self.down_since = None
        self.failed_polls = 0


class WatchedRequest(RequestLayer):
    """The getUpdates request, telling `connectivity` whether each poll reached the Bot API."""

    __slots__ = ("connectivity",)

    def __init__(self, inner: BaseRequest, connectivity: Connectivity) -> None:
        super().__init__(inner)
        self.connectivity = connectivity

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
        try:
            code, payload = await self.inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except NetworkError as error:  # TimedOut too, which PTB's polling loop retries without a word
            self.connectivity.failed(error)
            raise
        if code < 500:
            self.connectivity.succeeded()
        return code, payload
