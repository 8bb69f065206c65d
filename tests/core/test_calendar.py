"""Calendar arithmetic: Town Day rules (Russian and English), occurrences, anniversaries and their
precision, round numbers, lead days, and what each subscriber gets."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar import (
    Calendar,
    CalendarInputError,
    CalendarSettings,
    DateSpan,
    EventKind,
    ParsedKind,
    PlannedVisit,
    RuleKind,
    Subscriber,
    TownDay,
    TownDayRule,
    anniversary,
    nth_weekday,
    parse_partial_date,
    parse_town_day,
    plan_deliveries,
    shipped_town_days,
)
from bot.core.model import Agreement, PartialDate, Town
from bot.core.townfile import shipped_towns

TODAY = date(2026, 11, 26)
SETTINGS = CalendarSettings(lead_days=(7, 1, 0), round_lead_days=30, year_only_day=(1, 15))


def town(key: str, *signed: str, home: bool = False) -> Town:
    return Town(
        key=key,
        name_en=key.title(),
        name_ru=key.title(),
        country="EE",
        is_home=home,
        agreements=tuple(
            Agreement(
                key=f"a{i}", kind="partnership", signed=PartialDate.parse_iso(s), title_en="A", title_ru="А"
            )
            for i, s in enumerate(signed)
        ),
    )


@pytest.fixture(scope="module")
def shipped() -> Calendar:
    seeds = shipped_town_days()
    town_days = {key: TownDay(key, seed.rule, seed.dates) for key, seed in seeds.items()}
    return Calendar(shipped_towns(), town_days, settings=SETTINGS)


# ---- rules -----------------------------------------------------------------------------------------


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


def test_a_date_for_a_year_overrides_the_rule(shipped: Calendar) -> None:
    narva = shipped.town_day("narva")
    assert narva.span(2025) == DateSpan(date(2025, 6, 28), date(2025, 6, 30))
    assert narva.source(2025) == "date"
    assert narva.span(2026) == DateSpan(date(2026, 6, 6), date(2026, 6, 7))
    assert narva.source(2026) == "rule"


def test_unknown_town_days_are_never_reminded_and_shown_as_unknown(shipped: Calendar) -> None:
    unknown = {town.key for town in shipped.unknown_town_days(2026)}
    assert {"raisio", "kohtla_jarve", "svetlahorsk", "renhuai", "kingisepp"} <= unknown
    assert "narva" not in unknown and "sassnitz" not in unknown
    town_days = [
        e
        for e in shipped.events_between(date(2026, 1, 1), date(2026, 12, 31))
        if e.kind is EventKind.TOWN_DAY
    ]
    assert {event.town_key for event in town_days} == {"narva", "sassnitz"}


# ---- anniversaries ---------------------------------------------------------------------------------


def test_svetlogorsk_20th_anniversary_is_round(shipped: Calendar) -> None:
    (event,) = [e for e in shipped.events_between(TODAY, date(2026, 12, 31)) if e.town_key == "svetlahorsk"]
    assert event.start == date(2026, 12, 4) and event.years == 20 and event.round
    assert event.leads == (30, 7, 1, 0)
    assert event.occurrence == "2026-12-04"


def test_sassnitz_is_due_7_days_1_day_and_on_the_day(shipped: Calendar) -> None:
    due_days = [
        day
        for day in (date(2026, 5, d) for d in range(1, 32))
        if any(item.event.key == "anniversary:sassnitz:partnership" for item in shipped.due_on(day))
    ]
    assert due_days == [date(2026, 5, 25), date(2026, 5, 31)]
    (on_the_day,) = [i for i in shipped.due_on(date(2026, 6, 1)) if i.event.town_key == "sassnitz"]
    assert on_the_day.lead == 0 and on_the_day.event.years == 23 and not on_the_day.event.round
    # 25 years in 2028: round, so also 30 days ahead
    leads = {
        item.lead
        for day in (date(2028, 5, 2), date(2028, 5, 25), date(2028, 5, 31), date(2028, 6, 1))
        for item in shipped.due_on(day)
        if item.event.town_key == "sassnitz" and item.event.kind is EventKind.ANNIVERSARY
    }
    assert leads == {30, 7, 1, 0}


def test_year_only_anniversaries_are_announced_once_and_never_get_a_day(shipped: Calendar) -> None:
    due = shipped.due_on(date(2027, 1, 15))
    narvik = next(item for item in due if item.event.town_key == "narvik")
    assert narvik.lead == 0
    assert narvik.event.precision == "year" and narvik.event.occurrence == "2027"
    assert narvik.event.years == 55 and narvik.event.round  # every fifth year is round by default
    renhuai = next(item for item in shipped.due_on(date(2026, 1, 15)) if item.event.town_key == "renhuai")
    assert renhuai.event.years == 25 and renhuai.event.round  # marked round, still announced once
    # no other day of the year carries them
    others = [
        item
        for month in range(1, 13)
        for day in (date(2027, month, 1), date(2027, month, 14), date(2027, month, 16))
        for item in shipped.due_on(day)
        if item.event.town_key == "narvik"
    ]
    assert others == []


def test_precision_and_the_announcement_day() -> None:
    assert anniversary(PartialDate(1972), 2027, SETTINGS) == (date(2027, 1, 15), "2027", (0,))
    other = CalendarSettings(year_only_day=(3, 1))
    assert anniversary(PartialDate(1972), 2027, other) == (date(2027, 3, 1), "2027", (0,))
    assert anniversary(PartialDate(2003, 6), 2026, SETTINGS) == (date(2026, 6, 1), "2026-06", (0,))
    assert anniversary(PartialDate(2003, 6, 1), 2026, SETTINGS) == (date(2026, 6, 1), "2026-06-01", (7, 1, 0))
    assert anniversary(PartialDate(2003, 6, 1), 2003, SETTINGS) is None  # the signing itself


def test_29_february_is_marked_on_28_february_in_common_years() -> None:
    calendar = Calendar([town("leap", "2004-02-29")], {}, settings=SETTINGS)
    common = [
        e
        for e in calendar.events_between(date(2027, 1, 1), date(2027, 12, 31))
        if e.kind is EventKind.ANNIVERSARY
    ]
    assert [(e.start, e.occurrence, e.years) for e in common] == [(date(2027, 2, 28), "2027-02-28", 23)]
    leap = [
        e
        for e in calendar.events_between(date(2028, 1, 1), date(2028, 12, 31))
        if e.kind is EventKind.ANNIVERSARY
    ]
    assert [(e.start, e.years) for e in leap] == [(date(2028, 2, 29), 24)]
    assert [item.lead for item in calendar.due_on(date(2027, 2, 21))] == [7]
    assert [item.lead for item in calendar.due_on(date(2027, 2, 28))] == [0]
    assert calendar.due_on(date(2027, 3, 1)) == []


@pytest.mark.parametrize(
    ("years", "is_round"),
    [
        (5, True),
        (20, True),
        (25, True),
        (35, True),
        (55, True),
        (75, True),
        (100, True),
        (23, False),
        (101, False),
    ],
)
def test_round_numbers(years: int, is_round: bool) -> None:
    calendar = Calendar([town("x", f"{2026 - years}-03-10")], {}, settings=SETTINGS)
    (event,) = calendar.events_between(date(2026, 3, 10), date(2026, 3, 10))
    assert event.round is is_round
    assert (30 in event.leads) is is_round


def test_lead_days_follow_the_settings() -> None:
    settings = CalendarSettings(lead_days=(14, 3), round_lead_days=60)
    calendar = Calendar([town("x", "2016-03-10")], {}, settings=settings)  # 10 years in 2026: round
    assert [
        item.lead
        for day in (date(2026, 1, 9), date(2026, 2, 24), date(2026, 3, 7))
        for item in calendar.due_on(day)
    ] == [60, 14, 3]
    assert calendar.due_on(date(2026, 3, 10)) == []  # 0 is not among the lead days


def test_find_recovers_an_event_by_key_and_occurrence(shipped: Calendar) -> None:
    event = shipped.find("anniversary:sassnitz:partnership", "2026-06-01")
    assert event is not None and event.years == 23
    assert shipped.find("town_day:narva", "2025-06-28") is not None
    assert shipped.find("town_day:narva", "2025-06-07") is None  # the rule's day was overridden


# ---- who gets what ---------------------------------------------------------------------------------


def test_subscribers_get_what_they_chose_and_visits_go_to_staff_only() -> None:
    visit = PlannedVisit(7, "narva", date(2026, 6, 8), None, "in", "official", "talks")
    calendar = Calendar(
        [town("narva", "2000-06-08"), town("raisio", "1975-09-15")],
        {"narva": TownDay("narva", TownDayRule.fixed(6, 15))},
        [visit],
        SETTINGS,
    )
    due = calendar.due_on(date(2026, 6, 8))
    assert {item.event.kind for item in due} == {EventKind.ANNIVERSARY, EventKind.TOWN_DAY, EventKind.VISIT}
    both = frozenset({EventKind.ANNIVERSARY, EventKind.TOWN_DAY})
    subscribers = [
        Subscriber(1, "ru", both),
        Subscriber(2, "en", frozenset({EventKind.TOWN_DAY})),
        Subscriber(3, "ru", both, towns=frozenset({"raisio"})),
        Subscriber(-100, "ru", frozenset(EventKind), staff=True),
        Subscriber(-100, "ru", both),  # the staff chat also subscribed: still one list, no repeats
    ]
    plan = plan_deliveries(due, subscribers)
    kinds = {chat: [item.event.kind for item in items] for chat, items in plan.items()}
    assert kinds[1] == [EventKind.ANNIVERSARY, EventKind.TOWN_DAY]
    assert kinds[2] == [EventKind.TOWN_DAY]
    assert 3 not in plan  # only Raisio, which has nothing that day
    assert kinds[-100] == [EventKind.ANNIVERSARY, EventKind.VISIT, EventKind.TOWN_DAY]  # by date


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


def test_the_round_years_come_from_the_settings() -> None:
    from bot.core.calendar import ROUND_YEARS, CalendarSettings, is_round

    assert 55 in ROUND_YEARS and 35 in ROUND_YEARS and 23 not in ROUND_YEARS
    only_fifty = Calendar(shipped_towns(), {}, settings=CalendarSettings(round_years=frozenset({50})))
    narvik = next(item for item in only_fifty.due_on(date(2027, 1, 15)) if item.event.town_key == "narvik")
    assert narvik.event.years == 55 and not narvik.event.round
    assert is_round(50, frozenset({50})) and not is_round(55, frozenset({50}))
