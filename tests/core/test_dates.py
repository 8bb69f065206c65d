"""bot/core/questions.find_date and month_number: full dates written in a question."""

from __future__ import annotations

import pytest

from bot.core.questions import find_date, month_number


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
    ],
)
def test_month_number(word: str, number: int | None) -> None:
    assert month_number(word) == number
