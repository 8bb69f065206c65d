"""The error handler: it never raises, the user hears a polite word, the admins one alert per kind of fault
in a window (with the count of repeats held back)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from msgspec.structs import replace

from bot.errors import ALERT_WINDOW_SECONDS, THROTTLE_KEY, AlertThrottle, fault_kind, on_error
from bot.runtime import Runtime
from tests.handlers.conftest import ADMIN_ID, Call, Harness


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


def to(calls: list[Call], chat_id: int) -> list[str]:
    return [
        str(c.params["text"]) for c in calls if c.method == "sendMessage" and c.params["chat_id"] == chat_id
    ]


@pytest.fixture
def database_down(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of a chat's language fails, as a locked or broken database file would make it."""

    async def broken(chat_id: int) -> None:
        raise sqlite3.OperationalError(f"database is locked (chat {chat_id})")

    monkeypatch.setattr(rt(harness).preferences, "language", broken)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.usefixtures("database_down")
async def test_a_database_error_reaches_the_admin_and_the_user_gets_a_polite_word(harness: Harness) -> None:
    calls = await harness.say("/towns")
    (polite,) = to(calls, 10)
    assert "Что-то пошло не так" in polite  # the default language: the chat's own could not be read
    (alert,) = to(calls, ADMIN_ID)
    assert "OperationalError: database is locked" in alert
    assert "bot/handlers/chat.py" in alert  # where: the innermost frame in our code


async def test_an_exception_text_with_the_token_reaches_the_admin_masked(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import Secret

    runtime = rt(harness)
    token = "123456:ALERT-SECRET-TOKEN"
    telegram = replace(runtime.settings.telegram, token=Secret(token))
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, telegram=telegram))

    async def leaky(_chat_id: int) -> None:
        raise sqlite3.OperationalError(f"cannot open https://api.telegram.org/bot{token}/getMe")

    monkeypatch.setattr(runtime.preferences, "language", leaky)
    calls = await harness.say("/towns")
    (alert,) = to(calls, ADMIN_ID)
    assert "OperationalError: cannot open https://api.telegram.org/bot***/getMe" in alert
    assert "ALERT-SECRET-TOKEN" not in str([call.params for call in calls])


@pytest.mark.usefixtures("database_down")
async def test_fifty_identical_errors_give_one_alert_then_a_count(harness: Harness) -> None:
    clock = FakeClock()
    harness.app.bot_data[THROTTLE_KEY] = AlertThrottle(clock=clock)
    calls: list[Call] = []
    for _ in range(50):
        calls += await harness.say("/towns")
    assert len(to(calls, 10)) == 50  # every user still hears back
    assert len(to(calls, ADMIN_ID)) == 1
    clock.now += ALERT_WINDOW_SECONDS + 1
    (alert,) = to(await harness.say("/towns"), ADMIN_ID)
    assert "49" in alert and "OperationalError" in alert


@pytest.mark.usefixtures("database_down")
async def test_a_failing_button_is_answered_and_reported(harness: Harness) -> None:
    calls = await harness.press("card:narva")
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and "Что-то пошло не так" in answers[0].params["text"]
    assert len(to(calls, ADMIN_ID)) == 1


@pytest.mark.usefixtures("database_down")
async def test_the_error_handler_survives_failures_of_its_own(
    monkeypatch: pytest.MonkeyPatch, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The database down, the texts broken, then Telegram refusing every message: logged, never raised."""

    def no_replies(_self: Runtime) -> Any:
        raise RuntimeError("catalogue gone")

    monkeypatch.setattr(Runtime, "replies", no_replies)
    calls = await harness.say("/towns")
    (polite,) = to(calls, 10)  # the built-in fallback texts still go out
    assert "Something went wrong" in polite
    (alert,) = to(calls, ADMIN_ID)
    assert "OperationalError: database is locked" in alert

    original = harness.request.do_request

    async def refuse(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await original(url, *args, **kwargs)  # recorded and validated
        if url.endswith("/sendMessage"):
            return 403, b'{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked"}'
        raise OSError("network down")

    monkeypatch.setattr(harness.request, "do_request", refuse)
    harness.app.bot_data.pop(THROTTLE_KEY)
    calls = await harness.say("/towns")  # nothing raised out of process_update or its task
    assert [c.params["chat_id"] for c in calls] == [10, ADMIN_ID]
    assert "could not notify admin" in caplog.text


async def test_without_a_runtime_it_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    class Context:
        bot_data: dict[str, object] = {}  # noqa: RUF012 - a stand-in for PTB's context
        error = KeyError("x")

    await on_error(None, Context())  # type: ignore[arg-type]
    assert "KeyError" in caplog.text


def test_throttle_counts_per_kind_and_window() -> None:
    clock = FakeClock()
    throttle = AlertThrottle(window=600, clock=clock)
    assert throttle.admit("a") == 0
    assert throttle.admit("a") is None
    assert throttle.admit("b") == 0  # another kind of fault has its own window
    assert throttle.admit("a") is None
    clock.now += 599
    assert throttle.admit("a") is None
    clock.now += 2
    assert throttle.admit("a") == 3
    assert throttle.admit("a") is None


def _raise_here() -> None:
    raise sqlite3.OperationalError("locked")


def _raise_there() -> None:
    raise sqlite3.OperationalError("locked")


def test_fault_kind_is_class_and_place() -> None:
    kinds = []
    for raiser in (_raise_here, _raise_here, _raise_there):
        try:
            raiser()
        except sqlite3.OperationalError as error:
            kinds.append(fault_kind(error))
    assert kinds[0] == kinds[1] != kinds[2]
    assert kinds[0].startswith("sqlite3.OperationalError at ")
    assert fault_kind(ValueError("never raised")) == "builtins.ValueError"


@pytest.mark.usefixtures("database_down")
async def test_every_fault_is_recorded_by_kind_for_status_and_counted_for_metrics(harness: Harness) -> None:
    for _ in range(3):
        await harness.say("/towns")
    assert await rt(harness).faults.counts_since(3600) == {"OperationalError": 3}
    metrics = harness.app.metrics.registry  # type: ignore[attr-defined]
    assert metrics.get_sample_value("twinbot_updates_total", {"type": "message", "outcome": "error"}) == 3
