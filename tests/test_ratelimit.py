"""bot.ratelimit's priority rule on a virtual clock: replies overtake queued broadcasts, broadcasts use the
capacity replies leave and are never stopped for good, Telegram's limits and its 429 pauses hold for both.

Time here is a discrete-event clock: a sleep is a future that the driver resolves once nothing else can
run, advancing the clock to the earliest deadline. So a run of minutes takes milliseconds and every
figure is exact, not "usually".
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import BroadcastRateLimiter, SlidingWindow

RTT = 0.05  # a request's round trip; Telegram sees it half-way
SETTLE = 60  # loop turns that let every runnable task run before the clock moves
# the longest a reply waits while a broadcast keeps the window full: the 30 slots are each held for a
# round trip plus the period, and the paced broadcast fills them 1.01 s / 30 apart, up to two at once, so
# no slot may come free for a round trip plus three spacings; then half a round trip until Telegram sees it
NEXT_SLOT = 3 * 1.01 / 30 + RTT + RTT / 2


class VirtualTime:
    def __init__(self, lateness: float = 0.0) -> None:
        self.now = 0.0
        self.lateness = lateness  # every sleep wakes this much late, as a busy event loop's timers do
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(
            self._sleepers, (self.now + max(seconds, 0.0) + self.lateness, next(self._order), future)
        )
        await future

    async def run(self, main: Coroutine[Any, Any, Any]) -> Any:
        task = asyncio.ensure_future(main)
        try:
            while True:
                for _ in range(SETTLE):
                    await asyncio.sleep(0)
                if task.done():
                    return task.result()
                while self._sleepers and self._sleepers[0][2].done():
                    heapq.heappop(self._sleepers)
                assert self._sleepers, "nothing can run and nobody sleeps: a lost wake-up"
                at = self._sleepers[0][0]
                self.now = max(self.now, at)
                while self._sleepers and self._sleepers[0][0] <= at:
                    future = heapq.heappop(self._sleepers)[2]
                    if not future.done():
                        future.set_result(None)
        finally:
            for _, _, future in self._sleepers:  # the windows' idle timers
                future.cancel()
            self._sleepers.clear()
            for _ in range(3):
                await asyncio.sleep(0)


@dataclass
class Seen:
    at: float
    lane: str
    chat: int


@dataclass
class Telegram:
    """A stand-in for the Bot API: records when it sees each message; refuses some with 429."""

    time: VirtualTime
    seen: list[Seen] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    refuse_at: float | None = None  # the first request seen at or after this moment gets a 429
    retry_after: int = 3
    rtt: float = RTT
    jitter: random.Random | None = None  # round trips drawn between 2 and 80 ms

    async def call(self, lane: str, chat: int) -> dict[str, Any]:
        if self.jitter is not None:
            self.rtt = self.jitter.uniform(0.002, 0.08)
        await self.time.sleep(self.rtt / 2)
        if self.refuse_at is not None and self.time.now >= self.refuse_at:
            self.refuse_at = None
            self.refused.append(self.time.now)
            raise RetryAfter(self.retry_after)
        self.seen.append(Seen(self.time.now, lane, chat))
        await self.time.sleep(self.rtt / 2)
        return {"message_id": len(self.seen)}

    def times(self, lane: str | None = None, chat: int | None = None) -> list[float]:
        return sorted(s.at for s in self.seen if lane in (None, s.lane) and chat in (None, s.chat))


class Guard:
    def __init__(self) -> None:
        self.attempts = 0
        self.refusals = 0

    async def before_attempt(self) -> None:
        self.attempts += 1

    async def after_refusal(self) -> None:
        self.refusals += 1


def within_limit(times: list[float], limit: int, period: float) -> bool:
    """No `period` seconds hold more than `limit` of these moments."""
    return all(later - earlier >= period for earlier, later in zip(times, times[limit:], strict=False))


async def broadcast(
    limiter: BroadcastRateLimiter, telegram: Telegram, chats: list[int], workers: int = 16
) -> None:
    queue = list(reversed(chats))

    async def worker() -> None:
        while queue:
            chat = queue.pop()
            await limiter.process_request(
                telegram.call, ("broadcast", chat), {}, "sendMessage", {"chat_id": chat}, Guard()
            )

    await asyncio.gather(*(worker() for _ in range(workers)))


async def reply(limiter: BroadcastRateLimiter, telegram: Telegram, at: float, chat: int) -> float:
    """Answers a question that arrives at `at`; returns how long the resident waited for Telegram to see
    the answer."""
    await telegram.time.sleep(at - telegram.time.now)
    asked = telegram.time.now
    await limiter.process_request(telegram.call, ("reply", chat), {}, "sendMessage", {"chat_id": chat}, None)
    return telegram.times("reply", chat)[-1] - asked


def limiter_on(time: VirtualTime, priority: bool = True) -> BroadcastRateLimiter:
    return BroadcastRateLimiter(max_retries=3, clock=time.clock, sleep=time.sleep, priority=priority)


async def pass_with_replies(
    priority: bool, subscribers: int, questions: list[float], workers: int = 16
) -> tuple[Telegram, list[float], float]:
    time = VirtualTime()
    telegram = Telegram(time)
    limiter = limiter_on(time, priority)

    async def scenario() -> list[float]:
        pass_ = asyncio.ensure_future(broadcast(limiter, telegram, list(range(1, subscribers + 1)), workers))
        waits = await asyncio.gather(
            *(reply(limiter, telegram, at, 10_000 + index) for index, at in enumerate(questions))
        )
        await pass_
        return list(waits)

    waits = await time.run(scenario())
    return telegram, waits, time.now


async def test_a_reply_overtakes_the_queued_broadcast() -> None:
    telegram, [wait], _ = await pass_with_replies(True, 300, [3.0])
    _, [baseline], _ = await pass_with_replies(False, 300, [3.0])
    assert wait <= NEXT_SLOT  # with the rule: the next slot that comes free
    assert baseline > 4 * wait  # first come, first served: behind the workers queued before it
    # broadcasts queued before the question went out after the answer
    reply_at = telegram.times("reply")[0]
    assert [at for at in telegram.times("broadcast") if 3.0 + RTT / 2 < at < reply_at] == []


async def test_a_reply_waits_no_longer_however_many_broadcasts_queue() -> None:
    questions = [2.0 + index * 0.37 for index in range(20)]
    _, few, _ = await pass_with_replies(True, 400, questions, workers=4)
    _, many, _ = await pass_with_replies(True, 400, questions, workers=64)
    _, baseline, _ = await pass_with_replies(False, 400, questions, workers=64)
    assert max(few) <= NEXT_SLOT and max(many) <= NEXT_SLOT
    assert max(baseline) > 1.0  # 64 queued broadcasts are two seconds' worth of the limit


async def test_broadcast_uses_the_capacity_replies_leave_within_the_limit() -> None:
    questions = [1.0 + index * 0.2 for index in range(100)]  # 5 questions a second for 20 s
    telegram, waits, _ = await pass_with_replies(True, 900, questions)
    everything = telegram.times()
    assert within_limit(everything, 30, 1.0)  # Telegram's 30/s, whoever sent
    replies, broadcasts = telegram.times("reply"), telegram.times("broadcast")
    assert len(replies) == 100 and len(broadcasts) == 900
    # while residents asked, the pass took what they left: together at the limit (window dated at the
    # answer, period 1.01 s: the most there can be is 30 / (1.01 + RTT / 2) a second)
    during = [at for at in everything if 2.0 <= at < 20.0]
    assert len(during) / 18.0 >= 0.9 * 30
    broadcasts_during = [at for at in broadcasts if 2.0 <= at < 20.0]
    assert len(broadcasts_during) / 18.0 >= 0.9 * 30 - 5.0
    assert max(waits) <= NEXT_SLOT


async def test_a_flood_of_replies_leaves_the_broadcast_its_reserve() -> None:
    questions = [1.0 + index / 60 for index in range(600)]  # 60 a second for 10 s: twice the limit
    telegram, _, _ = await pass_with_replies(True, 200, questions)
    everything = telegram.times()
    assert within_limit(everything, 30, 1.0)
    broadcasts = [at for at in telegram.times("broadcast") if 3.0 <= at < 10.0]
    replies = [at for at in telegram.times("reply") if 3.0 <= at < 10.0]
    assert len(broadcasts) / 7.0 >= 2.5  # the reserve: 3 of the 30 slots while a broadcast waits
    assert len(replies) / 7.0 >= 25.0  # and the replies keep the rest


async def test_without_the_rule_a_flood_of_replies_is_first_come_first_served() -> None:
    # the baseline the benchmark compares with: no lanes, so no reserve either (the rule is what changes)
    questions = [1.0 + index / 60 for index in range(600)]
    telegram, waits, _ = await pass_with_replies(False, 200, questions)
    assert within_limit(telegram.times(), 30, 1.0)
    assert max(waits) > 5.0


async def test_group_limit_holds_for_both_lanes_and_the_reply_goes_first() -> None:
    time = VirtualTime()
    telegram = Telegram(time)
    limiter = limiter_on(time)
    group = -100777

    async def scenario() -> float:
        pass_ = asyncio.ensure_future(broadcast(limiter, telegram, [group] * 25, workers=4))
        wait = await reply(limiter, telegram, 10.0, group)
        await pass_
        return wait

    wait = await time.run(scenario())
    in_group = telegram.times(chat=group)
    assert len(in_group) == 26
    assert within_limit(in_group, 20, 60.0)  # 20 a minute into one group, replies included
    # the reply had to wait for the group's window like anyone, but took the first slot that came free:
    # every broadcast still queued at 10 s went after it
    reply_at = telegram.times("reply")[0]
    assert all(at > reply_at for at in telegram.times("broadcast") if at > 10.0)
    assert wait < 60.0


async def test_a_429_pauses_replies_and_broadcasts_alike() -> None:
    time = VirtualTime()
    telegram = Telegram(time, refuse_at=5.0, retry_after=3)
    limiter = limiter_on(time)
    guards: list[Guard] = []

    async def guarded(chat: int) -> None:
        guard = Guard()
        guards.append(guard)
        await limiter.process_request(
            telegram.call, ("broadcast", chat), {}, "sendMessage", {"chat_id": chat}, guard
        )

    async def scenario() -> list[float]:
        queue = list(range(1, 401))

        async def worker() -> None:
            while queue:
                await guarded(queue.pop())

        # more senders than the window has slots: holding slots through the pause would shut replies out
        pass_ = asyncio.gather(*(worker() for _ in range(40)))
        waits = await asyncio.gather(*(reply(limiter, telegram, 5.5 + i * 0.5, 20_000 + i) for i in range(6)))
        await pass_
        return list(waits)

    waits = await time.run(scenario())
    [refused] = telegram.refused
    pause_end = refused + 3 + 0.1
    assert not [at for at in telegram.times() if refused < at < pause_end]  # nobody, either lane
    assert len(telegram.times("broadcast")) == 400  # the refused one was retried
    assert sum(guard.refusals for guard in guards) == 1  # and its ledger claim released meanwhile
    assert sum(guard.attempts for guard in guards) == 401
    # the replies that came during the pause went out right after it, ahead of the queued broadcasts
    replies = telegram.times("reply")
    assert len(replies) == 6
    assert all(pause_end <= at <= pause_end + 6 * (1.01 / 30) + RTT for at in replies[:5])
    assert max(waits) <= 3.1 + RTT
    assert within_limit(telegram.times(), 30, 1.0)


async def test_timers_that_fire_late_do_not_slow_the_pace() -> None:
    # a close server (2 ms round trip) and timers 1 ms late: pacing from each actual grant would cap the
    # pass at 1 / (1.01 / 30 + 0.001) = 28.8/s; on its grid it keeps what the window allows (~29.5/s)
    time = VirtualTime(lateness=0.001)
    telegram = Telegram(time, rtt=0.002)
    limiter = limiter_on(time)
    await time.run(broadcast(limiter, telegram, list(range(1, 901))))
    sent = telegram.times()
    assert within_limit(sent, 30, 1.0)
    assert (len(sent) - 1) / (sent[-1] - sent[0]) >= 29.2


async def test_pacing_costs_the_pass_little_when_round_trips_vary() -> None:
    async def rate(priority: bool) -> tuple[float, float]:
        time = VirtualTime(lateness=0.001)
        telegram = Telegram(time, jitter=random.Random(7))
        limiter = limiter_on(time, priority)

        async def scenario() -> list[float]:
            sending = asyncio.ensure_future(broadcast(limiter, telegram, list(range(1, 1801)), workers=8))
            waits = await asyncio.gather(
                *(reply(limiter, telegram, 2 + i * 0.5, 10_000 + i) for i in range(100))
            )
            await sending
            return list(waits)

        waits = await time.run(scenario())
        sent = telegram.times("broadcast")
        assert within_limit(telegram.times(), 30, 1.0)
        return (len(sent) - 1) / (sent[-1] - sent[0]), max(waits)

    (paced, wait), (first_come, baseline) = await rate(True), await rate(False)
    assert paced >= 0.985 * first_come  # pacing from each actual grant, not on a grid, gave 0.980
    assert wait <= 0.15 and baseline > 0.5


@pytest.mark.parametrize("lane", [0, 1])
async def test_a_cancelled_waiter_leaves_no_slot_behind(lane: int) -> None:
    time = VirtualTime()
    window = SlidingWindow(2, 1.0, time.clock, time.sleep)

    async def scenario() -> list[list[float]]:
        first, second = await window.acquire(), await window.acquire()
        waiting = asyncio.ensure_future(window.acquire(lane))
        await asyncio.sleep(0)
        waiting.cancel()
        window.release(first)
        window.release(second)
        await time.sleep(1.5)  # both leave the window
        return [await window.acquire(), await window.acquire()]

    cells = await time.run(scenario())
    assert len(cells) == 2 and time.now == pytest.approx(1.5)
    assert not waiting_left(window)


def waiting_left(window: SlidingWindow) -> bool:
    return any(window._waiting)
