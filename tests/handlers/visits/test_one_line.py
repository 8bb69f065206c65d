"""`/visit TOWN; DATE; ...` in one message (bot/handlers/visits/one_line.py): the card, every bad
field named, idempotency per message, "save anyway?".
"""

from __future__ import annotations

import copy

from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import (
    STAFF_CHAT,
    buttons,
    press,
    rt,
    staff,
    texts,
)

LINE = "/visit Райсио; 12.08.2023-15.08.2023; out; официальная; 5; День города Райсио"


async def test_one_line_records_and_answers_with_the_card(bot: Harness) -> None:
    calls = await staff(bot, "/visit Нарва; 05.06.2024-07.06.2024; приезд; молодёжная; 12; Летний лагерь")
    text = texts(calls)
    assert "Визит #1 записан" in text and "Летний лагерь" in text and "молодёжная" in text
    assert buttons(calls)[:2] == ["vc:1:1:e", "vc:1:1:d"]
    # Latin arguments in a Russian chat (the bot's own hint spells "in; official"): still Russian
    latin = await staff(bot, "/visit Нарва; 1.6.24; in; official; 3; x")
    assert "Визит #2 записан" in texts(latin) and "официальная" in texts(latin)
    await rt(bot).preferences.set_language(STAFF_CHAT, "en")  # an English chat: English
    english = await staff(bot, "/visit Raisio; 5 June 2024; out; sports; ; Football <cup>")
    assert "Visit #3 recorded" in texts(english) and "Football &lt;cup&gt;" in texts(english)


async def test_one_line_names_every_bad_field_and_writes_nothing(bot: Harness) -> None:
    calls = await staff(bot, "/visit Тмутаракань; 31.02.2024; туда; балетная; 0; ")
    text = texts(calls)
    for field in ("Город", "Даты", "Направление", "Тип делегации", "Участников", "Цель"):
        assert f"<b>{field}</b>" in text, field
    assert "такой даты нет" in text and "/visit ГОРОД; ДАТА" in text
    assert await rt(bot).visits.count() == 0
    # an empty field is reported as missing, not as if "не указано" had been typed
    assert "<b>Цель</b>: не заполнено — это поле обязательно" in text and "не указано" not in text


async def test_the_same_message_delivered_twice_records_once(bot: Harness) -> None:
    message = bot.message("/visit Нарва; 05.06.2024; in; official; 3; Переговоры", STAFF_CHAT, ADMIN_ID)
    first = await bot.feed({"message": copy.deepcopy(message)})
    second = await bot.feed({"message": copy.deepcopy(message)})  # a new update id, the same message
    assert "записан" in texts(first) and "уже записан: #1" in texts(second)
    assert await rt(bot).visits.count() == 1


async def test_a_one_line_visit_like_one_on_record_asks_before_saving(bot: Harness) -> None:
    first = await staff(bot, LINE)
    assert "Визит #1 записан" in texts(first)
    second = await staff(bot, LINE)  # the same text, a new message
    text = texts(second)
    assert "Похожий визит уже записан: #1" in text and "Сохранить всё равно?" in text
    assert await rt(bot).visits.count() == 1
    yes, no = [d for d in buttons(second) if d.startswith("vd:")]
    assert yes.endswith(":y") and no.endswith(":n")
    # a resident pressing it is refused; nothing is written
    await bot.press(yes, chat_id=STAFF_CHAT, user_id=10)
    assert await rt(bot).visits.count() == 1
    saved = await press(bot, yes)
    assert "Визит #2 записан" in texts(saved)
    again = await press(bot, yes)  # a double tap: the same visit, not a third
    assert "уже записан: #2" in texts(again)
    assert await rt(bot).visits.count() == 2
    third = await staff(bot, LINE)
    cancel = next(d for d in buttons(third) if d.startswith("vd:") and d.endswith(":n"))
    assert "Не сохранено" in texts(await press(bot, cancel))
    assert await rt(bot).visits.count() == 2
    # a forged token is refused without a crash
    calls = await press(bot, "vd:AAAAAAAA:y")
    assert calls[0].method == "answerCallbackQuery"
    # a deleted visit is not a duplicate; another date is not either
    assert "записан" in texts(await staff(bot, LINE.replace("12.08.2023", "13.08.2023")))
