"""Calendar wording: spans, relative days, Town Day rules, reminder leads (bot/replies/calendar.py)."""

from __future__ import annotations

from datetime import date

from bot.core.calendar import DateSpan, RuleKind, TownDayRule
from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns
from bot.replies.calendar import CalendarReplies
from bot.replies.wording import Replies

CALENDAR = CalendarReplies(Replies(TownDirectory(shipped_towns()), date(2026, 11, 26)))


def test_spans_name_their_weekdays() -> None:
    assert CALENDAR.span("ru", DateSpan(date(2026, 6, 5), date(2026, 6, 7))) == "5–7 июня 2026, пт–вс"
    assert CALENDAR.span("en", DateSpan(date(2026, 6, 15), date(2026, 6, 15))) == "15 June 2026, Monday"
    assert (
        CALENDAR.span("ru", DateSpan(date(2026, 6, 30), date(2026, 7, 2)))
        == "30 июня 2026 – 2 июля 2026, вт–чт"
    )


def test_relative_days() -> None:
    assert [CALENDAR.relative("ru", days) for days in (0, 1, -1, 5, -21)] == [
        "сегодня",
        "завтра",
        "вчера",
        "через 5 дней",
        "21 день назад",
    ]


def test_town_day_rules_in_words() -> None:
    assert CALENDAR.rule("ru", TownDayRule(RuleKind.WEEKEND, 7, ordinal=2)) == "вторые выходные июля"
    last_saturday = TownDayRule(RuleKind.WEEKDAY, 6, ordinal=-1, weekday=5)
    assert CALENDAR.rule("ru", last_saturday) == "последняя суббота июня"
    assert CALENDAR.rule("en", TownDayRule(RuleKind.FIXED, 8, day=15)) == "every year on 15 August"


def test_leads_are_listed_once_each_longest_first() -> None:
    assert CALENDAR.leads("en", [0, 7, 1, 7]) == "7 days before, 1 day before, on the day"
    assert CALENDAR.leads("ru", [7, 1, 0], 30).endswith("за 30 дней до круглых годовщин")
    assert CALENDAR.leads("ru", [30, 0], 30) == "за 30 дней, в сам день"  # the round lead is there already
