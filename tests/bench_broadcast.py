"""Broadcast benchmark: one reminder pass to 3,000 subscribers through a fake Bot API that enforces
Telegram's flood limits (30 messages/s overall, 20 per minute per group) and answers 429 with
retry_after when they are exceeded. Run: `python -m tests.bench_broadcast [--subscribers N] [--quick]`.

Printed, measured in one run:
  * sustained rate: messages per whole second between the first and the last accepted message, as a
    fraction of 30/s (target >= 0.9); also the overall rate (messages / wall time of the whole pass)
  * 429s received (target 0), duplicates and misses (target 0 and 0), in-doubt rows
  * side by side, the same broadcast (smaller) through python-telegram-bot 22.8's stock AIORateLimiter
  * planning time of a pass for 10,000 subscribers: plan only, plan + render, plan + render + ledger

It is a script, not a test (pytest does not collect it). The real network stack is used (httpx over
127.0.0.1), with the real ledger on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.app import DEFAULTS
from bot.config import parse_settings
from bot.ratelimit import BroadcastRateLimiter
from bot.reminders import ReminderService, TelegramSender
from bot.runtime import Runtime, open_runtime
from tests.e2e.fake_bot_api import FakeBotApi

TOKEN = "123456:BENCH"
DAY = date(2026, 5, 25)  # Sassnitz's agreement is 7 days ahead: one reminder per subscriber
NOW = datetime(2026, 5, 25, 7, 30, tzinfo=UTC)  # 10:30 in Moscow
LIMIT = 30.0
GROUP_SHARE = 10  # every 10th subscriber is a group


async def make_runtime(folder: Path, subscribers: int, with_towns: bool = False) -> Runtime:
    settings = parse_settings({"storage": {"database": str(folder / "bench.sqlite3")}})
    runtime = await open_runtime(settings, clock=lambda: NOW)
    rows = []
    towns = []
    for index in range(subscribers):
        chat = -(1_000_000 + index) if index % GROUP_SHARE == 0 else 1_000_000 + index
        rows.append((chat, "supergroup" if chat < 0 else "private", "all" if index % 3 else "anniversaries"))
        if with_towns and index % 4 == 0:
            towns.append((chat, ("sassnitz", "narva", "raisio", "narvik")[index % 16 // 4]))
    async with runtime.database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscriptions (chat_id, chat_type, kinds, language) VALUES (?, ?, ?, 'ru')", rows
        )
        await conn.executemany("INSERT INTO subscription_towns (chat_id, town_key) VALUES (?, ?)", towns)
    return runtime


async def broadcast(subscribers: int, limiter: Any, label: str) -> dict[str, Any]:
    server = FakeBotApi(enforce_limits=True, global_per_second=30, group_per_minute=20).start()
    arrivals: list[float] = []
    original = server._check_flood_limits

    def timed(chat_key: int | None) -> None:
        original(chat_key)  # raises 429 when over the limit; only accepted messages are timed
        arrivals.append(time.monotonic())

    server._check_flood_limits = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as folder:
        runtime = await make_runtime(Path(folder), subscribers)
        try:
            bot: ExtBot[Any] = ExtBot(
                TOKEN,
                base_url=server.base_url,
                request=HTTPXRequest(connection_pool_size=32),
                rate_limiter=limiter,
                defaults=DEFAULTS,
            )
            async with bot:
                service = ReminderService(runtime, TelegramSender(bot), workers=16)
                started = time.monotonic()
                report = await service.run_pass(DAY)
                elapsed = time.monotonic() - started
            statuses = await runtime.ledger.status_counts(DAY)
        finally:
            await runtime.close()
            server.stop()
    expected = {(1_000_000 + i) * (-1 if i % GROUP_SHARE == 0 else 1) for i in range(subscribers)}
    received = Counter(message["chat"]["id"] for message in server.sent_messages())
    return {
        "label": label,
        "subscribers": subscribers,
        "messages": sum(received.values()),
        "seconds": elapsed,
        "rate": sustained(arrivals),
        "fraction": sustained(arrivals) / LIMIT,
        "overall": len(arrivals) / elapsed,
        "429s": server.rate_limit_hits,
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "misses": len(expected - set(received)),
        "statuses": dict(statuses),
        "outcomes": report.outcomes,
    }


def sustained(arrivals: list[float]) -> float:
    """Messages per second in steady state: the mean count over the whole one-second windows between
    the first and the last accepted message (a burst at the start cannot inflate it)."""
    if len(arrivals) < 2:
        return float("nan")
    first, last = min(arrivals), max(arrivals)
    windows = int(last - first)
    if windows < 1:
        return (len(arrivals) - 1) / max(last - first, 1e-9)
    counts = Counter(int(t - first) for t in arrivals if t - first < windows)
    return sum(counts.values()) / windows


async def planning(subscribers: int, repeats: int) -> dict[str, float]:
    results: dict[str, list[float]] = {"plan": [], "plan + render": [], "plan + render + ledger": []}
    with tempfile.TemporaryDirectory() as folder:
        runtime = await make_runtime(Path(folder), subscribers, with_towns=True)
        try:
            service = ReminderService(runtime, sender=None)
            for _ in range(repeats):
                started = time.perf_counter()
                _, by_chat, _ = await service.plan(DAY)
                results["plan"].append(time.perf_counter() - started)
                started = time.perf_counter()
                await service.run_pass(DAY, dry_run=True)
                results["plan + render"].append(time.perf_counter() - started)
            assert len(by_chat) > subscribers * 0.7
            started = time.perf_counter()
            report = await service.run_pass(DAY)  # records every row in the ledger (nothing is sent)
            results["plan + render + ledger"].append(time.perf_counter() - started)
            assert report.planned == len(by_chat)
        finally:
            await runtime.close()
    return {name: statistics.median(values) for name, values in results.items()}


def show(result: dict[str, Any]) -> None:
    print(
        f"{result['label']:<34} {result['messages']:>6} msgs in {result['seconds']:6.1f} s | "
        f"sustained {result['rate']:5.2f}/s = {result['fraction']:.3f} of 30/s "
        f"(overall {result['overall']:5.2f}/s) | "
        f"429s {result['429s']:>4} | duplicates {result['duplicates']} | misses {result['misses']} | "
        f"ledger {result['statuses']}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--stock", type=int, default=600, help="subscribers for the stock-limiter comparison")
    parser.add_argument("--planning", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="300 / 150 / 2,000: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.subscribers, args.stock, args.planning = 300, 150, 2000
    print(
        f"broadcast of one reminder pass; flood limits enforced by the fake Bot API ({LIMIT:.0f}/s, 20/min/group)"
    )
    ours = await broadcast(
        args.subscribers, BroadcastRateLimiter(max_retries=3), "BroadcastRateLimiter (ours)"
    )
    show(ours)
    stock = await broadcast(args.stock, AIORateLimiter(max_retries=3), "AIORateLimiter (PTB 22.8, stock)")
    show(stock)
    ours_small = await broadcast(
        args.stock, BroadcastRateLimiter(max_retries=3), "BroadcastRateLimiter, same size"
    )
    show(ours_small)
    print(
        f"side by side at {args.stock} subscribers: 429s {stock['429s']} (stock) vs {ours_small['429s']} (ours); "
        f"wall time {stock['seconds']:.1f} s vs {ours_small['seconds']:.1f} s "
        f"(ratio {stock['seconds'] / ours_small['seconds']:.2f})"
    )
    timings = await planning(args.planning, repeats=3)
    print(
        f"pass planning for {args.planning:,} subscribers (median of 3): "
        + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in timings.items())
    )
    verdict = (
        ours["fraction"] >= 0.9 and ours["429s"] == 0 and ours["duplicates"] == 0 and ours["misses"] == 0
    )
    print(f"targets (rate >= 0.9, 0 429s, 0 duplicates, 0 misses): {'met' if verdict else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
