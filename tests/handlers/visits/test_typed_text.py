"""Control characters and invisible-only text in every stored text a staff member types: the one-line
/visit, the guided form and /townday refuse them politely, name the field, and write nothing."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import form_id, press, staff, texts


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


async def test_one_line_visit_with_a_nul_in_the_purpose_names_the_field(bot: Harness) -> None:
    text = texts(await staff(bot, "/visit Нарва; 05.06.2024; in; official; 3; Пере\x00говоры"))
    assert "<b>Цель</b>" in text and "в поле «Цель» есть невидимый управляющий символ (U+0000)" in text
    assert "\x00" not in text
    assert await rt(bot).visits.count() == 0


async def test_one_line_visit_with_an_invisible_purpose_counts_as_empty(bot: Harness) -> None:
    text = texts(await staff(bot, "/visit Нарва; 05.06.2024; in; official; 3; \u200b\u200b\ufeff"))
    assert "напишите цель визита" in text
    assert await rt(bot).visits.count() == 0


async def test_the_guided_form_refuses_controls_and_invisible_text(bot: Harness) -> None:
    await staff(bot, "/visit")  # the form opens at the town step
    refused = texts(await staff(bot, "Нар\x1bва"))
    assert "в поле «Город» есть невидимый управляющий символ (U+001B)" in refused
    form = form_id(await staff(bot, "Нарва"))
    await press(bot, f"vf:{form}:d:in")
    await staff(bot, "05.06.2024")
    await press(bot, f"vf:{form}:s")
    await press(bot, f"vf:{form}:k:official")
    await staff(bot, "3")
    assert "напишите цель визита" in texts(await staff(bot, "\u200b \u2060"))
    assert "в поле «Цель» есть невидимый управляющий символ (U+0085)" in texts(
        await staff(bot, "Вст\x85реча")
    )
    await staff(bot, "Встреча")
    notes = texts(await staff(bot, "стр\x07ока"))
    assert "в поле «Заметки» есть невидимый управляющий символ (U+0007)" in notes
    confirm = texts(await staff(bot, "первая строка\nвторая\tстрока"))  # several lines: allowed
    assert "Проверьте визит" in confirm
    assert await rt(bot).visits.count() == 0


async def test_townday_with_a_control_character_writes_nothing(harness: Harness) -> None:
    (call,) = await harness.say("/townday Райсио последние\x00 выходные августа", chat_id=ADMIN_ID)
    assert "невидимый управляющий символ (U+0000)" in call.params["text"]
    assert "raisio" not in await rt(harness).calendar.town_days()
