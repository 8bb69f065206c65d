"""Parsing and validation of what staff type for a visit (bot/core/visits.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns
from bot.core.visits import (
    MAX_NOTES,
    DelegationType,
    Direction,
    VisitDraft,
    VisitInputError,
    check_notes,
    check_purpose,
    find_town,
    month_number,
    parse_date,
    parse_direction,
    parse_kind,
    parse_one_line,
    parse_people,
    parse_period,
    resolve_town,
    validate,
    year_allowed,
    year_range,
)

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def directory() -> TownDirectory:
    return TownDirectory(shipped_towns())


def codes(error: pytest.ExceptionInfo[VisitInputError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.value.errors]


# ---- dates ----------------------------------------------------------------------------------------------


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


# ---- direction, type, people, purpose, notes -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["in", "IN", "incoming", "приезд", "Приезд", "визит к нам", "к нам", "входящий", "to us", "arrival"],
)
def test_incoming_synonyms(text: str) -> None:
    assert parse_direction(text) is Direction.INCOMING


@pytest.mark.parametrize(
    "text", ["out", "outgoing", "поездка", "Поездка.", "выезд", "от нас", "визит от нас", "trip", "from us"]
)
def test_outgoing_synonyms(text: str) -> None:
    assert parse_direction(text) is Direction.OUTGOING


def test_unknown_direction_is_named() -> None:
    with pytest.raises(VisitInputError) as error:
        parse_direction("туда-сюда")
    assert codes(error) == [("direction", "direction_unknown")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("официальная", DelegationType.OFFICIAL),
        ("Official", DelegationType.OFFICIAL),
        ("деловая", DelegationType.BUSINESS),
        ("бизнес", DelegationType.BUSINESS),
        ("business", DelegationType.BUSINESS),
        ("молодёжная", DelegationType.YOUTH),
        ("молодежная делегация", DelegationType.YOUTH),
        ("youth", DelegationType.YOUTH),
        ("школьники", DelegationType.SCHOOLCHILDREN),
        ("schoolchildren", DelegationType.SCHOOLCHILDREN),
        ("культурная", DelegationType.CULTURAL),
        ("cultural", DelegationType.CULTURAL),
        ("спортивная", DelegationType.SPORTS),
        ("sports", DelegationType.SPORTS),
        ("медицинская", DelegationType.MEDICAL),
        ("medical", DelegationType.MEDICAL),
        ("другое", DelegationType.OTHER),
        ("other", DelegationType.OTHER),
    ],
)
def test_delegation_types(text: str, kind: DelegationType) -> None:
    assert parse_kind(text) is kind


def test_unknown_type_is_named() -> None:
    with pytest.raises(VisitInputError) as error:
        parse_kind("балетная")
    assert codes(error) == [("kind", "kind_unknown")]


@pytest.mark.parametrize(
    ("text", "people"),
    [("12", 12), ("1", 1), ("10000", 10000), ("10 000", 10000), ("12 чел.", 12), ("12 people", 12)],
)
def test_people(text: str, people: int) -> None:
    assert parse_people(text) == people


@pytest.mark.parametrize("text", ["-", "нет", "skip", "не знаю"])
def test_people_can_be_unknown(text: str) -> None:
    assert parse_people(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0", "people_range"),
        ("100000", "people_range"),
        ("10001", "people_range"),
        ("много", "people_format"),
        ("²", "people_format"),  # "²".isdigit() is true, but int("²") fails
        ("١٢", "people_format"),
        ("1" * 5000, "people_format"),  # over int()'s limit for text
    ],
)
def test_bad_people(text: str, code: str) -> None:
    with pytest.raises(VisitInputError) as error:
        parse_people(text)
    assert codes(error) == [("people", code)]


def test_purpose_and_notes_limits_are_clear() -> None:
    assert check_purpose("  Летний лагерь <b>&  ") == "Летний лагерь <b>&"
    with pytest.raises(VisitInputError) as error:
        check_purpose("   ")
    assert codes(error) == [("purpose", "purpose_empty")]
    with pytest.raises(VisitInputError) as error:
        check_purpose("x" * 501)
    assert codes(error) == [("purpose", "too_long")]
    assert error.value.errors[0].params == {"length": 501, "limit": 500}
    assert check_notes("x" * MAX_NOTES) == "x" * MAX_NOTES
    with pytest.raises(VisitInputError) as error:
        check_notes("x" * 4000)
    assert error.value.errors[0].params == {"length": 4000, "limit": 2000}


# ---- towns ---------------------------------------------------------------------------------------------


def test_towns_are_found_as_people_type_them(directory: TownDirectory) -> None:
    for text, key in [
        ("Нарва", "narva"),
        ("из Нарвы", "narva"),
        ("narwa", "narva"),
        ("Нарва-Йыэсуу", "narva_joesuu"),
        ("Raisio", "raisio"),
        ("narvik", "narvik"),
    ]:
        lookup = find_town(directory, text)
        assert lookup.town is not None and lookup.town.key == key, text


def test_kingisepp_is_not_a_visit_town(directory: TownDirectory) -> None:
    with pytest.raises(VisitInputError):
        resolve_town(directory, "Кингисепп")


def test_unknown_town_suggests_the_closest(directory: TownDirectory) -> None:
    lookup = find_town(directory, "Нарвания")
    assert lookup.town is None
    with pytest.raises(VisitInputError) as error:
        resolve_town(directory, "Тмутаракань")
    assert codes(error) == [("town", "town_unknown")]


# ---- one line ------------------------------------------------------------------------------------------


def test_one_line(directory: TownDirectory) -> None:
    draft = parse_one_line(
        "Нарва; 05.06.2024-07.06.2024; приезд; молодёжная; 12; Летний лагерь; дружба", directory, TODAY
    )
    assert draft == VisitDraft(
        town_key="narva",
        direction=Direction.INCOMING,
        start=date(2024, 6, 5),
        end=date(2024, 6, 7),
        kind=DelegationType.YOUTH,
        people=12,
        purpose="Летний лагерь; дружба",  # the purpose is the rest of the line, semicolons and all
    )


def test_one_line_in_english_with_unknown_people(directory: TownDirectory) -> None:
    draft = parse_one_line("Raisio; 5 June 2024; out; sports; ; Football tournament", directory, TODAY)
    assert draft.town_key == "raisio" and draft.direction is Direction.OUTGOING
    assert draft.people is None and draft.end is None and draft.kind is DelegationType.SPORTS


def test_one_line_names_every_bad_field(directory: TownDirectory) -> None:
    with pytest.raises(VisitInputError) as error:
        parse_one_line("Тмутаракань; 31.02.2024; туда; балетная; 0; ", directory, TODAY)
    assert [field for field, _ in codes(error)] == ["town", "dates", "direction", "kind", "people", "purpose"]


def test_one_line_with_missing_fields(directory: TownDirectory) -> None:
    with pytest.raises(VisitInputError) as error:
        parse_one_line("Нарва; 05.06.2024", directory, TODAY)
    assert codes(error) == [("direction", "missing"), ("kind", "missing"), ("purpose", "missing")]


# ---- the whole record ----------------------------------------------------------------------------------


def test_validate_a_draft() -> None:
    good = VisitDraft("narva", Direction.INCOMING, date(2024, 6, 5), None, DelegationType.YOUTH, 12, "Лагерь")
    assert validate(good, TODAY, ["narva"]) == []
    bad = VisitDraft(
        "nowhere",
        Direction.OUTGOING,
        date(2030, 1, 1),
        date(2029, 1, 1),
        DelegationType.OTHER,
        0,
        "",
        "x" * 2001,
    )
    fields = [error.field for error in validate(bad, TODAY, ["narva"])]
    assert fields == [
        "town",
        "start",
        "end",
        "end",
        "people",
        "purpose",
        "notes",
    ]  # end: too late, before start
    assert good.planned(TODAY) is False
    assert VisitDraft(
        "narva", Direction.INCOMING, date(2027, 1, 5), None, DelegationType.YOUTH, None, "x"
    ).planned(TODAY)


def test_one_year_range_for_every_command() -> None:
    assert year_range(TODAY) == (1950, 2028)
    assert year_allowed(1950, TODAY) and year_allowed(2028, TODAY)
    assert not year_allowed(1949, TODAY) and not year_allowed(2029, TODAY)


def test_negative_people_get_the_range_message() -> None:
    from bot.core.visits import parse_people

    with pytest.raises(VisitInputError) as caught:
        parse_people("-3")
    assert [(error.field, error.code) for error in caught.value.errors] == [("people", "people_range")]
