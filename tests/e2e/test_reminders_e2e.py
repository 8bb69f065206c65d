"""Reminders end to end, through the spec-checking fake Bot API.

* The real `python -m bot run` process (tests/e2e/conftest.py's RunningBot) on a shifted clock: a
  `sitecustomize` put on PYTHONPATH starts time-machine in the child (wall clock only, ticking; asyncio's
  monotonic clock is untouched), so the JobQueue really fires at send_time and the start-up catch-up
  really runs. Subscribing happens in the chat; the pass sends; restarts repeat nothing.
* A restart in the middle of a broadcast: the fake server holds the answer to one sendMessage (it has
  delivered the message) and the process is killed right then.
* 429 and 403 injected by the fake server.
* In-process, over real HTTP: the rate limiter's 429 pause against python-telegram-bot's own (issue
  #5338), the sliding windows against the fake's flood limits, and a read timeout that must not lead to a
  second send.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.app import DEFAULTS
from bot.config import parse_settings
from bot.ratelimit import BroadcastRateLimiter, SlidingWindow
from bot.reminders import SEND_WORKERS, ReminderService, TelegramSender
from bot.runtime import open_runtime
from tests.clock_guard import CLOCK_ENV, write_shim

from .conftest import RunningBot, finish
from .fake_bot_api import FakeBotApi, _parse_body

pytestmark = pytest.mark.e2e

TOKEN = "123456:E2E-SECRET-TOKEN"
USER = 424_242
STAFF_CHAT = -100_900_900


# ---- a fake server that keeps time and can hold or slow answers -----------------------------------------


class TimedFakeBotApi(FakeBotApi):
    """FakeBotApi plus: when each request arrived (monotonic), and answers held back or slowed per chat."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[tuple[float, str, int | None, int]] = []  # (time, method, chat, HTTP status)
        # from the first sendMessage to `hold_from` on, every sendMessage is processed (delivered) and its
        # answer held back until release_all(): the bot can never learn that these were delivered
        self.hold_from: int | None = None
        self.holding = False
        self.held = 0
        self.gate = threading.Event()
        self.slow: dict[int, float] = {}  # chat -> seconds to wait before answering (after processing)

    def _handle_http(self, raw_path: str, content_type: str, body: bytes) -> tuple[int, bytes, str]:
        arrived = time.monotonic()
        chat: int | None = None
        try:
            params, _, _ = _parse_body(content_type, body, "")
            chat = int(params["chat_id"]) if "chat_id" in params else None
        except Exception:
            chat = None
        status, payload, kind = super()._handle_http(raw_path, content_type, body)
        method = raw_path.rsplit("/", 1)[-1]
        with self._cond:
            self.arrivals.append((arrived, method, chat, status))
        if chat is not None and method == "sendMessage":
            with self._cond:
                if chat == self.hold_from:
                    self.holding = True
                hold = self.holding and status == 200
                if hold:
                    self.held += 1
                    self._cond.notify_all()
            if hold:
                self.gate.wait(30)
            delay = self.slow.get(chat)
            if delay:
                time.sleep(delay)  # the server is slow to answer (it has processed the request)
        return status, payload, kind

    def sends(self, chat: int | None = None) -> list[tuple[float, int | None, int]]:
        with self._cond:
            return [
                (t, c, s)
                for t, m, c, s in self.arrivals
                if m == "sendMessage" and (chat is None or c == chat)
            ]

    def release_all(self) -> None:
        self.gate.set()


# ---- the bot process on a shifted clock ----------------------------------------------------------------


