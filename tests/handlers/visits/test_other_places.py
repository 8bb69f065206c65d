"""Visits to places that are not partners ("Таллин", a region, an organisation), from the one-line form:
recognised by the gazetteer and confirmed, or written as "другое: …"; counted apart; never public."""

from __future__ import annotations

from bot.core.visits.places import OTHER_TOWN, OtherPlace
from tests.handlers.conftest import Harness
from tests.handlers.visits.conftest import RESIDENT, buttons, press, record, rt, staff, texts


async def test_a_real_place_is_recognised_and_saved_as_other_after_confirmation(bot: Harness) -> None:
    asked = await staff(bot, "/visit Таллин; 05.06.2025; приезд; официальная; 5; Конференция <ЕС> & мы")
    assert "«Таллин» — не город-партнёр. Записать визит как «другое: Таллин (Эстония)»?" in texts(asked)
    assert await rt(bot).visits.count() == 0  # nothing is written before the answer
    yes = next(data for data in buttons(asked) if data.endswith(":y"))
    saved = await press(bot, yes)
    assert "записан" in texts(saved)
    assert "🇪🇪 другое: Таллин (Эстония)" in texts(saved)
    assert "Конференция &lt;ЕС&gt; &amp; мы" in texts(saved)
    (visit,) = await rt(bot).visits.list()
    assert visit.town_key == OTHER_TOWN and visit.place == OtherPlace("Таллин", "EE")
    again = await press(bot, yes)  # a second press: nothing new
    alerts = [call.params.get("text") for call in again if call.method == "answerCallbackQuery"]
    assert await rt(bot).visits.count() == 1 and any("уже не действует" in str(text) for text in alerts)
    # "Cancel" writes nothing
    asked = await staff(bot, "/visit Рига; 06.06.2025; out; official; 2; Форум")
    no = next(data for data in buttons(asked) if data.endswith(":n"))
    assert "Не сохранено" in texts(await press(bot, no))
    assert await rt(bot).visits.count() == 1


async def test_other_written_out_is_saved_at_once_with_its_country(bot: Harness) -> None:
    saved = texts(
        await staff(
            bot, "/visit другое: Ленинградская область, Россия; 05.06.2025; out; official; 3; Совещание"
        )
    )
    assert "записан" in saved and "другое: Ленинградская область (Россия)" in saved
    org = texts(await staff(bot, "/visit other: Nordic Council (DK); 06.06.2025; in; business; ; Talks"))
    assert "другое: Nordic Council (Дания)" in org
    plain = texts(
        await staff(bot, "/visit другое: ООО «Ромашка», Нарва; 07.06.2025; in; business; ; Закупки")
    )
    assert "другое: ООО «Ромашка», Нарва" in plain  # "Нарва" is no country: part of the name
    places = sorted((v.place.name, v.place.country) for v in await rt(bot).visits.list() if v.place)
    assert places == [("Nordic Council", "DK"), ("Ленинградская область", "RU"), ("ООО «Ромашка», Нарва", "")]
    bad = texts(await staff(bot, "/visit другое: ; 05.06.2025; out; official; 3; Совещание"))
    assert "напишите название места" in bad
    unknown = texts(await staff(bot, "/visit Атлантида; 05.06.2025; out; official; 3; Совещание"))
    assert "не знаю города «Атлантида»" in unknown and "/visit другое: Таллин, Эстония" in unknown
    assert await rt(bot).visits.count() == 3


