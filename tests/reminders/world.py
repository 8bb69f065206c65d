"""The in-process world of the reminder tests: a runtime on a fresh file, an injected clock (nothing
sleeps), and a scripted sender standing in for Telegram (the real network path is covered in tests/e2e)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import RetryAfter

from bot.config import parse_settings
from bot.reminders import LedgerGuard, ReminderService
from bot.runtime import Runtime, open_runtime

MOSCOW = ZoneInfo("Europe/Moscow")
HELSINKI = ZoneInfo("Europe/Helsinki")
STAFF_CHAT = -100_777


class Crash(BaseException):
    """The process dies (not an exception the bot would catch)."""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str, zone: ZoneInfo = MOSCOW) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=zone)


@dataclass
class ScriptedSender:
    """Claims like the real limiter does (right before "the request"), then delivers or fails."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    script: dict[int, list[Any]] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        await guard.before_attempt()
        steps = self.script.get(chat_id)
        action = steps.pop(0) if steps else None
        if action == "deliver-then-crash":
            self.sent.append((chat_id, text))  # Telegram got it; the answer never reaches the bot
            raise Crash
        if action == "crash-before-request":
            raise Crash
        if isinstance(action, RetryAfter):
            await guard.after_refusal()
        if isinstance(action, BaseException):
            raise action
        self.sent.append((chat_id, text))
        return next(self.ids)

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def caused(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause
    return error


@dataclass
class World:
    runtime: Runtime
    clock: Clock
    sender: ScriptedSender

    def service(self, **kwargs: Any) -> ReminderService:
        return ReminderService(self.runtime, self.sender, **kwargs)

    async def subscribe(self, *chats: int, kinds: str = "all", language: str = "ru") -> None:
        for chat in chats:
            await self.runtime.subscriptions.subscribe(
                chat,
                "private" if chat > 0 else "supergroup",
                kinds,
                language,
                actor_id=abs(chat),  # type: ignore[arg-type]
            )


async def make_world(tmp_path: Path, zone: str = "Europe/Moscow", **reminders: Any) -> World:
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "reminders": {"timezone": zone, "send_time": "10:00", "staff_chat": STAFF_CHAT, **reminders},
        }
    )
    clock = Clock(datetime(2026, 5, 25, 10, 0, tzinfo=ZoneInfo(zone)))
    runtime = await open_runtime(settings, clock=clock)
    return World(runtime, clock, ScriptedSender())


SASSNITZ = "Засниц"
