"""bot/core/questions/answers: the two computations the renderer makes of an answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.directory import TownDirectory
from bot.core.model import PartialDate, Town
from bot.core.questions import agreements_matching, today_years
from bot.core.townfile import shipped_towns

DIRECTORY = TownDirectory(shipped_towns())


def keys(towns: Sequence[Town]) -> list[str]:
    return [town.key for town in towns]


def test_a_day_matches_that_day_and_the_towns_signed_that_year_without_one() -> None:
    assert agreements_matching(DIRECTORY, PartialDate(2006, 12, 4)) == ([DIRECTORY.by_key["svetlahorsk"]], [])
    exact, same_year = agreements_matching(DIRECTORY, PartialDate(2000, 5, 1))
    assert exact == [] and sorted(keys(same_year)) == ["kohtla_jarve", "narva"]
    assert agreements_matching(DIRECTORY, PartialDate(2006, 12, 5)) == ([], [])


def test_a_year_matches_every_agreement_of_that_year() -> None:
    exact, same_year = agreements_matching(DIRECTORY, PartialDate(2000))
    assert sorted(keys(exact)) == ["kohtla_jarve", "narva"] and same_year == []


def test_years_are_counted_to_the_given_day_with_the_precision_known() -> None:
    narvik, sassnitz = DIRECTORY.by_key["narvik"], DIRECTORY.by_key["sassnitz"]
    assert today_years(narvik, date(2026, 11, 26)) == 54
    assert today_years(sassnitz, date(2026, 5, 31)) == 22
    assert today_years(sassnitz, date(2026, 6, 1)) == 23
