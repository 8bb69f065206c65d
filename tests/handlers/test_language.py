from typing import Any

import pytest

from bot.runtime import Runtime
from tests.handlers.conftest import Call, Harness


async def test_lang_switches_and_is_remembered(harness: Harness) -> None:
    (menu,) = await harness.say("/lang")
    buttons = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["lang:ru", "lang:en"]
    calls = await harness.press("lang:en")
    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "English" in calls[1].params["text"]
    (towns,) = await harness.texts("/towns")
    assert "Partner towns" in towns
    (digits,) = await harness.texts("2000")
    assert "Partnerships that began in 2000" in digits


async def test_forged_language_is_refused(harness: Harness) -> None:
    calls = await harness.press("lang:de")
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    (towns,) = await harness.texts("/towns")
    assert "Города-партнёры" in towns


# ---- groups: only the group's admins choose its language -----------------------------------------------

GROUP = -100_300
GROUP_ADMIN = 41
MEMBER = 42


@pytest.fixture
def members(members: dict[tuple[int, int], str]) -> dict[tuple[int, int], str]:
    """The shared getChatMember stand-in (tests/handlers/conftest.py), with the group's creator set."""
    members[(GROUP, GROUP_ADMIN)] = "creator"
    return members


def methods(calls: list[Call]) -> list[str]:
    return [call.method for call in calls]


async def group_language(harness: Harness) -> str | None:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return await runtime.preferences.language(GROUP)


@pytest.mark.usefixtures("members")
async def test_a_group_member_may_not_open_or_use_the_language_menu(harness: Harness) -> None:
    calls = await harness.say("/lang", chat_id=GROUP, user_id=MEMBER)
    assert methods(calls) == ["getChatMember", "sendMessage"]
    assert "только её администраторы" in calls[1].params["text"]
    assert "reply_markup" not in calls[1].params
    calls = await harness.press("lang:en", chat_id=GROUP, user_id=MEMBER)
    assert methods(calls) == ["getChatMember", "answerCallbackQuery"]
    assert "только её администраторы" in calls[1].params["text"]
    assert await group_language(harness) is None


@pytest.mark.usefixtures("members")
async def test_a_group_admin_chooses_and_each_press_is_checked_again(harness: Harness) -> None:
    (check, menu) = await harness.say("/lang", chat_id=GROUP, user_id=GROUP_ADMIN)
    assert check.method == "getChatMember" and check.params["user_id"] == GROUP_ADMIN
    assert "reply_markup" in menu.params
    # a member presses the admin's menu: refused, whoever opened it
    calls = await harness.press("lang:en", chat_id=GROUP, user_id=MEMBER)
    assert methods(calls) == ["getChatMember", "answerCallbackQuery"]
    assert calls[0].params["user_id"] == MEMBER
    assert await group_language(harness) is None
    calls = await harness.press("lang:en", chat_id=GROUP, user_id=GROUP_ADMIN)
    assert methods(calls) == ["getChatMember", "answerCallbackQuery", "editMessageText"]
    assert await group_language(harness) == "en"


async def test_an_anonymous_admin_posting_as_the_group_may_choose(harness: Harness) -> None:
    sender = {"id": GROUP, "type": "supergroup", "title": "Kingisepp residents"}
    calls = await harness.say("/lang", chat_id=GROUP, user_id=1087968824, sender_chat=sender)
    assert methods(calls) == ["sendMessage"] and "reply_markup" in calls[0].params


async def test_when_telegram_cannot_say_the_answer_is_no(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = harness.request.do_request

    async def do_request(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        answer = await original(url, *args, **kwargs)
        if url.endswith("/getChatMember"):
            return 400, b'{"ok": false, "error_code": 400, "description": "Bad Request: member not found"}'
        return answer

    monkeypatch.setattr(harness.request, "do_request", do_request)
    calls = await harness.say("/lang", chat_id=GROUP, user_id=MEMBER)
    assert methods(calls) == ["getChatMember", "sendMessage"]
    assert "только её администраторы" in calls[1].params["text"]
