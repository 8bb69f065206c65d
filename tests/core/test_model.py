"""bot/core/model.py: dates that keep their precision, year counts and distances."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.directory import TownDirectory
from bot.core.model import PartialDate, distance_km
from bot.core.townfile import shipped_towns


def test_precision() -> None:
    assert PartialDate(1972).precision == "year"
    assert PartialDate(2003, 6).precision == "month"
    assert PartialDate(2003, 6, 1).precision == "day"
    assert PartialDate(1972).as_date() is None  # "since 1972" never becomes 1 January 1972
    assert PartialDate(2003, 6).as_date() is None
    assert PartialDate(2003, 6, 1).as_date() == date(2003, 6, 1)


@pytest.mark.parametrize("text", ["2003", "2003-06", "2003-06-01"])
def test_iso_round_trip(text: str) -> None:
    assert PartialDate.parse_iso(text).iso() == text


@pytest.mark.parametrize(
    "text", ["", "03", "2003-13", "2003-02-30", "2003/06/01", "June 2003", "2003-06-01-02"]
)
def test_parse_iso_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        PartialDate.parse_iso(text)


def test_invalid_dates_are_refused() -> None:
    with pytest.raises(ValueError):
        PartialDate(2023, 2, 29)
    with pytest.raises(ValueError):
        PartialDate(2003, None, 5)
    with pytest.raises(ValueError):
        PartialDate(2003, 0)


def test_ordering_puts_less_precise_dates_first_within_a_year() -> None:
    assert PartialDate(2000) < PartialDate(2000, 1, 1) < PartialDate(2000, 6) < PartialDate(2001)


@pytest.mark.parametrize(
    ("since", "today", "years"),
    [
        (PartialDate(1972), date(2026, 1, 1), 54),  # year precision: the count the year reaches
        (PartialDate(1972), date(2026, 12, 31), 54),
        (PartialDate(2003, 6, 1), date(2026, 5, 31), 22),
        (PartialDate(2003, 6, 1), date(2026, 6, 1), 23),  # the anniversary itself counts
        (PartialDate(2003, 6, 1), date(2026, 11, 26), 23),
        (PartialDate(2006, 12, 4), date(2026, 11, 26), 19),
        (PartialDate(2006, 12, 4), date(2026, 12, 4), 20),
        (PartialDate(2003, 6), date(2026, 5, 31), 22),  # month precision: from the 1st
        (PartialDate(2003, 6), date(2026, 6, 1), 23),
        # 29 February: in a common year the anniversary falls on 28 February
        (PartialDate(2000, 2, 29), date(2001, 2, 27), 0),
        (PartialDate(2000, 2, 29), date(2001, 2, 28), 1),
        (PartialDate(2000, 2, 29), date(2004, 2, 28), 3),  # a leap year waits for the 29th
        (PartialDate(2000, 2, 29), date(2004, 2, 29), 4),
    ],
)
def test_years_until(since: PartialDate, today: date, years: int) -> None:
    assert since.years_until(today) == years


REFERENCE_KM = {"narva": 24, "sassnitz": 1053, "renhuai": 6697, "narvik": 1144, "raisio": 380}


@pytest.mark.parametrize(("key", "km"), sorted(REFERENCE_KM.items()))
def test_distance_matches_the_reference_within_one_percent(key: str, km: int) -> None:
    directory = TownDirectory(shipped_towns())
    home = directory.home
    town = directory.get(key)
    assert home is not None and town is not None
    distance = distance_km(home, town)
    assert distance is not None
    assert distance == pytest.approx(km, rel=0.01)
    assert distance_km(town, home) == pytest.approx(distance)


def test_distance_needs_both_coordinates() -> None:
    directory = TownDirectory(shipped_towns())
    home = directory.home
    assert home is not None
    assert distance_km(home, home) == 0
    from dataclasses import replace

    nowhere = replace(home, key="nowhere", latitude=None)
    assert distance_km(home, nowhere) is None
