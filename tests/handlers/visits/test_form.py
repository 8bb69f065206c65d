"""The guided /visit form's conversation (bot/handlers/visits/form.py): answers typed or
pressed, bad values asked again, /cancel, stale buttons, the timeout, redelivered updates.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

from bot.core.visits import DelegationType, Direction
from tests.handlers.conftest import ADMIN_ID, FIXED_NOW, Harness
from tests.handlers.visits.conftest import (
    GROUP,
    STAFF_CHAT,
    buttons,
    fill_form,
    form_id,
    office_chat,
    press,
    rt,
    staff,
    texts,
)


async def test_the_whole_guided_form_through_buttons(bot: Harness) -> None:
    form = await fill_form(bot)
    saved = await press(bot, f"vf:{form}:save")
    text = texts(saved)
    assert "Визит #1 записан" in text and "#1" in text
    assert "Летний &lt;лагерь&gt; &amp; дружба" in text  # escaped on the way out
    assert "5–7 июня 2024 (3 дня)" in text
    assert {"vc:1:1:e", "vc:1:1:d"} <= set(buttons(saved))
    visit = await rt(bot).visits.get(1)
    assert visit is not None
    assert visit.purpose == "Летний <лагерь> & дружба"  # stored verbatim
    assert (visit.town_key, visit.direction, visit.kind, visit.people) == (
        "narva",
        Direction.INCOMING,
        DelegationType.YOUTH,
        12,
    )
    assert (visit.start, visit.end) == (date(2024, 6, 5), date(2024, 6, 7))
    assert visit.notes == "Встреча у мэра, телефон 123"
    assert [entry.action for entry in await rt(bot).visits.history(1)] == ["create"]
    # the form is over: free text is a question again
    assert "Нарва" in texts(await staff(bot, "где Нарва"))


async def test_typed_town_with_typo_and_a_range_in_one_answer(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit"))
    unknown = await staff(bot, "Тмутаракань")
    assert "Не знаю города «Тмутаракань»" in texts(unknown)
    suggested = await staff(bot, "Нарвания")  # no such town: the closest ones as buttons
    assert "Нарва" in texts(suggested) and f"vf:{form}:t:narva" in buttons(suggested)
    direction = await staff(bot, "Narwa")  # a typo the matcher resolves
    assert "шаг 2 из 8" in texts(direction)
    await staff(bot, "приезд")
    kind = await staff(bot, "5-7 июня 2024")  # a range skips the end-date step
    assert "шаг 5 из 8" in texts(kind)
    await staff(bot, "культурная")
    await press(bot, f"vf:{form}:s")  # people unknown
    await staff(bot, "Фестиваль")
    confirm = await press(bot, f"vf:{form}:s")  # no notes
    text = texts(confirm[-1:])
    assert "Проверьте визит" in text and "культурная" in text
    assert "Участников: не указано" in text and "🔒 Заметки" not in text


async def test_each_bad_value_is_explained_and_asked_again(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))  # the town given with the command
    await press(bot, f"vf:{form}:d:out")
    assert "такой даты нет: «31.02.2024»" in texts(await staff(bot, "31.02.2024"))
    assert "раньше 1950 года" in texts(await staff(bot, "01.01.1949"))
    assert "больше чем на 2 года вперёд" in texts(await staff(bot, "01.01.2030"))
    assert "не понимаю дату" in texts(await staff(bot, "давным-давно"))
    await staff(bot, "05.06.2024")
    assert "дата окончания раньше даты начала" in texts(await staff(bot, "01.06.2024"))
    one_day = await press(bot, f"vf:{form}:s")
    assert "Дата окончания: <b>один день</b>" in texts(one_day)
    assert "не понимаю тип" in texts(await staff(bot, "балетная"))
    await press(bot, f"vf:{form}:k:official")
    assert "от 1 до 10000" in texts(await staff(bot, "0"))
    assert "от 1 до 10000" in texts(await staff(bot, "100000"))
    assert "от 1 до 10000" in texts(await staff(bot, "-3"))
    await staff(bot, "10000")
    assert "слишком длинно: 501 символов, можно не больше 500" in texts(await staff(bot, "ц" * 501))
    await staff(bot, "Переговоры")
    limit = texts(await staff(bot, "з" * 4000))
    assert "слишком длинно: 4000 символов, можно не больше 2000" in limit
    confirm = await staff(bot, "коротко")
    assert "Участников: 10\u00a0000" in texts(confirm) and "Проверьте визит" in texts(confirm)
    assert await rt(bot).visits.count() == 0


async def test_odd_digits_in_the_form_are_asked_again(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    await staff(bot, "05.06.2024")
    await press(bot, f"vf:{form}:s")
    await press(bot, f"vf:{form}:k:youth")
    # "²".isdigit() is true but int("²") fails; 5000 digits are over int()'s limit for text
    for odd in ("²", "1" * 5000):
        assert "нужно число" in texts(await staff(bot, odd))
    assert "от 1 до" in texts(await staff(bot, "99999999"))
    assert "шаг 7 из 8" in texts(await staff(bot, "12"))


async def test_a_sticker_where_a_date_is_expected(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    sticker = {
        "file_id": "CAACAgIAAxkBAAE",
        "file_unique_id": "AgADAQADB",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    calls = await bot.say(None, chat_id=STAFF_CHAT, user_id=ADMIN_ID, sticker=sticker)  # type: ignore[arg-type]
    assert "нужен текст" in texts(calls) and "Дата начала" in texts(calls)
    assert "шаг 4 из 8" in texts(await staff(bot, "сегодня"))  # the form goes on


async def test_edit_a_field_before_saving(bot: Harness) -> None:
    form = await fill_form(bot)
    menu = await press(bot, f"vf:{form}:e")
    assert f"vf:{form}:f:people" in buttons(menu) and "Что изменить?" in texts(menu)
    await press(bot, f"vf:{form}:f:dates")
    await staff(bot, "10.06.2024")
    confirm = await press(bot, f"vf:{form}:s")  # one day
    assert "10 июня 2024" in texts(confirm) and "Проверьте визит" in texts(confirm)
    await press(bot, f"vf:{form}:save")
    visit = await rt(bot).visits.get(1)
    assert visit is not None and (visit.start, visit.end) == (date(2024, 6, 10), None)


async def test_cancel_at_any_step(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit"))
    await press(bot, f"vf:{form}:t:narva")
    assert "отменена" in texts(await staff(bot, "/cancel"))
    assert "Нарва" in texts(await staff(bot, "где Нарва"))  # free text is a question again
    assert "нечего отменять" in texts(await staff(bot, "/cancel"))
    stale = await press(bot, f"vf:{form}:d:in")  # the old form's button
    assert "уже закрыта" in stale[0].params["text"]
    form = form_id(await staff(bot, "/visit"))
    calls = await press(bot, f"vf:{form}:x")
    assert "отменена" in texts(calls)
    assert await rt(bot).visits.count() == 0


async def test_form_buttons_from_another_form_or_step_are_stale(bot: Harness) -> None:
    old = form_id(await staff(bot, "/visit"))
    await staff(bot, "/cancel")
    form = form_id(await staff(bot, "/visit"))
    calls = await press(bot, f"vf:{old}:t:narva")
    assert "уже не действует" in calls[0].params["text"]
    calls = await press(bot, f"vf:{form}:save")  # Save at the town step
    assert "уже не действует" in calls[0].params["text"]
    calls = await press(bot, f"vf:{form}:t:kingisepp")  # not a partner
    assert "уже не действует" in calls[0].params["text"]
    assert "шаг 1 из 8" in texts(await staff(bot, "/visit"))  # /visit again: the same form goes on


async def test_the_form_times_out(bot: Harness) -> None:
    await staff(bot, "/visit Нарва")
    queue = bot.app.job_queue
    assert queue is not None
    (job,) = [
        job
        for job in queue.jobs()
        if "timeout" in str(job.name) or job.callback.__name__ == "_trigger_timeout"
    ]
    start = len(bot.request.calls)
    await job.run(bot.app)
    assert "15 минут без ответа" in texts(bot.request.calls[start:])
    assert "Нарва" in texts(await staff(bot, "где Нарва"))


async def test_a_form_left_idle_is_closed_even_after_a_restart(bot: Harness) -> None:
    """The timeout job does not survive a restart; the draft's own clock closes such a form."""
    await staff(bot, "/visit Нарва")
    later = FIXED_NOW + timedelta(minutes=16)
    rt(bot).clock = lambda: later
    assert "15 минут без ответа" in texts(await staff(bot, "05.06.2024"))
    assert "Нарва" in texts(await staff(bot, "где Нарва"))  # the form is gone


