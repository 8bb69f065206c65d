"""Visit dates as staff type them (bot/core/visits/dates.py): every accepted form, periods, the window."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.visits.dates import month_number, parse_date, parse_period, year_allowed, year_range
from bot.core.visits.record import VisitInputError
from tests.core.visits.field_errors import codes

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05.06.2024", date(2024, 6, 5)),
        ("5.6.2024", date(2024, 6, 5)),
        ("05/06/2024", date(2024, 6, 5)),
        ("05.06.24", date(2024, 6, 5)),
        ("2024-06-05", date(2024, 6, 5)),
        ("5 июня 2024", date(2024, 6, 5)),
        ("5 июня 2024 г.", date(2024, 6, 5)),
        ("5 июня 2024 года", date(2024, 6, 5)),
        ("5 ИЮНЯ 2024", date(2024, 6, 5)),
        ("5 June 2024", date(2024, 6, 5)),
        ("5th June 2024", date(2024, 6, 5)),
        ("June 5, 2024", date(2024, 6, 5)),
        ("5 jun 2024", date(2024, 6, 5)),
        ("1 мая 2025", date(2025, 5, 1)),
        ("3 сент. 2025", date(2025, 9, 3)),
        ("5 июня", date(2026, 6, 5)),  # no year: this year
        ("сегодня", TODAY),
        ("Сегодня", TODAY),
        ("today", TODAY),
        ("вчера", date(2026, 11, 25)),
        ("yesterday", date(2026, 11, 25)),
        ("  05.06.2024  ", date(2024, 6, 5)),
    ],
)
def test_dates_in_every_accepted_form(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31.02.2024", "date_impossible"),
        ("30 февраля 2024", "date_impossible"),
        ("2024-13-01", "date_impossible"),
        ("1949-12-31", "date_too_early"),
        ("01.01.1900", "date_too_early"),
        ("27.11.2028", "date_too_late"),  # more than two years ahead
        ("завтрашний день", "date_format"),
        ("5 мартобря 2024", "date_format"),
        ("", "date_format"),
        ("🙂", "date_format"),
        ("'; DROP TABLE visits; --", "date_format"),
    ],
)
def test_bad_dates_are_named(text: str, code: str) -> None:
    with pytest.raises(VisitInputError) as error:
        parse_date(text, TODAY)
    assert codes(error) == [("start", code)]


def test_two_years_ahead_is_the_limit() -> None:
    assert parse_date("26.11.2028", TODAY) == date(2028, 11, 26)
    assert parse_date("01.01.1950", TODAY) == date(1950, 1, 1)


def test_month_names() -> None:
    assert [month_number(w) for w in ("января", "Февраль", "мая", "май", "June", "sept", "дек.")] == [
        1,
        2,
        5,
        5,
        6,
        9,
        12,
    ]
    assert month_number("ма") is None and month_number("мартобря") is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("05.06.2024-07.06.2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("05.06.2024 - 07.06.2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("05.06.2024–07.06.2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("2024-06-05-2024-06-07", date(2024, 6, 5), date(2024, 6, 7)),
        ("2024-06-05 — 2024-06-07", date(2024, 6, 5), date(2024, 6, 7)),
        ("5-7 июня 2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("с 5 по 7 июня 2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("30 мая - 2 июня 2024", date(2024, 5, 30), date(2024, 6, 2)),
        ("5 June 2024 to 7 June 2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("05.06-07.06.2024", date(2024, 6, 5), date(2024, 6, 7)),
        ("вчера-сегодня", date(2026, 11, 25), TODAY),
        ("05.06.2024", date(2024, 6, 5), None),
        ("2024-06-05", date(2024, 6, 5), None),
    ],
)
def test_periods(text: str, start: date, end: date | None) -> None:
    assert parse_period(text, TODAY) == (start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07.06.2024-05.06.2024", [("end", "end_before_start")]),
        ("31.02.2024-03.03.2024", [("start", "date_impossible")]),
        ("05.06.1940-07.06.1940", [("start", "date_too_early")]),
        ("01.01.2020-01.01.2023", [("end", "period_too_long")]),
        ("когда-то давно", [("start", "date_format")]),
    ],
)
def test_bad_periods(text: str, expected: list[tuple[str, str]]) -> None:
    with pytest.raises(VisitInputError) as error:
        parse_period(text, TODAY)
    assert codes(error) == expected


def test_one_year_range_for_every_command() -> None:
    assert year_range(TODAY) == (1950, 2028)
    assert year_allowed(1950, TODAY) and year_allowed(2028, TODAY)
    assert not year_allowed(1949, TODAY) and not year_allowed(2029, TODAY)
