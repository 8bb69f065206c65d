"""/visits and /history (bot/handlers/visits/register.py), and what residents see of the register."""

from __future__ import annotations

import re
from datetime import date

from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import (
    GROUP,
    RESIDENT,
    STAFF_CHAT,
    buttons,
    press,
    record,
    rt,
    staff,
    texts,
)


async def test_visits_list_is_paged_newest_first(bot: Harness) -> None:
    for day in range(1, 24):
        await record(bot, start=date(2024, 1, day), purpose=f"Визит {day}")
    await record(bot, town_key="raisio", start=date(2023, 5, 5), purpose="Райсио")
    first = await staff(bot, "/visits Нарва")
    text = texts(first)
    assert "Нарва" in text and "— 23" in text and "Страница 1 из 3" in text
    assert text.index("#23") < text.index("#22")  # newest first
    assert "Райсио" not in text
    data = buttons(first)
    assert data[0].startswith("vc:23:1:o")
    nav = [d for d in data if d.startswith("vs:")]
    assert len(nav) == 1 and re.fullmatch(r"vs:\d+:1:[0-9a-f]{12}", nav[0]), nav
    second = await press(bot, nav[0])
    assert "Страница 2 из 3" in texts(second) and "#13" in texts(second)
    opened = await press(bot, "vc:23:1:o")
    assert "Визит #23" in texts(opened)
    # the register changed after the list was shown: the press says so, and shows the current list
    await record(bot, start=date(2024, 2, 1))
    changed = await press(bot, nav[0])
    assert changed[0].params.get("text", "").startswith("Реестр изменился")
    assert "— 24" in texts(changed)
    assert "— 1." in texts(await staff(bot, "/visits 2023"))
    assert "Райсио" in texts(await staff(bot, "/visits Raisio 2023"))
    assert "Визитов · Райсио · 2022 в реестре нет" in texts(await staff(bot, "/visits Raisio 2022"))
    assert "Год — от 1950 до 2028" in texts(await staff(bot, "/visits 1800"))
    assert "Год — от 1950 до 2028" in texts(await staff(bot, "/visits 2029"))
    assert "Не понял: «Атлантида»" in texts(await staff(bot, "/visits Атлантида"))
    # a typo is read as the town it is close to, and the header says which town was read
    assert texts(await staff(bot, "/visits Нарвв")).startswith("<b>Визиты</b> · Нарва — 24.")


async def test_history_needs_a_number(bot: Harness) -> None:
    assert "номер визита" in texts(await staff(bot, "/history"))
    assert "номер визита" in texts(await staff(bot, "/history abc"))
    assert "Визита #5 нет" in texts(await staff(bot, "/history 5"))
    visit_id = await record(bot)
    history = texts(await staff(bot, f"/history #{visit_id}"))
    # the audit stamp is the bot's clock, shown in local time: the harness stands at 26.11.2026 12:00
    assert "26.11.2026 12:00 — записан" in history and f"id {ADMIN_ID}" in history
    # notes are staff-only, but not for a group with residents in it
    assert "секрет" in history
    assert "секрет" not in texts(await staff(bot, f"/history {visit_id}", GROUP))
    # digits that are not ASCII (int("²") fails) and numbers too long are not visit numbers
    for odd in ("²", "١٢", "0", "01", "1" * 13, "-1"):
        assert "номер визита" in texts(await staff(bot, f"/history {odd}")), odd


async def test_history_names_the_people_who_acted(bot: Harness) -> None:
    await staff(bot, "/visit Нарвик; 05.06.2024; in; official; 3; Переговоры")
    history = texts(await staff(bot, "/history 1"))
    assert f"Anna ({ADMIN_ID})" in history and f"id {ADMIN_ID}" not in history
    assert (await rt(bot).staff.names())[ADMIN_ID] == "Anna"


async def test_english_staff_get_english_dates(bot: Harness) -> None:
    await rt(bot).preferences.set_language(STAFF_CHAT, "en")
    visit_id = await record(bot, start=date(2024, 6, 5))
    listing = await staff(bot, "/visits")
    labels = [
        b["text"] for call in listing for row in call.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert f"#{visit_id} · 2024-06-05 · Narva" in labels
    history = texts(await staff(bot, f"/history {visit_id}"))
    assert re.search(r"• 20\d\d-\d\d-\d\d \d\d:\d\d — recorded", history), history
    await rt(bot).preferences.set_language(STAFF_CHAT, "ru")
    listing = await staff(bot, "/visits")
    assert f"#{visit_id} · 05.06.24 · Нарва" in str(listing[0].params["reply_markup"])


async def test_residents_see_past_visits_without_notes(bot: Harness) -> None:
    await record(bot, start=date(2025, 9, 1), purpose="Фестиваль <b>дружбы</b>", notes="ТОЛЬКО СВОИМ")
    await record(bot, start=date(2027, 1, 10), purpose="Будущий визит")
    card = texts(await bot.say("/town Нарва", chat_id=RESIDENT))
    assert "Последние визиты" in card and "1 сентября 2025" in card
    assert "Фестиваль &lt;b&gt;дружбы&lt;/b&gt;" in card
    assert "ТОЛЬКО СВОИМ" not in card and "Будущий визит" not in card
    answer = texts(await bot.say("когда приезжала последняя делегация из Нарвы?", chat_id=RESIDENT))
    assert "1 сентября 2025" in answer and "приезд в Кингисепп" in answer and "ТОЛЬКО" not in answer
    english = texts(await bot.say("last delegation from Narva", chat_id=RESIDENT))
    assert "1 September 2025" in english and "a visit to Kingisepp" in english
    assert "youth delegation" in english
    nothing = texts(await bot.say("last delegation from Raisio", chat_id=RESIDENT))
    assert "no delegation visits" in nothing.lower()
