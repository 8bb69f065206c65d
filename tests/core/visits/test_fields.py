"""Direction, delegation type, people, purpose and notes as staff type them (bot/core/visits/fields.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.visits.fields import check_notes, check_purpose, parse_direction, parse_kind, parse_people
from bot.core.visits.record import MAX_NOTES, DelegationType, Direction, VisitInputError
from tests.core.visits.field_errors import codes

TODAY = date(2026, 11, 26)


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


def test_negative_people_get_the_range_message() -> None:
    from bot.core.visits import parse_people

    with pytest.raises(VisitInputError) as caught:
        parse_people("-3")
    assert [(error.field, error.code) for error in caught.value.errors] == [("people", "people_range")]
