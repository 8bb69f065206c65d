"""`/visit TOWN; DATE; ...` in one message (bot/handlers/visits/one_line.py): the card, every bad
field named, idempotency per message, "save anyway?", and a town guessed from a typo or with a close
neighbour confirmed before it is saved.
"""

from __future__ import annotations

import copy
from datetime import date

from bot.core.visits import parse_one_line
from tests.handlers.conftest import ADMIN_ID, Call, Harness
from tests.handlers.visits.conftest import (
    STAFF_CHAT,
    buttons,
    form_id,
    press,
    rt,
    staff,
    texts,
)

LINE = "/visit Райсио; 12.08.2023-15.08.2023; out; официальная; 5; День города Райсио"


async def test_one_line_records_and_answers_with_the_card(bot: Harness) -> None:
    # an exact town with no close neighbour is saved at once
    calls = await staff(bot, "/visit Нарвик; 05.06.2024-07.06.2024; приезд; молодёжная; 12; Летний лагерь")
    text = texts(calls)
    assert "Визит #1 записан" in text and "Летний лагерь" in text and "молодёжная" in text
    assert buttons(calls)[:2] == ["vc:1:1:e", "vc:1:1:d"]
    # Latin arguments in a Russian chat (the bot's own hint spells "in; official"): still Russian
    latin = await staff(bot, "/visit Нарвик; 1.6.24; in; official; 3; x")
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
    message = bot.message("/visit Нарвик; 05.06.2024; in; official; 3; Переговоры", STAFF_CHAT, ADMIN_ID)
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


def waiting_buttons(calls: list[Call]) -> dict[str, str]:
    """The buttons of a one-line visit waiting for its town to be confirmed, by action (s, e, n)."""
    return {data.rsplit(":", 1)[1]: data for data in buttons(calls) if data.startswith("vd:")}


NARVA = "/visit Нарва; 05.06.2024; in; official; 3; Переговоры"


async def test_a_town_with_a_close_neighbour_is_confirmed_before_saving(bot: Harness) -> None:
    check = await staff(bot, NARVA)
    text = texts(check)
    assert "Есть похожий город-партнёр: Нарва-Йыэсуу" in text and "с городом <b>Нарва</b>" in text
    assert "Проверьте визит" in text and "Переговоры" in text and "я понял как" not in text
    assert set(waiting_buttons(check)) == {"s", "e", "n"}
    assert await rt(bot).visits.count() == 0  # nothing saved silently
    # a resident pressing it (a forwarded card) is refused; nothing is written
    await bot.press(waiting_buttons(check)["s"], chat_id=STAFF_CHAT, user_id=10)
    assert await rt(bot).visits.count() == 0
    saved = await press(bot, waiting_buttons(check)["s"])
    assert [call.method for call in saved] == ["answerCallbackQuery", "editMessageText"]  # the card in place
    assert "Визит #1 записан" in texts(saved)
    visit = await rt(bot).visits.get(1)
    assert visit is not None and visit.town_key == "narva" and visit.purpose == "Переговоры"
    # the same press delivered twice (the same update), then again as a new update: still one visit
    query = {
        "update_id": 777,
        "callback_query": {
            "id": "q-777",
            "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Anna"},
            "chat_instance": "ci",
            "data": waiting_buttons(check)["s"],
            "message": {"message_id": 1, "date": 0, "chat": {"id": STAFF_CHAT, "type": "private"}},
        },
    }
    first = await bot.feed(copy.deepcopy(query))
    assert await bot.feed(copy.deepcopy(query)) == []  # the update id was seen: dropped
    assert "уже записан: #1" in str(first)
    query["update_id"] = 778
    assert "уже записан: #1" in str(await bot.feed(query))
    assert await rt(bot).visits.count() == 1
    # the longer name has the shorter one for a neighbour too; in English
    await rt(bot).preferences.set_language(STAFF_CHAT, "en")
    english = await staff(bot, "/visit Narva-Jõesuu; 5 June 2024; in; official; 3; Talks")
    assert "A partner town has a similar name: Narva. Check that the visit is with <b>Narva-Jõesuu</b>" in (
        texts(english)
    )


