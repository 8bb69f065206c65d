"""bot/core/dates (the one month table and the written formats) and questions.find_date, which uses it."""

from __future__ import annotations

import pytest

from bot.core.calendar import parsing
from bot.core.dates import full_date, month_number, partial_date
from bot.core.model import PartialDate
from bot.core.questions import find_date, reading


@pytest.mark.parametrize(
    "text",
    [
        "01.06.2003",
        "1.6.2003",
        "01/06/2003",
        "2003-06-01",
        "1 июня 2003",
        "что подписали 1 июня 2003 года?",
        "1-го июня 2003",
        "1 June 2003",
        "1st June 2003",
        "1st of June 2003",
        "June 1, 2003",
        "June 1st, 2003",
        "Jun. 1 2003",
        "signed on 2003-06-01?",
    ],
)
def test_finds_the_date(text: str) -> None:
    found = find_date(text)
    assert found is not None
    assert found.iso() == "2003-06-01"


@pytest.mark.parametrize(
    "text",
    [
        "31.02.2024",  # no such day
        "30 февраля 2024",
        "2024-13-01",
        "в 2003 году",  # a year alone is no full date
        "июнь 2003",
        "1 июня",
        "Нарва",
        "",
        "99.99.9999",
    ],
)
def test_no_date(text: str) -> None:
    assert find_date(text) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [("4 мая 2006", "2006-05-04"), ("4 марта 2006", "2006-03-04"), ("May 4, 2006", "2006-05-04")],
)
def test_may_and_march_are_told_apart(text: str, iso: str) -> None:
    found = find_date(text)
    assert found is not None and found.iso() == iso


@pytest.mark.parametrize(
    ("word", "number"),
    [
        ("июня", 6),
        ("June", 6),
        ("мая", 5),
        ("may", 5),
        ("декабря", 12),
        ("Dec", 12),
        ("март", 3),
        ("маяк", None),
        ("Июнь", 6),
        ("июн", 6),
        ("jun.", 6),
        ("sept", 9),
        ("дек.", 12),
        ("сент", 9),
        ("мартом", 3),
        ("ма", None),
        ("мартобря", None),
        ("market", None),
        ("mayor", None),
        ("", None),
    ],
)
def test_month_number(word: str, number: int | None) -> None:
    assert month_number(word) == number


def test_there_is_one_month_table() -> None:
    """The calendar and the question engine read month names with the same function."""
    assert parsing.month_number is month_number
    assert not hasattr(reading, "_MONTHS") and not hasattr(parsing, "_MONTHS_RU")
    assert reading.full_dates.__module__ == "bot.core.dates"  # the questions read dates with dates.py


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2003", (2003, None, None)),
        ("2003 г.", (2003, None, None)),
        ("06.2003", (2003, 6, None)),
        ("2003-06", (2003, 6, None)),
        ("June 2003", (2003, 6, None)),
        ("в июне 2003 года", (2003, 6, None)),
        ("1.06.2003", (2003, 6, 1)),
        ("1 June 2003", (2003, 6, 1)),
        ("June 1, 2003", (2003, 6, 1)),
        ("1-го июня 2003", (2003, 6, 1)),
        ("2003-06-01", (2003, 6, 1)),
        ("31.04.2003", (2003, 4, 31)),  # existence is the caller's business
        ("long ago", None),
        ("1 маяка 2003", None),
        ("", None),
    ],
)
def test_partial_dates(text: str, expected: tuple[int, int | None, int | None] | None) -> None:
    assert partial_date(text) == expected


def test_full_date_is_the_whole_text_and_full_dates_search() -> None:
    assert full_date("1 июня 2003") == (2003, 6, 1)
    assert full_date("подписано 1 июня 2003") is None
    assert find_date("подписано 1 июня 2003, а не 31.02.2004") is not None
    assert find_date("31.02.2004 или 1.03.2004") == PartialDate(2004, 3, 1)
