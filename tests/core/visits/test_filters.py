"""The one reader of which visits staff ask for (bot/core/visits/filters.py), on its own."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.directory import TownDirectory
from bot.core.visits import DelegationType, Direction
from bot.core.visits.filters import (
    MAX_SEARCH_TERMS,
    YEAR_OUT_OF_RANGE,
    VisitFilter,
    matches,
    read_filter,
    search_terms,
)

TODAY = date(2026, 11, 26)
ESTONIA = frozenset({"johvi", "kohtla_jarve", "narva", "narva_joesuu"})
IN, OUT = Direction.INCOMING, Direction.OUTGOING


def read(directory: TownDirectory, text: str) -> VisitFilter:
    reading = read_filter(text, directory, TODAY)
    assert reading.ok, (text, reading)
    return reading.filter


@pytest.mark.parametrize(
    ("text", "towns", "directions", "kinds", "first", "last"),
    [
        ("", (), (), (), None, None),
        ("2025", (), (), (), date(2025, 1, 1), date(2025, 12, 31)),
        ("2025 г.", (), (), (), date(2025, 1, 1), date(2025, 12, 31)),
        ("2023-2025", (), (), (), date(2023, 1, 1), date(2025, 12, 31)),
        ("молодёжь входящие", (), (IN,), (DelegationType.YOUTH,), None, None),
        ("youth incoming", (), (IN,), (DelegationType.YOUTH,), None, None),
        ("исходящие спорт", (), (OUT,), (DelegationType.SPORTS,), None, None),
        ("out", (), (OUT,), (), None, None),
        ("входящие исходящие", (), (), (), None, None),  # both directions: no restriction
        ("01.05.2025-31.08.2025", (), (), (), date(2025, 5, 1), date(2025, 8, 31)),
        ("с 1 мая по 31 августа 2025", (), (), (), date(2025, 5, 1), date(2025, 8, 31)),
        ("01.01.2020-31.12.2025", (), (), (), date(2020, 1, 1), date(2025, 12, 31)),  # longer than a visit
        ("5 июня 2024", (), (), (), date(2024, 6, 5), date(2024, 6, 5)),
        ("Нарва лето 2025", ("narva",), (), (), date(2025, 6, 1), date(2025, 8, 31)),
        ("Narva summer 2025", ("narva",), (), (), date(2025, 6, 1), date(2025, 8, 31)),
        ("2025 лето Нарва", ("narva",), (), (), date(2025, 6, 1), date(2025, 8, 31)),
        ("июнь 2025", (), (), (), date(2025, 6, 1), date(2025, 6, 30)),
        ("зима 2025", (), (), (), date(2024, 12, 1), date(2025, 2, 28)),
        # without a year: the latest that has begun (26.11.2026: summer 2026, winter 2025/26)
        ("летом", (), (), (), date(2026, 6, 1), date(2026, 8, 31)),
        ("зимой", (), (), (), date(2025, 12, 1), date(2026, 2, 28)),
        ("декабрь", (), (), (), date(2025, 12, 1), date(2025, 12, 31)),
        ("в прошлом году", (), (), (), date(2025, 1, 1), date(2025, 12, 31)),
        ("this year", (), (), (), date(2026, 1, 1), date(2026, 12, 31)),
        ("Эстония", ESTONIA, (), (), None, None),
        ("Estonia 2024", ESTONIA, (), (), date(2024, 1, 1), date(2024, 12, 31)),
        ("Нарва Нарвик", ("narva", "narvik"), (), (), None, None),
        ("Нарва-Йыэсуу", ("narva_joesuu",), (), (), None, None),
        ("Narwa", ("narva",), (), (), None, None),  # a typo the directory knows
        ("из Нарвы", ("narva",), (IN,), (), None, None),
        ("в Нарву", ("narva",), (OUT,), (), None, None),
        ("from Narva", ("narva",), (IN,), (), None, None),
        ("to Narvik in 2024", ("narvik",), (OUT,), (), date(2024, 1, 1), date(2024, 12, 31)),
        ("из Нарвы исходящие", ("narva",), (OUT,), (), None, None),  # a direction word wins over "из"
        ("визиты делегации Нарвы", ("narva",), (), (), None, None),
    ],
)
def test_reads_what_staff_type(
    directory: TownDirectory,
    text: str,
    towns: tuple[str, ...],
    directions: tuple[Direction, ...],
    kinds: tuple[DelegationType, ...],
    first: date | None,
    last: date | None,
) -> None:
    found = read(directory, text)
    assert found.town_keys == frozenset(towns)
    assert found.directions == frozenset(directions)
    assert found.kinds == frozenset(kinds)
    assert (found.first, found.last) == (first, last)
    assert found.terms == ()


def test_search_words_come_after_find(directory: TownDirectory) -> None:
    found = read(directory, "Нарва 2025 найти Фестиваль дружбы")
    assert found.town_keys == {"narva"} and found.first == date(2025, 1, 1)
    assert found.terms == ("фестивал", "дружб")
    assert read(directory, "find Festivals").terms == ("festiv",)
    # everything is a search word for /find, town names too
    reading = read_filter("Нарва фестиваль", directory, TODAY, search=True)
    assert reading.ok and reading.filter == VisitFilter(terms=("нарв", "фестивал"))
    assert read_filter("найти", directory, TODAY).empty_search
    assert read_filter("   ", directory, TODAY, search=True).empty_search
    assert read_filter("<>&", directory, TODAY, search=True).empty_search


def test_search_terms_fold_cyrillic_case_and_yo() -> None:
    assert search_terms("ЁЛКА Ёлки") == ("елк",)
    assert search_terms("ФЕСТИВАЛЯ") == search_terms("фестиваль") == ("фестивал",)
    assert search_terms("a-b " * 50) == ("a", "b")
    assert len(search_terms(" ".join(f"слово{n}" for n in range(30)))) == MAX_SEARCH_TERMS
    assert matches(["Фестиваль «Дружба»", ""], search_terms("фестивалю дружбе"))
    assert matches(["", "заметка про ЁЛКУ"], search_terms("елка"))
    assert not matches(["Фестиваль", ""], search_terms("фестиваль кино"))


def test_unknown_words_are_named_not_guessed(directory: TownDirectory) -> None:
    reading = read_filter("Нарва <b>жёлтые</b> & 2025 Атлантида", directory, TODAY)
    assert not reading.ok
    assert reading.unknown == ("<b>жёлтые</b>", "&", "Атлантида")
    assert reading.filter.town_keys == {"narva"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31.08.2025-01.05.2025", "end_before_start"),
        ("2025-2023", "end_before_start"),
        ("31.02.2025", "date_impossible"),
        ("01.01.2030-31.12.2030", "date_too_late"),  # more than two years ahead
        ("2031", YEAR_OUT_OF_RANGE),
        ("1800", YEAR_OUT_OF_RANGE),
        ("лето 2031", YEAR_OUT_OF_RANGE),
    ],
)
def test_impossible_periods_are_errors(directory: TownDirectory, text: str, code: str) -> None:
    reading = read_filter(text, directory, TODAY)
    assert not reading.ok and [error.code for error in reading.errors] == [code]


def test_a_planned_period_is_fine_and_two_periods_are_asked_about(directory: TownDirectory) -> None:
    found = read(directory, "01.01.2027-31.03.2027")
    assert (found.first, found.last) == (date(2027, 1, 1), date(2027, 3, 31))
    assert read_filter("2024 2025", directory, TODAY).repeated_period
    assert read_filter("2025 лето 2024", directory, TODAY).repeated_period
    assert read_filter("2025 2025", directory, TODAY).ok  # the same period twice is one


def test_filters_survive_json_and_forged_json_is_refused(directory: TownDirectory) -> None:
    found = read(directory, "Эстония входящие молодёжь лето 2025 найти фестиваль")
    assert VisitFilter.from_json(found.to_json(), directory, TODAY) == found
    token = found.token()
    assert (
        len(token) == 12 and token == read(directory, "лето 2025 молодёжь Эстония in найти фестиваль").token()
    )
    assert token != VisitFilter().token()
    good = found.to_json()
    forged: list[object] = [
        None,
        [],
        "x",
        {**good, "towns": ["kingisepp"]},  # home is no partner
        {**good, "towns": ["atlantis"]},
        {**good, "towns": "narva"},
        {**good, "directions": ["sideways"]},
        {**good, "kinds": ["secret"]},
        {**good, "first": "2025-13-01"},
        {**good, "first": "1800-01-01"},
        {**good, "first": "2025-09-01", "last": "2025-06-01"},
        {**good, "terms": ["a b"]},
        {**good, "terms": ["x" * 41]},
        {**good, "terms": [str(n) for n in range(MAX_SEARCH_TERMS + 1)]},
        {key: value for key, value in good.items() if key != "kinds"},
    ]
    for data in forged:
        assert VisitFilter.from_json(data, directory, TODAY) is None, data


def test_long_input_is_bounded(directory: TownDirectory) -> None:
    reading = read_filter("Нарва " * 700, directory, TODAY)  # 4,200 characters
    assert reading.ok and reading.filter.town_keys == {"narva"}
    reading = read_filter("ъ" * 4000, directory, TODAY)
    assert reading.unknown == ("ъ" * 4000,)
