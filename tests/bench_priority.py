"""Reply-priority benchmark: residents ask while a daily reminder pass runs, against the fake Bot API that
enforces Telegram's flood limits (30 messages/s overall, 20 per minute per group) and answers 429 when
they are exceeded. Run: `python3 dev.py bench priority [--subscribers N] [--questions N] [--quick]`.

The whole bot runs in this process as it is shipped (build_application: the real handlers, the real rate
limiter, the real ledger on a temporary SQLite file), polling the fake server over 127.0.0.1. Its reminder
service sends the pass to N subscribers (every 10th a group) while M residents, not subscribers, each send
one question at evenly spread moments during the pass; the bot answers each through its question handler.

Printed, side by side in one run, with the priority rule (bot/ratelimit.py) and without it
(``BroadcastRateLimiter(priority=False)``: one first-come-first-served lane, the limiter before the rule):
  * reply latency p50 / p99 / max: from the moment the question is queued at the fake server to the
    moment the fake server accepts the answer (polling, handler, limiter, HTTP: what a resident waits,
    less Telegram's own network); target p99 <= 1.5 s
  * broadcast rate as a fraction of 30/s: the pass's messages over its wall time (planning and ledger
    included), and the sustained rate (whole seconds between the first and last accepted message);
    target >= 0.9 overall
  * 429 answers (target 0), and the ratio of each figure with the rule to without it

Real time, real limits (no scaling): at 3,000 subscribers each side takes about 105 s. ``--workers N`` sets
how many senders the pass runs (8 as shipped): without the rule a reply queues behind up to that many
broadcasts, with it behind none.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bot.app
from bot.app import build_application
from bot.config import parse_settings
from bot.ratelimit import BroadcastRateLimiter
from bot.reminders import SEND_WORKERS
from tests.bench_broadcast import DAY, GROUP_SHARE, LIMIT, TOKEN, make_runtime, sustained
from tests.e2e.fake_bot_api import FakeBotApi

BEFORE_SEND_TIME = datetime(2026, 5, 25, 6, 0, tzinfo=UTC)  # 09:00 in Moscow: no pass is due by itself
RESIDENTS = 7_000_000  # chat ids of the residents who ask (private chats, not subscribed)
QUESTION = "Когда подписали соглашение с Нарвой?"
TARGET_P99 = 1.5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def scenario(priority: bool, subscribers: int, questions: int, workers: int) -> dict[str, Any]:
    server = FakeBotApi(enforce_limits=True, global_per_second=30, group_per_minute=20).start()
    accepted: list[tuple[float, int | None]] = []
    asked: dict[int, float] = {}
    replied: set[int] = set()
    all_replied = asyncio.Event()
    loop = asyncio.get_running_loop()
    original = server._check_flood_limits

    def timed(chat_key: int | None) -> None:  # in the server's thread
        original(chat_key)  # raises 429 when over the limit; only accepted messages are timed
        accepted.append((time.monotonic(), chat_key))
        if chat_key in asked:
            replied.add(chat_key)
            if len(replied) == questions:
                loop.call_soon_threadsafe(all_replied.set)

    server._check_flood_limits = timed  # type: ignore[method-assign]
    shipped = bot.app.BroadcastRateLimiter
    bot.app.BroadcastRateLimiter = functools.partial(BroadcastRateLimiter, priority=priority)  # type: ignore[misc]
    try:
        with tempfile.TemporaryDirectory() as folder:
            runtime = await make_runtime(Path(folder), subscribers)
            await runtime.close()
            settings = parse_settings(
                {
                    "telegram": {"token": TOKEN, "base_url": server.base_url},
                    "storage": {"database": str(Path(folder) / "bench.sqlite3")},
                }
            )
            application = build_application(settings, clock=lambda: BEFORE_SEND_TIME)
            await application.initialize()
            assert application.post_init is not None
            await application.post_init(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0)
            try:
                await asyncio.sleep(1.0)  # start-up requests (menus, the first poll) out of the way
                service = application.bot_data["reminders"]
                service.workers = workers or service.workers
                started = time.monotonic()
                sending = asyncio.create_task(service.run_pass(DAY))
                estimate = subscribers / LIMIT
                for index in range(questions):
                    at = started + 1.0 + index * (estimate - 4.0) / max(questions - 1, 1)
                    await asyncio.sleep(max(0.0, at - time.monotonic()))
                    chat = RESIDENTS + index
                    asked[chat] = time.monotonic()
                    server.push_message(chat, QUESTION)
                report = await sending
                elapsed = time.monotonic() - started
                with contextlib.suppress(TimeoutError):  # a question left unanswered shows in the printout
                    await asyncio.wait_for(all_replied.wait(), 30)
            finally:
                await application.updater.stop()
                await application.stop()
                await application.shutdown()
                if application.post_shutdown is not None:
                    await application.post_shutdown(application)
    finally:
        bot.app.BroadcastRateLimiter = shipped  # type: ignore[misc]
        server.stop()
    answered: dict[int, float] = {}
    for moment, chat in accepted:
        if chat in asked and chat not in answered:
            answered[chat] = moment - asked[chat]
    waits = list(answered.values())
    broadcast = [moment for moment, chat in accepted if chat is not None and chat not in asked]
    expected = subscribers  # every subscriber gets one message in this pass (bench_broadcast's data)
    return {
        "label": "with the rule" if priority else "without (FIFO)",
        "answered": len(answered),
        "asked": len(asked),
        "p50": statistics.median(waits) if waits else float("nan"),
        "p99": percentile(waits, 0.99) if waits else float("nan"),
        "max": max(waits, default=float("nan")),
        "broadcast": len(broadcast),
        "expected": expected,
        "seconds": elapsed,
        "overall": len(broadcast) / elapsed / LIMIT,
        "sustained": sustained(broadcast) / LIMIT,
        "all": sustained(sorted(moment for moment, _ in accepted)) / LIMIT,
        "429s": server.rate_limit_hits,
        "outcomes": report.outcomes,
        "violations": len(server.violations),
    }


def show(result: dict[str, Any]) -> None:
    print(
        f"{result['label']:<16} replies {result['answered']}/{result['asked']}: "
        f"p50 {result['p50']:.3f} s, p99 {result['p99']:.3f} s, max {result['max']:.3f} s | "
        f"broadcast {result['broadcast']}/{result['expected']} in {result['seconds']:.1f} s: "
        f"{result['overall']:.3f} of 30/s overall, sustained {result['sustained']:.3f} "
        f"(all messages {result['all']:.3f}) | 429s {result['429s']} | outcomes {result['outcomes']} | "
        f"spec violations {result['violations']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="the pass's senders (default: as shipped)")
    parser.add_argument("--quick", action="store_true", help="300 subscribers, 20 questions: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.subscribers, args.questions = 300, 20
    logging.basicConfig(level=logging.WARNING)
    print(
        f"reply priority: a pass to {args.subscribers:,} subscribers (every {GROUP_SHARE}th a group) while "
        f"{args.questions} residents ask one question each; fake Bot API enforcing 30/s and 20/min/group; "
        f"{args.workers or SEND_WORKERS} senders"
    )
    ours = asyncio.run(scenario(True, args.subscribers, args.questions, args.workers))
    show(ours)
    base = asyncio.run(scenario(False, args.subscribers, args.questions, args.workers))
    show(base)
    print(
        f"ratio with/without the rule: reply p50 {ours['p50'] / base['p50']:.2f}, "
        f"p99 {ours['p99'] / base['p99']:.2f}; broadcast overall {ours['overall'] / base['overall']:.3f}, "
        f"sustained {ours['sustained'] / base['sustained']:.3f}; 429s {ours['429s']} vs {base['429s']}"
    )
    met = (
        ours["p99"] <= TARGET_P99
        and ours["overall"] >= 0.9
        and ours["429s"] == 0
        and ours["answered"] == ours["asked"]
        and ours["broadcast"] == ours["expected"]
    )
    print(
        f"targets (reply p99 <= {TARGET_P99} s, broadcast >= 0.9 of 30/s overall, 0 429s, "
        f"every question answered, every subscriber reached): {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
