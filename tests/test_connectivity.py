"""Reaching the Bot API: start-up retries (one line per try, a rejected token at once) and an outage
while polling logged once when it starts and once when it ends."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.connectivity import TOKEN_REJECTED, Connectivity, StartupFailedError, backoff, with_retries

TOKEN = "123456:UNIT-SECRET-TOKEN"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_thirty_seconds() -> None:
    assert [backoff(attempt) for attempt in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


async def test_a_rejected_token_is_not_retried_and_its_text_is_dropped() -> None:
    calls = 0

    async def get_me() -> None:
        nonlocal calls
        calls += 1
        raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")

    with pytest.raises(StartupFailedError) as caught:
        await with_retries(get_me, "getMe", retries=5, token=TOKEN)
    assert str(caught.value) == TOKEN_REJECTED and calls == 1
    assert caught.value.__cause__ is None and caught.value.__context__ is not None  # suppressed, not chained
    assert caught.value.__suppress_context__


async def test_network_failures_are_retried_with_one_line_each(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []

    async def no_wait(awaitable: object, seconds: float) -> None:
        waits.append(seconds)
        getattr(awaitable, "close", lambda: None)()
        raise TimeoutError

    monkeypatch.setattr(asyncio, "wait_for", no_wait)
    failures = [NetworkError(f"connect failed for /bot{TOKEN}/getMe"), TimedOut()]

    async def flaky() -> str:
        if failures:
            raise failures.pop(0)
        return "me"

    with caplog.at_level(logging.WARNING, "bot.connectivity"):
        assert await with_retries(flaky, "getMe", retries=3, token=TOKEN) == "me"
    assert waits == [1, 2]
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2 and "getMe failed (try 1 of 4)" in lines[0] and "next try in 1 s" in lines[0]
    assert TOKEN not in caplog.text and "UNIT-SECRET-TOKEN" not in caplog.text


async def test_after_the_last_try_one_error_and_a_refusal_is_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_wait(awaitable: object, _seconds: float) -> None:
        getattr(awaitable, "close", lambda: None)()
        raise TimeoutError

    monkeypatch.setattr(asyncio, "wait_for", no_wait)

    async def down() -> None:
        raise NetworkError("All connection attempts failed")

    with pytest.raises(StartupFailedError, match=r"\(getMe\) after 3 tries: NetworkError: All connection"):
        await with_retries(down, "getMe", retries=2, token=TOKEN)

    async def refused() -> None:
        raise BadRequest("Bad webhook: an HTTPS URL must be provided")

    with pytest.raises(StartupFailedError, match="setWebhook was refused by Telegram: BadRequest"):
        await with_retries(refused, "setWebhook", retries=2, token=TOKEN)


async def test_a_stop_while_waiting_ends_the_retries() -> None:
    stop = asyncio.Event()

    async def down() -> None:
        stop.set()  # SIGTERM arrives during the first try
        raise NetworkError("down")

    with pytest.raises(StartupFailedError, match="stopped while waiting"):
        await asyncio.wait_for(with_retries(down, "getMe", retries=5, token=TOKEN, stop=stop), 5)


def test_an_outage_is_logged_when_it_starts_and_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    watch = Connectivity(TOKEN, clock=clock)
    with caplog.at_level(logging.WARNING, "bot.connectivity"):
        watch.succeeded()  # all well: nothing said
        for _ in range(40):
            watch.failed(NetworkError(f"httpx.ConnectError for /bot{TOKEN}/getUpdates"))
            clock.now += 3
        watch.succeeded()
        watch.succeeded()
        watch.failed(TimedOut())
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3, lines
    assert "cannot be reached: NetworkError" in lines[0]
    assert lines[1] == "the Telegram Bot API is reachable again after 120 s (40 failed polls)"
    assert "cannot be reached: TimedOut" in lines[2] and watch.outages == 2
    assert "UNIT-SECRET-TOKEN" not in caplog.text
