"""Save on the form's confirmation card (bot/handlers/visits/form_saving.py): once per form,
planned visits, the warning about a similar visit on record.
"""

from __future__ import annotations

from tests.handlers.conftest import Harness
from tests.handlers.visits.conftest import (
    RESIDENT,
    buttons,
    fill_form,
    form_id,
    press,
    record,
    rt,
    staff,
    texts,
)


async def test_double_tap_on_save_creates_one_visit(bot: Harness) -> None:
    form = await fill_form(bot)
    await press(bot, f"vf:{form}:save")
    again = await press(bot, f"vf:{form}:save")
    assert [c.method for c in again] == ["answerCallbackQuery"]
    assert "уже записан: #1" in again[0].params["text"]
    assert await rt(bot).visits.count() == 1


async def test_future_dates_make_a_planned_visit(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Райсио"))
    await press(bot, f"vf:{form}:d:out")
    await staff(bot, "1 March 2027")
    await press(bot, f"vf:{form}:s")
    await press(bot, f"vf:{form}:k:business")
    await staff(bot, "3")
    await staff(bot, "Trade fair")
    confirm = await press(bot, f"vf:{form}:s")
    assert "Запланированный визит" in texts(confirm)
    saved = await press(bot, f"vf:{form}:save")
    assert "Запланированный визит" in texts(saved)
    # residents do not see planned visits as past ones
    assert "Trade fair" not in texts(await bot.say("/town Raisio", chat_id=RESIDENT))


async def test_the_form_warns_about_a_similar_visit_on_save(bot: Harness) -> None:
    await record(bot)  # Narva, to us, 5 June 2024: what fill_form types
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
    assert "Заполнено шагов: 8" in texts(await press(bot, f"vf:{form}:x"))  # asked once before
    assert "отменена" in texts(await press(bot, f"vf:{form}:xy"))
    assert await rt(bot).visits.count() == 2
