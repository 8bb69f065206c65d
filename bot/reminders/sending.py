"""Sending one reminder message: the send guard that claims its ledger rows right before the request, the
sender, and what each Telegram error means for the ledger (the protocol is in the package docstring)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.errors import mask_secret
from bot.ratelimit import BroadcastRateLimiter
from storage.ledger import ClaimLostError

if TYPE_CHECKING:
    from telegram import Bot

    from bot.runtime import Runtime


SEND_READ_TIMEOUT = 20.0


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # certainly not delivered; pending again
    BLOCKED = "blocked"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"
    TAKEN = "taken"  # another pass holds the rows


class LedgerGuard:
    """The send guard of one message: claims its ledger rows right before each HTTP attempt."""

    def __init__(self, runtime: Runtime, ids: Sequence[int]) -> None:
        self.ledger = runtime.ledger
        self.ids = list(ids)
        self.token = uuid.uuid4().hex
        self.claimed = False

    async def before_attempt(self) -> None:
        await self.ledger.claim(self.ids, self.token)
        self.claimed = True

    async def after_refusal(self) -> None:
        if self.claimed:
            await self.ledger.finish(self.ids, self.token, "pending", error="429 Too Many Requests")
            self.claimed = False

    def __repr__(self) -> str:
        return f"LedgerGuard({len(self.ids)} rows)"


class Sender(Protocol):
    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        """Send one HTML message; returns its message id. Must call guard.before_attempt() right before
        the request goes out (and guard.after_refusal() after a 429)."""
        ...


class TelegramSender:
    """Sends through a bot that carries bot.app.DEFAULTS (HTML, no link previews), as the application's
    bot and the one `twinbot remind` builds do."""

    def __init__(self, bot: Bot, read_timeout: float = SEND_READ_TIMEOUT) -> None:
        self.bot = bot
        self.read_timeout = read_timeout

    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        limiter = getattr(self.bot, "rate_limiter", None)
        extra: dict[str, Any] = {}
        if isinstance(limiter, BroadcastRateLimiter):
            # the limiter claims after its waits, and a guard is what makes this a broadcast: it yields
            # to replies (the priority rule in bot/ratelimit.py)
            extra["rate_limit_args"] = guard
        else:
            await guard.before_attempt()
        message = await self.bot.send_message(
            chat_id=chat_id,
            text=text,
            read_timeout=self.read_timeout,
            **extra,
        )
        return message.message_id


def masked(text: str, token: str) -> str:
    """An error's text without the token, for the ledger and the log: what httpx or Telegram said can hold
    the request URL. PTB's TelegramError capitalize()s its message, i.e. lower-cases the token in it."""
    return mask_secret(mask_secret(text, token), token.lower())


def classify(error: BaseException) -> Outcome:
    """What a failed send means for the ledger (see the module docstring)."""
    if isinstance(error, ClaimLostError):
        return Outcome.TAKEN
    if isinstance(error, RetryAfter):
        return Outcome.RETRY
    if isinstance(error, Forbidden):
        return Outcome.BLOCKED
    if isinstance(error, BadRequest):
        return Outcome.BLOCKED if "chat not found" in error.message.lower() else Outcome.FAILED
    cause = error.__cause__
    if isinstance(
        cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol
    ):
        return Outcome.RETRY  # the connection was never made: nothing left this machine
    if isinstance(cause, BaseException):
        return Outcome.IN_DOUBT  # the request may have arrived; the answer did not
    if isinstance(error, TelegramError):
        return Outcome.RETRY  # an error answer from the server (5xx): it did not send the message
    return Outcome.IN_DOUBT
