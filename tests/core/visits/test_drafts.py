"""Whole drafts (bot/core/visits/drafts.py): the one-line form, every bad field at once, validate()."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.directory import TownDirectory
from bot.core.visits.drafts import parse_one_line, validate
from bot.core.visits.record import DelegationType, Direction, VisitDraft, VisitInputError
from tests.core.visits.field_errors import codes

TODAY = date(2026, 11, 26)


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
