"""/upcoming, /calendar, and the staff commands /townday, /events, /agreement (offline, spec-validated).

The harness clock is 26 November 2026 (Moscow); user 900 is an admin (so staff), others are residents.
"""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar as ICalendar

from bot.core.calendar import DateSpan, TownDayRule
from bot.core.model import PartialDate
from bot.runtime import Runtime
from tests.e2e.fake_bot_api import UploadedFile
from tests.handlers.conftest import ADMIN_ID, Call, Harness

RESIDENT = 10


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


async def staff_says(harness: Harness, text: str) -> str:
    (call,) = await harness.say(text, chat_id=ADMIN_ID)
    return str(call.params["text"])


async def audit_count(harness: Harness) -> int:
    row = await rt(harness).database.fetchone("SELECT count(*) FROM audit_log")
    assert row is not None
    return int(row[0])


# ---- /upcoming ---------------------------------------------------------------------------------------


async def test_upcoming_shows_svetlogorsk_20th_as_round(harness: Harness) -> None:
    (text,) = await harness.texts("/upcoming")
    assert "Ближайшие события: 26 ноября 2026 – 26 декабря 2026" in text
    assert "4 декабря 2026, пятница" in text and "через 8 дней" in text
    assert "Светлогорск: <b>20 лет, круглая годовщина!</b>" in text
    assert "Дата Дня города не известна:" in text and "Райсио" in text


async def test_upcoming_days_and_weekdays_in_english(harness: Harness) -> None:
    await harness.press("lang:en")
    (text,) = await harness.texts("/upcoming 200")
    assert "1 June 2027, Tuesday</b> (in 187 days)" in text and "24 years" in text  # Sassnitz
    assert "5–6 June 2027, Sat–Sun</b>" in text and "the first weekend of June" in text  # Narva, by rule
    assert "Town Day" in text and "Svetlogorsk" in text


@pytest.mark.parametrize("argument", ["abc", "0", "367", "5 6", "-3"])
async def test_upcoming_rejects_bad_day_counts(harness: Harness, argument: str) -> None:
    (text,) = await harness.texts(f"/upcoming {argument}")
    assert "Укажите число дней от 1 до 366" in text


async def test_residents_do_not_see_planned_visits_staff_do(harness: Harness) -> None:
    await rt(harness).database.connection.execute(
        "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
        "VALUES ('narva', 'in', '2026-12-10', 'cultural', 'Choir', 1, 1)"
    )
    (resident,) = await harness.texts("/upcoming")
    assert "визит" not in resident
    (staff,) = await harness.texts("/upcoming", chat_id=ADMIN_ID)
    assert "запланированный визит" in staff and "Choir" in staff


async def test_planned_visits_follow_the_one_rule_for_staff_data(harness: Harness) -> None:
    """bot.access.register_visible (a private chat or the staff chat) and a staff member asking."""
    await rt(harness).database.connection.execute(
        "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
        "VALUES ('narva', 'in', '2026-12-10', 'cultural', 'Choir', 1, 1)"
    )
    group = -100_123
    (in_a_group,) = [
        call
        for call in await harness.say("/upcoming", chat_id=group, user_id=ADMIN_ID)
        if call.method == "sendMessage"
    ]
    assert "Choir" not in in_a_group.params["text"]  # residents may be reading along
    (ics,) = await harness.say("/calendar", chat_id=group, user_id=ADMIN_ID)
    document = ics.params["document"]
    assert isinstance(document, UploadedFile) and b"Choir" not in document.data
    (private,) = await harness.say("/calendar", chat_id=ADMIN_ID)
    assert b"Choir" in private.params["document"].data


