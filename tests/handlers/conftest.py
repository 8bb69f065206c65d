"""Offline handler tests: the real PTB Application with a recording BaseRequest, updates fed to process_update.

Every request the bot makes is validated against the official Bot API spec (the same validator the
end-to-end fake server uses); a violation fails the test at teardown.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import Update
from telegram.ext import Application
from telegram.request import RequestData

from bot.app import build_application, settle
from bot.config import parse_settings
from bot.console import BOT_USER, ConsoleRequest
from tests.e2e.fake_bot_api import ApiSpec, SpecValidator, UploadedFile

FIXED_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ADMIN_ID = 900
_SPEC = ApiSpec.load()


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class RecordingRequest(ConsoleRequest):
    """ConsoleRequest's canned answers, plus a log of every call and its spec violations."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.validator = SpecValidator(_SPEC)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        # uploads (sendDocument, sendPhoto): validated as the multipart parts Telegram receives
        files = {
            name: UploadedFile(name, str(part[0]), str(part[2]), bytes(part[1]))
            for name, part in (
                request_data.multipart_data if request_data and request_data.contains_files else {}
            ).items()
        }
        params.update({name: part for name, part in files.items() if name not in params})
        _, errors = self.validator.validate_request(api_method, params, files)
        self.violations.extend(f"{api_method}: {error}" for error in errors)
        self.calls.append(Call(api_method, params))
        return await super().do_request(url, method, request_data, *args, **kwargs)


@dataclass
class Harness:
    app: Application  # type: ignore[type-arg]
    request: RecordingRequest
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))

    def calls(self, method: str | None = None, since: int = 0) -> list[Call]:
        return [call for call in self.request.calls[since:] if method is None or call.method == method]

    async def feed(self, payload: dict[str, Any]) -> list[Call]:
        payload.setdefault("update_id", next(self.update_ids))
        start = len(self.request.calls)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        await settle(self.app)  # handlers with block=False run as tasks: wait for their answers
        return self.request.calls[start:]

    def message(
        self, text: str | None = None, chat_id: int = 10, user_id: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        chat_type = "private" if chat_id > 0 else "supergroup"
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Anna"
        else:
            chat["title"] = "Kingisepp residents"
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Anna"},
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return message

    async def say(self, text: str, chat_id: int = 10, **extra: Any) -> list[Call]:
        return await self.feed({"message": self.message(text, chat_id, **extra)})

    async def texts(self, text: str, chat_id: int = 10, **extra: Any) -> list[str]:
        return [
            str(call.params["text"])
            for call in await self.say(text, chat_id, **extra)
            if "text" in call.params
        ]

    async def press(self, data: str, chat_id: int = 10, user_id: int | None = None) -> list[Call]:
        query = {
            "id": str(next(self.update_ids) + 100000),
            "from": {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Anna"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": "🔘",  # no letters: the language comes from the chat, not from this stub
            },
        }
        return await self.feed({"callback_query": query})


@asynccontextmanager
async def open_harness(tmp_path: Path, now: datetime = FIXED_NOW) -> AsyncIterator[Harness]:
    """The whole application on a RecordingRequest, its clock standing still at `now`."""
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "access": {"admins": [ADMIN_ID]},
            "bot": {"default_language": "ru"},
        }
    )
    request = RecordingRequest()
    app = build_application(settings, request=request, clock=lambda: now)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield Harness(app, request)
    finally:
        await settle(app)
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    assert request.violations == []


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(tmp_path) as opened:
        yield opened


@pytest.fixture
def members(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[int, int], str]]:
    """What getChatMember answers: (chat, user) -> status (default "member"); statuses set by the test."""
    statuses: dict[tuple[int, int], str] = {}
    original = harness.request.do_request

    async def do_request(
        url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        answer = await original(url, method, request_data, *args, **kwargs)  # recorded and validated
        if not url.endswith("/getChatMember") or request_data is None:
            return answer
        params = request_data.parameters
        status = statuses.get((int(params["chat_id"]), int(params["user_id"])), "member")
        user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "U"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        if status == "administrator":
            for right in (
                "can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats "
                "can_restrict_members can_promote_members can_change_info can_invite_users can_post_stories "
                "can_edit_stories can_delete_stories"
            ).split():
                member[right] = right == "can_manage_chat"
        return 200, json.dumps({"ok": True, "result": member}).encode()

    monkeypatch.setattr(harness.request, "do_request", do_request)
    yield statuses
