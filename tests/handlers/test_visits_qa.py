"""QA findings on the visit register: duplicates, stale forms, wording (bot/handlers/visits.py)."""

from __future__ import annotations

from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.test_visits import STAFF_CHAT, bot, buttons, fill_form, press, rt, staff, texts

__all__ = ["bot"]  # the fixture, imported for these tests

LINE = "/visit Райсио; 12.08.2023-15.08.2023; out; официальная; 5; День города Райсио"


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


async def test_the_form_warns_about_a_similar_visit_on_save(bot: Harness) -> None:
    await staff(bot, "/visit Нарва; 05.06.2024; in; official; 3; Переговоры")
    form = await fill_form(bot)
    warned = await press(bot, f"vf:{form}:save")
    assert "Похожий визит уже записан: #1" in texts(warned)
    assert f"vf:{form}:sa" in buttons(warned) and f"vf:{form}:x" in buttons(warned)
    assert await rt(bot).visits.count() == 1
    saved = await press(bot, f"vf:{form}:sa")
    assert "Визит #2 записан" in texts(saved)
    assert "уже записан: #2" in str(await press(bot, f"vf:{form}:sa"))
    assert await rt(bot).visits.count() == 2
    form = await fill_form(bot)
    await press(bot, f"vf:{form}:save")
    assert "отменена" in texts(await press(bot, f"vf:{form}:x"))
    assert await rt(bot).visits.count() == 2


async def test_history_names_the_people_who_acted(bot: Harness) -> None:
    await staff(bot, "/visit Нарва; 05.06.2024; in; official; 3; Переговоры")
    history = texts(await staff(bot, "/history 1"))
    assert f"Anna ({ADMIN_ID})" in history and f"id {ADMIN_ID}" not in history
    assert (await rt(bot).staff.names())[ADMIN_ID] == "Anna"
