"""Our rate limiter: PTB's AIORateLimiter, subclassed, with four changes that broadcasts need.

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

4. **Replies first.** See "The priority rule" below.

An ``int`` in ``rate_limit_args`` still means "max retries", as in PTB.

The priority rule
-----------------
Telegram allows 30 messages a second overall and 20 a minute into one group; a resident who asked is
waiting, a subscriber is not. So every request is in one of two lanes, told apart by PTB's own
``rate_limit_args``: a request that carries a send guard is a **broadcast** (only the reminder pass and
the monthly digest send with one, bot/reminders/sending.py); everything else (answers, cards, edits,
inline results) is a **reply**. Each window (the overall one and each group's) gives a slot that comes
free as follows:

* **A reply takes it before any broadcast**, whenever it was queued: it waits only for the next slot
  that comes free, however many broadcasts are queued (tests/test_ratelimit.py).
* **Broadcasts are paced**: one per ``period / limit`` (34 ms overall), never more than two at once. So
  slots come free evenly and that "next slot" is a round trip and a few spacings away at most, about a
  tenth of a second (a burst of 30 would free them all at once, once a second). The pacing keeps to a
  grid, so a late timer or a late answer costs no capacity. A reply is not paced; the window alone
  limits it.
* **Broadcasts use what replies leave.** A broadcast takes every slot no reply is waiting for, so with
  few questions the pass runs at the limit (the window is full all the time; a reply only moves the
  broadcast behind it by one slot).
* **No starvation of either side.** While a broadcast waits, replies may hold at most ``limit - reserve``
  slots of the window (reserve = a tenth, at least one: 3 of 30 a second, 2 of 20 a minute in a group):
  a flood of questions slows a pass to 3 messages a second but never stops it. Replies keep at least the
  other 27 a second whatever the broadcasts do, and within a lane the order is first come, first served.
* **The limits are the same for both lanes**: a reply counts in the 30/s and in its group's 20/min like
  any message and never goes past a full window, it only jumps the queue.
* **A 429 pauses both lanes** (change 1). A pause is waited out *before* slots are taken, holding none,
  so when it ends the slots go by the rule above rather than to whoever held one when the 429 came.

Per private chat Telegram asks for about one message a second and tolerates short bursts; neither PTB
nor this class meters it: a broadcast sends one message per chat per pass and a reply answers one update.

``BroadcastRateLimiter(priority=False)`` serves one lane, first come first served, without pacing or
reserve: the limiter as it was before the rule (but for the pause waited out holding no slot), kept as the
baseline of ``python3 dev.py bench priority``.

Why the subclass stays after PTB releases the #5338 fix
-------------------------------------------------------
Only change 1 is PTB's bug; changes 2 to 4 are what broadcasts need and PTB does not offer. Side by side
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
from collections import OrderedDict, deque
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


REPLY = 0  # the lane of a request sent in answer to someone (everything that is not a broadcast)
BROADCAST = 1  # the lane of a request that carries a send guard: a reminder pass, the monthly digest


class SlidingWindow:
    """At most `limit` requests within any `period` seconds, counted so that network jitter cannot break it,
    with replies served before broadcasts (the rule is in the module docstring).

    A request holds its slot from the moment it is let through until its answer is back, and the slot is
    then dated at the *answer*: Telegram received the request somewhere in between, so the next request
    that needs this slot leaves at least `period` after Telegram saw the previous one, whatever the delays
    on the way. Within a lane, waiters are served in order. With ``priority=False`` there is one lane
    (first come, first served) and no pacing: the limiter as it was before the rule, kept as the
    benchmark's baseline.
    """

    def __init__(
        self, limit: int, period: float, clock: Clock, sleep: Sleep, *, priority: bool = True
    ) -> None:
        self.limit = limit
        self.period = period
        self.priority = priority
        # slots that replies may not take while a broadcast waits: broadcasts never stop for good
        self.reserve = max(1, limit // 10) if priority else 0
        # broadcasts go out one per period/limit, not in bursts, so that a slot comes free every
        # period/limit seconds and a reply waits at most that long for one
        self.spacing = period / limit if priority else 0.0
        self._clock = clock
        self._sleep = sleep
        self._cells: list[list[float]] = []  # per slot: [time it counts from (inf while in flight), lane]
        self._waiting: tuple[deque[asyncio.Future[list[float]]], ...] = (deque(), deque())  # by lane
        self._next_broadcast = -math.inf  # when the pacing lets the next broadcast go
        self._wake_at = math.inf  # when the earliest timer armed by _arm() fires
        self._timers: set[asyncio.Task[None]] = set()

    def _prune(self, now: float) -> None:
        self._cells = [cell for cell in self._cells if now - cell[0] < self.period]

    def idle(self) -> bool:
        self._prune(self._clock())
        return not self._cells and not any(self._waiting)

    async def acquire(self, lane: int = REPLY) -> list[float]:
        """A slot; hand it back with release() once the answer is in (or the request never left)."""
        queue = self._waiting[lane if self.priority else REPLY]
        future: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        queue.append(future)
        self._grant()
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(future.result(), used=False)  # granted as the waiter was cancelled
            else:
                with contextlib.suppress(ValueError):
                    queue.remove(future)
                self._grant()  # a reply that gave up may have been what held a broadcast back
            raise

    def release(self, cell: list[float], *, used: bool = True) -> None:
        """The answer is in: the slot counts from now. A request that never left frees its slot at once."""
        if used:
            cell[0] = self._clock()
        else:  # by identity: slots in flight of the same lane are equal lists
            self._cells = [other for other in self._cells if other is not cell]
        self._grant()

    def _lane(self, now: float) -> int | None:
        """Whose turn it is for a free slot: a reply, unless replies already hold all but the reserve of the
        window while a broadcast waits; a broadcast only when its pacing allows."""
        replies, broadcasts = self._waiting
        broadcast_ready = bool(broadcasts) and now >= self._next_broadcast
        if replies:
            held = sum(1 for cell in self._cells if cell[1] == REPLY)
            if broadcast_ready and held >= self.limit - self.reserve:
                return BROADCAST
            return REPLY
        return BROADCAST if broadcast_ready else None

    def _grant(self) -> None:
        for queue in self._waiting:
            while queue and queue[0].done():  # cancelled waiters
                queue.popleft()
        if not any(self._waiting):
            return
        now = self._clock()
        self._prune(now)
        while len(self._cells) < self.limit:
            lane = self._lane(now)
            if lane is None:
                break
            future = self._waiting[lane].popleft()
            cell = [math.inf, float(lane)]
            self._cells.append(cell)
            if lane == BROADCAST:
                # on a grid, so that a timer firing late or a slot freed late does not push every later
                # broadcast back (pacing from each actual grant cost 2-3% of the limit); the grid lags
                # `now` by at most half a spacing, so no more than two go at once
                self._next_broadcast = max(self._next_broadcast + self.spacing, now - self.spacing / 2)
            future.set_result(cell)
            for queue in self._waiting:
                while queue and queue[0].done():
                    queue.popleft()
        if any(self._waiting):
            self._arm(now)

    def _arm(self, now: float) -> None:
        """Wake up when the next slot can be given: the oldest answered slot leaves the window, or (with a
        slot free) the pacing lets the next broadcast go. Every slot in flight: release() wakes us."""
        if len(self._cells) >= self.limit:
            finished = [cell[0] for cell in self._cells if cell[0] != math.inf]
            if not finished:
                return
            at = min(finished) + self.period
        else:
            at = self._next_broadcast
        if at >= self._wake_at:
            return  # an earlier timer is armed; it re-arms for this one
        self._wake_at = at
        timer = asyncio.ensure_future(self._wake(at, max(at - now, 0.001)))
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    async def _wake(self, at: float, delay: float) -> None:
        await self._sleep(delay)
        if self._wake_at == at:
            self._wake_at = math.inf
        self._grant()


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
        priority: bool = True,
    ) -> None:
        # PTB's own limiters off: ours replace them (the base keeps the paid-broadcast limiter)
        super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self.clock = clock
        self.sleep = sleep
        self.retries = max_retries
        self.priority = priority  # False: first come, first served (the benchmark's baseline)
        self.overall: SlidingWindow | None = (
            SlidingWindow(
                int(overall_max_rate), overall_time_period * (1 + slack), clock, sleep, priority=priority
            )
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
                self.group_limit, self.group_period, self.clock, self.sleep, priority=self.priority
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
        # None (a reply) or an int first: isinstance() against a runtime-checkable Protocol inspects the
        # protocol's members every time (~10 us), and every reply would pay it
        guard: SendGuard | None = None
        max_retries = self.retries
        if isinstance(rate_limit_args, int):
            max_retries = rate_limit_args
        elif rate_limit_args is not None and isinstance(rate_limit_args, SendGuard):
            guard = rate_limit_args
        lane = REPLY if guard is None else BROADCAST  # only a broadcast carries a send guard
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
                result = await self._attempt(chat, group, lane, guard, callback, args, kwargs)
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
        lane: int,
        guard: SendGuard | None,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        slots: list[tuple[SlidingWindow, list[float]]] = []
        left = False
        try:
            while True:
                # a pause is waited out holding no slot, so that when it ends the slots go by priority
                # (not to whoever happened to hold one when the 429 came)
                await self._wait_out_halt()
                if group is not None and self.group_limit:
                    window = self._group(group)
                    slots.append((window, await window.acquire(lane)))
                if chat and self.overall is not None:
                    slots.append((self.overall, await self.overall.acquire(lane)))
                if self.halt_until <= self.clock():
                    break
                for window, cell in slots:  # a 429 came while we waited for the slots
                    window.release(cell, used=False)
                slots.clear()
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