async def test_residents_calendar_reads_no_visits(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """/upcoming and /calendar for residents are built from memory: the register is not even asked."""

    async def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("residents' calendar must not read the visit register")

    monkeypatch.setattr(rt(harness).calendar, "planned_visits", refused)
    monkeypatch.setattr(rt(harness).visits, "generation", refused)
    monkeypatch.setattr(rt(harness).towns, "all", refused)
    (text,) = await harness.texts("/upcoming")
    assert "Ближайшие события" in text
    (call,) = await harness.say("/calendar")
    assert call.method == "sendDocument"


# ---- /calendar -------------------------------------------------------------------------------------------


async def test_calendar_file_parses_back_with_yearly_recurrences(harness: Harness) -> None:
    await rt(harness).calendar.set_date("sassnitz", DateSpan(date(2027, 7, 9), date(2027, 7, 11)), actor_id=1)
    (call,) = await harness.say("/calendar")
    assert call.method == "sendDocument"
    document = call.params["document"]
    assert isinstance(document, UploadedFile) and document.filename.endswith(".ics")
    parsed = ICalendar.from_ical(document.data)
    assert str(parsed["VERSION"]) == "2.0"
    events = {str(event["UID"]): event for event in parsed.walk("VEVENT") if "RECURRENCE-ID" not in event}
    sassnitz = events["anniversary-sassnitz-partnership@twinbot.kingisepp"]
    assert sassnitz.decoded("DTSTART") == date(2003, 6, 1)
    rule = rrulestr(sassnitz["RRULE"].to_ical().decode(), dtstart=sassnitz.decoded("DTSTART"))
    assert [d.date() for d in rule.between(_dt(2026, 1, 1), _dt(2028, 1, 1))] == [
        date(2026, 6, 1),
        date(2027, 6, 1),
    ]
    narva = events["townday-narva@twinbot.kingisepp"]
    rule = rrulestr(narva["RRULE"].to_ical().decode(), dtstart=narva.decoded("DTSTART"))
    assert [d.date() for d in rule.between(_dt(2026, 1, 1), _dt(2028, 1, 1))] == [
        date(2026, 6, 6),
        date(2027, 6, 5),
    ]
    assert (narva.decoded("DTEND") - narva.decoded("DTSTART")).days == 2  # the weekend: Saturday and Sunday
    overrides = {str(event["UID"]): event for event in parsed.walk("VEVENT") if "RECURRENCE-ID" in event}
    override = overrides["townday-sassnitz@twinbot.kingisepp"]
    assert override.decoded("RECURRENCE-ID") == date(2027, 7, 10)  # the rule's day in 2027 ...
    assert override.decoded("DTSTART") == date(2027, 7, 9)  # ... moved to the date set for 2027
    assert "round-svetlahorsk-friendship-20@twinbot.kingisepp" in events
    assert not any("narvik" in uid and "anniversary" in uid for uid in events)  # year only: no day invented
    assert not any(uid.startswith("visit-") for uid in events)


def _dt(year: int, month: int, day: int) -> object:
    from datetime import datetime

    return datetime(year, month, day)


# ---- /townday ----------------------------------------------------------------------------------------


async def test_townday_is_for_staff_only(harness: Harness) -> None:
    before = await audit_count(harness)
    (text,) = await harness.texts("/townday Райсио последние выходные августа")
    assert "только для сотрудников" in text
    assert "raisio" not in await rt(harness).calendar.town_days()
    assert await audit_count(harness) == before


async def test_townday_rule_then_date_then_clear_all_audited(harness: Harness) -> None:
    text = await staff_says(harness, "/townday Райсио последние выходные августа")
    assert "Райсио" in text and "последние выходные августа" in text and "28–29 августа 2027" in text
    text = await staff_says(harness, "/townday Raisio 21-23 August 2027")  # Latin, but a Russian chat
    assert "День города в 2027 году — 21–23 августа 2027, сб–пн" in text
    town_days = await rt(harness).calendar.town_days()
    assert town_days["raisio"].rule == TownDayRule.nth_weekend(-1, 8)
    assert town_days["raisio"].span(2027) == DateSpan(date(2027, 8, 21), date(2027, 8, 23))
    text = await staff_says(harness, "/townday Райсио неизвестно 2027")
    assert "удалена" in text and "28–29 августа 2027" in text  # the rule holds again
    text = await staff_says(harness, "/townday Райсио неизвестно")
    assert "правило удалено" in text and "не известен" in text
    history = await rt(harness).audit.history("town_day", "raisio")
    assert [(e.action, e.actor_id) for e in history] == [("clear_rule", ADMIN_ID), ("set_rule", ADMIN_ID)]
    assert len(await rt(harness).audit.history("town_day", "raisio:2027")) == 2


async def test_townday_finds_multi_word_towns(harness: Harness) -> None:
    text = await staff_says(harness, "/townday Нарва-Йыэсуу первая суббота августа")
    assert "Нарва-Йыэсуу" in text and "первая суббота августа" in text
    town_days = await rt(harness).calendar.town_days()
    assert town_days["narva_joesuu"].rule == TownDayRule.nth_weekday(1, 5, 8)
    assert town_days["narva"].rule == TownDayRule.nth_weekend(1, 6)  # Narva untouched
    text = await staff_says(harness, "/townday Kohtla-Järve; 15 June")
    assert "ежегодно 15 июня" in text  # Latin arguments, but the chat's language


async def test_the_example_comes_from_the_catalogue(harness: Harness) -> None:
    await harness.press("lang:en", chat_id=ADMIN_ID)
    text = await staff_says(harness, "/townday Atlantis 15 June")
    assert "for example: /townday Narva first weekend of June" in text
    text = await staff_says(harness, "/agreement Atlantis 2000")
    assert "for example: /agreement Narva 2000" in text


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("Нарва 31.04", "Такой даты нет: 31.04"),
        ("Нарва 31.04.2027", "Такой даты нет"),
        ("Нарва когда-нибудь летом", "Можно так:"),
        ("Нарва 15.06.1500", "Год 1500 вне допустимого диапазона"),
        ("Нарва 15.06.2199", "Год 2199 вне допустимого диапазона"),
        ("Нарва первые выходные июня 2027", "Правило действует каждый год"),
        ("Атлантида 15 июня", "Не нашёл город"),
        ("", "/townday <i>город</i> <i>правило</i>"),
    ],
)
async def test_townday_bad_input_changes_nothing(harness: Harness, argument: str, expected: str) -> None:
    before_days = await rt(harness).calendar.town_days()
    before = await audit_count(harness)
    text = await staff_says(harness, f"/townday {argument}".strip())
    assert expected in text
    assert await rt(harness).calendar.town_days() == before_days
    assert await audit_count(harness) == before


