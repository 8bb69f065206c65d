"""Staff record visits in chat (bot/handlers/visits.py), offline through the real Application.

Staff here is the configured admin (ADMIN_ID); residents are anybody else. Every request the bot
makes is checked against the Bot API spec by the harness (callback_data <= 64 bytes included).
"""

from __future__ import annotations

import copy
import itertools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import parse_settings
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.handlers.visits.drafts import FORM_NAME
from bot.persistence import SqlitePersistence
from bot.runtime import Runtime
from tests.handlers.conftest import ADMIN_ID, FIXED_NOW, Call, Harness, RecordingRequest

STAFF_CHAT = ADMIN_ID  # the admin's private chat
RESIDENT = 10
GROUP = -100500
_KEYS = itertools.count(1)


@pytest.fixture
async def bot(harness: Harness) -> AsyncIterator[Harness]:
    """The harness with its JobQueue running, as under run_polling (the form's timeout needs it).

    Jobs other features scheduled at start (the reminders' catch-up pass) are removed first: these
    tests are about visits only.
    """
    queue = harness.app.job_queue
    assert queue is not None
    for job in queue.jobs():
        job.schedule_removal()
    await queue.start()
    try:
        yield harness
    finally:
        await queue.stop(wait=False)


def rt(harness: Harness) -> Runtime:
    value: Runtime = harness.app.bot_data["runtime"]
    return value


def office_chat(harness: Harness, chat_id: int) -> None:
    """Make `chat_id` the office's staff chat ([reminders] staff_chat), as the config file would."""
    runtime = rt(harness)
    reminders = runtime.settings.reminders.model_copy(update={"staff_chat": chat_id})
    runtime.settings = runtime.settings.model_copy(update={"reminders": reminders})


def buttons(calls: list[Call]) -> list[str]:
    found: list[str] = []
    for call in calls:
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict):
            found.extend(b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row)
    return found


def texts(calls: list[Call]) -> str:
    return "\n".join(str(call.params["text"]) for call in calls if "text" in call.params)


def form_id(calls: list[Call]) -> str:
    data = next(d for d in buttons(calls) if d.startswith("vf:"))
    return data.split(":")[1]


def card_button(calls: list[Call], action: str) -> str:
    return next(d for d in reversed(buttons(calls)) if d.startswith("vc:") and d.split(":")[3] == action)


async def staff(harness: Harness, text: str, chat_id: int = STAFF_CHAT) -> list[Call]:
    return await harness.say(text, chat_id=chat_id, user_id=ADMIN_ID)


async def press(harness: Harness, data: str, chat_id: int = STAFF_CHAT) -> list[Call]:
    return await harness.press(data, chat_id=chat_id, user_id=ADMIN_ID)


async def fill_form(harness: Harness, chat_id: int = STAFF_CHAT, start: str = "05.06.2024") -> str:
    """Go through the whole form up to the confirmation card; returns the form id."""
    form = form_id(await staff(harness, "/visit", chat_id))
    await press(harness, f"vf:{form}:t:narva", chat_id)
    await press(harness, f"vf:{form}:d:in", chat_id)
    await staff(harness, start, chat_id)
    await staff(harness, "07.06.2024", chat_id)
    await press(harness, f"vf:{form}:k:youth", chat_id)
    await staff(harness, "12", chat_id)
    await staff(harness, "Летний <лагерь> & дружба", chat_id)
    confirm = await staff(harness, "Встреча у мэра, телефон 123", chat_id)
    assert "Проверьте визит" in texts(confirm)
    assert f"vf:{form}:save" in buttons(confirm)
    return form


async def record(harness: Harness, **changes: Any) -> int:
    values: dict[str, Any] = {
        "town_key": "narva",
        "direction": Direction.INCOMING,
        "start": date(2024, 6, 5),
        "end": None,
        "kind": DelegationType.YOUTH,
        "people": 12,
        "purpose": "Летний лагерь",
        "notes": "секрет",
    }
    values.update(changes)
    key = f"test:{next(_KEYS)}"
    recording = await rt(harness).visits.record(VisitDraft(**values), ADMIN_ID, key, allow_similar=True)
    return recording.visit.id


# ---- permissions ----------------------------------------------------------------------------------------


