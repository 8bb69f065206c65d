"""Whether a town read from a one-line /visit should be confirmed before the visit is saved: the name was
a typo the directory guessed, or another partner has a name close enough to be confused with it
("Нарва" / "Нарва-Йыэсуу").

"Close" is decided from the names in the data, never from a list of pairs: one name is the leading or
trailing words of another (Нарва, Нарва-Йыэсуу, Усть-Нарва), or two spellings are within the directory's
typo tolerance of each other (fuzz.ratio >= NEIGHBOUR_CUTOFF). Pure Python, no telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from bot.core.directory import FUZZY_CUTOFF, FUZZY_MIN_LENGTH, TownDirectory
from bot.core.model import Town
from bot.core.text import words

# two names this similar are one typo apart for the directory too (its FUZZY_CUTOFF): either could be
# typed for the other. Narva / Narvik score 73, Narva / Narva-Joesuu 77: only the prefix rule joins those.
NEIGHBOUR_CUTOFF = FUZZY_CUTOFF
# every partner's neighbours, worked out once per directory (a new one comes with imported towns)
_NEIGHBOURS: WeakKeyDictionary[TownDirectory, dict[str, tuple[Town, ...]]] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class TownDoubt:
    """Why a town should be confirmed: `guessed` from a typo, and the partners it is easily confused with."""

    town: Town
    guessed: bool
    neighbours: tuple[Town, ...]


def _spellings(directory: TownDirectory, town: Town) -> set[tuple[str, ...]]:
    """A town's names as their words' transliterations ("Нарва-Йыэсуу" -> ("narva", "jyesuu"))."""
    found = set()
    for name in directory.names_of(town):
        parts = tuple(word.ascii for word in words(name))
        if parts:
            found.add(parts)
    return found


def _close(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    shorter, longer = sorted((first, second), key=len)
    if len(shorter) < len(longer) and shorter in (longer[: len(shorter)], longer[-len(shorter) :]):
        return True  # "Нарва" leads "Нарва-Йыэсуу" and ends "Усть-Нарва"
    one, other = "".join(first), "".join(second)
    if min(len(one), len(other)) < FUZZY_MIN_LENGTH:
        return False  # short spellings match exactly only, in the directory as here
    # at the first one-line /visit, not with the handlers: a start need not load it (see bot.core.directory)
    from rapidfuzz import fuzz

    return fuzz.ratio(one, other) >= NEIGHBOUR_CUTOFF


def close_neighbours(directory: TownDirectory, town: Town) -> tuple[Town, ...]:
    """The other partners whose names are close to one of `town`'s (in the directory's partner order)."""
    known = _NEIGHBOURS.get(directory)
    if known is None:
        spellings = {partner.key: _spellings(directory, partner) for partner in directory.partners}
        known = {
            key: tuple(
                other
                for other in directory.partners
                if other.key != key
                and any(_close(mine, theirs) for mine in own for theirs in spellings[other.key])
            )
            for key, own in spellings.items()
        }
        _NEIGHBOURS[directory] = known
    return known.get(town.key, ())


def typed_exactly(directory: TownDirectory, typed: str, town: Town) -> bool:
    """Whether `typed` names `town` without a guess: its key, or a name (any form the directory reads
    exactly, case endings included) rather than a typo matched by similarity."""
    text = typed.strip()[:200]
    if directory.get(text) is town:
        return True
    return any(match.town.key == town.key and match.score >= 100 for match in directory.find(words(text)))


def town_doubt(directory: TownDirectory, typed: str, town: Town) -> TownDoubt | None:
    """Why `town`, read from `typed`, needs a confirmation; None when it is exact and unambiguous."""
    guessed = not typed_exactly(directory, typed, town)
    neighbours = close_neighbours(directory, town)
    if not guessed and not neighbours:
        return None
    return TownDoubt(town, guessed, neighbours)
