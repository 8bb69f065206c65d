"""The question vocabulary (bot/data/question_words.toml) -> validated, ready-to-match word groups.

The words live in data so that a new phrasing, a synonym or a whole new keyword group is an edit of the
TOML file; this module checks every entry once (an entry the bot could never match is an error naming it)
and splits each group into phrases, whole words and word beginnings, so matching costs no more than it must.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.core.datafile import Location, load_toml, validate
from bot.core.text import Word, tokens
from bot.core.townfile import FactTopic

SHIPPED = "bot/data/question_words.toml"
Dimension = Literal["farthest", "nearest", "biggest", "smallest"]


class VocabularyError(Exception):
    """The vocabulary file is not usable; the message names the entry."""


def _readable(value: str) -> str:
    """An entry as the bot reads a question: simplified words joined by single spaces."""
    if not value.strip():
        raise ValueError("an empty entry")
    read = " ".join(tokens(value))
    if read != value:
        raise ValueError(f"{value!r} is read as {read!r}: write it that way")
    return value


def _one_word(value: str) -> str:
    if " " in _readable(value):
        raise ValueError(f"{value!r}: one word here, no spaces")
    return value


Entry = Annotated[str, AfterValidator(_readable)]
OneWord = Annotated[str, AfterValidator(_one_word)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$")]
Entries = Annotated[list[Entry], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Topic(_Strict):
    words: Entries
    weak: list[Entry] = []


class _StopWords(_Strict):
    common: list[OneWord]
    not_names: list[OneWord]
    search: list[OneWord] = []  # words the text search ignores (bot/core/questions/textsearch.py)


class _Transliteration(_Strict):
    markers: list[Annotated[str, Field(pattern=r"^[a-z]+$")]]
    marker_prefixes: list[Annotated[str, Field(pattern=r"^[a-z]+$")]]
    words: dict[Annotated[str, Field(pattern=r"^[a-z]+$")], OneWord] = {}


class _Dimension(_Strict):
    after_most: Entries
    alone: Entries


class _Superlatives(_Strict):
    most: list[OneWord]
    town_words: Entries
    elsewhere_words: Entries
    dimensions: dict[Dimension, _Dimension]


class _Distance(_Strict):
    between: list[OneWord]
    from_us: list[OneWord]


class _VocabularyFile(_Strict):
    format: Literal[1]
    whole_words: list[OneWord]
    keywords: dict[Name, Entries]
    off_topic: dict[Name, Entries]
    topics: dict[FactTopic, _Topic]
    countries: dict[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], Entries]
    stop_words: _StopWords
    transliteration: _Transliteration
    superlatives: _Superlatives
    relative_years: dict[Entry, Annotated[int, Field(ge=-10, le=10)]]
    decades: dict[OneWord, Annotated[int, Field(ge=1900, le=2090, multiple_of=10)]] = {}
    distance: _Distance


@dataclass(frozen=True, slots=True)
class WordGroup:
    """A group's entries split once: phrases (found in the text), whole words, and word beginnings."""

    phrases: tuple[str, ...]
    whole: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, entries: Sequence[str], whole_words: frozenset[str]) -> WordGroup:
        return cls(
            phrases=tuple(f" {entry}" for entry in entries if " " in entry),
            whole=frozenset(entry for entry in entries if " " not in entry and entry in whole_words),
            prefixes=tuple(entry for entry in entries if " " not in entry and entry not in whole_words),
        )

    @classmethod
    def union(cls, groups: Iterable[WordGroup]) -> WordGroup:
        """A group found wherever one of `groups` is: asked first, it spares asking each of them of a
        question that uses none (most questions, for the off-topic subjects, topics and countries)."""
        kept = list(groups)
        return cls(
            phrases=tuple(phrase for group in kept for phrase in group.phrases),
            whole=frozenset().union(*(group.whole for group in kept)),
            prefixes=tuple(prefix for group in kept for prefix in group.prefixes),
        )

    def found_in(self, text: str, text_words: Sequence[Word]) -> bool:
        """Whether an entry is in the text (a phrase), a word of it, or begins one of its words.

        `text` is the words' spellings joined by single spaces.
        """
        raws = tuple(word.raw for word in text_words)
        return self.found_in_spellings(f" {text} ", raws, frozenset(raws))

    def found_in_spellings(
        self, padded: str, spellings: tuple[str, ...], spelling_set: frozenset[str]
    ) -> bool:
        """found_in for a text read once (a question asks ~30 groups): `padded` is the spellings joined
        by single spaces with one before and after, `spelling_set` the same spellings as a set. Plain
        loops and set operations rather than a generator per group: the engine's most frequent call."""
        if self.prefixes:
            prefixes = self.prefixes
            for spelling in spellings:
                if spelling.startswith(prefixes):
                    return True
        if self.whole and not self.whole.isdisjoint(spelling_set):
            return True
        return bool(self.phrases) and any(phrase in padded for phrase in self.phrases)


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    words: WordGroup  # every word of the topic
    strong: WordGroup  # the words that carry a question alone


@dataclass(frozen=True, slots=True)
class Superlative:
    dimension: Dimension
    after_most: tuple[str, ...]  # beginnings of a word right after a "most" word
    alone: WordGroup


