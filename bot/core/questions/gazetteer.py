"""Well-known places that are not partner towns (bot/data/places.toml), found in a question.

A name no list explains used to be guessed from capital letters, which cannot tell "Riga" from "Блин";
the gazetteer recognises a real place as a place, in either script, any case ending, or with a typo
(rapidfuzz over the transliterations, for words of five letters or more), so the answer can say plainly
that it is not a partner. Places the town directory knows are dropped: the partner list always wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.core.datafile import DataFileError, load_toml, read_shipped, validate
from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.text import Word, words

_FUZZY_MIN_LENGTH = 5
_FUZZY_CUTOFF = 88.0


class GazetteerError(DataFileError):
    """The places file is not usable; the message names the entry."""


@dataclass(frozen=True, slots=True)
class Place:
    name_en: str
    name_ru: str
    country: str

    def name(self, lang: Language) -> str:
        return self.name_ru if lang == "ru" else self.name_en


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    place: Place
    start: int
    length: int


def _key(parts: Sequence[Word]) -> str:
    return " ".join(part.stem for part in parts)


class Gazetteer:
    """Places by the stems of their names (one to three words), and by the transliteration for typos."""

    def __init__(self, places: Sequence[Place], names: dict[Place, list[str]]) -> None:
        self.places = tuple(places)
        self._names = names
        self._by_key: dict[str, Place] = {}
        self._by_ascii: dict[str, Place] = {}
        self.longest = 1
        for place in places:
            for name in names[place]:
                parts = words(name)
                if not parts:
                    continue
                self.longest = max(self.longest, len(parts))
                self._by_key.setdefault(_key(parts), place)
                if len(parts) == 1:
                    self._by_key.setdefault(parts[0].ascii, place)
                    if len(parts[0].ascii) >= _FUZZY_MIN_LENGTH:
                        self._by_ascii.setdefault(parts[0].ascii, place)
        self._spellings = list(self._by_ascii)

    def without(self, directory: TownDirectory) -> Gazetteer:
        """The places the directory does not know as towns (a new partner leaves the gazetteer)."""
        kept = [
            place
            for place in self.places
            if not any(directory.find(words(name), set()) for name in (place.name_en, place.name_ru))
        ]
        if len(kept) == len(self.places):
            return self
        return Gazetteer(kept, {place: self._names[place] for place in kept})

    def find(self, text_words: Sequence[Word], skip: set[int]) -> PlaceMatch | None:
        """The first place named in the words (longest name first), else the closest typo, else None."""
        for start in range(len(text_words)):
            if start in skip:
                continue
            for length in range(min(self.longest, len(text_words) - start), 0, -1):
                if any(index in skip for index in range(start, start + length)):
                    continue
                parts = text_words[start : start + length]
                place = self._by_key.get(_key(parts))
                if place is None and length == 1:
                    place = self._by_key.get(parts[0].ascii)
                if place is not None:
                    return PlaceMatch(place, start, length)
        from rapidfuzz import fuzz, process  # at the first fuzzy look-up: see bot.core.directory

        for index, word in enumerate(text_words):
            if index in skip or len(word.ascii) < _FUZZY_MIN_LENGTH or not word.raw.isalpha():
                continue
            found = process.extractOne(
                word.ascii, self._spellings, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            if found is not None:
                return PlaceMatch(self._by_ascii[found[0]], index, 1)
        return None


def parse_places(text: str, source: str = "places file") -> Gazetteer:
    """A places file validated (PlacesFile) and checked: every name has letters and names one place."""
    from bot.core.schemas import PlacesFile

    raw = load_toml(text, source, GazetteerError)
    parsed = validate(PlacesFile, raw, source, GazetteerError)
    seen: dict[str, str] = {}
    for entry in parsed.places:
        for name in (entry.en, entry.ru, *entry.aliases):
            key = _key(words(name))
            if not key:
                raise GazetteerError(f"{source}: {entry.en}: the name {name!r} has no letters")
            if seen.get(key, entry.en) != entry.en:
                raise GazetteerError(f"{source}: {entry.en}: {name!r} is also a name of {seen[key]}")
            seen[key] = entry.en
    return _gazetteer(raw)


def _gazetteer(raw: dict[str, Any]) -> Gazetteer:
    """The gazetteer of a places file already validated and checked (parse_places), with its defaults."""
    places: list[Place] = []
    names: dict[Place, list[str]] = {}
    for entry in raw["places"]:
        place = Place(entry["en"], entry["ru"], entry["country"])
        places.append(place)
        names[place] = [entry["en"], entry["ru"], *entry.get("aliases", [])]
    return Gazetteer(places, names)


@cache
def shipped_gazetteer() -> Gazetteer:
    """Read at every start: checked once by the tests (see bot.core.datafile), validated again only when
    the file was edited since."""
    return read_shipped("places.toml", parse_places, _gazetteer)
