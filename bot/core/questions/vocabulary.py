"""The question vocabulary (bot/data/question_words.toml) -> validated, ready-to-match word groups.

The words live in data so that a new phrasing, a synonym or a whole new keyword group is an edit of the
TOML file; every entry is checked (bot/core/schemas.py and _problems here: an entry the bot could never
match is an error naming it), and this module splits each group into phrases, whole words and word beginnings, so matching costs no more than it must.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, Literal

from bot.core.datafile import DataFileError, Location, load_toml, read_shipped, validate
from bot.core.text import Word

Dimension = Literal["farthest", "nearest", "biggest", "smallest"]


class VocabularyError(DataFileError):
    """The vocabulary file is not usable; the message names the entry."""


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


def _problems(raw: dict[str, Any]) -> list[str]:
    """What the schema cannot say: entries listed twice, and whole words that no group has."""
    topics: dict[str, Any] = raw["topics"]
    stop_words: dict[str, Any] = raw["stop_words"]
    lists: dict[str, list[str]] = {
        **{f"keywords.{name}": entries for name, entries in raw["keywords"].items()},
        **{f"off_topic.{name}": entries for name, entries in raw["off_topic"].items()},
        **{f"topics.{name}": [*topic["words"], *topic.get("weak", [])] for name, topic in topics.items()},
        **{f"countries.{code}": entries for code, entries in raw["countries"].items()},
        "whole_words": raw["whole_words"],
        "stop_words.common": stop_words["common"],
        "stop_words.not_names": stop_words["not_names"],
        "stop_words.search": stop_words.get("search", []),
        "superlatives.most": raw["superlatives"]["most"],
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
        for entry in raw["whole_words"]
        if entry not in grouped
    ]
    return problems


def _build(raw: dict[str, Any]) -> Vocabulary:
    """The vocabulary of a file already validated (schemas.VocabularyFile), with the schema's defaults
    for the keys it may leave out (weak, search, words, decades)."""
    whole_words = frozenset(raw["whole_words"])

    def group(entries: Sequence[str]) -> WordGroup:
        return WordGroup.of(entries, whole_words)

    topic_words = {name: [*topic["words"], *topic.get("weak", [])] for name, topic in raw["topics"].items()}
    topics = tuple(
        Topic(name, group(topic_words[name]), group(topic["words"])) for name, topic in raw["topics"].items()
    )
    single = [
        entry
        for entries in (
            *raw["keywords"].values(),
            *raw["off_topic"].values(),
            *topic_words.values(),
            *raw["countries"].values(),
        )
        for entry in entries
        if entry.isalpha()
    ]
    decades: dict[str, int] = raw.get("decades", {})
    superlatives: dict[str, Any] = raw["superlatives"]
    stop_words: dict[str, Any] = raw["stop_words"]
    transliteration: dict[str, Any] = raw["transliteration"]
    return Vocabulary(
        keywords={name: group(entries) for name, entries in raw["keywords"].items()},
        off_topic=tuple((name, group(entries)) for name, entries in raw["off_topic"].items()),
        topics=topics,
        countries=tuple((code, group(entries)) for code, entries in raw["countries"].items()),
        question_whole=frozenset(entry for entry in single if entry in whole_words),
        # decade words ("девяностые") are question words too: never fuzzy-matched against town names
        question_prefixes=tuple(
            sorted({entry for entry in single if entry not in whole_words} | set(decades))
        ),
        common=frozenset(stop_words["common"]),
        not_names=frozenset(stop_words["not_names"]),
        search_stop=frozenset(stop_words.get("search", [])),
        translit_markers=frozenset(transliteration["markers"]),
        translit_marker_prefixes=tuple(transliteration["marker_prefixes"]),
        translit_words=dict(transliteration.get("words", {})),
        most=frozenset(superlatives["most"]),
        town_words=group(superlatives["town_words"]),
        elsewhere_words=group(superlatives["elsewhere_words"]),
        superlatives=tuple(
            Superlative(name, tuple(words["after_most"]), group(words["alone"]))
            for name, words in superlatives["dimensions"].items()
        ),
        relative_years=tuple(raw["relative_years"].items()),
        decades=tuple(decades.items()),
        between=frozenset(raw["distance"]["between"]),
        from_us=frozenset(raw["distance"]["from_us"]),
    )


def _where(location: Location) -> str:
    """('keywords', 'since', 2) -> 'keywords.since[2]'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_vocabulary(text: str, source: str = "vocabulary file") -> Vocabulary:
    from bot.core.schemas import VocabularyFile

    raw = load_toml(text, source, VocabularyError)
    validate(VocabularyFile, raw, source, VocabularyError, _where)
    problems = _problems(raw)
    if problems:
        raise VocabularyError("\n".join(f"{source}: {problem}" for problem in problems))
    return _build(raw)


@cache
def shipped_vocabulary() -> Vocabulary:
    """The vocabulary that ships inside the package, read once per process: checked once by the tests
    (see bot.core.datafile), validated again at start only when the file was edited since."""
    return read_shipped("question_words.toml", parse_vocabulary, _build)
