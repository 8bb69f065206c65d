"""Text as people type it: either script, any case, Russian case endings, typos.

Every word is reduced to two comparable forms: its ASCII transliteration (anyascii) and the
transliteration of its Snowball stem, so "Нарвой", "Нарве" and "Narva" meet at "narv". A Russian
adjective made from a town name also keeps the name's stem: "нарвский" -> "narv", "засницкий" -> "zasnits".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from anyascii import anyascii

from bot.core.model import Language

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_ASCII_KEEP = re.compile(r"[^a-z0-9]+")

_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")

MAX_QUESTION_CHARS = 4096


def simplify(text: str) -> str:
    """Lower case, ё as е, and Unicode hyphens and quotes as plain ones."""
    return text.lower().replace("ё", "е").replace("‐", "-").replace("–", "-").replace("—", "-")


def to_ascii(text: str) -> str:
    """Transliterate and keep only [a-z0-9]: 'Jõhvi' -> 'johvi', 'Йыхви' -> 'yykhvi'."""
    return _ASCII_KEEP.sub("", anyascii(text).lower())


def script_language(text: str) -> Language | None:
    """Russian for a Cyrillic question, English for a Latin one, None when neither (emoji, digits)."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic == 0 and latin == 0:
        return None
    return "ru" if cyrillic >= latin else "en"


@dataclass(frozen=True, slots=True)
class Word:
    raw: str  # simplified original spelling
    ascii: str  # transliterated
    stem: str  # transliterated stem
    cyrillic: bool
    adjective_base: str = ""  # "нарвский" -> "narv": the stem without a Russian adjective suffix

    @property
    def is_number(self) -> bool:
        return self.raw.isdigit()


@lru_cache(maxsize=65536)
def make_word(raw: str) -> Word:
    raw = simplify(raw)
    cyrillic = bool(_CYRILLIC.search(raw))
    base = re.sub(r"['’]s$", "", raw)
    if cyrillic:
        stem = _RUSSIAN.stemWord(base)
    elif raw.isascii():
        stem = _ENGLISH.stemWord(to_ascii(base))
    else:
        stem = base
    adjective_base = ""
    if cyrillic and len(stem) >= 5:
        if stem.endswith("ск"):  # нарвский, йыхвиский -> нарв, йыхви
            adjective_base = to_ascii(stem[:-2])
        elif stem.endswith("цк"):  # засницкий -> засниц
            adjective_base = to_ascii(stem[:-1])
    return Word(
        raw=raw,
        ascii=to_ascii(base),
        stem=to_ascii(stem) or to_ascii(base),
        cyrillic=cyrillic,
        adjective_base=adjective_base,
    )


def words(text: str) -> list[Word]:
    """The words of a text; hyphenated names split into parts ('Нарва-Йыэсуу' -> two words)."""
    return [make_word(match.group(0)) for match in _WORD.finditer(simplify(text[:MAX_QUESTION_CHARS]))]
