"""The guided form's entry points (bot/handlers/visits/form_opening.py): /visit with an
unfinished draft, /visit with a one-line record missing its separators.
"""

from __future__ import annotations

import itertools

from tests.handlers.conftest import Harness
from tests.handlers.visits.conftest import (
    STAFF_CHAT,
    _conversations,
    buttons,
    form_id,
    press,
    rt,
    staff,
    texts,
)


async def test_a_form_from_an_earlier_session_answers_every_input(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    # message ids lower than the form has seen (an earlier session's form): still answered
    bot.message_ids = itertools.count(1)
    assert "шаг 4 из 8" in texts(await staff(bot, "05.06.2024"))
    again = await staff(bot, "/visit")
    assert "незаконченная запись" in texts(again) and f"vf:{form}:new" in buttons(again)
    # the conversation state lost, the draft kept: /visit offers the draft instead of dropping it
    _conversations(bot).clear()
    resumed = await staff(bot, "/visit")
    assert "незаконченная запись" in texts(resumed) and "шаг 4 из 8" in texts(resumed)
    assert "шаг 5 из 8" in texts(await staff(bot, "07.06.2024"))
    assert (STAFF_CHAT, STAFF_CHAT) in _conversations(bot)
    # a state this version does not know: a typed digit gets an answer, the draft's step goes on
    _conversations(bot)[(STAFF_CHAT, STAFF_CHAT)] = "dates"
    assert "шаг 5 из 8" in texts(await staff(bot, "3"))  # kind wants a button: asked again
    # start over: a fresh form at step 1
    fresh = await press(bot, f"vf:{form}:new")
    assert "шаг 1 из 8" in texts(fresh) and form not in "".join(buttons(fresh))
    # the same message delivered again is still ignored
    message = bot.message("/visit", chat_id=STAFF_CHAT, user_id=STAFF_CHAT)
    update = {"update_id": 99_999, "message": message}
    assert [c.method for c in await bot.feed(update)] == ["sendMessage"]
    assert await bot.feed({**update, "update_id": 99_998}) == []


async def test_a_one_line_visit_without_semicolons_is_explained_not_half_taken(bot: Harness) -> None:
    answer = texts(
        await staff(bot, "/visit Засниц от нас 05.06.2025-07.06.2025 молодёжная 15 Молодёжный обмен")
    )
    assert "точкой с запятой" in answer and "/visit ГОРОД; ДАТА" in answer
    assert "шаг 2 из 8" not in answer
    assert await rt(bot).visits.count() == 0


async def test_the_town_buttons_are_in_alphabetical_order(bot: Harness) -> None:
    calls = await staff(bot, "/visit")
    labels = [
        b["text"].split(" ", 1)[1]
        for call in calls
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
        if b["callback_data"].startswith("vf:") and ":t:" in b["callback_data"]
    ]
    assert len(labels) == 9 and "Кингисепп" not in labels
    assert labels == sorted(labels, key=lambda name: name.casefold().replace("ё", "е"))
    assert labels[:3] == ["Жэньхуай", "Засниц", "Йыхви"] and labels[-1] == "Светлогорск"