# ---- /events and /agreement ----------------------------------------------------------------------------


async def test_events_shows_what_is_set_and_what_is_unknown(harness: Harness) -> None:
    text = await staff_says(harness, "/events")
    assert "Настройки календаря" in text
    assert "первые выходные июня; ближайший 5–6 июня 2027" in text  # Narva
    assert text.count("День города: <i>не известен</i>") == 2  # Svetlahorsk, Renhuai
    # known roughly: said with that precision, the same words as the card and /upcoming
    assert "День города: <i>в конце августа, точные даты не известны</i>" in text  # Raisio
    assert "День города: <i>в середине июня, точные даты не известны</i>" in text  # Kohtla-Järve
    assert "известен только год" in text and "точный день" in text
    assert "Подписки: 0 чатов" in text
    (refused,) = await harness.texts("/events")
    assert "только для сотрудников" in refused


async def test_agreement_date_edit_keeps_precision_and_is_audited(harness: Harness) -> None:
    text = await staff_says(harness, "/agreement Нарва 06.2000")
    assert "июнь 2000" in text and "было: 2000" in text
    narva = rt(harness).directory.get("narva")
    assert narva is not None and narva.agreements[0].signed == PartialDate(2000, 6)
    (entry,) = await rt(harness).audit.history("agreement", "narva.cooperation")
    assert entry.actor_id == ADMIN_ID and entry.after == {"signed": "2000-06"}
    before = await audit_count(harness)
    assert "Такой даты нет" in await staff_says(harness, "/agreement Нарва 31.04.2000")
    assert "в будущем" in await staff_says(harness, "/agreement Нарва 1.12.2026")
    assert "вне диапазона" in await staff_says(harness, "/agreement Нарва 1800")
    assert "Не понял дату" in await staff_says(harness, "/agreement Нарва давно")
    assert await audit_count(harness) == before
    (refused,) = await harness.texts("/agreement Нарва 2001")
    assert "только для сотрудников" in refused
    assert await audit_count(harness) == before
    current = await staff_says(harness, "/agreement Нарва")
    assert "[cooperation]: июнь 2000" in current


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_help_lists_the_calendar_commands_for_residents(harness: Harness, lang: str) -> None:
    await harness.press(f"lang:{lang}")
    (text,) = await harness.texts("/help")
    for command in ("/upcoming", "/calendar", "/subscribe", "/unsubscribe", "/mysubscriptions"):
        assert command in text, command
    assert "/townday" not in text and "/visit " not in text  # staff commands are listed elsewhere


# ---- QA: Town Day edits reach residents, precise warnings, checked agreement dates ---------------------


def _buttons(call: Call) -> list[str]:
    markup = call.params["reply_markup"]
    return [button["callback_data"] for row in markup["inline_keyboard"] for button in row]


async def test_town_day_edits_reach_the_card_and_the_answers(harness: Harness) -> None:
    _, card = await harness.press("card:narva")
    assert "День города: ближайший: 5–6 июня 2027 (суббота–воскресенье)" in card.params["text"]
    assert "в 2025 году прошли 28–30 июня" in card.params["text"]  # the shipped note stays, as background
    await staff_says(harness, "/townday Нарва 5-7 июня 2027")
    await staff_says(harness, "/townday Райсио последние выходные августа")
    _, card = await harness.press("card:narva")
    assert "ближайший: 5–7 июня 2027 (суббота–понедельник)" in card.params["text"]
    (answer,) = await harness.texts("когда день города в нарве")
    assert "5–7 июня 2027 (суббота–понедельник)" in answer
    _, card = await harness.press("card:raisio")
    assert "ближайший: 28–29 августа 2027 (суббота–воскресенье)" in card.params["text"]
    assert "в конце августа" in card.params["text"]
    (answer,) = await harness.texts("когда день города в райсио")
    assert "28–29 августа 2027" in answer


