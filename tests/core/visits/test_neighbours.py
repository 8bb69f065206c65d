"""Which towns a one-line /visit confirms before saving (bot/core/visits/neighbours.py): a typo the
directory guessed, or a partner with a close name, decided from the names themselves."""

from __future__ import annotations

from bot.core.directory import TownDirectory
from bot.core.model import Town
from bot.core.visits.neighbours import close_neighbours, town_doubt, typed_exactly


def keys(towns: tuple[Town, ...]) -> list[str]:
    return [town.key for town in towns]


def test_close_neighbours_among_the_shipped_partners(directory: TownDirectory) -> None:
    found = {town.key: keys(close_neighbours(directory, town)) for town in directory.partners}
    # Нарва leads Нарва-Йыэсуу (and ends its alias Усть-Нарва); the relation goes both ways
    assert found["narva"] == ["narva_joesuu"] and found["narva_joesuu"] == ["narva"]
    # Narva / Narvik score 73, under the typo tolerance: not neighbours; nobody else is
    assert {key for key, near in found.items() if near} == {"narva", "narva_joesuu"}


def test_closeness_comes_from_the_data_not_from_a_list() -> None:
    """Made-up towns: a prefix by words, a trailing word, a fuzzy score; a short name matches exactly only."""
    towns = [
        Town("home", "Home", "Дом", "RU", is_home=True),
        Town("port", "Portville", "Портвилль", "FI"),
        Town("port_new", "Portville New", "Новый Портвилль", "FI"),  # "Портвилль" ends it
        Town("lakeside", "Lakeside", "Лейксайд", "NO"),
        Town("lakesides", "Lakesides", "Лейксайдс", "NO"),  # one letter more: fuzz.ratio 94
        Town("oslo", "Oslo", "Осло", "NO"),
        Town("osla", "Osla", "Осла", "NO"),  # four letters: no fuzzy closeness
    ]
    directory = TownDirectory(towns)
    near = {town.key: keys(close_neighbours(directory, town)) for town in directory.partners}
    assert near["port"] == ["port_new"] and near["port_new"] == ["port"]
    assert near["lakeside"] == ["lakesides"] and near["lakesides"] == ["lakeside"]
    assert near["oslo"] == [] and near["osla"] == []


def test_a_guess_is_a_match_by_similarity(directory: TownDirectory) -> None:
    narvik, raisio = directory.by_key["narvik"], directory.by_key["raisio"]
    for exact in ("Нарвик", "narvik", "Narvik", "Нарвике", "narvik "):  # a name, any case, a case ending
        assert typed_exactly(directory, exact, narvik), exact
    assert typed_exactly(directory, "raisio", raisio)  # the key
    for typo in ("Нарвиик", "Narvk", "Нарвикк"):
        assert not typed_exactly(directory, typo, narvik), typo


def test_what_needs_a_confirmation(directory: TownDirectory) -> None:
    by_key = directory.by_key
    assert town_doubt(directory, "Нарвик", by_key["narvik"]) is None  # exact, nobody close: saved at once
    assert town_doubt(directory, "Райсио", by_key["raisio"]) is None
    typo = town_doubt(directory, "Нарвиик", by_key["narvik"])
    assert typo is not None and typo.guessed and typo.neighbours == ()
    close = town_doubt(directory, "Нарва", by_key["narva"])
    assert close is not None and not close.guessed and keys(close.neighbours) == ["narva_joesuu"]
    both = town_doubt(directory, "Narva-Joesu", by_key["narva_joesuu"])
    assert both is not None and both.guessed and keys(both.neighbours) == ["narva"]
