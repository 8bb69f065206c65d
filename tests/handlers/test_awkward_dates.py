"""The answers on the days that break date arithmetic (tests/clock_guard.py's AWKWARD_DATES).

Each expectation is worked out here from the shipped facts with the standard library, not by the bot's
own calendar code: "N years" of a partnership known only to its year, completed years of one known to
the day, the next Town Day once this year's has passed, a round anniversary on its very day, and the
stamps staff read back (they follow the bot's clock, in local time, on New Year's Eve too).
"""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.clock_guard import AWKWARD_DATES
from tests.handlers.conftest import ADMIN_ID, Harness, open_harness

MOSCOW = ZoneInfo("Europe/Moscow")  # the bot's default zone: Kingisepp's
MONTHS_RU = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()


def years_ru(years: int) -> str:
    if years % 10 == 1 and years % 100 != 11:
        return f"{years} год"
    if 2 <= years % 10 <= 4 and not 12 <= years % 100 <= 14:
        return f"{years} года"
    return f"{years} лет"


def first_weekend(year: int, month: int, ordinal: int) -> date:
    """The Saturday of the ordinal-th weekend (Saturday and Sunday) of the month."""
    saturdays = [
        date(year, month, day)
        for day in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, day).weekday() == calendar.SATURDAY
    ]
    return saturdays[ordinal - 1]


def next_weekend(today: date, month: int, ordinal: int) -> date:
    """The next such weekend whose Sunday is today or later."""
    for year in (today.year, today.year + 1):
        saturday = first_weekend(year, month, ordinal)
        if saturday + timedelta(days=1) >= today:
            return saturday
    raise AssertionError("unreachable")


def completed_years(signed: date, today: date) -> int:
    return today.year - signed.year - ((today.month, today.day) < (signed.month, signed.day))


@pytest.fixture(params=list(AWKWARD_DATES), ids=list(AWKWARD_DATES))
async def on_the_day(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Harness, date]]:
    moment = datetime.fromisoformat(AWKWARD_DATES[request.param])
    async with open_harness(tmp_path, moment) as harness:
        yield harness, moment.astimezone(MOSCOW).date()


async def test_years_of_a_partnership_known_only_to_its_year(on_the_day: tuple[Harness, date]) -> None:
    harness, today = on_the_day
    (answer,) = await harness.texts("сколько лет дружим с Нарвой?")  # signed "2000"
    assert f"в {today.year} году исполняется {years_ru(today.year - 2000)}" in answer
    (english,) = await harness.texts("how many years with Raisio")  # signed "1975"
    assert f"{today.year} marks {today.year - 1975} years" in english


async def test_years_of_a_partnership_known_to_the_day(on_the_day: tuple[Harness, date]) -> None:
    harness, today = on_the_day
    signed = date(2006, 12, 4)  # Svetlogorsk
    (answer,) = await harness.texts("сколько лет со Светлогорском")
    years = completed_years(signed, today)
    upcoming = date(today.year if (today.month, today.day) < (12, 4) else today.year + 1, 12, 4)
    assert f"{years_ru(years)} партнёрства" in answer
    assert f"4 декабря {upcoming.year} исполнится {years + 1}" in answer


async def test_the_next_town_day_after_this_years_has_passed(on_the_day: tuple[Harness, date]) -> None:
    harness, today = on_the_day
    # Narva: the first weekend of June; Sassnitz: the second weekend of July (bot/data/town_days.toml)
    for question, month, ordinal in (("когда день города в Нарве", 6, 1), ("когда день города Засниц", 7, 2)):
        saturday = next_weekend(today, month, ordinal)
        sunday = saturday + timedelta(days=1)
        (answer,) = await harness.texts(question)
        assert f"ближайший: {saturday.day}–{sunday.day} {MONTHS_RU[month - 1]} {saturday.year}" in answer


async def test_staff_read_back_the_day_of_the_bots_clock(on_the_day: tuple[Harness, date]) -> None:
    harness, today = on_the_day
    await harness.texts("/staff add 12345 Ольга", chat_id=ADMIN_ID)
    (listing,) = await harness.texts("/staff list", chat_id=ADMIN_ID)
    assert (
        f"Ольга (<code>12345</code>) — добавил(а) Anna (900), {today.day} {MONTHS_RU[today.month - 1]}"
        in listing
    )
    assert str(today.year) in listing


@pytest.mark.parametrize(
    ("moment", "relative"),
    [
        (datetime(2036, 12, 4, 0, 5, tzinfo=MOSCOW), "сегодня"),  # just after midnight on the day
        (datetime(2036, 12, 3, 23, 55, tzinfo=MOSCOW), "завтра"),  # and five minutes before it
    ],
)
async def test_a_round_anniversary_on_its_day(tmp_path: Path, moment: datetime, relative: str) -> None:
    async with open_harness(tmp_path, moment) as harness:
        (upcoming,) = await harness.texts("/upcoming")
        assert f"4 декабря 2036, четверг</b> ({relative})" in upcoming
        assert "Светлогорск: <b>30 лет, круглая годовщина!</b>" in upcoming
        (answer,) = await harness.texts("сколько лет со Светлогорском")
        expected = "30 лет партнёрства" if relative == "сегодня" else "29 лет партнёрства"
        assert expected in answer
