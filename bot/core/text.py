"""Text as people type it: either script, any case, Russian case endings, typos.

Every word is reduced to two comparable forms: its ASCII transliteration (anyascii) and the
transliteration of its Snowball stem, so "Нарвой", "Нарве" and "Narva" meet at "narv". A Russian
adjective made from a town name also keeps the name's stem: "нарвский" -> "narv", "засницкий" -> "zasnits".

Russian typed in Latin letters ("s narvoj", "skolko let s narvikom") is read back into Cyrillic with a
simple table (zh, kh, ts, ch, sh, shch, yu, ya, yo, j/y ...), so such a word also has the stem its
Cyrillic spelling would have ("narvoj" -> "нарвой" -> "narv"). A rough "sound" key ("dzh" = "j",
"kh" = "h") lets "Джохви" and "dzhohvi" meet "Jõhvi".
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


# Latin -> Cyrillic for Russian typed in Latin letters, longest spellings first.
_TO_CYRILLIC_MULTI = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "е"),
    ("ju", "ю"),
    ("ja", "я"),
    ("jo", "е"),
)
_TO_CYRILLIC_SINGLE = dict(
    zip(
        "abvgdeziklmnoprstufhcwxqj'",
        ["а", "б", "в", "г", "д", "е", "з", "и", "к", "л", "м", "н", "о", "п", "р", "с", "т", "у", "ф", "х",
         "ц", "в", "кс", "к", "й", "ь"],
        strict=True,
    )
)  # fmt: skip
_VOWELS = frozenset("aeiouy")
# "J" read the English way ("Джохви" for Jõhvi), and "х" written "kh" or "h"
_SOUND_RULES = (("dzh", "j"), ("kh", "h"))


def to_cyrillic(latin: str) -> str:
    """Russian typed in Latin letters back in Cyrillic: 'narvoj' -> 'нарвой', 'druzhim' -> 'дружим'.

    "y" is "й" after a vowel ("kakoy") and "ы" elsewhere ("gorody"); anything not in the table is kept.
    """
    out: list[str] = []
    index = 0
    while index < len(latin):
        for spelling, letter in _TO_CYRILLIC_MULTI:
            if latin.startswith(spelling, index):
                out.append(letter)
                index += len(spelling)
                break
        else:
            char = latin[index]
            if char == "y":
                out.append("й" if index and latin[index - 1] in _VOWELS else "ы")
            else:
                out.append(_TO_CYRILLIC_SINGLE.get(char, char))
            index += 1
    return "".join(out)


def sound_key(ascii_text: str) -> str:
    """A rough pronunciation key of a transliterated word: 'dzhokhvi' and 'johvi' -> 'johvi'."""
    for spelling, sound in _SOUND_RULES:
        ascii_text = ascii_text.replace(spelling, sound)
    return ascii_text


@dataclass(frozen=True, slots=True)
class Word:
    raw: str  # simplified original spelling
    ascii: str  # transliterated
    stem: str  # transliterated stem
    cyrillic: bool
    adjective_base: str = ""  # "нарвский" -> "narv": the stem without a Russian adjective suffix
    sound: str = ""  # sound_key of the transliteration

    @property
    def is_number(self) -> bool:
        return self.raw.isdigit()

    @property
    def ru_stem(self) -> str:
        """A Latin word read as Russian: 'narvoj' -> 'нарвой' -> 'narv' ('' for other words).

        Computed on demand: only questions that may be Russian typed in Latin need it, names never do.
        """
        return _latin_russian_stem(self.raw) if self.latin else ""

    @property
    def latin(self) -> bool:
        """Written in Latin letters only (so it may be Russian typed in Latin)."""
        return bool(self.raw) and self.raw.isascii() and self.raw.isalpha()


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
    ascii_form = to_ascii(base)
    return Word(
        raw=raw,
        ascii=ascii_form,
        stem=to_ascii(stem) or ascii_form,
        cyrillic=cyrillic,
        adjective_base=adjective_base,
        sound=sound_key(ascii_form),
    )


@lru_cache(maxsize=16384)
def _latin_russian_stem(latin: str) -> str:
    return to_ascii(_RUSSIAN.stemWord(to_cyrillic(latin)))


def capitalised(text: str) -> list[bool]:
    """For each word of words(text): whether it was typed with a capital letter (a name, perhaps)."""
    return [match.group(0)[:1].isupper() for match in _WORD.finditer(text[:MAX_QUESTION_CHARS])]


def tokens(text: str) -> list[str]:
    """The simplified spellings of the words of a text, as words(text) reads them (no stemming)."""
    return _WORD.findall(simplify(text[:MAX_QUESTION_CHARS]))


def words(text: str) -> list[Word]:
    """The words of a text; hyphenated names split into parts ('Нарва-Йыэсуу' -> two words)."""
    return [make_word(match.group(0)) for match in _WORD.finditer(simplify(text[:MAX_QUESTION_CHARS]))]