@pytest.fixture
def clock_shift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    shim = write_shim(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")])))

    def shift(now: str) -> None:
        monkeypatch.setenv(CLOCK_ENV, now)

    return shift


def start_bot(
    server: FakeBotApi, directory: Path, shift: Callable[[str], None], now: str, **reminders: object
) -> RunningBot:
    shift(now)
    bot = RunningBot(server, directory)  # (re)writes the config; the [reminders] section is appended
    values = {"timezone": "Europe/Moscow", "send_time": "10:00", **reminders}
    with bot.config.open("a", encoding="utf-8") as handle:
        handle.write("[reminders]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    return bot.start()


def wait_for_log(bot: RunningBot, text: str, start: int = 0, timeout: float = 20.0) -> str:
    """The log from `start` once it contains `text` (re-checked on every request the bot makes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tail = bot.log()[start:]
        if text in tail:
            return tail
        try:
            bot.server.wait_for(lambda: text in bot.log()[start:] or None, timeout=0.25)
        except AssertionError:
            continue
    raise AssertionError(f"{text!r} not in the bot log within {timeout}s:\n{bot.log()[start:]}")


def reminders_to(server: FakeBotApi, chat: int) -> list[str]:
    return [text for text in server.sent_texts(chat) if "Напоминание" in text or "Reminder" in text]


def add_subscribers(database: Path, chats: range, kinds: str = "anniversaries") -> None:
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO subscriptions (chat_id, chat_type, kinds, language) VALUES (?, 'private', ?, 'ru')",
            [(chat, kinds) for chat in chats],
        )


def migrate(directory: Path, server: FakeBotApi) -> Path:
    """Create the database the way the bot does (migrations, shipped towns) without a process."""
    from .conftest import write_config

    database = directory / "bot.sqlite3"
    config = write_config(directory, server, database)

    async def run() -> None:
        from bot.config import load_settings

        runtime = await open_runtime(load_settings(config, environ={}))
        await runtime.close()

    asyncio.run(run())
    return database


# ---- the real process ------------------------------------------------------------------------------------


def test_sassnitz_reminder_7_days_1_day_and_on_the_day_once_each(
    tmp_path: Path, clock_shift: Callable[[str], None]
) -> None:
    server = FakeBotApi().start()
    directory = tmp_path / "bot"
    directory.mkdir()
    staff = {"staff_chat": STAFF_CHAT}
    try:
        # 20 May: a resident subscribes to anniversaries in the chat
        bot = start_bot(server, directory, clock_shift, "2026-05-20T12:00:00+03:00", **staff)
        menu = bot.reply(USER, "/subscribe")
        assert "sub:k:a" in [b["callback_data"] for b in FakeBotApi.inline_buttons(menu)]
        bot.callback(USER, USER, "sub:k:a", menu["message_id"])
        wait_for_log(bot, "reminders checked (2026-05-20)")
        finish(bot)
        # staff recorded a visit from Narva for 1 June meanwhile (part 2's register)
        with sqlite3.connect(bot.database) as connection:
            connection.execute(
                "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
                "VALUES ('narva', 'in', '2026-06-01', 'official', 'Talks on the summer camps', 1, 1)"
            )

        # 25 May, three seconds before 10:00: the daily JobQueue job sends the 7-day reminder
        mark = len(bot.log())
        bot = start_bot(server, directory, clock_shift, "2026-05-25T09:59:57+03:00", **staff)
        server.wait_for(lambda: reminders_to(server, USER) or None, timeout=20)
        server.wait_for(lambda: server.sent_texts(STAFF_CHAT) or None, timeout=20)
        wait_for_log(bot, "reminders checked (2026-05-25): 1 pass(es) run", mark)
        (first,) = reminders_to(server, USER)
        assert "Засниц" in first and "через 7 дней" in first and "1 июня 2026" in first
        (staff_text,) = server.sent_texts(STAFF_CHAT)
        assert (
            "Засниц" in staff_text and "запланированный визит" in staff_text and "summer camps" in staff_text
        )
        finish(bot)

        # the same afternoon, a restart: the pass is done, nothing is sent again
        mark = len(bot.log())
        bot = start_bot(server, directory, clock_shift, "2026-05-25T14:00:00+03:00", **staff)
        wait_for_log(bot, "reminders checked (2026-05-25): 0 pass(es) run", mark)
        finish(bot)
        assert len(reminders_to(server, USER)) == 1 and len(server.sent_texts(STAFF_CHAT)) == 1

        # 31 May, half a minute after 10:00 (the bot was down at send time): caught up at start
        bot = start_bot(server, directory, clock_shift, "2026-05-31T10:00:30+03:00", **staff)
        server.wait_for(lambda: len(reminders_to(server, USER)) == 2 or None, timeout=20)
        assert "завтра" in reminders_to(server, USER)[-1]
        finish(bot)

        # 1 June: on the day
        bot = start_bot(server, directory, clock_shift, "2026-06-01T11:00:00+03:00", **staff)
        server.wait_for(lambda: len(reminders_to(server, USER)) == 3 or None, timeout=20)
        finish(bot)
        texts = reminders_to(server, USER)
        assert [("через 7 дней" in t, "завтра" in t, "сегодня" in t) for t in texts] == [
            (True, False, False),
            (False, True, False),
            (False, False, True),
        ]
        assert all("Засниц" in text and "Отключить напоминания: /unsubscribe" in text for text in texts)
        server.assert_no_violations()
    finally:
        server.stop()


def test_restart_in_the_middle_of_a_broadcast(tmp_path: Path, clock_shift: Callable[[str], None]) -> None:
    server = TimedFakeBotApi().start()
    directory = tmp_path / "bot"
    directory.mkdir()
    chats = range(7001, 7061)
    try:
        database = migrate(directory, server)
        add_subscribers(database, chats)
        server.hold_from = 7010  # from here on: delivered, but the answers never reach the bot

        def claimed() -> int:
            with sqlite3.connect(database) as connection:
                return int(
                    connection.execute(
                        "SELECT count(*) FROM delivery_ledger WHERE status = 'sending'"
                    ).fetchone()[0]
                )

        bot = start_bot(server, directory, clock_shift, "2026-05-25T10:05:00+03:00")
        # kill once every sending worker waits for an answer the server holds: then every claimed message
        # is on the server, and no worker is free to claim another (a request still on its way when a
        # process dies is the one case nothing can settle; see bot/reminders/)
        server.wait_for(lambda: (server.held == SEND_WORKERS == claimed()) or None, timeout=20)
        bot.kill()  # SIGKILL mid-broadcast: no goodbye, no cleanup
        held = server.held
        server.release_all()
        sent_before = {chat for _, chat, status in server.sends() if status == 200}
        assert 7010 in sent_before and len(sent_before) < len(chats), (
            "the kill came too late to test anything"
        )

        mark = len(bot.log())
        bot = start_bot(server, directory, clock_shift, "2026-05-25T10:07:00+03:00")
        wait_for_log(bot, "reminders checked (2026-05-25)", mark)
        finish(bot)
        for chat in chats:
            assert len(reminders_to(server, chat)) == 1, f"chat {chat}: {reminders_to(server, chat)}"
        with sqlite3.connect(database) as connection:
            statuses = dict(
                connection.execute("SELECT status, count(*) FROM delivery_ledger GROUP BY status")
            )
        # chat 7010's row (and any other request on the wire at the kill) stays claimed, in doubt: its
        # message arrived, so it is rightly not repeated; every other row is sent
        assert set(statuses) == {"sent", "sending"} and statuses["sent"] + statuses["sending"] == len(chats)
        assert statuses["sending"] == held == SEND_WORKERS  # the requests in flight at the kill
    finally:
        server.release_all()
        server.stop()


def test_429_is_honoured_and_403_switches_off_only_that_chat(
    tmp_path: Path, clock_shift: Callable[[str], None]
) -> None:
    server = TimedFakeBotApi().start()
    directory = tmp_path / "bot"
    directory.mkdir()
    chats = range(8001, 8013)
    try:
        database = migrate(directory, server)
        add_subscribers(database, chats)
        server.fail_next("sendMessage", 429, retry_after=1, chat_id=8002)
        server.block_chat(8004)
        bot = start_bot(server, directory, clock_shift, "2026-05-25T10:05:00+03:00")
        wait_for_log(bot, "reminders checked (2026-05-25)")
        finish(bot)
        for chat in chats:
            expected = 0 if chat == 8004 else 1
            assert len(reminders_to(server, chat)) == expected, chat
        (refused,) = [t for t, c, s in server.sends(8002) if s == 429]
        # nothing new went out during the pause (the #5338 fix): only requests already in flight
        later = [t - refused for t, c, s in server.sends() if t > refused + 0.15]
        assert later and min(later) >= 1.0, later
        with sqlite3.connect(database) as connection:
            active = {
                row[0] for row in connection.execute("SELECT chat_id FROM subscriptions WHERE active = 1")
            }
        assert active == set(chats) - {8004}
        assert "cannot be reached" in bot.log()
    finally:
        server.stop()


# ---- the rate limiter over real HTTP ----------------------------------------------------------------------


async def _pause_gap(limiter: AIORateLimiter) -> float:
    """Seconds between the 429 and the first request *started* after it (not one already in flight)."""
    server = TimedFakeBotApi().start()
    try:
        server.slow[2] = 0.5  # in flight when the 429 comes, answered 0.5 s later
        server.fail_next("sendMessage", 429, retry_after=1, chat_id=1)
        bot: ExtBot[Any] = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=limiter)
        async with bot:
            slow = asyncio.create_task(bot.send_message(2, "slow"))
            flooded = asyncio.create_task(bot.send_message(1, "flooded", rate_limit_args=1))
            await server.async_wait_for(lambda: server.injected_failures or None, timeout=5)
            for _ in range(500):  # until the bot has read the 429 answer (its pause has begun)
                if _pausing(limiter):
                    break
                await asyncio.sleep(0.002)
            refused = next(t for t, _, c, s in server.arrivals if s == 429)
            waiting = [asyncio.create_task(bot.send_message(chat, "waiting")) for chat in (3, 4, 5)]
            await asyncio.gather(slow, flooded, *waiting)
        starts = [t for t, c, _ in server.sends() if c in (3, 4, 5)]
        assert len(starts) == 3
        return min(starts) - refused
    finally:
        server.stop()


def _pausing(limiter: AIORateLimiter) -> bool:
    if isinstance(limiter, BroadcastRateLimiter):
        return limiter.halt_until > 0
    event = getattr(limiter, "_retry_after_event", None)
    return event is not None and not event.is_set()


async def test_a_429_pause_is_not_ended_by_a_request_that_finishes_meanwhile() -> None:
    gap = await _pause_gap(BroadcastRateLimiter(max_retries=1))
    assert gap >= 1.0


@pytest.mark.skipif(
    not __import__("telegram").__version__.startswith("22.8"), reason="documents PTB 22.8's behaviour (#5338)"
)
async def test_ptb_22_8_limiter_ends_the_pause_early() -> None:
    gap = await _pause_gap(AIORateLimiter(max_retries=1, overall_max_rate=0, group_max_rate=0))
    assert gap < 0.9  # released when the slow request finished, ~0.5 s into a 1.1 s pause


async def test_sliding_windows_never_trip_the_flood_limits() -> None:
    server = TimedFakeBotApi(enforce_limits=True, global_per_second=30, group_per_minute=20).start()
    try:
        bot: ExtBot[Any] = ExtBot(
            TOKEN, base_url=server.base_url, rate_limiter=BroadcastRateLimiter(max_retries=0)
        )
        async with bot:
            private = [bot.send_message(9000 + i, "hello") for i in range(60)]
            group = [bot.send_message(-100555, f"group {i}") for i in range(20)]
            await asyncio.gather(*private, *group)
        assert server.rate_limit_hits == 0
        assert len(server.sent_messages()) == 80
        times = sorted(t for t, _, _ in server.sends())
        assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[30:], strict=False))
    finally:
        server.stop()


async def test_sliding_window_with_a_virtual_clock() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    window = SlidingWindow(30, 1.05, lambda: now[0], sleep)
    stamps = []
    for _ in range(200):
        cell = await window.acquire()
        now[0] += 0.002  # the request's round trip
        window.release(cell)
        stamps.append(cell[0])
    assert all(later - earlier >= 1.05 for earlier, later in zip(stamps, stamps[30:], strict=False))
    assert stamps[-1] < 200 / 30 * 1.05 + 1.1  # and it does not wait more than it must


async def test_a_read_timeout_is_in_doubt_and_never_sent_twice(tmp_path: Path) -> None:
    server = TimedFakeBotApi().start()
    try:
        settings = parse_settings(
            {
                "telegram": {"token": TOKEN, "base_url": server.base_url},
                "storage": {"database": str(tmp_path / "bot.sqlite3")},
            }
        )
        runtime = await open_runtime(settings, clock=lambda: datetime(2026, 5, 25, 7, 30, tzinfo=UTC))
        try:
            for chat in (11, 12):
                await runtime.subscriptions.subscribe(chat, "private", "all", "ru", actor_id=chat)
            server.slow[11] = 1.5  # delivered, but answered after the bot stopped waiting
            bot: ExtBot[Any] = ExtBot(
                TOKEN,
                base_url=server.base_url,
                request=HTTPXRequest(read_timeout=0.4),
                rate_limiter=BroadcastRateLimiter(),
                defaults=DEFAULTS,
            )
            async with bot:
                service = ReminderService(runtime, TelegramSender(bot, read_timeout=0.4))
                first = await service.run_pass(date(2026, 5, 25))
                second = await service.run_pass(date(2026, 5, 25))
            assert first.outcomes == {"in_doubt": 1, "sent": 1}
            assert second.deliveries == [] and second.already_sent == 2
            assert len(server.sent_texts(11)) == 1 and len(server.sent_texts(12)) == 1
        finally:
            await runtime.close()
    finally:
        server.stop()


async def test_connection_refused_is_retried_later_and_sent_once(tmp_path: Path) -> None:
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    runtime = await open_runtime(settings, clock=lambda: datetime(2026, 5, 25, 7, 30, tzinfo=UTC))
    server = FakeBotApi().start()
    gone = FakeBotApi().start()
    try:
        await runtime.subscriptions.subscribe(11, "private", "all", "ru", actor_id=11)
        down: ExtBot[Any] = ExtBot(
            TOKEN, base_url=gone.base_url, rate_limiter=BroadcastRateLimiter(), defaults=DEFAULTS
        )
        async with down:
            gone.stop()  # the Bot API host goes away after the bot started: connections are refused
            report = await ReminderService(runtime, TelegramSender(down)).run_pass(date(2026, 5, 25))
        assert report.outcomes == {"retry": 1}
        up: ExtBot[Any] = ExtBot(
            TOKEN, base_url=server.base_url, rate_limiter=BroadcastRateLimiter(), defaults=DEFAULTS
        )
        async with up:
            report = await ReminderService(runtime, TelegramSender(up)).run_pass(date(2026, 5, 25))
            again = await ReminderService(runtime, TelegramSender(up)).run_pass(date(2026, 5, 25))
        assert report.outcomes == {"sent": 1} and again.deliveries == []
        assert len(server.sent_texts(11)) == 1
    finally:
        server.stop()
        await runtime.close()


class MigratingFakeBotApi(TimedFakeBotApi):
    """Answers a sendMessage to an old group id as Telegram does after the group became a supergroup."""

    def __init__(self, moved: dict[int, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.moved = moved
        self.refused: list[int] = []

    def _handle_http(self, raw_path: str, content_type: str, body: bytes) -> tuple[int, bytes, str]:
        if raw_path.endswith("/sendMessage"):
            params, _, _ = _parse_body(content_type, body, "")
            chat = int(params.get("chat_id", 0))
            if chat in self.moved:
                with self._cond:
                    self.refused.append(chat)
                answer = {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: group chat was upgraded to a supergroup chat",
                    "parameters": {"migrate_to_chat_id": self.moved[chat]},
                }
                return 400, json.dumps(answer).encode(), "application/json"
        return super()._handle_http(raw_path, content_type, body)


async def test_a_group_upgraded_to_a_supergroup_gets_the_reminder_there_in_the_same_pass(
    tmp_path: Path,
) -> None:
    old, new = -300, -100_300
    server = MigratingFakeBotApi({old: new}).start()
    try:
        settings = parse_settings(
            {
                "telegram": {"token": TOKEN, "base_url": server.base_url},
                "storage": {"database": str(tmp_path / "bot.sqlite3")},
            }
        )
        runtime = await open_runtime(settings, clock=lambda: datetime(2026, 5, 25, 7, 30, tzinfo=UTC))
        try:
            await runtime.subscriptions.subscribe(old, "group", "anniversaries", "ru", actor_id=5)
            await runtime.preferences.set_language(old, "en")
            bot: ExtBot[Any] = ExtBot(
                TOKEN, base_url=server.base_url, rate_limiter=BroadcastRateLimiter(), defaults=DEFAULTS
            )
            async with bot:
                service = ReminderService(runtime, TelegramSender(bot))
                first = await service.run_pass(date(2026, 5, 25))
                second = await service.run_pass(date(2026, 5, 25))
            assert server.refused == [old]
            assert first.outcomes == {"sent": 1} and second.deliveries == []
            (text,) = server.sent_texts(new)
            assert "Sassnitz" in text and "in 7 days" in text  # the chat's language moved with it
            statuses = {(e.chat_id, e.status) for e in await runtime.ledger.entries()}
            assert statuses == {(old, "failed"), (new, "sent")}
            moved = await runtime.subscriptions.get(new)
            assert moved is not None and moved.active and await runtime.subscriptions.get(old) is None
            assert await runtime.preferences.language(new) == "en"
            assert [e.action for e in await runtime.audit.history("subscription", new)] == ["migrate"]
            assert server.violations == []
        finally:
            await runtime.close()
    finally:
        server.stop()


def test_retry_after_helper_reads_both_forms() -> None:
    from datetime import timedelta

    from bot.ratelimit import _seconds

    assert _seconds(RetryAfter(3)) == 3
    assert _seconds(RetryAfter(timedelta(seconds=1.5))) == 1.5


@pytest.fixture(autouse=True)
def _no_token_in_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TWINBOT_TOKEN", raising=False)
    yield


async def test_a_slot_whose_request_never_left_is_freed() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    window = SlidingWindow(2, 1.0, lambda: now[0], sleep)
    first, second = await window.acquire(), await window.acquire()
    window.release(second, used=False)  # e.g. the ledger claim was lost: nothing was sent
    third = await window.acquire()  # free at once, and `first` is still held in flight
    assert now[0] == 0.0
    window.release(first)
    window.release(third)
    assert not window.idle()
    now[0] += 1.0
    assert window.idle()
