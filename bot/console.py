"""`twinbot console`: chat with the real handlers in a terminal, no token and no network needed.

A BaseRequest stands in for the Bot API: what the bot sends is printed, what the user types becomes
an Update fed to Application.process_update, exactly as polling would.

Inline buttons are printed as ``[#1] label`` and pressed by typing ``#1``: anything else, a bare number
included, is a message, so "2" (people in the visit form) is an answer and never presses button 2.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.app import settle
from bot.config import Settings
from bot.replies.reply import plain_text

BOT_USER = {
    "id": 100000001,
    "is_bot": True,
    "first_name": "Twin Towns Bot",
    "username": "twin_towns_console_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
CONSOLE_USER = {"id": 1001, "is_bot": False, "first_name": "Console", "language_code": "ru"}
CONSOLE_CHAT = {"id": 1001, "type": "private", "first_name": "Console"}


BUTTON_PRESS = re.compile(r"#\s*(\d{1,3})")  # "#2" presses button 2; "2" is text


def button_number(line: str) -> int | None:
    """The button a typed line presses ("#2" -> 2), or None when the line is a message."""
    match = BUTTON_PRESS.fullmatch(line.strip())
    return int(match.group(1)) if match else None


class NoSuchButtonError(LookupError):
    """ "#N" typed with no button N on the latest message: nothing is sent."""

    def __init__(self, number: int, available: int) -> None:
        super().__init__(f"no button #{number} (there are {available})")
        self.number = number
        self.available = available


class SessionIds:
    """Ids that stay unique across console sessions: milliseconds since the epoch, strictly increasing
    within a session. Restarting at a fixed number made a new message reuse the idempotency key
    (msg:<chat>:<message_id>) of a visit recorded in an earlier session."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last = 0

    def __next__(self) -> int:
        self._last = max(self._last + 1, int(self._clock() * 1000))
        return self._last

    def __iter__(self) -> SessionIds:
        return self


@dataclass(slots=True)
class Outgoing:
    method: str
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback data)
    keyboard: list[str] = field(default_factory=list)  # reply keyboard labels
    message: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(
        default_factory=list
    )  # photos and documents, saved where the user can open them


FILES_FOLDER = Path("console-files")
FILE_METHODS = ("sendDocument", "sendPhoto", "sendMediaGroup", "sendAudio", "sendVideo", "sendVoice")


def saved_path(folder: Path, filename: str) -> Path:
    """A new file in `folder` named like `filename`: stats.png, then stats-2.png, ... never overwriting."""
    name = Path(filename).name or "file"
    stem, suffix = Path(name).stem or "file", Path(name).suffix
    candidate = folder / name
    number = 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}{suffix}"
    return candidate


