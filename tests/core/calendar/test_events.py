"""Events: a date set for a year over the rule, unknown Town Days, anniversaries and their precision, round
numbers, lead days, and what each subscriber gets."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar.events import (
    Calendar,
    CalendarSettings,
    EventKind,
    PlannedVisit,
    Subscriber,
    anniversary,
    plan_deliveries,
)
from bot.core.calendar.seeds import shipped_town_days
from bot.core.calendar.town_days import DateSpan, TownDay, TownDayRule
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


def test_the_round_years_come_from_the_settings() -> None:
    from bot.core.calendar import ROUND_YEARS, CalendarSettings, is_round

    assert 55 in ROUND_YEARS and 35 in ROUND_YEARS and 23 not in ROUND_YEARS
    only_fifty = Calendar(shipped_towns(), {}, settings=CalendarSettings(round_years=frozenset({50})))
    narvik = next(item for item in only_fifty.due_on(date(2027, 1, 15)) if item.event.town_key == "narvik")
    assert narvik.event.years == 55 and not narvik.event.round
    assert is_round(50, frozenset({50})) and not is_round(55, frozenset({50}))
