"""The other fields staff type: direction, delegation type, number of people, purpose and notes."""

from __future__ import annotations

import re

from bot.core.typed_text import control_character, is_blank
from bot.core.visits.normalising import normalize, plain_words
from bot.core.visits.record import (
    MAX_NOTES,
    MAX_PEOPLE,
    MAX_PURPOSE,
    MIN_PEOPLE,
    DelegationType,
    Direction,
    VisitInputError,
)

_DIRECTION_WORDS: dict[Direction, tuple[str, ...]] = {
    Direction.INCOMING: (
        "in",
        "incoming",
        "inbound",
        "arrival",
        "to us",
        "visit to us",
        "to kingisepp",
        "приезд",
        "прибытие",
        "к нам",
        "визит к нам",
        "приезд к нам",
        "в кингисепп",
        "входящий",
        "входящая",
        "входящий визит",
        "въезд",
        "прием",
        "приехали",
        "приехала",
    ),
    Direction.OUTGOING: (
        "out",
        "outgoing",
        "outbound",
        "trip",
        "departure",
        "from us",
        "visit from us",
        "from kingisepp",
        "поездка",
        "выезд",
        "от нас",
        "визит от нас",
        "наш визит",
        "из кингисеппа",
        "исходящий",
        "исходящая",
        "исходящий визит",
        "поехали",
        "ездили",
    ),
}
_DIRECTION_STEMS: dict[str, Direction] = {
    "приезд": Direction.INCOMING,
    "прибыт": Direction.INCOMING,
    "входящ": Direction.INCOMING,
    "incom": Direction.INCOMING,
    "поездк": Direction.OUTGOING,
    "исходящ": Direction.OUTGOING,
    "выезд": Direction.OUTGOING,
    "outgo": Direction.OUTGOING,
}


def parse_direction(text: str) -> Direction:
    plain = plain_words(text)
    if plain in ("->", "→"):
        return Direction.OUTGOING
    for direction, forms in _DIRECTION_WORDS.items():
        if plain in forms:
            return direction
    for stem, direction in _DIRECTION_STEMS.items():
        if plain.startswith(stem):
            return direction
    raise VisitInputError.one("direction", "direction_unknown", text=text.strip()[:40])


_KIND_STEMS: tuple[tuple[str, DelegationType], ...] = (
    ("офиц", DelegationType.OFFICIAL),
    ("offic", DelegationType.OFFICIAL),
    ("правительств", DelegationType.OFFICIAL),
    ("govern", DelegationType.OFFICIAL),
    ("делов", DelegationType.BUSINESS),
    ("бизнес", DelegationType.BUSINESS),
    ("business", DelegationType.BUSINESS),
    ("эконом", DelegationType.BUSINESS),
    ("econom", DelegationType.BUSINESS),
    ("trade", DelegationType.BUSINESS),
    ("молод", DelegationType.YOUTH),
    ("youth", DelegationType.YOUTH),
    ("young", DelegationType.YOUTH),
    ("школ", DelegationType.SCHOOLCHILDREN),
    ("учени", DelegationType.SCHOOLCHILDREN),
    ("school", DelegationType.SCHOOLCHILDREN),
    ("pupil", DelegationType.SCHOOLCHILDREN),
    ("культур", DelegationType.CULTURAL),
    ("cultur", DelegationType.CULTURAL),
    ("спорт", DelegationType.SPORTS),
    ("sport", DelegationType.SPORTS),
    ("медиц", DelegationType.MEDICAL),
    ("medic", DelegationType.MEDICAL),
    ("врач", DelegationType.MEDICAL),
    ("health", DelegationType.MEDICAL),
    ("здравоохр", DelegationType.MEDICAL),
    ("друг", DelegationType.OTHER),
    ("проч", DelegationType.OTHER),
    ("other", DelegationType.OTHER),
)
_KIND_WORDS = {"иное": DelegationType.OTHER, "иная": DelegationType.OTHER, "мед": DelegationType.MEDICAL}


def parse_kind(text: str) -> DelegationType:
    """'молодёжная', 'Youth', 'культурная делегация', 'sports' -> the delegation type."""
    for word in plain_words(text).split():
        if word in _KIND_WORDS:
            return _KIND_WORDS[word]
        for known in DelegationType:
            if word == known.value:
                return known
        for stem, kind in _KIND_STEMS:
            if word.startswith(stem):
                return kind
    raise VisitInputError.one("kind", "kind_unknown", text=text.strip()[:40])


# ---- people, purpose, notes ---------------------------------------------------------------------------

_PEOPLE_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: "²".isdigit() is true, but int("²") fails
_PEOPLE_WORDS = re.compile(r"\b(?:чел|человек|человека|people|persons?|pax|ppl|участник\w*)\.?$")
_SKIP_WORDS = {"-", "—", "нет", "не знаю", "неизвестно", "skip", "none", "unknown", "n/a", "?", "пропустить"}


def is_skip(text: str) -> bool:
    return plain_words(text) in _SKIP_WORDS or normalize(text) in _SKIP_WORDS


def parse_people(text: str) -> int | None:
    """'12', '1 200', '12 чел.' -> the number; '-', 'нет', 'skip' -> None (unknown)."""
    if is_skip(text):
        return None
    cleaned = _PEOPLE_WORDS.sub("", normalize(text)).strip().replace(" ", "").replace(",", "")
    if cleaned.startswith("-") and _PEOPLE_DIGITS.fullmatch(cleaned[1:]):
        raise VisitInputError.one("people", "people_range", low=MIN_PEOPLE, high=MAX_PEOPLE)  # "-3"
    if not _PEOPLE_DIGITS.fullmatch(cleaned):
        raise VisitInputError.one("people", "people_format", text=text.strip()[:40])
    return check_people(int(cleaned))


def check_people(value: int) -> int:
    if not MIN_PEOPLE <= value <= MAX_PEOPLE:
        raise VisitInputError.one("people", "people_range", low=MIN_PEOPLE, high=MAX_PEOPLE)
    return value


def check_typed(field_name: str, text: str, *, multiline: bool = False) -> None:
    """No control characters in a stored text (bot.core.typed_text); the error names the field."""
    char = control_character(text, multiline=multiline)
    if char is not None:
        raise VisitInputError.one(field_name, "control_character", char=char)


def check_purpose(text: str) -> str:
    purpose = text.strip()
    check_typed("purpose", purpose)
    if is_blank(purpose):
        raise VisitInputError.one("purpose", "purpose_empty")
    if len(purpose) > MAX_PURPOSE:
        raise VisitInputError.one("purpose", "too_long", length=len(purpose), limit=MAX_PURPOSE)
    return purpose


def check_notes(text: str) -> str:
    notes = text.strip()
    check_typed("notes", notes, multiline=True)
    if len(notes) > MAX_NOTES:
        raise VisitInputError.one("notes", "too_long", length=len(notes), limit=MAX_NOTES)
    return notes
