"""End-to-end harness: the real `python -m bot run` process polling FakeBotApi on 127.0.0.1.

`RunningBot` starts the process on a config written into a temporary directory, waits until it
polls, and offers helpers that push an update and wait for the bot's reaction (never a fixed
sleep). Stopping it sends SIGTERM and requires a clean exit (code 0) within 15 s.

Silence is checked in three steps, because most handlers run concurrently (block=False) and some
start background work (the /export documents): answering a `/help` pushed *after* an update proves
only that the update has been dispatched, not that its handler is done. So `settle()`
1. pushes a sentinel `/help` and waits for its answer (every earlier update has been dispatched),
2. waits until the bot has confirmed every pushed update (the getUpdates offset has moved past them),
3. waits for a quiet window: QUIET_WINDOW seconds without any new request other than getUpdates
   (the fake server logs a request as it arrives, so one still in flight counts as activity).
No fixed sleep is longer than the quiet window; when a test expects a reply, it waits for that reply.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.clock_guard import child_environment

from .fake_bot_api import BOT_ID, FakeBotApi

TOKEN = "123456:E2E-SECRET-TOKEN"
SECRET = "E2E-SECRET-TOKEN"
BOT_USERNAME = "twin_towns_test_bot"
ADMIN_ID = 555_000_111
SENTINEL_CHAT = 999_999_001  # a private chat used only to tell that the bot has caught up
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
REPLY_TIMEOUT = 10.0
QUIET_WINDOW = 0.3  # seconds without a (non-getUpdates) request: the bot has nothing more to say
QUIET_POLL = 0.02

JsonDict = dict[str, Any]


# TWINBOT_E2E_MODE=webhook runs the same suite with the bot in webhook mode: the fake server then
# delivers the updates by POSTing them to the bot's web server (see FakeBotApi.post_webhook)
MODE = os.environ.get("TWINBOT_E2E_MODE", "polling")
WEBHOOK_SECRET = "e2e-WEBHOOK-secret_42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_lines(port: int) -> list[str]:
    return [
        "[webhook]",
        "enabled = true",
        'listen = "127.0.0.1"',
        f"port = {port}",
        'path = "/telegram"',
        f'public_url = "http://127.0.0.1:{port}/telegram"',
        f"secret_token = {json.dumps(WEBHOOK_SECRET)}",
    ]


def write_config(directory: Path, server: FakeBotApi, database: Path, extra: Sequence[str] = ()) -> Path:
    config = directory / "config.toml"
    config.write_text(
        "\n".join(
            [
                "[telegram]",
                f"token = {json.dumps(TOKEN)}",
                f"base_url = {json.dumps(server.base_url)}",
                "[storage]",
                f"database = {json.dumps(str(database))}",
                "[access]",
                f"admins = [{ADMIN_ID}]",
                "[bot]",
                'default_language = "ru"',
                "[backup]",
                f"directory = {json.dumps(str(directory / 'backups'))}",
                *extra,
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


class RunningBot:
    """One `python -m bot run --config CFG` process and the fake server it polls."""

    def __init__(
        self,
        server: FakeBotApi,
        directory: Path,
        database: Path | None = None,
        mode: str | None = None,
        http: Sequence[str] | None = None,
    ) -> None:
        """`http`: in polling mode, serve [http] (health, metrics) too, with these extra lines."""
        self.server = server
        self.directory = directory
        self.database = database or directory / "bot.sqlite3"
        self.mode = mode or MODE
        self.port = free_port() if self.mode == "webhook" or http is not None else 0
        extra = webhook_lines(self.port) if self.mode == "webhook" else []
        if http is not None:
            extra += ["[http]", "enabled = true", f"port = {self.port}", *http]
        self.config = write_config(directory, server, self.database, extra)
        self.log_path = directory / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._sentinels = itertools.count(1)

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self, *extra_args: str) -> RunningBot:
        """Start the process and wait until it long-polls (post_init has run by then), or in webhook
        mode until it has set its webhook and its server answers /healthz."""
        if self.mode == "webhook":
            return self._start_webhook(*extra_args)
        polls_before = len(self.server.requests_for("getUpdates"))
        env = {key: value for key, value in os.environ.items() if key != "TWINBOT_TOKEN"}
        env["PYTHONUNBUFFERED"] = "1"
        env = child_environment(env, self.directory)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config), *extra_args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                env=env,
            )
        process = self.process

        def polling() -> bool | None:
            if process.poll() is not None:
                return True  # died: reported below instead of waiting for the timeout
            return len(self.server.requests_for("getUpdates")) > polls_before or None

        # the predicate is re-checked on every request; the short slices notice an early death
        for _ in range(int(START_TIMEOUT / 0.5)):
            try:
                self.server.wait_for(polling, timeout=0.5, description="the bot's first getUpdates")
                break
            except AssertionError:
                continue
        if process.poll() is not None:
            raise AssertionError(f"the bot exited with {process.returncode} at start:\n{self.log()}")
        if len(self.server.requests_for("getUpdates")) <= polls_before:
            self.kill()
            raise AssertionError(f"the bot did not poll within {START_TIMEOUT}s:\n{self.log()}")
        return self

    def _spawn(self, *extra_args: str) -> subprocess.Popen[bytes]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("TWINBOT_TOKEN", "TWINBOT_WEBHOOK_SECRET")
        }
        env["PYTHONUNBUFFERED"] = "1"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config), *extra_args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                env=env,
            )
        return self.process

    def _start_webhook(self, *extra_args: str) -> RunningBot:
        sets_before = len(self.server.requests_for("setWebhook"))
        process = self._spawn(*extra_args)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the bot exited with {process.returncode} at start:\n{self.log()}")
            if len(self.server.requests_for("setWebhook")) > sets_before and self.http("/healthz")[0] == 200:
                return self
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the bot did not serve its webhook within {START_TIMEOUT}s:\n{self.log()}")

    def http(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """GET a path of the bot's web server: (status, body); (0, "") when nothing answers."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode()
        except OSError:
            return 0, ""

    def stop(self) -> int:
        """SIGTERM, then the exit code; a hang past STOP_TIMEOUT is a failure."""
        process = self.process
        assert process is not None, "the bot was not started"
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(
                    f"the bot did not exit within {STOP_TIMEOUT}s of SIGTERM:\n{self.log()}"
                ) from None
        return process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def assert_clean_log(self) -> None:
        text = self.log()
        assert SECRET not in text, "the bot token leaked into the process log"
        assert "Traceback" not in text and " ERROR " not in text, f"errors in the bot log:\n{text}"

    # ---- talking to the bot ----------------------------------------------------------------------

    def push_and_wait(self, chat_id: int, push: Callable[[], object], count: int = 1) -> list[JsonDict]:
        """Run `push` (which queues an update) and wait for `count` new bot messages in the chat."""
        before = len(self.server.sent_messages(chat_id))
        push()
        messages = self.server.wait_for_messages(chat_id, before + count, timeout=REPLY_TIMEOUT)
        return messages[before:]

    def reply(self, chat_id: int, text: str, **kwargs: Any) -> JsonDict:
        """Push a text message and return the bot's reply (the spec-shaped Message + `_params`)."""
        [message] = self.push_and_wait(chat_id, lambda: self.server.push_message(chat_id, text, **kwargs))
        return message

    def ask(self, chat_id: int, text: str, **kwargs: Any) -> str:
        """Push a text message and return the reply as the user sees it (after HTML parsing)."""
        return str(self.reply(chat_id, text, **kwargs)["text"])

    def settle(self) -> None:
        """Return once every update pushed so far has been handled (see the module docstring)."""
        before = len(self.server.sent_messages(SENTINEL_CHAT))
        self.server.push_message(SENTINEL_CHAT, "/help")
        self.server.wait_for_messages(SENTINEL_CHAT, before + 1, timeout=REPLY_TIMEOUT)
        self.server.wait_for(
            lambda: not self.server.pending_updates(),
            timeout=REPLY_TIMEOUT,
            description="the bot to confirm every update (getUpdates offset)",
        )
        self.wait_quiet()

    def _activity(self) -> int:
        """How many requests other than getUpdates the bot has made so far."""
        requests = list(self.server.requests)  # a snapshot: the server appends from its own threads
        return sum(1 for method, _ in requests if method != "getUpdates")

    def wait_quiet(self, window: float = QUIET_WINDOW, timeout: float = REPLY_TIMEOUT) -> None:
        """Wait until the bot has made no request (besides polling) for `window` seconds."""
        deadline = time.monotonic() + timeout
        seen = self._activity()
        last_change = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last_change >= window:
                return
            if now >= deadline:
                raise AssertionError(
                    f"the bot kept making requests for {timeout}s, never quiet for {window}s\n"
                    + self.server.dump()
                )
            time.sleep(QUIET_POLL)
            count = self._activity()
            if count != seen:
                seen, last_change = count, time.monotonic()

    def reactions(self, push: Callable[[], object]) -> list[tuple[str, JsonDict]]:
        """Every API call the bot made because of the update(s) queued by `push`."""
        self.settle()
        start = len(self.server.requests)
        push()
        self.settle()
        return [
            (method, params)
            for method, params in self.server.requests[start:]
            if method != "getUpdates" and params.get("chat_id") != SENTINEL_CHAT
        ]

    def assert_silent(self, push: Callable[[], object]) -> None:
        calls = self.reactions(push)
        assert calls == [], f"expected no reaction, the bot called: {calls}"

    def callback(
        self, chat_id: int, user_id: int, data: str, message_id: int | None = None, **kwargs: Any
    ) -> JsonDict:
        """Press an inline button; returns the answerCallbackQuery parameters once answered."""
        update = self.server.push_callback(chat_id, user_id, data, message_id, **kwargs)
        return self.answer_to(update)

    def answer_to(self, update: JsonDict) -> JsonDict:
        """The answerCallbackQuery parameters for a pushed callback_query update, once answered."""
        query_id = update["callback_query"]["id"]
        return self.server.wait_for_request(
            "answerCallbackQuery", lambda p: p["callback_query_id"] == query_id, timeout=REPLY_TIMEOUT
        )

    def shown(self, chat_id: int, message_id: int) -> str:
        """The current text of a message (after the bot's edits)."""
        message = self.server.message(chat_id, message_id)
        assert message is not None, f"no message {message_id} in chat {chat_id}"
        return str(message.get("text", ""))

    def inline(self, user_id: int, query: str) -> JsonDict:
        """Type `@bot query`; returns the answerInlineQuery parameters."""
        update = self.server.push_inline_query(user_id, query)
        query_id = update["inline_query"]["id"]
        return self.server.wait_for_request(
            "answerInlineQuery", lambda p: p["inline_query_id"] == query_id, timeout=REPLY_TIMEOUT
        )


