"""Our rate limiter: PTB's AIORateLimiter, subclassed, with three changes that broadcasts need.

1. **A 429 pause is never ended early** (python-telegram-bot issue #5338, fixed after 22.8). In 22.8 the
   pause is a shared ``asyncio.Event`` that every request ``set()``s in a ``finally`` when it finishes, so
   any request that completes during the pause (one that was already in flight when the 429 came, or a
   retry with a shorter ``retry_after``) releases everybody early, and the flood goes on. Here the pause
   is a monotonic *deadline*: a 429 moves it later (``max``), nothing ever moves it earlier, and every
   attempt waits for it right before it goes out. This is the approach of the upstream fix.

2. **Sliding windows instead of leaky buckets.** aiolimiter's ``AsyncLimiter(30, 1)`` lets a burst of 30
   through and then keeps refilling, so up to ~60 requests can land in one second and Telegram answers
   429 (the broadcast benchmark shows it). A sliding window allows at most ``limit`` requests in *any*
   ``period``: 30 per second overall and 20 per minute per group. A slot is held while its request is in
   flight and then dated at the *answer*, which is never earlier than the moment Telegram counted the
   request, so jitter on the network cannot squeeze 31 requests into Telegram's second.

3. **A send guard.** A request may carry, as ``rate_limit_args``, an object with ``before_attempt()`` and
   ``after_refusal()``. The limiter calls ``before_attempt()`` right before each HTTP attempt, after every
   wait, which is where the reminder ledger claims its rows (so a crash can only leave "in doubt" the
   requests that were really on the wire), and ``after_refusal()`` when Telegram answered 429 (the
   attempt certainly delivered nothing, so the claim is released until the retry).

An ``int`` in ``rate_limit_args`` still means "max retries", as in PTB.

Why the subclass stays after PTB releases the #5338 fix
-------------------------------------------------------
Only change 1 is PTB's bug; changes 2 and 3 are what broadcasts need and PTB does not offer. Side by side
in one run of ``python -m tests.bench_broadcast`` (the fake Bot API enforcing Telegram's limits), PTB's own
limiter drew 19 answers 429 where this one drew none; and PTB has no hook between its waits and the
request, which the ledger's late claim (bot/reminders/) relies on. So when PTB is upgraded past 22.8,
keep this class: re-run that benchmark and tests/e2e/test_reminders_e2e.py (its
``test_ptb_22_8_limiter_ends_the_pause_early`` documents 22.8's behaviour and is skipped on other
versions), and check that what this class relies on kept its shape: ``BaseRateLimiter.process_request``
(overridden), ``AIORateLimiter.__init__``'s arguments, and ``RetryAfter.retry_after`` (see ``_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from telegram import constants
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger("bot.ratelimit")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Result = bool | dict[str, Any] | list[dict[str, Any]]
ANSWERED_KEPT = 4096  # answered press ids remembered (a press lives seconds; this is minutes of them)


@runtime_checkable
class SendGuard(Protocol):
    async def before_attempt(self) -> None: ...

    async def after_refusal(self) -> None: ...


class SlidingWindow:
    """At most `limit` requests within any `period` seconds, counted so that network jitter cannot break it.

    A request holds its slot from the moment it is let through until its answer is back, and the slot is
    then dated at the *answer*: Telegram received the request somewhere in between, so the next request
    that needs this slot leaves at least `period` after Telegram saw the previous one, whatever the delays
    on the way. Waiters are served in order.
    """

    def __init__(self, limit: int, period: float, clock: Clock, sleep: Sleep) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._cells: list[list[float]] = []  # one per slot: [time it counts from], inf while in flight
        self._lock = asyncio.Lock()
        self._released = asyncio.Event()

    def _prune(self, now: float) -> None:
        self._cells = [cell for cell in self._cells if now - cell[0] < self.period]

    def idle(self) -> bool:
        self._prune(self._clock())
        return not self._cells

    async def acquire(self) -> list[float]:
        """A slot; hand it back with release() once the answer is in (or the request never left)."""
        async with self._lock:
            while True:
                now = self._clock()
                self._prune(now)
                if len(self._cells) < self.limit:
                    cell = [math.inf]
                    self._cells.append(cell)
                    return cell
                finished = [cell[0] for cell in self._cells if cell[0] != math.inf]
                self._released.clear()
                if finished:
                    await self._sleep(max(min(finished) + self.period - now, 0.001))
                else:
                    await self._released.wait()  # every slot is in flight: wait for an answer

    def release(self, cell: list[float], *, used: bool = True) -> None:
        """The answer is in: the slot counts from now. A request that never left frees its slot at once."""
        if used:
            cell[0] = self._clock()
        else:  # by identity: every slot in flight holds an equal [inf]
            self._cells = [other for other in self._cells if other is not cell]
        self._released.set()


class BroadcastRateLimiter(AIORateLimiter):
    """AIORateLimiter with the #5338 fix, sliding windows and send guards (see the module docstring)."""

    def __init__(
        self,
        overall_max_rate: int = constants.FloodLimit.MESSAGES_PER_SECOND,
        overall_time_period: float = 1.0,
        group_max_rate: int = constants.FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: float = 60.0,
        max_retries: int = 3,
        slack: float = 0.01,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # PTB's own limiters off: ours replace them (the base keeps the paid-broadcast limiter)
        super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self.clock = clock
        self.sleep = sleep
        self.retries = max_retries
        self.overall: SlidingWindow | None = (
            SlidingWindow(int(overall_max_rate), overall_time_period * (1 + slack), clock, sleep)
            if overall_max_rate and overall_time_period
            else None
        )
        self.group_limit = int(group_max_rate) if group_max_rate and group_time_period else 0
        self.group_period = group_time_period * (1 + slack)
        self.groups: dict[str | int, SlidingWindow] = {}
        self.halt_until = 0.0  # monotonic deadline of the current 429 pause (0: none)
        self.pauses = 0  # 429s seen, for the logs and the benchmark
        # every request passes here: the presses already answered, so that the error handler never
        # answers one twice (Telegram refuses the second answerCallbackQuery)
        self.answered_queries: OrderedDict[str, None] = OrderedDict()

    def _group(self, group_id: str | int) -> SlidingWindow:
        if len(self.groups) > 512:
            for key, idle in list(self.groups.items()):
                if key != group_id and idle.idle():
                    del self.groups[key]
        window = self.groups.get(group_id)
        if window is None:
            window = self.groups[group_id] = SlidingWindow(
                self.group_limit, self.group_period, self.clock, self.sleep
            )
        return window

    def halt(self, seconds: float) -> None:
        """Pause every request for `seconds` from now (never shortens a pause already set)."""
        self.halt_until = max(self.halt_until, self.clock() + seconds)

    async def _wait_out_halt(self) -> None:
        while (delay := self.halt_until - self.clock()) > 0:
            await self.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | SendGuard | None,
    ) -> Result:
        guard = rate_limit_args if isinstance(rate_limit_args, SendGuard) else None
        max_retries = rate_limit_args if isinstance(rate_limit_args, int) else self.retries
        chat_id = data.get("chat_id")
        chat = chat_id is not None
        group: str | int | None = None
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            group = chat_id  # supergroups and channels (a @username can only be one of those)
        query_id = str(data.get("callback_query_id", "")) if endpoint == "answerCallbackQuery" else ""
        if query_id and self.has_answered(query_id):
            # a press is answered once: Telegram refuses a second answer (a replayed press, a retry)
            log.info("press %s was answered already: not answered again", query_id)
            return True
        for attempt in range(max_retries + 1):
            try:
                result = await self._attempt(chat, group, guard, callback, args, kwargs)
                if query_id:
                    self.mark_answered(query_id)
                return result
            except RetryAfter as exc:
                pause = _seconds(exc) + 0.1
                self.pauses += 1
                self.halt(pause)  # before the retry check: the pause holds for everyone either way
                if guard is not None:
                    await guard.after_refusal()
                if attempt == max_retries:
                    log.warning("%s: still rate limited after %d retries", endpoint, max_retries)
                    raise
                log.info("%s: rate limited, every request waits %.1f s", endpoint, pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def mark_answered(self, query_id: str) -> None:
        self.answered_queries[query_id] = None
        while len(self.answered_queries) > ANSWERED_KEPT:
            self.answered_queries.popitem(last=False)

    def has_answered(self, query_id: str) -> bool:
        return query_id in self.answered_queries

    async def _attempt(
        self,
        chat: bool,
        group: str | int | None,
        guard: SendGuard | None,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        slots: list[tuple[SlidingWindow, list[float]]] = []
        left = False
        try:
            if group is not None and self.group_limit:
                window = self._group(group)
                slots.append((window, await window.acquire()))
            if chat and self.overall is not None:
                slots.append((self.overall, await self.overall.acquire()))
            await self._wait_out_halt()
            if guard is not None:
                await guard.before_attempt()
            left = True
            return await callback(*args, **kwargs)
        finally:
            for window, cell in slots:
                window.release(cell, used=left)


def _seconds(error: RetryAfter) -> float:
    value = getattr(error, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    retry_after = error.retry_after
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
