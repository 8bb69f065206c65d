"""Finding visits from the chat: /visits with filters, /find, their page buttons, and staff questions
about the register (bot/handlers/visits/register.py); residents get what they got before."""

from __future__ import annotations

import re
from datetime import date

from bot.core.visits import DelegationType, Direction
from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import (
    GROUP,
    RESIDENT,
    STAFF_CHAT,
    buttons,
    office_chat,
    press,
    record,
    rt,
    staff,
    texts,
)


async def fill_register(bot: Harness) -> dict[str, int]:
    return {
        "summer": await record(bot, start=date(2025, 7, 1), purpose="Фестиваль «Белые ночи»"),
        "june_out": await record(
            bot, start=date(2025, 6, 10), direction=Direction.OUTGOING, kind=DelegationType.OFFICIAL
        ),
        "narvik": await record(
            bot, town_key="narvik", start=date(2024, 5, 5), direction=Direction.OUTGOING, purpose="Переговоры"
        ),
        "johvi": await record(
            bot, town_key="johvi", start=date(2025, 12, 1), purpose="Ёлка", notes="ФЕСТИВАЛЬ света"
        ),
    }


async def test_visits_filters_as_staff_type_them(bot: Harness) -> None:
    ids = await fill_register(bot)
    year = texts(await staff(bot, "/visits 2025"))
    assert "<b>Визиты</b> · 2025 — 3." in year and f"#{ids['narvik']}" not in year
    youth_in = texts(await staff(bot, "/visits молодёжь входящие"))
    assert "· 🛬 к нам · молодёжная — 2." in youth_in and f"#{ids['june_out']}" not in youth_in
    period = texts(await staff(bot, "/visits 01.05.2025-31.08.2025"))
    assert period.startswith("<b>Визиты</b> · 1 мая 2025 – 31 августа 2025 — 2.")
    assert f"#{ids['summer']}" in period and f"#{ids['june_out']}" in period
    narva_summer = texts(await staff(bot, "/visits Нарва лето 2025"))
    assert "Нарва" in narva_summer and "— 2." in narva_summer
    assert f"#{ids['johvi']}" not in narva_summer
    estonia = texts(await staff(bot, "/visits Эстония"))
    assert "— 3." in estonia and f"#{ids['narvik']}" not in estonia
    narvik = texts(await staff(bot, "/visits Narvik outgoing"))
    assert narvik.startswith("<b>Визиты</b> · Нарвик · 🛫 от нас — 1.")
    # a search in the purpose and the notes, any case, ё as е
    found = texts(await staff(bot, "/visits найти фестиваль"))
    assert f"#{ids['summer']}" in found and f"#{ids['johvi']}" in found and "— 2." in found
    assert texts(await staff(bot, "/find ЕЛКА")).count("#") == 1
    assert f"#{ids['johvi']}" in texts(await staff(bot, "/find ёлка"))
    nothing = texts(await staff(bot, "/find подводная лодка"))
    assert nothing == "Визитов · 🔎 «подводн… лодк…» в реестре нет. Записать: /visit"


async def test_english_filters_and_answers(bot: Harness) -> None:
    await rt(bot).preferences.set_language(STAFF_CHAT, "en")
    await fill_register(bot)
    listing = texts(await staff(bot, "/visits Narva summer 2025 incoming"))
    assert listing.startswith("<b>Visits</b> · Narva · 🛬") and ": 1. Page 1 of 1" in listing
    unknown = texts(await staff(bot, "/visits Narva purple"))
    assert "I did not understand: “purple”." in unknown
    assert "I did not understand" not in texts(await staff(bot, "/visits find festival"))


async def test_bad_input_gets_a_polite_message(bot: Harness) -> None:
    await fill_register(bot)
    assert "Визиты" in texts(await staff(bot, "/visits"))  # empty: everything, as before
    assert "Что искать?" in texts(await staff(bot, "/find"))
    assert "Что искать?" in texts(await staff(bot, "/visits Нарва найти"))
    long = texts(await staff(bot, "/visits " + "Нарва " * 700))
    assert "Слишком длинный запрос: 4199 знаков, можно до 300" in long
    long_find = texts(await staff(bot, "/find " + "ф" * 4000))
    assert "Слишком длинный запрос: 4000 знаков" in long_find
    html = texts(await staff(bot, "/visits <i>Нарва</i> & <script>"))
    assert html.startswith("Не понял: «&amp;», «&lt;script&gt;».")  # "<i>Нарва</i>" is read as Нарва
    assert "<script>" not in html and "<i>" not in html
    reversed_range = texts(await staff(bot, "/visits 31.08.2025-01.05.2025"))
    assert (
        "Не могу показать визиты" in reversed_range and "дата окончания раньше даты начала" in reversed_range
    )
    assert "Год — от 1950 до 2028" in texts(await staff(bot, "/visits 2031"))
    future = texts(await staff(bot, "/visits 01.01.2030-31.12.2030"))
    assert "больше чем на 2 года вперёд" in future
    planned = texts(await staff(bot, "/visits 01.01.2027-31.12.2027"))
    assert "в реестре нет" in planned  # a planned period within range is just empty
    assert "Назовите один период" in texts(await staff(bot, "/visits 2024 2025"))


