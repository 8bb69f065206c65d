"""The guided form never loses work (bot/handlers/visits/form.py): every answer, typed or pressed, is
echoed as the form understood it, and a cancel that would throw away more than two steps asks once."""

from __future__ import annotations

import copy

from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import (
    STAFF_CHAT,
    buttons,
    fill_form,
    form_id,
    press,
    record,
    rt,
    staff,
    texts,
)


async def test_typed_answers_are_echoed_as_understood(bot: Harness) -> None:
    await staff(bot, "/visit")
    # the fixed clock stands at 26 November 2026: "5 июня" is this year's
    expected = [
        ("Narwa", "✓ Город: <b>Нарва</b>", "шаг 2 из 8"),  # a typo, read as the partner
        ("приезд", "✓ Направление: <b>к нам, в Кингисепп</b>", "шаг 3 из 8"),
        ("5 июня", "✓ Дата начала: <b>5 июня 2026</b>", "шаг 4 из 8"),
        ("7.6.2026", "✓ Дата окончания: <b>7 июня 2026</b>", "шаг 5 из 8"),
        ("культурная", "✓ Тип делегации: <b>культурная</b>", "шаг 6 из 8"),
        ("12", "✓ Участников: <b>12</b>", "шаг 7 из 8"),
        ("Фестиваль <хоров>", "✓ Цель: <b>Фестиваль &lt;хоров&gt;</b>", "шаг 8 из 8"),
        ("нет", "✓ Заметки: <b>Без заметок</b>", "Проверьте визит"),  # typed "no", as its button
    ]
    for typed, echo, then in expected:
        text = texts(await staff(bot, typed))
        assert text.startswith(echo) and then in text, (typed, text)
    # a range typed at the start date is echoed whole
    await cancel(bot)
    form = form_id(await staff(bot, "/visit Нарвик"))
    await press(bot, f"vf:{form}:d:out")
    assert texts(await staff(bot, "5-7 июня 2024")).startswith("✓ Даты: <b>5–7 июня 2024 (3 дня)</b>")


async def test_a_typed_answer_and_a_pressed_one_echo_alike(bot: Harness) -> None:
    pressed_form = form_id(await staff(bot, "/visit Нарва"))
    pressed = texts(await press(bot, f"vf:{pressed_form}:d:in"))
    await cancel(bot)
    await staff(bot, "/visit Нарва")
    typed = texts(await staff(bot, "к нам"))
    assert pressed.splitlines()[0] == typed.splitlines()[0] == "✓ Направление: <b>к нам, в Кингисепп</b>"
    # a start date pressed (Today) reads as a typed one does
    await cancel(bot)
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    today = texts(await press(bot, f"vf:{form}:day:0"))
    assert today.startswith("✓ Дата начала: <b>26 ноября 2026</b>"), today
    # a step skipped, by its button or typed, reads as the button says
    for skip in ("button", "не знаю"):
        await cancel(bot)
        form = form_id(await staff(bot, "/visit Нарвик"))
        await press(bot, f"vf:{form}:d:in")
        await staff(bot, "05.06.2025")
        await press(bot, f"vf:{form}:s")
        await press(bot, f"vf:{form}:k:youth")
        answer = await press(bot, f"vf:{form}:s") if skip == "button" else await staff(bot, skip)
        assert texts(answer).startswith("✓ Участников: <b>Не знаю</b>"), skip


async def cancel(bot: Harness) -> None:
    """/cancel, and Yes when it asks."""
    asked = await staff(bot, "/cancel")
    yes = [data for data in buttons(asked) if data.endswith(":xy")]
    if yes:
        await press(bot, yes[0])


async def test_typed_answers_are_echoed_in_english(bot: Harness) -> None:
    await rt(bot).preferences.set_language(STAFF_CHAT, "en")
    form = form_id(await staff(bot, "/visit Raisio"))
    await press(bot, f"vf:{form}:d:out")
    assert texts(await staff(bot, "5 June")).startswith("✓ First day: <b>5 June 2026</b>")
    assert texts(await staff(bot, "skip")).startswith("✓ Last day: <b>one day</b>")  # as its button
    assert texts(await staff(bot, "sports")).startswith("✓ Delegation type: <b>sports</b>")


async def test_cancel_with_two_steps_or_fewer_is_at_once(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit"))
    await press(bot, f"vf:{form}:t:narva")
    await press(bot, f"vf:{form}:d:in")  # two steps filled
    assert "отменена" in texts(await staff(bot, "/cancel"))
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    assert "отменена" in texts(await press(bot, f"vf:{form}:x"))  # the button, the same
    # changing one field of a saved visit loses nothing saved: at once too
    visit_id = await record(bot)
    await press(bot, f"vc:{visit_id}:1:e")
    await press(bot, f"vc:{visit_id}:1:ef:people")
    assert "отменена" in texts(await staff(bot, "/cancel"))
    assert await rt(bot).visits.count() == 1


async def test_cancel_past_two_steps_asks_once_and_no_loses_nothing(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    await staff(bot, "05.06.2024-07.06.2024")
    await press(bot, f"vf:{form}:k:youth")  # town, direction, dates, type: at "people", step 6
    asked = await staff(bot, "/cancel")
    assert "Отменить заполнение? Заполнено шагов: 5" in texts(asked)  # the range filled the end too
    assert buttons(asked) == [f"vf:{form}:xy", f"vf:{form}:xn"]
    back = await press(bot, f"vf:{form}:xn")
    assert [call.method for call in back] == ["answerCallbackQuery", "editMessageText"]
    assert "шаг 6 из 8" in texts(back) and "Сколько человек" in texts(back)
    # an answer typed instead of "No" goes on with the form, with nothing lost
    await staff(bot, "/cancel")
    await staff(bot, "12")
    await staff(bot, "Лагерь")
    confirm = texts(await press(bot, f"vf:{form}:s"))
    assert "Нарва" in confirm and "5–7 июня 2024" in confirm and "молодёжная" in confirm and "12" in confirm
    # the card's Cancel asks too; Yes throws the form away
    asked = await press(bot, f"vf:{form}:x")
    assert "Заполнено шагов: 8" in texts(asked)
    assert "отменена" in texts(await press(bot, f"vf:{form}:xy"))
    assert "уже закрыта" in (await press(bot, f"vf:{form}:xy"))[0].params["text"]  # pressed again
    assert "Нарва" in texts(await staff(bot, "где Нарва"))  # free text is a question again
    assert await rt(bot).visits.count() == 0


async def test_a_redelivered_cancel_does_not_ask_twice(bot: Harness) -> None:
    form = await fill_form(bot)
    message = bot.message("/cancel", STAFF_CHAT, ADMIN_ID)
    assert "Заполнено шагов: 8" in texts(await bot.feed({"message": copy.deepcopy(message)}))
    assert await bot.feed({"message": copy.deepcopy(message)}) == []  # after a crash, a new update id
    assert "Визит #1 записан" in texts(await press(bot, f"vf:{form}:save"))  # the form is still whole
