"""Town Day rules: their occurrences in a year (weekends, fifth Saturdays, 29 February) and as RRULEs."""

from __future__ import annotations

from datetime import date

from bot.core.calendar.town_days import DateSpan, RuleKind, TownDayRule, nth_weekday


def test_rule_occurrences() -> None:
    first_weekend_june = TownDayRule.nth_weekend(1, 6)
    assert first_weekend_june.span(2026) == DateSpan(date(2026, 6, 6), date(2026, 6, 7))
    # 1 June 2025 is a Sunday: the first weekend is the first *Saturday* and the Sunday after it
    assert first_weekend_june.span(2025) == DateSpan(date(2025, 6, 7), date(2025, 6, 8))
    assert TownDayRule.nth_weekend(2, 7).span(2026) == DateSpan(date(2026, 7, 11), date(2026, 7, 12))
    assert TownDayRule.nth_weekend(2, 7).span(2024) == DateSpan(date(2024, 7, 13), date(2024, 7, 14))
    # the last weekend may end in the next month
    assert TownDayRule.nth_weekend(-1, 8).span(2026) == DateSpan(date(2026, 8, 29), date(2026, 8, 30))
    assert TownDayRule.nth_weekend(-1, 8).span(2029) == DateSpan(date(2029, 8, 25), date(2029, 8, 26))
    assert TownDayRule.nth_weekday(1, 5, 6).span(2026) == DateSpan.day(date(2026, 6, 6))
    # a fifth Saturday exists in some years only
    assert TownDayRule.nth_weekday(5, 5, 6).span(2024) == DateSpan.day(date(2024, 6, 29))
    assert TownDayRule.nth_weekday(5, 5, 6).span(2026) is None
    assert nth_weekday(2026, 2, 0, -1) == date(2026, 2, 23)
    # a fixed 29 February: 28 February in common years
    assert TownDayRule.fixed(2, 29).span(2027) == DateSpan.day(date(2027, 2, 28))
    assert TownDayRule.fixed(2, 29).span(2028) == DateSpan.day(date(2028, 2, 29))


def test_rule_as_ical_recurrence() -> None:
    assert TownDayRule.nth_weekend(2, 7).ical_recurrence() == {"FREQ": "YEARLY", "BYMONTH": 7, "BYDAY": "2SA"}
    assert TownDayRule.nth_weekday(-1, 6, 9).ical_recurrence()["BYDAY"] == "-1SU"
    assert TownDayRule.fixed(2, 29).ical_recurrence()["BYMONTHDAY"] == -1
    assert TownDayRule.fixed(6, 15).ical_recurrence() == {"FREQ": "YEARLY", "BYMONTH": 6, "BYMONTHDAY": 15}
    assert RuleKind.FIXED.value == "fixed"
