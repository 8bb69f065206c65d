"""Production: webhook mode, health and metrics, one instance per database and token, clean stops.

Every test starts real `twinbot run` processes against the fake Bot API (which delivers to a webhook
the way Telegram does once setWebhook was called)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import ADMIN_ID, STOP_TIMEOUT, WEBHOOK_SECRET, RunningBot, finish
from .fake_bot_api import FakeBotApi
from .test_reminders_e2e import (
    TimedFakeBotApi,
    add_subscribers,
    clock_shift,
    migrate,
    reminders_to,
    start_bot,
    wait_for_log,
)

__all__ = ["clock_shift"]  # the shifted-clock fixture of the reminder tests, used here too

pytestmark = pytest.mark.e2e
METRICS_TOKEN = "e2e-metrics-token"


def wait_ready(bot: RunningBot, timeout: float = 15.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    status, body = 0, ""
    while time.monotonic() < deadline:
        status, body = bot.http("/readyz")
        if status == 200:
            return dict(json.loads(body))
        time.sleep(0.1)
    raise AssertionError(f"/readyz answered {status} {body}")


def test_webhook_mode_end_to_end(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    bot = RunningBot(fresh_server, tmp_path, mode="webhook").start()
    try:
        [call] = fresh_server.requests_for("setWebhook")
        assert call["url"] == f"http://127.0.0.1:{bot.port}/telegram"
        assert call["secret_token"] == WEBHOOK_SECRET
        assert call["max_connections"] == 40 and "message" in call["allowed_updates"]
        assert fresh_server.requests_for("getUpdates") == []  # no polling while the webhook is set
        assert wait_ready(bot) == {"status": "ready"}
        assert "Нарва" in bot.ask(3001, "/town Нарва")
        # Telegram retries an update after a timeout: the repeat is answered 200 and processed once
        update = fresh_server.push_message(3002, "/help")
        fresh_server.wait_for_messages(3002, 1)
        assert fresh_server.post_webhook(update) == 200
        bot.settle()
        assert len(fresh_server.sent_messages(3002)) == 1
        # without the secret or with a wrong one: 403, counted, never processed
        stranger = {"update_id": 10_000, "message": {**update["message"], "text": "/towns"}}
        assert fresh_server.post_webhook(stranger, secret="") == 403
        assert fresh_server.post_webhook(stranger, secret="guess") == 403
        bot.settle()
        assert len(fresh_server.sent_messages(3002)) == 1
        status, text = bot.http("/metrics")
        assert status == 200
        assert 'twinbot_webhook_rejected_total{reason="secret"} 2.0' in text
        assert 'twinbot_updates_total{outcome="duplicate",type="message"} 1.0' in text
        assert 'twinbot_replies_sent_total{method="sendMessage"}' in text
        assert bot.http("/nowhere")[0] == 404
        assert "WARNING" in bot.log() and "secret token" in bot.log()
    finally:
        finish(bot)
    assert not bot.server.violations


def test_polling_deletes_a_leftover_webhook_and_serves_health_when_asked(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    fresh_server.webhook = {
        "url": "https://old.example.org/telegram",
        "secret_token": "",
        "max_connections": 40,
    }
    http = [f"metrics_token = {json.dumps(METRICS_TOKEN)}"]
    bot = RunningBot(fresh_server, tmp_path, mode="polling", http=http).start()
    try:
        assert fresh_server.requests_for("deleteWebhook")
        assert fresh_server.webhook is None
        assert "Нарва" in bot.ask(3101, "/town Нарва")
        assert bot.http("/healthz") == (200, '{"status":"ok"}')
        assert wait_ready(bot)["status"] == "ready"
        assert bot.http("/metrics")[0] == 401
        status, text = bot.http("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert status == 200 and 'twinbot_updates_total{outcome="handled",type="message"}' in text
        assert 'twinbot_replies_sent_total{method="sendMessage"}' in text
        assert bot.http("/telegram")[0] == 404  # no webhook route in polling mode
    finally:
        finish(bot)


def refused(bot: RunningBot, timeout: float = 20.0) -> tuple[int, str]:
    process = bot._spawn()
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        bot.kill()
        raise AssertionError(f"the second instance did not refuse:\n{bot.log()}") from None
    return code, bot.log()


def test_a_second_instance_on_the_same_database_refuses_with_one_line(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    (tmp_path / "one").mkdir()
    first = RunningBot(fresh_server, tmp_path / "one", mode="polling").start()
    try:
        (tmp_path / "two").mkdir()
        # the same database, started from elsewhere
        second = RunningBot(fresh_server, tmp_path / "two", database=first.database, mode="polling")
        code, log = refused(second)
        assert code == 3
        lines = [line for line in log.splitlines() if line.strip()]
        assert len(lines) == 1 and "already running" in lines[0] and f"pid {first.process.pid}" in lines[0], (
            log
        )  # type: ignore[union-attr]
        assert "Traceback" not in log
        assert "Нарва" in first.ask(3201, "/town Нарва")  # the first one goes on undisturbed
    finally:
        finish(first)
    assert not [method for method, params in fresh_server.requests if "Conflict" in json.dumps(params)]


def test_a_second_instance_with_the_same_token_and_another_database_refuses(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = RunningBot(fresh_server, tmp_path / "one", mode="polling").start()
    try:
        code, log = refused(RunningBot(fresh_server, tmp_path / "two", mode="polling"))
        assert code == 3 and "already running with this bot token on this machine" in log
        assert "Traceback" not in log
    finally:
        finish(first)


def test_the_lease_of_a_killed_bot_is_taken_over(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    first = RunningBot(fresh_server, tmp_path, mode="polling").start()
    assert "Нарва" in first.ask(3301, "/town Нарва")
    first.kill()  # SIGKILL: no release
    second = RunningBot(fresh_server, tmp_path, mode="polling").start()
    try:
        assert "took over the lease of pid" in second.log()
        assert "Нарва" in second.ask(3301, "/town Нарва")
    finally:
        finish(second)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_sigterm_stops_within_10_seconds_and_frees_the_lease(
    fresh_server: FakeBotApi, tmp_path: Path, mode: str
) -> None:
    bot = RunningBot(fresh_server, tmp_path, mode=mode).start()
    assert "Нарва" in bot.ask(3401, "/town Нарва")
    assert bot.process is not None
    started = time.monotonic()
    bot.process.send_signal(signal.SIGTERM)
    assert bot.process.wait(STOP_TIMEOUT) == 0
    assert time.monotonic() - started < 10
    assert "stopped cleanly" in bot.log()
    status = subprocess.run(
        [sys.executable, "-m", "bot", "status", "--config", str(bot.config)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "Бот сейчас не запущен." in status.stdout
    finish(bot)


def test_status_for_admins_in_the_running_bot(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    bot = RunningBot(fresh_server, tmp_path).start()
    try:
        text = bot.ask(ADMIN_ID, "/status")
        assert text.startswith("Состояние бота\nВерсия ")
        assert ("режим: webhook" if bot.mode == "webhook" else "режим: long polling") in text
        assert "Работает " in text and "Чат сотрудников не задан." in text
        assert bot.ask(3501, "/status") == "Эта команда только для администраторов бота."
    finally:
        finish(bot)


def test_sigterm_mid_broadcast_finishes_what_is_on_its_way_and_records_it(
    tmp_path: Path, clock_shift: Callable[[str], None]
) -> None:
    server = TimedFakeBotApi().start()
    directory = tmp_path / "bot"
    directory.mkdir()
    chats = range(7101, 7161)
    try:
        database = migrate(directory, server)
        add_subscribers(database, chats)
        server.slow = dict.fromkeys(chats, 0.25)  # every answer takes a while: messages are on their way
        bot = start_bot(server, directory, clock_shift, "2026-05-25T10:05:00+03:00")
        server.wait_for(lambda: len(server.sends()) >= 8 or None, timeout=20)
        assert bot.process is not None
        stopped_at = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(STOP_TIMEOUT) == 0, bot.log()
        assert time.monotonic() - stopped_at < 10
        delivered = {chat for _, chat, status in server.sends() if status == 200 and chat in chats}
        with sqlite3.connect(database) as connection:
            rows = dict(connection.execute("SELECT chat_id, status FROM delivery_ledger").fetchall())
        assert 0 < len(delivered) < len(chats), "the stop came too late (or too early) to test anything"
        # every message that reached Telegram is recorded as sent; nothing is left half-way ('sending')
        assert {chat for chat, status in rows.items() if status == "sent"} == delivered
        assert set(rows.values()) == {"sent", "pending"}

        mark = len(bot.log())
        bot = start_bot(server, directory, clock_shift, "2026-05-25T10:07:00+03:00")
        wait_for_log(bot, "reminders checked (2026-05-25)", mark)
        finish(bot)
        for chat in chats:
            assert len(reminders_to(server, chat)) == 1, f"chat {chat}: {reminders_to(server, chat)}"
    finally:
        server.release_all()
        server.stop()


def test_neither_the_token_nor_the_webhook_secret_reaches_a_log_or_an_alert(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    from .conftest import SECRET

    bot = RunningBot(fresh_server, tmp_path, mode="webhook").start("--verbose")  # debug logs too
    try:
        fresh_server.fail_next("sendMessage", 502, chat_id=3601)
        update = fresh_server.push_message(3601, "/towns")
        fresh_server.wait_for_messages(ADMIN_ID, 1)  # the error report
        fresh_server.post_webhook(update, secret="wrong-" + WEBHOOK_SECRET)  # a refused request, logged
        bot.settle()
        log = bot.log()
        assert "setWebhook" in log and "secret_token" in log  # PTB logged the call's parameters, masked
        alerts = " ".join(fresh_server.sent_texts(ADMIN_ID))
        for secret in (SECRET, WEBHOOK_SECRET):
            assert secret not in log and secret not in alerts
    finally:
        finish(bot)