async def test_residents_are_refused_politely_and_nothing_is_written(bot: Harness) -> None:
    for command in (
        "/visit",
        "/visit Нарва; 05.06.2024; приезд; молодёжная; 5; лагерь",
        "/visits",
        "/history 1",
    ):
        calls = await bot.say(command, chat_id=RESIDENT)
        assert "для сотрудников отдела международных связей" in texts(calls), command
    # in the language of what was typed
    assert "staff of the international-relations office" in texts(
        await bot.say("/visits Narva", chat_id=RESIDENT)
    )
    assert await rt(bot).visits.count() == 0
    visit_id = await record(bot)
    # a resident pressing a (forwarded or forged) card button gets an alert, and nothing changes
    calls = await bot.press(f"vc:{visit_id}:1:dy", chat_id=RESIDENT)
    assert [c.method for c in calls] == ["answerCallbackQuery"] and calls[0].params["show_alert"] is True
    assert not (await rt(bot).visits.get(visit_id)).deleted  # type: ignore[union-attr]


async def test_anonymous_group_admins_are_not_staff(bot: Harness) -> None:
    calls = await bot.say(
        "/visit",
        chat_id=GROUP,
        user_id=ADMIN_ID,
        sender_chat={"id": GROUP, "type": "supergroup", "title": "G"},
    )
    # the shared staff-only refusal, in its version for messages sent on behalf of a chat
    assert "анонимные администраторы" in texts(calls)
    assert await rt(bot).visits.count() == 0


async def test_staff_added_in_chat_may_record(bot: Harness) -> None:
    await rt(bot).staff.add(777, "Борис", ADMIN_ID)
    calls = await bot.say("/visit Raisio; 5 June 2024; out; sports; 20; Football", chat_id=777)
    assert "Visit #1 recorded" in texts(calls) or "Визит #1 записан" in texts(calls)


# ---- the guided form ------------------------------------------------------------------------------------


async def test_the_whole_guided_form_through_buttons(bot: Harness) -> None:
    form = await fill_form(bot)
    saved = await press(bot, f"vf:{form}:save")
    text = texts(saved)
    assert "Визит #1 записан" in text and "#1" in text
    assert "Летний &lt;лагерь&gt; &amp; дружба" in text  # escaped on the way out
    assert "5 июня 2024 – 7 июня 2024 (3 дня)" in text
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


async def test_double_tap_on_save_creates_one_visit(bot: Harness) -> None:
    form = await fill_form(bot)
    await press(bot, f"vf:{form}:save")
    again = await press(bot, f"vf:{form}:save")
    assert [c.method for c in again] == ["answerCallbackQuery"]
    assert "уже записан: #1" in again[0].params["text"]
    assert await rt(bot).visits.count() == 1


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


async def test_the_form_survives_a_restart(bot: Harness, tmp_path: Path) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    await staff(bot, "05.06.2024")
    # stop this application (as SIGTERM would) and start another one on the same file
    assert bot.app.job_queue is not None
    await bot.app.job_queue.stop(wait=False)
    await bot.app.shutdown()
    assert bot.app.post_shutdown is not None
    await bot.app.post_shutdown(bot.app)
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "access": {"admins": [ADMIN_ID]},
            "bot": {"default_language": "ru"},
        }
    )
    request = RecordingRequest()
    app = build_application(settings, request=request, clock=lambda: FIXED_NOW)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    # Telegram's message ids go on growing, and callback query ids are unique
    second = Harness(app, request, update_ids=itertools.count(1000), message_ids=itertools.count(6000))
    queue = app.job_queue
    assert queue is not None
    for job in queue.jobs():
        job.schedule_removal()
    await queue.start()
    try:
        kind = await staff(second, "07.06.2024")  # the end date, as if nothing happened
        assert "шаг 5 из 8" in texts(kind)
        await press(second, f"vf:{form}:k:sports")
        await staff(second, "4")
        await staff(second, "Турнир")
        await press(second, f"vf:{form}:s")
        saved = await press(second, f"vf:{form}:save")
        assert "Визит #1 записан" in texts(saved)
        assert "7 июня 2024" in texts(saved)
    finally:
        await queue.stop(wait=False)
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    assert request.violations == []


# ---- one line -------------------------------------------------------------------------------------------


