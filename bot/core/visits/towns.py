"""The town of a visit: one of the partners (never Kingisepp itself), found by any spelling."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.directory import TownDirectory
from bot.core.model import Town
from bot.core.text import words
from bot.core.visits.fields import check_typed
from bot.core.visits.record import VisitInputError


@dataclass(frozen=True, slots=True)
class TownLookup:
    """The town a staff member typed: exactly one, several to choose from, or none (with suggestions)."""

    town: Town | None
    candidates: tuple[Town, ...] = ()
    suggestions: tuple[Town, ...] = ()


def visit_towns(directory: TownDirectory) -> tuple[Town, ...]:
    """The towns a visit can be recorded with: the partners (not Kingisepp itself)."""
    return directory.partners


def find_town(directory: TownDirectory, text: str) -> TownLookup:
    text = text.strip()[:200]
    by_key = directory.get(text)
    if by_key is not None and not by_key.is_home:
        return TownLookup(by_key)
    found = [match.town for match in directory.find(words(text)) if not match.town.is_home]
    if len(found) == 1:
        return TownLookup(found[0])
    if found:
        return TownLookup(None, candidates=tuple(found[:8]))
    suggestions = [town for town in directory.suggest(words(text)) if not town.is_home]
    return TownLookup(None, suggestions=tuple(suggestions))


def resolve_town(directory: TownDirectory, text: str) -> Town:
    check_typed("town", text)
    lookup = find_town(directory, text)
    if lookup.town is not None:
        return lookup.town
    if lookup.candidates:
        raise VisitInputError.one(
            "town", "town_ambiguous", text=text.strip()[:60], names=[t.key for t in lookup.candidates]
        )
    raise VisitInputError.one(
        "town", "town_unknown", text=text.strip()[:60], names=[t.key for t in lookup.suggestions]
    )
