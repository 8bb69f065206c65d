"""Parsing what staff type: Town Day rules and dates in Russian and English, refusals with a reason, and
agreement dates that keep their precision."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar.parsing import CalendarInputError, ParsedKind, parse_partial_date, parse_town_day
from bot.core.calendar.town_days import DateSpan, TownDayRule
from bot.core.model import PartialDate

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("первая суббота июня", TownDayRule.nth_weekday(1, 5, 6)),
        ("в первую субботу июня", TownDayRule.nth_weekday(1, 5, 6)),
        ("1-я суббота июня", TownDayRule.nth_weekday(1, 5, 6)),
        ("first Saturday of June", TownDayRule.nth_weekday(1, 5, 6)),
        ("the 1st Saturday in June", TownDayRule.nth_weekday(1, 5, 6)),
        ("второй выходной июля", TownDayRule.nth_weekend(2, 7)),
        ("вторые выходные июля", TownDayRule.nth_weekend(2, 7)),
        ("second weekend of July", TownDayRule.nth_weekend(2, 7)),
        ("second July weekend", TownDayRule.nth_weekend(2, 7)),
        ("2nd week-end of July", TownDayRule.nth_weekend(2, 7)),
        ("последние выходные августа", TownDayRule.nth_weekend(-1, 8)),
        ("Last weekend of August", TownDayRule.nth_weekend(-1, 8)),
        ("последнее воскресенье сентября", TownDayRule.nth_weekday(-1, 6, 9)),
        ("третья пятница мая", TownDayRule.nth_weekday(3, 4, 5)),
        ("15 June", TownDayRule.fixed(6, 15)),
        ("June 15", TownDayRule.fixed(6, 15)),
        ("15 июня", TownDayRule.fixed(6, 15)),
        ("15.06", TownDayRule.fixed(6, 15)),
        ("29 февраля", TownDayRule.fixed(2, 29)),
    ],
)
def test_rules_in_russian_and_english(text: str, rule: TownDayRule) -> None:
    parsed = parse_town_day(text, TODAY)
    assert parsed.kind is ParsedKind.RULE
    assert parsed.rule == rule
    assert TownDayRule.decode(rule.encode()) == rule


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("28.06.2025", date(2025, 6, 28), date(2025, 6, 28)),
        ("2025-06-28", date(2025, 6, 28), date(2025, 6, 28)),
        ("28 June 2025", date(2025, 6, 28), date(2025, 6, 28)),
        ("28 июня 2025", date(2025, 6, 28), date(2025, 6, 28)),
        ("28.06 2025", date(2025, 6, 28), date(2025, 6, 28)),
        ("28-30 June 2025", date(2025, 6, 28), date(2025, 6, 30)),
        ("28–30 июня 2025 года", date(2025, 6, 28), date(2025, 6, 30)),
        ("28-30.06.2025", date(2025, 6, 28), date(2025, 6, 30)),
        ("30.06-02.07.2025", date(2025, 6, 30), date(2025, 7, 2)),
    ],
)
def test_a_date_for_one_year(text: str, start: date, end: date) -> None:
    parsed = parse_town_day(text, TODAY)
    assert parsed.kind is ParsedKind.DATE
    assert parsed.span == DateSpan(start, end) and parsed.year == start.year


def test_unknown_with_and_without_a_year() -> None:
    assert parse_town_day("unknown", TODAY).kind is ParsedKind.UNKNOWN
    cleared = parse_town_day("неизвестно 2025", TODAY)
    assert cleared.kind is ParsedKind.UNKNOWN and cleared.year == 2025


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31.04", "impossible_date"),
        ("31 April 2026", "impossible_date"),
        ("30 февраля", "impossible_date"),
        ("31.04.2026", "impossible_date"),
        ("sometime in summer", "not_understood"),
        ("первая среда", "not_understood"),
        ("шестая суббота июня", "not_understood"),
        ("", "empty"),
        ("15 June 1500", "year_range"),
        ("15.06.2099", "year_range"),
        ("first weekend of June 2027", "rule_with_year"),
        ("28-30 June", "range_needs_year"),
        ("30-28 June 2026", "bad_range"),
    ],
)
def test_bad_input_is_refused_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(CalendarInputError) as caught:
        parse_town_day(text, TODAY)
    assert caught.value.code == code
    if "text" in caught.value.params:
        assert caught.value.params["text"] == " ".join(text.split())  # what staff typed, as typed


# ---- agreement dates staff type ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2003", PartialDate(2003)),
        ("06.2003", PartialDate(2003, 6)),
        ("June 2003", PartialDate(2003, 6)),
        ("июнь 2003", PartialDate(2003, 6)),
        ("1.06.2003", PartialDate(2003, 6, 1)),
        ("1 June 2003", PartialDate(2003, 6, 1)),
        ("1 июня 2003", PartialDate(2003, 6, 1)),
        ("2003-06-01", PartialDate(2003, 6, 1)),
        ("2003-06", PartialDate(2003, 6)),
    ],
)
def test_agreement_dates_keep_their_precision(text: str, expected: PartialDate) -> None:
    assert parse_partial_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31.04.2003", "impossible_date"),
        ("1850", "agreement_year_range"),
        ("2031", "agreement_year_range"),
        ("1.12.2026", "agreement_in_future"),
        ("long ago", "bad_agreement_date"),
    ],
)
def test_bad_agreement_dates(text: str, code: str) -> None:
    with pytest.raises(CalendarInputError) as caught:
        parse_partial_date(text, TODAY)
    assert caught.value.code == code