async def test_one_line_records_and_answers_with_the_card(bot: Harness) -> None:
    calls = await staff(bot, "/visit Нарва; 05.06.2024-07.06.2024; приезд; молодёжная; 12; Летний лагерь")
    text = texts(calls)
    assert "Визит #1 записан" in text and "Летний лагерь" in text and "молодёжная" in text
    assert buttons(calls)[:2] == ["vc:1:1:e", "vc:1:1:d"]
    # Latin arguments in a Russian chat (the bot's own hint spells "in; official"): still Russian
    latin = await staff(bot, "/visit Нарва; 1.6.24; in; official; 3; x")
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


async def test_the_same_message_delivered_twice_records_once(bot: Harness) -> None:
    message = bot.message("/visit Нарва; 05.06.2024; in; official; 3; Переговоры", STAFF_CHAT, ADMIN_ID)
    first = await bot.feed({"message": copy.deepcopy(message)})
    second = await bot.feed({"message": copy.deepcopy(message)})  # a new update id, the same message
    assert "записан" in texts(first) and "уже записан: #1" in texts(second)
    assert await rt(bot).visits.count() == 1


# ---- the card: edit, delete, undo, history ----------------------------------------------------------------


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
    assert "1 июня 2024 – 3 июня 2024" in texts(done)
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


async def test_history_needs_a_number(bot: Harness) -> None:
    assert "номер визита" in texts(await staff(bot, "/history"))
    assert "номер визита" in texts(await staff(bot, "/history abc"))
    assert "Визита #5 нет" in texts(await staff(bot, "/history 5"))
    visit_id = await record(bot)
    history = texts(await staff(bot, f"/history #{visit_id}"))
    assert "записан" in history and "26.11.2026" in history and f"id {ADMIN_ID}" in history
    # notes are staff-only, but not for a group with residents in it
    assert "секрет" in history
    assert "секрет" not in texts(await staff(bot, f"/history {visit_id}", GROUP))
    # digits that are not ASCII (int("²") fails) and numbers too long are not visit numbers
    for odd in ("²", "١٢", "0", "01", "1" * 13, "-1"):
        assert "номер визита" in texts(await staff(bot, f"/history {odd}")), odd


# ---- /visits --------------------------------------------------------------------------------------------


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
    nav = [d for d in data if d.startswith("vl:")]
    assert len(nav) == 1 and nav[0].endswith(":1:narva:-")
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
    assert "Не знаю города" in texts(await staff(bot, "/visits Атлантида"))


# ---- what residents see ---------------------------------------------------------------------------------


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


