"""A saved visit's card (bot/handlers/visits/card.py): edit a field, delete, undo, stale and forged
presses.
"""

from __future__ import annotations

from datetime import date

from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import (
    RESIDENT,
    buttons,
    card_button,
    form_id,
    press,
    record,
    rt,
    staff,
    texts,
)


async def test_edit_a_saved_visit_with_audit(bot: Harness) -> None:
    visit_id = await record(bot)
    menu = await press(bot, f"vc:{visit_id}:1:e")
    assert f"vc:{visit_id}:1:ef:people" in buttons(menu)
    prompt = await press(bot, f"vc:{visit_id}:1:ef:people")
    assert f"Визит #{visit_id}" in texts(prompt) and "Сейчас: 12" in texts(prompt)
    assert "от 1 до 10000" in texts(await staff(bot, "0"))
    done = await staff(bot, "20")
    assert "изменено поле «Участников»" in texts(done) and "Участников: 20" in texts(done)
    assert card_button(done, "e") == f"vc:{visit_id}:2:e"
    question = await press(bot, f"vc:{visit_id}:2:ef:direction")
    done = await press(bot, f"vf:{form_id(question)}:d:out")
    assert "изменено поле «Направление»" in texts(done) and "от нас, из Кингисеппа" in texts(done)
    history = texts(await staff(bot, f"/history {visit_id}"))
    assert "История визита" in history and "12 → 20" in history
    assert "к нам, в Кингисепп → от нас, из Кингисеппа" in history
    assert history.count("изменён") == 2 and "записан" in history
    assert [e.action for e in await rt(bot).visits.history(visit_id)] == ["update", "update", "create"]


async def test_edit_dates_of_a_saved_visit(bot: Harness) -> None:
    visit_id = await record(bot)
    await press(bot, f"vc:{visit_id}:1:ef:dates")
    done = await staff(bot, "01.06.2024-03.06.2024")
    assert "1–3 июня 2024" in texts(done)
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and (visit.start, visit.end) == (date(2024, 6, 1), date(2024, 6, 3))


async def test_delete_with_confirmation_and_undo(bot: Harness) -> None:
    visit_id = await record(bot, purpose="Видно жителям")
    assert "Видно жителям" in texts(await bot.say("/town Нарва", chat_id=RESIDENT))
    ask = await press(bot, f"vc:{visit_id}:1:d")
    assert f"Удалить визит #{visit_id}?" in texts(ask)
    assert buttons(ask) == [f"vc:{visit_id}:1:dy", f"vc:{visit_id}:1:b"]
    deleted = await press(bot, f"vc:{visit_id}:1:dy")
    assert "удалён" in texts(deleted) and buttons(deleted)[0] == f"vc:{visit_id}:2:u"
    assert await rt(bot).visits.count() == 0
    assert "Видно жителям" not in texts(await bot.say("/town Нарва", chat_id=RESIDENT))
    again = await press(bot, f"vc:{visit_id}:1:dy")  # a double tap
    assert "устарела" in again[0].params["text"]
    restored = await press(bot, f"vc:{visit_id}:2:u")
    assert "возвращён" in texts(restored) and await rt(bot).visits.count() == 1
    assert "Видно жителям" in texts(await bot.say("/town Нарва", chat_id=RESIDENT))
    assert [e.action for e in await rt(bot).visits.history(visit_id)] == ["restore", "delete", "create"]


async def test_stale_and_forged_card_buttons_change_nothing(bot: Harness) -> None:
    visit_id = await record(bot)
    await rt(bot).visits.update(visit_id, {"people": 30}, ADMIN_ID)
    stale = await press(bot, f"vc:{visit_id}:1:dy")
    assert "устарела" in stale[0].params["text"]
    assert "Участников: 30" in texts(stale)  # the current card is shown
    assert not (await rt(bot).visits.get(visit_id)).deleted  # type: ignore[union-attr]
    stale_edit = await press(bot, f"vc:{visit_id}:1:ef:notes")
    assert "устарела" in stale_edit[0].params["text"]
    for forged in (
        "vc:abc",
        f"vc:{visit_id}:2:zz",
        "vc:1:2:ef:../../etc",
        "vl:x",
        "vl:1:0:atlantis:-",
        "vf:",
    ):
        calls = await press(bot, forged)
        assert calls[0].method == "answerCallbackQuery" and calls[0].params.get("text"), forged
    missing = await press(bot, "vc:999:1:d")
    assert "Визита #999 нет" in missing[0].params["text"]
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and visit.revision == 2 and not visit.deleted