async def test_a_town_guessed_from_a_typo_is_confirmed(bot: Harness) -> None:
    check = await staff(bot, "/visit Нарвиик; 05.06.2024; in; official; 3; Переговоры")
    text = texts(check)
    assert "«Нарвиик» я понял как <b>Нарвик</b>" in text and "похожий город" not in text
    assert await rt(bot).visits.count() == 0
    cancelled = await press(bot, waiting_buttons(check)["n"])
    assert "Не сохранено" in texts(cancelled)
    stale = await press(bot, waiting_buttons(check)["s"])  # the cancelled card's Save
    assert [call.method for call in stale] == ["answerCallbackQuery"]
    assert "уже не действует" in stale[0].params["text"]
    assert await rt(bot).visits.count() == 0
    # forged data: a polite answer, nothing written, no crash
    for forged in ("vd:AAAAAAAA:s", "vd:AAAAAAAA:e", "vd:bad:s", "vd:AAAAAAAA:zz"):
        calls = await press(bot, forged)
        assert [call.method for call in calls] == ["answerCallbackQuery"], forged
        assert "ничего не изменено" in calls[0].params["text"], forged
    assert await rt(bot).visits.count() == 0


async def test_edit_on_a_waiting_card_opens_the_form_with_the_visit(bot: Harness) -> None:
    check = await staff(bot, NARVA)
    menu = await press(bot, waiting_buttons(check)["e"])
    assert "Что изменить?" in texts(menu) and "Переговоры" in texts(menu)
    form = form_id(menu)
    await press(bot, f"vf:{form}:f:town")
    confirm = await press(bot, f"vf:{form}:t:narva_joesuu")
    assert "Проверьте визит" in texts(confirm) and "Нарва-Йыэсуу" in texts(confirm)
    assert "Визит #1 записан" in texts(await press(bot, f"vf:{form}:save"))
    visit = await rt(bot).visits.get(1)
    assert visit is not None and (visit.town_key, visit.purpose) == ("narva_joesuu", "Переговоры")
    # the waiting card's buttons are stale now: its Save does not write a second visit
    assert "уже не действует" in (await press(bot, waiting_buttons(check)["s"]))[0].params["text"]
    assert await rt(bot).visits.count() == 1


async def test_a_waiting_card_while_a_form_is_open(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit"))
    check = await staff(bot, NARVA)  # a one-line /visit inside the form
    edit = await press(bot, waiting_buttons(check)["e"])
    assert "Сначала закончите или отмените" in edit[0].params["text"]
    assert "Визит #1 записан" in texts(await press(bot, waiting_buttons(check)["s"]))
    assert "шаг 2 из 8" in texts(await press(bot, f"vf:{form}:t:raisio"))  # the form went on untouched


async def test_a_confirmed_town_still_asks_about_a_similar_visit(bot: Harness) -> None:
    await rt(bot).visits.record(
        parse_one_line(NARVA.removeprefix("/visit "), rt(bot).directory, date(2026, 11, 26)), ADMIN_ID, "k"
    )
    check = await staff(bot, NARVA)
    similar = await press(bot, waiting_buttons(check)["s"])
    assert "Похожий визит уже записан: #1" in texts(similar) and await rt(bot).visits.count() == 1
    anyway = next(data for data in buttons(similar) if data.endswith(":y"))
    assert "Визит #2 записан" in texts(await press(bot, anyway))


async def test_the_same_waiting_message_delivered_twice_saves_once(bot: Harness) -> None:
    message = bot.message(NARVA, STAFF_CHAT, ADMIN_ID)
    first = await bot.feed({"message": copy.deepcopy(message)})
    second = await bot.feed({"message": copy.deepcopy(message)})  # redelivered before Save: asks again
    await press(bot, waiting_buttons(first)["s"])
    assert "уже записан: #1" in texts(await press(bot, waiting_buttons(second)["s"]))
    third = await bot.feed({"message": copy.deepcopy(message)})  # after Save: the saved card
    assert "уже записан: #1" in texts(third) and not waiting_buttons(third)
    assert await rt(bot).visits.count() == 1