def message_update(chat_id: int, user_id: int, message_id: int, chat_type: str, **content: Any) -> JsonDict:
    """A Message dict as Telegram sends it, for content push_message cannot build (media, edits)."""
    chat: JsonDict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = f"User{user_id}"
    else:
        chat["title"] = f"Chat {chat_id}"
    return {
        "message_id": message_id,
        "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
        "chat": chat,
        "date": 1_760_000_000,
        **content,
    }


def finish(bot: RunningBot) -> None:
    """Teardown checks shared by every process: clean exit, no violations, no secret in the log."""
    code = bot.stop()
    assert code == 0, f"the bot exited with {code} after SIGTERM:\n{bot.log()}"
    bot.server.assert_no_violations()
    assert SECRET not in bot.log(), "the bot token leaked into the process log"
    assert WEBHOOK_SECRET not in bot.log(), "the webhook secret leaked into the process log"


@contextmanager
def serving(make: Callable[[FakeBotApi], RunningBot]) -> Iterator[RunningBot]:
    """A fake Bot API and a bot process on it (`make` prepares it: config, seed data), started, yielded,
    then checked by `finish` and torn down whatever happened."""
    server = FakeBotApi().start()
    running: RunningBot | None = None
    try:
        running = make(server)
        running.start()
        yield running
        finish(running)
    finally:
        if running is not None:
            running.kill()
        server.stop()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """One bot process shared by a test module (each test uses its own chat ids)."""
    with serving(lambda server: RunningBot(server, tmp_path_factory.mktemp("bot"))) as running:
        yield running


@pytest.fixture
def clean(bot: RunningBot) -> Iterator[RunningBot]:
    """The shared bot, checked after each test: no new violations, no error report, no crash."""
    violations = len(bot.server.violations)
    reports = len(bot.server.sent_messages(ADMIN_ID))
    log_start = len(bot.log())
    yield bot
    assert bot.process is not None and bot.process.poll() is None, f"the bot died:\n{bot.log()}"
    new = bot.server.violations[violations:]
    assert not new, "Bot API violations:\n" + "\n".join(f"{v['method']}: {v['message']}" for v in new)
    assert bot.server.sent_messages(ADMIN_ID)[reports:] == [], "the admin got an error report"
    log = bot.log()[log_start:]
    assert SECRET not in log, "the bot token leaked into the process log"
    assert "Traceback" not in log and " ERROR " not in log, f"errors in the bot log:\n{log}"


@pytest.fixture
def fresh_server() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    try:
        yield server
    finally:
        server.stop()


__all__ = [
    "ADMIN_ID",
    "BOT_ID",
    "BOT_USERNAME",
    "WEBHOOK_SECRET",
    "RunningBot",
    "finish",
    "message_update",
    "serving",
]