async def test_pages_of_a_search_and_forged_buttons(bot: Harness) -> None:
    for day in range(1, 25):
        await record(bot, start=date(2025, 3, day), purpose=f"Фестиваль {day}")
    await record(bot, start=date(2025, 3, 28), purpose="Переговоры")
    first = await staff(bot, "/find фестиваль")
    assert "— 24. Страница 1 из 3" in texts(first)
    nav = [data for data in buttons(first) if data.startswith("vs:")]
    assert len(nav) == 1 and all(len(data.encode()) <= 64 for data in buttons(first))
    second = await press(bot, nav[0])
    assert "Страница 2 из 3" in texts(second) and "Переговоры" not in texts(second)
    back_and_forth = [data for data in buttons(second) if data.startswith("vs:")]
    assert len(back_and_forth) == 2
    # another staff member in the office chat can page on: the filter is kept in the file, not per user
    office_chat(bot, GROUP)
    other_page = await bot.press(nav[0], chat_id=GROUP, user_id=ADMIN_ID)
    assert "Страница 2 из 3" in texts(other_page)
    # a page past the end shows the last one
    generation, _, token = nav[0].split(":")[1:]
    last = await press(bot, f"vs:{generation}:99999:{token}")
    assert "Страница 3 из 3" in texts(last)
    # forged: an unknown token, a malformed one, a page number too long
    expired = await press(bot, f"vs:{generation}:1:{'0' * 12}")
    assert "Этот список больше не открыть" in expired[0].params["text"]
    for forged in (f"vs:{generation}:1:{token[:-1]}", f"vs:{generation}:123456:{token}", "vs:x:1:y", "vs:"):
        answer = await press(bot, forged)
        assert answer[0].params["text"].startswith("Не понимаю эту кнопку"), forged
        assert len(answer) == 1  # nothing else was sent or edited
    # old town/year buttons still page
    old = await press(bot, "vl:0:1:narva:2025")
    assert "Страница 2 из 3" in texts(old)
    # a resident pressing a page button is refused and sees no register data
    refused = await bot.press(nav[0], chat_id=RESIDENT, user_id=RESIDENT)
    assert "Фестиваль" not in str(refused[0].params)


async def test_residents_and_groups_get_no_register_lists(bot: Harness) -> None:
    await fill_register(bot)
    refused = texts(await bot.say("/visits 2025", chat_id=RESIDENT))
    assert "Фестиваль" not in refused and "#" not in refused
    assert "Фестиваль" not in texts(await bot.say("/find фестиваль", chat_id=RESIDENT))
    assert "Фестиваль" not in texts(await staff(bot, "/find фестиваль", GROUP))


async def test_staff_questions_are_answered_from_the_register(bot: Harness) -> None:
    ids = await fill_register(bot)
    answer = await staff(bot, "сколько делегаций было в 2025")
    text = texts(answer)
    assert text.startswith("<b>3</b> визита · 2025 в реестре.")
    assert "Приезд к нам: 2, наши поездки: 1. Участников: 36." in text
    assert "По городам: Нарва 2, Йыхви 1." in text
    assert f"#{ids['johvi']}" in text and "секрет" not in text
    assert buttons(answer) == []  # three visits: all listed, no "all" button
    summer = texts(await staff(bot, "кто приезжал из Нарвы летом 2025"))
    assert summer.startswith("<b>1</b> визит · Нарва · 🛬 к нам · 1 июня 2025 – 31 августа 2025 в реестре.")
    assert f"#{ids['summer']}" in summer and "Приезд к нам: 1, наши поездки: 0. Участников: 12." in summer
    # the question's language is the language of the answer
    english = texts(await staff(bot, "how many visits to Narvik in 2024"))
    assert english.startswith("<b>1</b> visit · Narvik · 🛫 from us · 2024 in the register.")
    assert "To us: 0, our trips: 1. People: 12." in english and "Latest:" in english
    nothing = texts(await staff(bot, "how many visits to Narvik in 2025"))
    assert nothing == "No visits · Narvik · 🛫 from us · 2025 in the register."
    assert "Год — от 1950 до 2028" in texts(await staff(bot, "сколько делегаций было в 2035"))
    # not a register question: the residents' engine answers, as for everyone
    engine = texts(await staff(bot, "сколько лет дружбе с Нарвой"))
    assert "в реестре" not in engine


async def test_a_long_answer_offers_the_whole_list(bot: Harness) -> None:
    for day in range(1, 13):
        await record(bot, start=date(2025, 4, day))
    answer = await staff(bot, "сколько визитов из Нарвы в 2025")
    assert "<b>12</b> визитов" in texts(answer) and texts(answer).count("<b>#") == 5
    (more,) = buttons(answer)
    assert re.fullmatch(r"vs:\d+:0:[0-9a-f]{12}", more)
    listing = await press(bot, more)
    assert "— 12. Страница 1 из 2" in texts(listing)


async def test_residents_never_get_register_answers(bot: Harness) -> None:
    await fill_register(bot)
    for question in (
        "сколько делегаций было в 2025",
        "кто приезжал из Нарвы летом 2025",
        "how many visits in 2025",
    ):
        answer = texts(await bot.say(question, chat_id=RESIDENT))
        assert "в реестре" not in answer and "in the register" not in answer, question
        assert "Участников" not in answer and "People:" not in answer
    # staff in a group with residents: no register data there either
    in_group = texts(await staff(bot, "сколько делегаций было в 2025", GROUP))
    assert "в реестре" not in in_group