async def test_a_date_earlier_this_year_is_shown_as_past_and_warned_precisely(harness: Harness) -> None:
    text = await staff_says(harness, "/townday Райсио 5-7 июня 2026")  # today: 26 November 2026
    assert "год уже прошёл" not in text
    assert "эти дни (5–7 июня 2026, пт–вс) уже прошли" in text
    _, card = await harness.press("card:raisio")
    assert "в 2026 году: 5–7 июня 2026 (пятница–воскресенье)" in card.params["text"]
    text = await staff_says(harness, "/townday Райсио 26-28 ноября 2026")  # still going on: no warning
    assert "прошли" not in text
    runtime = rt(harness)
    assert runtime.replies().town_days["raisio"] == DateSpan(date(2026, 11, 26), date(2026, 11, 28))


async def test_removing_a_rule_that_is_not_there_says_so(harness: Harness) -> None:
    before = await audit_count(harness)
    text = await staff_says(harness, "/townday Жэньхуай unknown")
    assert "не было правила" in text and "правило удалено" not in text
    assert await audit_count(harness) == before


async def test_staff_commands_answer_in_the_chats_language_not_the_arguments(harness: Harness) -> None:
    text = await staff_says(harness, "/agreement Засниц partnership 01.06.2003")
    assert "ничего не изменилось" in text  # Russian, and the same date: nothing changed
    await harness.press("lang:en", chat_id=ADMIN_ID)
    text = await staff_says(harness, "/townday Кохтла-Ярве 15 июня")
    assert "every year on 15 June" in text


async def test_events_lists_dates_with_short_weekdays(harness: Harness) -> None:
    await staff_says(harness, "/townday Кингисепп 8 июня 2026")
    await staff_says(harness, "/townday Кингисепп 20-21 июня 2025")
    text = await staff_says(harness, "/events")
    assert "20–21 июня 2025 (пт–сб); 8 июня 2026 (пн)" in text


async def test_agreement_years_are_checked_and_big_moves_confirmed(harness: Harness) -> None:
    before = await audit_count(harness)
    text = await staff_says(harness, "/agreement Нарва 1900")
    assert "вне диапазона" in text and "с 1950" in text
    assert "вне диапазона" in await staff_says(harness, "/agreement Нарва 2030")
    assert await audit_count(harness) == before
    (call,) = await harness.say("/agreement Нарва 1990", chat_id=ADMIN_ID)  # 2000 -> 1990: ask first
    assert "Точно изменить?" in call.params["text"]
    yes, no = _buttons(call)
    narva = rt(harness).directory.get("narva")
    assert narva is not None and narva.agreements[0].signed == PartialDate(2000)
    refused = await harness.press(yes, chat_id=ADMIN_ID, user_id=RESIDENT)  # a resident presses it
    assert [c.method for c in refused] == ["answerCallbackQuery"]
    assert await audit_count(harness) == before
    _, edit = await harness.press(yes, chat_id=ADMIN_ID)
    assert "1990 (было: 2000)" in edit.params["text"]
    narva = rt(harness).directory.get("narva")
    assert narva is not None and narva.agreements[0].signed == PartialDate(1990)
    stale = await harness.press(yes, chat_id=ADMIN_ID)  # pressed again: nothing more happens
    assert "устарело" in stale[0].params["text"]
    assert await audit_count(harness) == before + 1
    (call,) = await harness.say("/agreement Нарва 2010", chat_id=ADMIN_ID)
    _, no = _buttons(call)
    _, cancelled = await harness.press(no, chat_id=ADMIN_ID)
    assert "Отменено" in cancelled.params["text"]
    assert await audit_count(harness) == before + 1
    text = await staff_says(harness, "/agreement Нарва 1992")  # a small move: applied at once
    assert "1992 (было: 1990)" in text
    assert "ничего не изменилось" in await staff_says(harness, "/agreement Нарва 1992")


async def test_a_rough_town_day_reads_the_same_on_the_card_and_in_upcoming(harness: Harness) -> None:
    """Raisio's Town Day is known only as "late August": the card and /upcoming say so, one source."""
    (card,) = await harness.texts("/town Райсио")
    assert "День города: в конце августа, точные даты не известны" in card
    (upcoming,) = await harness.texts("/upcoming 60")
    assert "Известно приблизительно: " in upcoming and "Райсио — в конце августа" in upcoming
    unknown = next(line for line in upcoming.splitlines() if line.startswith("Дата Дня города не известна"))
    assert "Райсио" not in unknown and "Светлогорск" in unknown
    await harness.press("lang:en", chat_id=10)
    (english,) = await harness.texts("/upcoming 60")
    assert "Known roughly: " in english and "Raisio: in late August" in english