async def test_a_redelivered_answer_is_not_taken_for_the_next_step(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    answer = bot.message("05.06.2024", STAFF_CHAT, ADMIN_ID)
    first = await bot.feed({"message": copy.deepcopy(answer)})
    assert "шаг 4 из 8" in texts(first)
    again = await bot.feed({"message": copy.deepcopy(answer)})  # after a crash, with a new update id
    assert again == []
    assert "шаг 5 из 8" in texts(await staff(bot, "07.06.2024"))


async def test_two_staff_in_one_group_do_not_interfere(bot: Harness) -> None:
    office_chat(bot, GROUP)  # the office's staff chat: the register may be shown there
    await rt(bot).staff.add(777, "Борис", ADMIN_ID)
    mine = form_id(await staff(bot, "/visit Нарва", GROUP))
    theirs = form_id(await bot.say("/visit Raisio", chat_id=GROUP, user_id=777))
    await press(bot, f"vf:{mine}:d:in", GROUP)
    await bot.press(f"vf:{theirs}:d:out", chat_id=GROUP, user_id=777)
    # Boris cannot press Anna's buttons: his own form does not know them
    calls = await bot.press(f"vf:{mine}:x", chat_id=GROUP, user_id=777)
    # staff forms speak the chat's language, not the script of "/visit Raisio"
    assert "уже не действует" in calls[0].params["text"]
    await staff(bot, "05.06.2024", GROUP)
    await bot.say("1 June 2024", chat_id=GROUP, user_id=777)
    for user, form in ((ADMIN_ID, mine), (777, theirs)):
        await bot.press(f"vf:{form}:s", chat_id=GROUP, user_id=user)
        await bot.press(f"vf:{form}:k:youth", chat_id=GROUP, user_id=user)
        await bot.press(f"vf:{form}:s", chat_id=GROUP, user_id=user)
        await bot.say(f"Цель {user}", chat_id=GROUP, user_id=user)
        confirm = await bot.say(f"Заметка {user}", chat_id=GROUP, user_id=user)
        assert f"Заметка {user}" in texts(confirm)  # the staff chat sees the notes
        await bot.press(f"vf:{form}:save", chat_id=GROUP, user_id=user)
    visits = await rt(bot).visits.list()
    assert sorted((v.town_key, v.purpose, v.created_by) for v in visits) == [
        ("narva", f"Цель {ADMIN_ID}", ADMIN_ID),
        ("raisio", "Цель 777", 777),
    ]