@dataclass(frozen=True)
class Vocabulary:
    """Every word list the engine reads, in the order the file gives (order decides where it matters)."""

    keywords: Mapping[str, WordGroup]
    off_topic: tuple[tuple[str, WordGroup], ...]
    topics: tuple[Topic, ...]
    countries: tuple[tuple[str, WordGroup], ...]
    # the single words of all those groups: question words, so never read as town names
    question_whole: frozenset[str]
    question_prefixes: tuple[str, ...]
    common: frozenset[str]
    not_names: frozenset[str]
    search_stop: frozenset[str]
    translit_markers: frozenset[str]
    translit_marker_prefixes: tuple[str, ...]
    translit_words: Mapping[str, str]
    most: frozenset[str]
    town_words: WordGroup
    elsewhere_words: WordGroup
    superlatives: tuple[Superlative, ...]
    relative_years: tuple[tuple[str, int], ...]
    decades: tuple[tuple[str, int], ...]  # a word's beginning and its decade's first year
    between: frozenset[str]
    from_us: frozenset[str]

    # (a frozen dataclass without slots: cached_property writes to the instance's __dict__ itself)
    @cached_property
    def any_off_topic(self) -> WordGroup:
        return WordGroup.union(group for _, group in self.off_topic)

    @cached_property
    def any_topic(self) -> WordGroup:
        return WordGroup.union(topic.words for topic in self.topics)

    @cached_property
    def any_country(self) -> WordGroup:
        return WordGroup.union(group for _, group in self.countries)


def _problems(parsed: _VocabularyFile) -> list[str]:
    """What the schema cannot say: entries listed twice, and whole words that no group has."""
    lists: dict[str, list[str]] = {
        **{f"keywords.{name}": entries for name, entries in parsed.keywords.items()},
        **{f"off_topic.{name}": entries for name, entries in parsed.off_topic.items()},
        **{f"topics.{name}": [*topic.words, *topic.weak] for name, topic in parsed.topics.items()},
        **{f"countries.{code}": entries for code, entries in parsed.countries.items()},
        "whole_words": parsed.whole_words,
        "stop_words.common": parsed.stop_words.common,
        "stop_words.not_names": parsed.stop_words.not_names,
        "stop_words.search": parsed.stop_words.search,
        "superlatives.most": parsed.superlatives.most,
    }
    problems = [
        f"{where}: {entry!r} is listed twice"
        for where, entries in lists.items()
        for entry in sorted({entry for entry in entries if entries.count(entry) > 1})
    ]
    grouped = {
        entry
        for where, entries in lists.items()
        if where.startswith(("keywords.", "off_topic.", "topics.", "countries."))
        for entry in entries
    }
    problems += [
        f"whole_words: {entry!r} is in no keyword, off_topic, topic or country group"
        for entry in parsed.whole_words
        if entry not in grouped
    ]
    return problems


def _build(parsed: _VocabularyFile) -> Vocabulary:
    whole_words = frozenset(parsed.whole_words)

    def group(entries: Sequence[str]) -> WordGroup:
        return WordGroup.of(entries, whole_words)

    topics = tuple(
        Topic(name, group([*topic.words, *topic.weak]), group(topic.words))
        for name, topic in parsed.topics.items()
    )
    single = [
        entry
        for entries in (
            *parsed.keywords.values(),
            *parsed.off_topic.values(),
            *([*topic.words, *topic.weak] for topic in parsed.topics.values()),
            *parsed.countries.values(),
        )
        for entry in entries
        if entry.isalpha()
    ]
    superlatives = parsed.superlatives
    return Vocabulary(
        keywords={name: group(entries) for name, entries in parsed.keywords.items()},
        off_topic=tuple((name, group(entries)) for name, entries in parsed.off_topic.items()),
        topics=topics,
        countries=tuple((code, group(entries)) for code, entries in parsed.countries.items()),
        question_whole=frozenset(entry for entry in single if entry in whole_words),
        # decade words ("девяностые") are question words too: never fuzzy-matched against town names
        question_prefixes=tuple(
            sorted({entry for entry in single if entry not in whole_words} | set(parsed.decades))
        ),
        common=frozenset(parsed.stop_words.common),
        not_names=frozenset(parsed.stop_words.not_names),
        search_stop=frozenset(parsed.stop_words.search),
        translit_markers=frozenset(parsed.transliteration.markers),
        translit_marker_prefixes=tuple(parsed.transliteration.marker_prefixes),
        translit_words=dict(parsed.transliteration.words),
        most=frozenset(superlatives.most),
        town_words=group(superlatives.town_words),
        elsewhere_words=group(superlatives.elsewhere_words),
        superlatives=tuple(
            Superlative(name, tuple(words.after_most), group(words.alone))
            for name, words in superlatives.dimensions.items()
        ),
        relative_years=tuple(parsed.relative_years.items()),
        decades=tuple(parsed.decades.items()),
        between=frozenset(parsed.distance.between),
        from_us=frozenset(parsed.distance.from_us),
    )


def _where(location: Location) -> str:
    """('keywords', 'since', 2) -> 'keywords.since[2]'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_vocabulary(text: str, source: str = "vocabulary file") -> Vocabulary:
    raw = load_toml(text, source, VocabularyError)
    parsed = validate(_VocabularyFile, raw, source, VocabularyError, _where)
    problems = _problems(parsed)
    if problems:
        raise VocabularyError("\n".join(f"{source}: {problem}" for problem in problems))
    return _build(parsed)


@cache
def shipped_vocabulary() -> Vocabulary:
    """The vocabulary that ships inside the package, read and checked once per process."""
    text = resources.files("bot.data").joinpath("question_words.toml").read_text(encoding="utf-8")
    return parse_vocabulary(text, source=SHIPPED)
