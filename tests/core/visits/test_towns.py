"""The town of a visit (bot/core/visits/towns.py): any spelling, never Kingisepp, suggestions."""

from __future__ import annotations

import pytest

from bot.core.directory import TownDirectory
from bot.core.visits.record import VisitInputError
from bot.core.visits.towns import find_town, resolve_town
from tests.core.visits.field_errors import codes


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
