"""Staff questions about the register in their own words (bot/core/visits/register_questions.py): the
table of phrasings (Russian and English, typos, Russian in Latin letters, names in either script), and the
questions that are not about the register and stay with the residents' question engine."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.directory import TownDirectory
from bot.core.visits import DelegationType, Direction
from bot.core.visits.filters import YEAR_OUT_OF_RANGE
from bot.core.visits.register_questions import Asked, read_register_question

TODAY = date(2026, 11, 26)
IN, OUT = Direction.INCOMING, Direction.OUTGOING
ESTONIA = ("johvi", "kohtla_jarve", "narva", "narva_joesuu")
Y2024 = (date(2024, 1, 1), date(2024, 12, 31))
Y2025 = (date(2025, 1, 1), date(2025, 12, 31))
SUMMER_2025 = (date(2025, 6, 1), date(2025, 8, 31))
SUMMER_2026 = (date(2026, 6, 1), date(2026, 8, 31))  # "летом" on 26.11.2026
ANY = (None, None)
C, L = Asked.COUNT, Asked.LIST

CASES = [
    # (question, asked, towns, direction, kinds, period)
    ("сколько делегаций было в 2025", C, (), None, (), Y2025),
    ("Сколько делегаций было в 2025 году?", C, (), None, (), Y2025),
    ("кто приезжал из Нарвы летом", L, ("narva",), IN, (), SUMMER_2026),
    ("how many visits to Narvik in 2024", C, ("narvik",), OUT, (), Y2024),
    ("How many visits to Narvik in 2024?", C, ("narvik",), OUT, (), Y2024),
    ("Сколько визитов было в прошлом году?", C, (), None, (), Y2025),
    ("скока делигаций было в 2025", C, (), None, (), Y2025),  # slang and a typo
    ("сколко визитов из Нарвы", C, ("narva",), IN, (), ANY),
    ("сколько делегацый было в 2025", C, (), None, (), Y2025),
    ("какие делегации приезжали из Эстонии в 2024", L, ESTONIA, IN, (), Y2024),
    ("сколько молодёжных делегаций приезжало в 2025 году", C, (), IN, (DelegationType.YOUTH,), Y2025),
    ("сколько раз мы ездили в Нарвик", C, ("narvik",), OUT, (), ANY),
    ("кто приезжал к нам летом 2025", L, (), IN, (), SUMMER_2025),
    ("how many delegations came from Narva in 2025", C, ("narva",), IN, (), Y2025),
    ("who came from Narva last summer", L, ("narva",), IN, (), SUMMER_2026),
    ("which delegations visited us in 2024", L, (), None, (), Y2024),
    ("how many youth delegations in 2025", C, (), None, (DelegationType.YOUTH,), Y2025),
    ("how many visits to Нарвик in 2024", C, ("narvik",), OUT, (), Y2024),  # a Cyrillic name in English
    ("сколько визитов в Narvik в 2024", C, ("narvik",), OUT, (), Y2024),  # a Latin name in Russian
    ("skolko vizitov iz Narvy v 2025", C, ("narva",), IN, (), Y2025),  # Russian in Latin letters
    ("skolko delegaciy bylo v 2024", C, (), None, (), Y2024),
    ("how many vists to Narvik in 2024", C, ("narvik",), OUT, (), Y2024),  # a typo
    ("how many delegatons from Estonia", C, ESTONIA, IN, (), ANY),
    ("list visits to Sassnitz in 2023", L, ("sassnitz",), OUT, (), (date(2023, 1, 1), date(2023, 12, 31))),
    ("покажи визиты в Засниц за 2023", L, ("sassnitz",), OUT, (), (date(2023, 1, 1), date(2023, 12, 31))),
    ("сколько исходящих визитов в 2025", C, (), OUT, (), Y2025),
    (
        "сколько делегаций было с 01.05.2025 по 31.08.2025",
        C,
        (),
        None,
        (),
        (date(2025, 5, 1), date(2025, 8, 31)),
    ),
    ("сколько визитов в Нарву в июне 2025", C, ("narva",), OUT, (), (date(2025, 6, 1), date(2025, 6, 30))),
    ("how many outgoing visits in summer 2025", C, (), OUT, (), SUMMER_2025),
    ("кто приезжал из Нарвы", L, ("narva",), IN, (), ANY),
    ("КТО ПРИЕЗЖАЛ ИЗ НАРВЫ ЛЕТОМ 2025", L, ("narva",), IN, (), SUMMER_2025),
    (
        "сколько спортивных визитов в Нарву и Нарвик",
        C,
        ("narva", "narvik"),
        OUT,
        (DelegationType.SPORTS,),
        ANY,
    ),
]


@pytest.mark.parametrize(("question", "asked", "towns", "direction", "kinds", "period"), CASES)
def test_register_questions_are_read(
    directory: TownDirectory,
    question: str,
    asked: Asked,
    towns: tuple[str, ...],
    direction: Direction | None,
    kinds: tuple[DelegationType, ...],
    period: tuple[date | None, date | None],
) -> None:
    found = read_register_question(question, directory, TODAY)
    assert found is not None, question
    assert found.reading.ok, found.reading
    assert found.asked is asked
    assert found.reading.filter.town_keys == frozenset(towns)
    assert found.reading.filter.direction == direction
    assert found.reading.filter.kinds == frozenset(kinds)
    assert (found.reading.filter.first, found.reading.filter.last) == period


def test_the_table_is_wide_enough() -> None:
    assert len(CASES) >= 25
    assert sum(1 for case in CASES if any("a" <= ch <= "z" for ch in case[0].lower())) >= 10


@pytest.mark.parametrize(
    "question",
    [
        "сколько лет дружбе с Нарвой",  # a partnership question: the residents' engine answers it
        "когда приезжала последняя делегация из Нарвы?",
        "Расскажи о Нарве",
        "how many partner towns",
        "how many people live in Narva",
        "Нарва",
        "",
        "   ",
        "сколько",
        "визиты",  # no question
        "сколько визитов " + "очень " * 40,  # too many words
        "<b>сколько</b> & визитов",
    ],
)
def test_other_texts_are_not_register_questions(directory: TownDirectory, question: str) -> None:
    assert read_register_question(question, directory, TODAY) is None


def test_a_year_out_of_range_is_a_register_question_with_an_error(directory: TownDirectory) -> None:
    found = read_register_question("сколько делегаций было в 2035", directory, TODAY)
    assert found is not None and [error.code for error in found.reading.errors] == [YEAR_OUT_OF_RANGE]
    found = read_register_question("how many visits from 01.09.2025 to 01.05.2025", directory, TODAY)
    assert found is not None and [error.code for error in found.reading.errors] == ["end_before_start"]