async def test_other_places_are_apart_in_stats_and_never_shown_to_residents(bot: Harness) -> None:
    from datetime import date

    await record(bot, start=date(2025, 6, 5), purpose="Видно жителям")
    await record(
        bot,
        town_key=OTHER_TOWN,
        place=OtherPlace("Таллин", "EE"),
        start=date(2025, 6, 6),
        purpose="Скрытый-zq",
    )
    await record(
        bot, town_key=OTHER_TOWN, place=OtherPlace("Рига", "LV"), start=date(2025, 7, 6), purpose="Скрытый-zq"
    )
    stats = await staff(bot, "/stats 2025")
    caption = " ".join(
        str(call.params.get("caption", "")) + str(call.params.get("text", "")) for call in stats
    )
    assert "Другие места (не партнёры): 2" in caption
    assert "Таллин" not in caption.split("Чаще всего:")[-1]
    town = texts(await bot.say("/town Нарва", chat_id=RESIDENT))
    assert "Видно жителям" in town and "Скрытый-zq" not in town
    for question in ("Кто приезжал из Таллина?", "последняя делегация", "Таллин наш город-партнёр?"):
        assert "Скрытый-zq" not in texts(await bot.say(question, chat_id=RESIDENT))
    listed = texts(await staff(bot, "/visits 2025"))
    assert "другое: Таллин (Эстония)" in listed and "другое: Рига (Латвия)" in listed


async def test_planned_visits_to_other_places_stay_off_residents_calendar_and_digest(bot: Harness) -> None:
    from datetime import date

    runtime = rt(bot)
    await record(bot, start=date(2026, 12, 10), purpose="Партнёр")
    await record(
        bot, town_key=OTHER_TOWN, place=OtherPlace("Рига", "LV"), start=date(2026, 12, 11), purpose="Рига"
    )
    planned = await runtime.calendar.planned_visits(date(2026, 12, 1), date(2026, 12, 31))
    assert [visit.purpose for visit in planned] == ["Партнёр"]
    from storage.digest import DigestStore

    store = DigestStore(runtime.database)
    assert {key for key, _, _ in await store.counts(date(2026, 12, 1), date(2026, 12, 31))} == {"narva"}
    assert [visit.purpose for visit in await store.notable(date(2026, 12, 1), date(2026, 12, 31))] == [
        "Партнёр"
    ]


async def test_the_guided_form_offers_a_real_place_and_takes_other_written_out(bot: Harness) -> None:
    from tests.handlers.visits.conftest import form_id

    form = form_id(await staff(bot, "/visit"))
    offered = await staff(bot, "Таллин")
    assert "«Таллин» — не город-партнёр. Записать визит как «другое: Таллин (Эстония)»?" in texts(offered)
    yes = next(data for data in buttons(offered) if data.startswith(f"vf:{form}:o:"))
    assert len(yes.encode()) <= 64
    chosen = await press(bot, yes)
    assert "другое: Таллин (Эстония)" in texts(chosen)
    await press(bot, f"vf:{form}:d:in")
    await staff(bot, "05.06.2025")
    await press(bot, f"vf:{form}:s")  # one day
    await press(bot, f"vf:{form}:k:official")
    await staff(bot, "4")
    await staff(bot, "Конференция")
    confirm = await staff(bot, "-")
    assert "Проверьте визит" in texts(confirm) and "другое: Таллин (Эстония)" in texts(confirm)
    saved = await press(bot, f"vf:{form}:save")
    assert "записан" in texts(saved)
    (visit,) = await rt(bot).visits.list()
    assert visit.place == OtherPlace("Таллин", "EE")
    # a forged place button is refused, nothing changes
    form = form_id(await staff(bot, "/visit"))
    forged = await press(bot, f"vf:{form}:o:9999r")
    assert not [call for call in forged if call.method == "sendMessage"]
    assert "шаг 2 из 8" in texts(await staff(bot, "Нарва"))  # the form was still at the town
    await staff(bot, "/cancel")
    # editing the saved visit's town: "другое: …" written out
    await press(bot, f"vc:{visit.id}:{visit.revision}:ef:town")
    done = texts(await staff(bot, "другое: Ассоциация городов, Финляндия"))
    assert "другое: Ассоциация городов (Финляндия)" in done
    history = texts(await staff(bot, f"/history {visit.id}"))
    assert "Место: Таллин → Ассоциация городов" in history and "Страна места: EE → FI" in history
