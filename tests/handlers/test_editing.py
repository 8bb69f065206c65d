"""One way to edit a message (bot.handlers.chat.edit_or_send): a pressed message that is gone or cannot be
edited is replaced by a fresh message, the press is answered exactly once, and an admin alert names the
handler in which the error arose (not the rate limiter on the way to Telegram)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.handlers.conftest import ADMIN_ID, Call, Harness

GONE = {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}


def refuse(harness: Harness, monkeypatch: pytest.MonkeyPatch, method: str, answer: dict[str, Any]) -> None:
    """Telegram answers every `method` call with `answer` (the call is still recorded and validated)."""
    original = harness.request.do_request

    async def do_request(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        result = await original(url, *args, **kwargs)
        if url.endswith(f"/{method}"):
            return int(answer["error_code"]), json.dumps(answer).encode()
        return result

    monkeypatch.setattr(harness.request, "do_request", do_request)


def methods(calls: list[Call]) -> list[str]:
    return [call.method for call in calls]


@pytest.mark.parametrize("press", ["sub:k:all", "sub:off"])
async def test_a_subscription_menu_that_is_gone_gets_a_fresh_message(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, press: str
) -> None:
    await harness.say("/subscribe")
    refuse(harness, monkeypatch, "editMessageText", GONE)
    calls = await harness.press(press)
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
    assert calls[2].params["chat_id"] == 10 and calls[2].params["text"] == calls[1].params["text"]
    assert not [call for call in calls if call.params.get("chat_id") == ADMIN_ID]


async def test_a_language_prompt_that_cannot_be_edited_gets_a_fresh_message(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(
        harness,
        monkeypatch,
        "editMessageText",
        {**GONE, "description": "Bad Request: message can't be edited"},
    )
    calls = await harness.press("lang:en")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls


async def test_a_failure_after_the_answer_tells_the_chat_not_a_second_answer(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The press was answered, then the handler failed: the error handler must not answer it again."""
    import bot.handlers.subscriptions as subscriptions

    async def broken(*_args: object) -> None:
        raise RuntimeError("the menu could not be drawn")

    monkeypatch.setattr(subscriptions, "edit_or_send", broken)
    calls = await harness.press("sub:k:all")
    assert methods(calls).count("answerCallbackQuery") == 1, calls
    to_chat = [call for call in calls if call.method == "sendMessage" and call.params["chat_id"] == 10]
    assert len(to_chat) == 1 and "Что-то пошло не так" in to_chat[0].params["text"]
    (alert,) = [call for call in calls if call.params.get("chat_id") == ADMIN_ID]
    assert "bot/handlers/subscriptions.py" in alert.params["text"] and "pressed" in alert.params["text"]


async def test_an_alert_names_the_handler_not_the_rate_limiter(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(
        harness,
        monkeypatch,
        "sendMessage",
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    calls = await harness.say("/towns")
    (alert,) = [call for call in calls if call.params.get("chat_id") == ADMIN_ID]
    text = alert.params["text"]
    assert "BadRequest" in text and "bot/handlers/" in text, text
    assert "ratelimit" not in text and "metrics" not in text, text


async def test_an_agreement_confirmation_that_is_gone_still_applies_and_says_so(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    (question,) = await harness.say("/agreement Нарва 1990", chat_id=ADMIN_ID)  # a big move: asked first
    yes = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    refuse(harness, monkeypatch, "editMessageText", GONE)
    calls = await harness.press(yes, chat_id=ADMIN_ID)
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
    assert "1990 (было: 2000)" in calls[2].params["text"]
    narva = harness.app.bot_data["runtime"].directory.get("narva")
    assert narva is not None and narva.agreements[0].signed.year == 1990
