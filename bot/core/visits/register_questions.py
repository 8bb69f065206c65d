"""Staff questions about the register in their own words: "сколько делегаций было в 2025", "кто приезжал
из Нарвы летом", "how many visits to Narvik in 2024", with typos ("скока делигаций") and Russian typed in
Latin letters ("skolko vizitov iz Narvy").

A text is a register question when it asks "how many" or "who / which / list" and names visits or
delegations (or a direction verb: "приезжал", "came"), and when every other word is a filter that
bot.core.visits.filters reads. Anything else (a word it does not know: "сколько лет дружбе с Нарвой") is
not one, and goes to the residents' question engine as before. Only staff, where the register may be shown,
are asked this at all (bot/handlers/residents.py); residents never reach it.

Pure Python: no telegram, no SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

from bot.core.directory import TownDirectory
from bot.core.text import to_cyrillic
from bot.core.visits.filters import FilterReading, read_filter
from bot.core.visits.normalising import normalize

MAX_QUESTION_WORDS = 30


class Asked(Enum):
    COUNT = "count"  # "сколько", "how many"
    LIST = "list"  # "кто", "какие", "which", "list"


_COUNT_WORDS = frozenset(
    {"сколько", "количество", "число", "count", "number", "many", "much", "total", "итого", "всего"}
)
_LIST_WORDS = frozenset(
    {
        "кто", "какие", "какая", "какой", "каких", "какими", "покажи", "покажите", "показать", "список",
        "перечисли", "who", "which", "what", "list", "show",
    }
)  # fmt: skip
# the register's nouns and the verbs of coming and going: one of them makes a question about visits
_REGISTER_STEMS = (
    "визит", "делегац", "делегат", "приезж", "приезд", "приех", "прибыв", "посеща", "посетил", "ездил",
    "выезж", "выезд", "поездк", "visit", "delegat", "came", "come", "arriv", "went", "trip",
)  # fmt: skip
# words a question has that say nothing about which visits
_QUESTION_WORDS = frozenset(
    {
        *_COUNT_WORDS, *_LIST_WORDS, "how", "did", "do", "does", "there", "раз", "ли", "же", "мне", "me",
        "please", "пожалуйста", "нам", "к", "us", "мы", "we", "когда-нибудь", "ever", "всего", "in", "the",
    }
)  # fmt: skip
# what typos are corrected to: the question words and the register's nouns in their usual forms
_CANONICAL = (
    "сколько", "количество", "кто", "какие", "покажи", "список", "делегаций", "делегации", "делегация",
    "визитов", "визиты", "визит", "приезжал", "приезжали", "приезжала", "приехал", "приехали", "ездили",
    "ездил", "входящие", "исходящие", "молодежные", "было", "были", "delegations", "delegation",
    "visits", "visit", "visited", "incoming", "outgoing", "how", "many", "which",
)  # fmt: skip
_SLANG = {"скока": "сколько", "скоко": "сколько", "скольк": "сколько", "скоко-то": "сколько"}
_LATIN_WORD = re.compile(r"^[a-z]+$")
_EDGE = "\"'«»„“”.,;:!?()[]{}"


@dataclass(frozen=True, slots=True)
class RegisterQuestion:
    asked: Asked
    reading: FilterReading  # ok, or with errors to answer (a year out of range); never unknown words


def _has_register_word(tokens: list[str]) -> bool:
    return any(token.startswith(_REGISTER_STEMS) for token in tokens)


def _corrected(token: str) -> str:
    """A typo of a question word or of the register's nouns, else the token itself."""
    if token in _SLANG:
        return _SLANG[token]
    if len(token) < 5 or token.isdigit():
        return token
    from rapidfuzz.distance import Levenshtein  # at the first long word: a start need not load it

    allowed = 1 if len(token) < 8 else 2
    best = min(_CANONICAL, key=lambda word: Levenshtein.distance(token, word))
    return best if Levenshtein.distance(token, best, score_cutoff=allowed) <= allowed else token


def _latin_russian(tokens: list[str]) -> bool:
    """Russian typed in Latin letters: a question word or noun of ours reads right in Cyrillic."""
    for token in tokens:
        english = token in _QUESTION_WORDS or token in _CANONICAL or token.startswith(_REGISTER_STEMS)
        if _LATIN_WORD.match(token) and len(token) >= 4 and not english:
            cyrillic = to_cyrillic(token)
            if cyrillic in _QUESTION_WORDS or cyrillic.startswith(_REGISTER_STEMS[:5]):
                return True
            if _corrected(cyrillic) != cyrillic and _corrected(token) == token:
                return True
    return False


def read_register_question(text: str, directory: TownDirectory, today: date) -> RegisterQuestion | None:
    """The register question a staff member asked, or None when the text is not one."""
    tokens = [normalize(token).strip(_EDGE) for token in text.split()][: MAX_QUESTION_WORDS + 1]
    tokens = [token for token in tokens if token]
    if not tokens or len(tokens) > MAX_QUESTION_WORDS:
        return None
    if _latin_russian(tokens):
        tokens = [
            to_cyrillic(token) if _LATIN_WORD.match(token) and token not in ("in", "out") else token
            for token in tokens
        ]
    tokens = [_corrected(token) for token in tokens]
    asks_count = any(token in _COUNT_WORDS for token in tokens) or "how many" in " ".join(tokens)
    asks_list = any(token in _LIST_WORDS for token in tokens)
    if not (asks_count or asks_list) or not _has_register_word(tokens):
        return None
    reading = read_filter(" ".join(tokens), directory, today, skipped=_QUESTION_WORDS)
    if reading.unknown or reading.empty_search:
        return None
    return RegisterQuestion(Asked.COUNT if asks_count else Asked.LIST, reading)
