"""Visits to places that are not partners: another town ("Таллин"), a region or an organisation.

Such a visit has the town key OTHER_TOWN and an :class:`OtherPlace` (a name and, when known, a country).
Staff write it two ways:

- explicitly: ``другое: Ленинградская область, Россия`` / ``other: Nordic Council (DK)``; recorded as
  written (a country is a two-letter code or a country's name);
- by a real place's name: ``Таллин``. The gazetteer (bot/data/places.toml) knows it is a place and not a
  partner, and the staff member is asked to confirm "другое: Таллин (Эстония)" before it is saved.

They are counted apart ("другие: N") and never reach residents' answers or the public pages, which
show partner towns only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.questions.gazetteer import Gazetteer
from bot.core.text import words
from bot.core.typed_text import control_character, is_blank
from bot.core.visits.normalising import normalize
from bot.core.visits.record import VisitInputError

OTHER_TOWN = "~other"  # no town key can look like this (towns.key GLOB '[a-z]*'); the counts use it too
MAX_PLACE_NAME = 120

_EXPLICIT = re.compile(
    r"^\s*(?:друго[ей]|другая|иное|иной|прочее|other|another)\s*[:：]\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_IN_BRACKETS = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_AFTER_COMMA = re.compile(r"^(.*),\s*([^,]+)$")
_CODE = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True, slots=True)
class OtherPlace:
    name: str
    country: str = ""  # ISO 3166-1 alpha-2, "" when not known

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "country": self.country}

    @classmethod
    def from_json(cls, value: object) -> OtherPlace | None:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            return None
        country = value.get("country")
        return cls(value["name"], country if isinstance(country, str) else "")


def check_place(place: OtherPlace) -> None:
    char = control_character(place.name)
    if char is not None:
        raise VisitInputError.one("town", "control_character", char=char)
    if is_blank(place.name):
        raise VisitInputError.one("town", "place_empty")
    if len(place.name) > MAX_PLACE_NAME:
        raise VisitInputError.one("town", "place_too_long", limit=MAX_PLACE_NAME)
    if place.country and not re.fullmatch(r"[A-Z]{2}", place.country):
        raise VisitInputError.one("town", "place_country", text=place.country)


def is_explicit(text: str) -> bool:
    """Whether the staff member wrote "другое: …" / "other: …" (nothing to confirm then)."""
    return _EXPLICIT.match(text) is not None


def _country(text: str, countries: Mapping[str, str]) -> str | None:
    """A country code from "EE", "ee", "Эстония", "Estonia" (`countries`: normalised name -> code)."""
    text = text.strip()
    if _CODE.fullmatch(text) and text.upper() in countries.values():
        return text.upper()
    return countries.get(normalize(text))


def parse_explicit(text: str, countries: Mapping[str, str]) -> OtherPlace | None:
    """ "другое: NAME[, COUNTRY]" or "other: NAME (COUNTRY)"; None when the text does not say "other".
    A tail that is not a known country stays part of the name ("другое: ООО Ромашка, Нарва")."""
    match = _EXPLICIT.match(text)
    if match is None:
        return None
    rest = " ".join(match.group(1).split())
    for pattern in (_IN_BRACKETS, _AFTER_COMMA):
        split = pattern.match(rest)
        if split is not None:
            code = _country(split.group(2), countries)
            if code is not None:
                place = OtherPlace(split.group(1).strip(), code)
                check_place(place)
                return place
    place = OtherPlace(rest)
    check_place(place)
    return place


def recognise(text: str, gazetteer: Gazetteer) -> OtherPlace | None:
    """A real place that is not a partner, when the whole text names it ("Таллин", "Tallinn", "Таллине").
    The name is the gazetteer's, in the script staff typed."""
    typed = words(text)
    if not typed:
        return None
    found = gazetteer.find(typed, set())
    if found is None or found.start != 0 or found.length != len(typed):
        return None
    cyrillic = any("а" <= char <= "я" or char == "ё" for char in text.lower())
    name = found.place.name_ru if cyrillic else found.place.name_en
    return OtherPlace(name, found.place.country)