async def test_callback_data_stays_within_64_bytes(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit"))
    await press(bot, f"vf:{form}:t:narva_joesuu")
    for call in bot.request.calls:
        for data in buttons([call]):
            assert len(data.encode()) <= 64, data
    assert FORM_NAME == "visit_form"


async def test_persistence_keeps_conversations_and_only_the_form_drafts(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    persistence = SqlitePersistence(path)
    draft = {"10": {"id": "abc", "step": "start", "values": {"purpose": "<b>&"}}}
    await persistence.update_conversation(FORM_NAME, (10, 900), "start")
    await persistence.update_user_data(900, {"visit_forms": draft, "other": (1, 2)})
    await persistence.update_chat_data(10, {1: "int keys stay in memory"})
    await persistence.flush()
    again = SqlitePersistence(path)
    try:
        assert await again.get_conversations(FORM_NAME) == {(10, 900): "start"}
        assert await again.get_user_data() == {900: {"visit_forms": draft}}
        assert await again.get_chat_data() == {} and await again.get_bot_data() == {}
        await again.update_conversation(FORM_NAME, (10, 900), None)
        assert await again.get_conversations(FORM_NAME) == {}
    finally:
        await again.flush()


async def test_save_now_writes_the_draft_and_the_state_together(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    persistence = SqlitePersistence(path)
    first = {"visit_forms": {"10": {"id": "abc", "step": "town"}}}
    await persistence.save_now(FORM_NAME, (10, 900), "town", 900, first)
    store = await persistence.store()
    async with store.db.transaction() as conn:
        await conn.execute(
            "CREATE TRIGGER no_states BEFORE UPDATE ON ptb_conversations "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    second = {"visit_forms": {"10": {"id": "abc", "step": "direction"}}, "other": 1}
    with pytest.raises(sqlite3.IntegrityError):
        await persistence.save_now(FORM_NAME, (10, 900), "direction", 900, second)
    await persistence.flush()
    again = SqlitePersistence(path)
    try:
        # never a new draft with an old state (or the reverse): both are as the last good step left them
        assert await again.get_user_data() == {900: first}
        assert await again.get_conversations(FORM_NAME) == {(10, 900): "town"}
    finally:
        await again.flush()


# ---- where the register may be shown --------------------------------------------------------------------


PRIVATE_ONLY_RU = "только в личном чате со мной"
PRIVATE_ONLY_EN = "only in a private chat with me"


async def test_the_register_stays_out_of_public_groups(bot: Harness) -> None:
    """Staff asking in a group (residents may be in it) get a pointer to the private chat, nothing else."""
    visit_id = await record(bot, purpose="Визит мэра", notes="секрет")
    before = await rt(bot).visits.count()
    for command in (
        "/visits",
        "/visits Нарва 2024",
        f"/history {visit_id}",
        "/visit",
        "/visit Нарва",
        "/visit Нарва; 05.06.2024; приезд; молодёжная; 5; Публичный лагерь",
        "/staff",
        "/staff list",
    ):
        calls = await staff(bot, command, GROUP)
        assert [call.method for call in calls] == ["sendMessage"], command
        text = texts(calls)
        assert PRIVATE_ONLY_RU in text and "@" in text, command
        assert "секрет" not in text and "Визит мэра" not in text and f"#{visit_id}" not in text, command
        assert buttons(calls) == [], command
    assert await rt(bot).visits.count() == before  # the one-line record was not written
    # in the chat's language (staff commands never follow the script of the arguments)
    assert PRIVATE_ONLY_RU in texts(await staff(bot, "/visits Narva", GROUP))
    await rt(bot).preferences.set_language(GROUP, "en")
    assert PRIVATE_ONLY_EN in texts(await staff(bot, "/visits Нарва", GROUP))
    await rt(bot).preferences.set_language(GROUP, "ru")
    # no form was opened: a text in the group is not taken for a form answer
    assert "шаг" not in texts(await staff(bot, "05.06.2024", GROUP))
    # buttons of a card or a list (forwarded, or shown before) answer with an alert and show nothing
    for data in (f"vc:{visit_id}:1:o", f"vc:{visit_id}:1:h", f"vc:{visit_id}:1:ef:notes", "vl:1:1:-:-"):
        calls = await press(bot, data, GROUP)
        assert [call.method for call in calls] == ["answerCallbackQuery"], data
        assert PRIVATE_ONLY_RU in calls[0].params["text"] and calls[0].params["show_alert"] is True
        assert "<" not in calls[0].params["text"]  # plain text: an alert shows no HTML
    # residents are refused as before, before any word about private chats
    calls = await bot.say("/visits", chat_id=GROUP, user_id=RESIDENT)
    assert "для сотрудников" in texts(calls) and PRIVATE_ONLY_RU not in texts(calls)


async def test_the_staff_chat_sees_the_register_and_its_notes(bot: Harness) -> None:
    office_chat(bot, GROUP)
    visit_id = await record(bot, notes="секрет")
    assert f"#{visit_id}" in texts(await staff(bot, "/visits", GROUP))
    assert "секрет" in texts(await staff(bot, f"/history {visit_id}", GROUP))
    opened = await press(bot, f"vc:{visit_id}:1:o", GROUP)
    assert "секрет" in texts(opened)
    card = await staff(bot, "/visit Нарва; 06.06.2024; in; official; 3; Переговоры", GROUP)
    assert "записан" in texts(card) and card_button(card, "e").startswith("vc:")
    # a form opened in the staff chat is closed when that chat stops being the staff chat
    form_id(await staff(bot, "/visit", GROUP))
    office_chat(bot, 0)
    calls = await staff(bot, "Нарва", GROUP)
    assert PRIVATE_ONLY_RU in texts(calls)
    assert "шаг" not in texts(await staff(bot, "Нарва", GROUP))


async def test_forged_form_buttons_are_refused_not_crashed(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")  # now at the start date, with Today / Yesterday buttons
    forged = (
        f"vf:{form}:day:-700",  # a date in the future
        f"vf:{form}:day:{'9' * 40}",  # int() -> timedelta raised OverflowError
        f"vf:{form}:day:2",  # the bot makes only 0 and 1
        f"vf:{form}:day:01",
        f"vf:{form}:day",
        f"vf:{form}:d:sideways",
        f"vf:{form}:k:ballet",
        f"vf:{form}:t:../../etc",
        f"vf:{form}:s:extra",
        f"vf:{form}:f:secret",
        f"vf:{form}:zz",
        "vf:short:day:0",
    )
    with caplog.at_level(logging.ERROR):
        for data in forged:
            calls = await press(bot, data)
            assert [call.method for call in calls] == ["answerCallbackQuery"], data
            assert calls[0].params.get("text"), data
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    # the form is where it was: the real Yesterday button works
    calls = await press(bot, f"vf:{form}:day:1")
    assert "шаг 4 из 8" in texts(calls) and "25 ноября 2026" in texts(calls)


async def test_forged_card_and_list_buttons_are_refused_not_crashed(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    visit_id = await record(bot)
    forged = (
        f"vc:0{visit_id}:1:o",  # a leading zero: not what the bot makes
        f"vc:{visit_id}:0:o",
        f"vc:{visit_id}:1:o:notes",  # an argument where none is taken
        f"vc:{visit_id}:1:ef",
        f"vc:{visit_id}:1:ef:secret",
        f"vc:{'9' * 13}:1:o",
        "vl:1:0:-:1800",  # a year out of range
        "vl:1:0:-:9999",
        "vl:1:0:kingisepp:-",  # not a partner town
        "vl:01:0:-:-",
        f"vl:1:{'9' * 9}:-:-",
    )
    with caplog.at_level(logging.ERROR):
        for data in forged:
            calls = await press(bot, data)
            assert [call.method for call in calls] == ["answerCallbackQuery"], data
            assert "понимаю эту кнопку" in calls[0].params["text"], data
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and visit.revision == 1 and not visit.deleted


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


def _conversations(harness: Harness) -> dict[Any, Any]:
    from telegram.ext import ConversationHandler

    for group in harness.app.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler) and handler.name == FORM_NAME:
                return handler._conversations  # type: ignore[no-any-return]
    raise AssertionError("no visit form")


async def test_a_form_from_an_earlier_session_answers_every_input(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    # message ids lower than the form has seen (an earlier session's form): still answered
    bot.message_ids = itertools.count(1)
    assert "шаг 4 из 8" in texts(await staff(bot, "05.06.2024"))
    again = await staff(bot, "/visit")
    assert "незаконченная запись" in texts(again) and f"vf:{form}:new" in buttons(again)
    # the conversation state lost, the draft kept: /visit offers the draft instead of dropping it
    _conversations(bot).clear()
    resumed = await staff(bot, "/visit")
    assert "незаконченная запись" in texts(resumed) and "шаг 4 из 8" in texts(resumed)
    assert "шаг 5 из 8" in texts(await staff(bot, "07.06.2024"))
    assert (STAFF_CHAT, STAFF_CHAT) in _conversations(bot)
    # a state this version does not know: a typed digit gets an answer, the draft's step goes on
    _conversations(bot)[(STAFF_CHAT, STAFF_CHAT)] = "dates"
    assert "шаг 5 из 8" in texts(await staff(bot, "3"))  # kind wants a button: asked again
    # start over: a fresh form at step 1
    fresh = await press(bot, f"vf:{form}:new")
    assert "шаг 1 из 8" in texts(fresh) and form not in "".join(buttons(fresh))
    # the same message delivered again is still ignored
    message = bot.message("/visit", chat_id=STAFF_CHAT, user_id=STAFF_CHAT)
    update = {"update_id": 99_999, "message": message}
    assert [c.method for c in await bot.feed(update)] == ["sendMessage"]
    assert await bot.feed({**update, "update_id": 99_998}) == []


async def test_a_one_line_visit_without_semicolons_is_explained_not_half_taken(bot: Harness) -> None:
    answer = texts(
        await staff(bot, "/visit Засниц от нас 05.06.2025-07.06.2025 молодёжная 15 Молодёжный обмен")
    )
    assert "точкой с запятой" in answer and "/visit ГОРОД; ДАТА" in answer
    assert "шаг 2 из 8" not in answer
    assert await rt(bot).visits.count() == 0