class ConsoleRequest(BaseRequest):
    """Answers the bot's API calls locally and collects what it would have shown the user.

    Photos and documents the bot sends are written into `files` (when given), so that the terminal
    user can open the chart, the export or the report: a terminal cannot show them."""

    def __init__(self, files: Path | None = None) -> None:
        self.files = files
        self.outbox: list[Outgoing] = []
        # the bot's own messages; a ConsoleChat shares its ids with them, as a Telegram chat does
        self.message_ids: Iterator[int] = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    # BaseRequest's signature, called by keyword; no network here, so no HTTP verb and no timeouts
    async def do_request(
        self,
        url: str,
        method: str,  # noqa: ARG002
        request_data: RequestData | None = None,
        read_timeout: Any = None,  # noqa: ARG002
        write_timeout: Any = None,  # noqa: ARG002
        connect_timeout: Any = None,  # noqa: ARG002
        pool_timeout: Any = None,  # noqa: ARG002
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if api_method == "getMe":
            result = BOT_USER
        elif api_method == "getUpdates":
            result = []
        elif api_method in ("sendMessage", "editMessageText", *FILE_METHODS):
            result = self._message(api_method, params)
            if api_method in FILE_METHODS and request_data is not None:
                self.outbox[-1].files = self._save(request_data)
        elif api_method == "answerCallbackQuery" and params.get("text"):
            self.outbox.append(Outgoing(api_method, str(params["text"])))
        elif api_method == "getMyCommands":
            result = []
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _save(self, request_data: RequestData) -> list[Path]:
        if self.files is None:
            return []
        saved = []
        for filename, content, _mimetype in request_data.multipart_data.values():
            data = content if isinstance(content, bytes) else content.read()
            self.files.mkdir(parents=True, exist_ok=True)
            target = saved_path(self.files, filename or "file")
            target.write_bytes(data)
            saved.append(target)
        return saved

    def _message(self, api_method: str, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        buttons = [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]
        keyboard = [button["text"] for row in markup.get("keyboard", []) for button in row]
        text = str(params.get("text") or params.get("caption") or "")
        message = {
            "message_id": int(params.get("message_id") or next(self.message_ids)),
            "date": int(time.time()),
            "chat": CONSOLE_CHAT,
            "from": BOT_USER,
            "text": text,
        }
        if markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        self.outbox.append(Outgoing(api_method, text, buttons, keyboard, message))
        return message


class ConsoleChat:
    """One private chat between the console user and the bot."""

    def __init__(self, application: Application, request: ConsoleRequest) -> None:  # type: ignore[type-arg]
        self.application = application
        self.request = request
        self._update_ids = SessionIds()
        self._message_ids = SessionIds()
        request.message_ids = self._message_ids  # the user's and the bot's messages share one sequence
        self.buttons: list[tuple[str, str]] = []
        self._buttons_message: dict[str, Any] = {}

    async def start(self, run_jobs: bool = False) -> None:
        """Same order as run_polling; `run_jobs` also starts the JobQueue (form timeouts, reminders)."""
        await self.application.initialize()
        if self.application.post_init:
            await self.application.post_init(self.application)
        if run_jobs:
            await self.application.start()

    async def stop(self) -> None:
        await settle(self.application)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self.application.post_shutdown:
            await self.application.post_shutdown(self.application)

    async def say(self, text: str) -> list[Outgoing]:
        """Type a line: "#N" presses button N of the latest message with buttons (NoSuchButtonError
        when it has none such); anything else, a bare number too, is sent as a message."""
        number = button_number(text)
        if number is not None:
            if not 1 <= number <= len(self.buttons):
                raise NoSuchButtonError(number, len(self.buttons))
            return await self.press(self.buttons[number - 1][1])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": CONSOLE_CHAT,
            "from": CONSOLE_USER,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self._feed({"message": message})

    async def press(self, data: str) -> list[Outgoing]:
        query = {
            "id": str(next(self._update_ids)),
            "from": CONSOLE_USER,
            "chat_instance": "console",
            "data": data,
            "message": self._buttons_message,
        }
        return await self._feed({"callback_query": query})

    async def _feed(self, payload: dict[str, Any]) -> list[Outgoing]:
        payload["update_id"] = next(self._update_ids)
        start = len(self.request.outbox)
        await self.application.process_update(Update.de_json(payload, self.application.bot))
        await settle(self.application)  # the handlers that run concurrently (block=False) too
        produced = self.request.outbox[start:]
        for outgoing in produced:
            if outgoing.buttons:
                self.buttons = outgoing.buttons
                self._buttons_message = outgoing.message
        return produced


def render(outgoing: Outgoing, buttons_label: str, saved_label: str = "📎 {name} → {path}") -> str:
    lines = [plain_text(outgoing.text)] if outgoing.text else []
    lines.extend(saved_label.format(name=path.name, path=path) for path in outgoing.files)
    if not lines:
        lines.append(f"[{outgoing.method}]")
    if outgoing.buttons:
        lines.append(
            buttons_label
            + "  "
            + "   ".join(f"[#{i}] {label}" for i, (label, _) in enumerate(outgoing.buttons, 1))
        )
    if outgoing.keyboard:
        lines.append("⌨  " + " | ".join(outgoing.keyboard))
    return "\n".join(lines)


async def run_console(
    settings: Settings,
    build: Callable[[Settings, BaseRequest], Application],  # type: ignore[type-arg]
    read_line: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    files: Path | None = FILES_FOLDER,
) -> None:
    """The terminal chat; what the bot sends as files is saved into `files` (./console-files/)."""
    from bot.locale import catalogue

    lang = settings.bot.default_language
    texts = catalogue()
    request = ConsoleRequest(files=files)
    chat = ConsoleChat(build(settings, request), request)
    saved = texts.raw(lang, "console.file_saved")
    await chat.start(run_jobs=True)
    try:
        write(texts.raw(lang, "console.intro"))
        for outgoing in await chat.say("/start"):
            write(render(outgoing, texts.raw(lang, "console.buttons"), saved))
        while True:
            try:
                line = await asyncio.to_thread(read_line, "\n> ")
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip() in ("/quit", "/exit"):
                break
            if not line.strip():
                continue  # Telegram never delivers an empty message
            try:
                produced = await chat.say(line)
            except NoSuchButtonError as error:
                key = "console.no_button" if error.available else "console.no_buttons"
                write(str(texts.raw(lang, key)).format(number=error.number, count=error.available))
                continue
            for outgoing in produced:
                write(render(outgoing, texts.raw(lang, "console.buttons"), saved))
    finally:
        await chat.stop()
        sys.stdout.flush()
