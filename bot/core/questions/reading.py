"""A question read once: its language, the vocabulary groups it uses, the towns, country, dates it names.

Everything an intent rule looks at is a property of `Question`, computed on first use and kept, so a rule
that answers early costs nothing for what the later rules would have needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cached_property

from bot.core.dates import full_dates
from bot.core.directory import TownDirectory, TownMatch
from bot.core.model import Language, Mention, PartialDate, Town
from bot.core.questions.faq import FaqIndex
from bot.core.questions.gazetteer import Gazetteer, PlaceMatch
from bot.core.questions.textsearch import TextIndex
from bot.core.questions.vocabulary import Dimension, Vocabulary, WordGroup
from bot.core.text import Word, capitalised, make_word, script_language, to_cyrillic, words

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
# "больше 50 лет", "more than 50 years": partners at least (or under) that many years old
_AT_LEAST_YEARS = re.compile(
    r"(?:больше|более|свыше|дольше|не менее|не меньше|over|more than|longer than|at least)\s+"
    r"(\d{1,3})\s+(?:лет|года|год|years?)\b"
)
_UNDER_YEARS = re.compile(
    r"(?:меньше|менее|less than|under|fewer than)\s+(\d{1,3})\s+(?:лет|года|год|years?)\b"
)
# "50 лет", "50-летие", "50th anniversary": a number of years a question asks about
_N_YEARS = re.compile(
    r"\b(\d{1,3})(?:st|nd|rd|th)?\s+(?:лет(?:ие|ия|ию|ием|ии)?|год(?:а|у)?|years?|anniversary)\b"
)
# "when will it turn 25", "когда исполнится 25": the same, with the number after the verb
_TURNS_N = re.compile(r"\b(?:turns?|исполнится|исполнятся|будет)\s+(\d{1,3})\b")


_Y = r"(19[5-9]\d|20\d\d)"
# "между 1995 и 2001", "between 1995 and 2001", "с 1995 по 2001", "1995 2001" (a hyphen is a space here)
_BETWEEN = re.compile(
    rf"(?:(?:между|between|с|from)\s+)?{_Y}\s+(?:(?:и|and|по|to|till|until|до)\s+)?(?:года?\s+)?{_Y}\b"
)
_BEFORE = re.compile(
    rf"(?:до|before|раньше|ранее|прежде|older than|earlier than|старше|prior to)\s+(?:the\s+)?{_Y}\b"
)
_AFTER = re.compile(rf"(?:после|after|позже|позднее|later than|newer than|моложе|младше)\s+(?:the\s+)?{_Y}\b")
# "1990s", "90s", "90 х", "в 90е", "2000 х": a decade in digits
_DECADE_DIGITS = re.compile(r"\b(?:(19[5-9]0|20[0-2]0)|([5-9]0|00|10|20))\s?(?:s|х|е|ые|ых|ым|ие|ее)\b")


def find_date(text: str) -> PartialDate | None:
    """A full date written in the question (bot.core.dates formats), if there is one that exists."""
    for year, month, day in full_dates(text):
        try:
            return PartialDate(year, month, day)
        except ValueError:
            continue
    return None


class _Found(dict[str, bool]):
    """Which keyword groups a question uses, each looked for at the first rule that asks: most questions
    are answered after a handful of the ~50 groups (a town's name: the card), so the others are never
    searched. A group the vocabulary lacks is named in the error."""

    __slots__ = ("_groups", "_question")

    def __init__(self, groups: Mapping[str, WordGroup], question: Question) -> None:
        super().__init__()
        self._groups = groups
        self._question = question

    def __missing__(self, name: str) -> bool:
        group = self._groups.get(name)
        if group is None:
            raise KeyError(
                f"no keyword group {name!r} in the question vocabulary (bot/data/question_words.toml)"
            )
        found = self._question._uses(group)
        if name == "where" and not found:
            found = self["distance"]  # "how far" asks where a town is
        self[name] = found
        return found


class Question:
    """One question, with what the engine knows: its directory, vocabulary and the towns mentioned elsewhere."""

    def __init__(
        self,
        text: str,
        fallback: Language,
        directory: TownDirectory,
        vocabulary: Vocabulary,
        mentions: Mapping[str, Mention],
        gazetteer: Gazetteer | Callable[[], Gazetteer] | None = None,
        today: date | None = None,
    ) -> None:
        self.text = text
        # the engine's is given as a function: built at the first question that looks for a place
        self.gazetteer = gazetteer
        self.today = today
        self.faq: FaqIndex | None = None  # set by the engine
        self.text_index: TextIndex | None = None
        self.directory = directory
        self.vocabulary = vocabulary
        self.mentions = mentions
        self.words = words(text)
        self.script_language: Language = script_language(text) or fallback
        # the words read for question vocabulary (town names are looked up in self.words)
        self.read: list[Word] = self.words
        self.latin_russian = False
        if self.script_language == "en":
            russian = self._translit_russian()
            if russian is not None:
                self.script_language, self.read, self.latin_russian = "ru", russian, True
        self.lowered = " ".join(word.raw for word in self.read)

    def _translit_russian(self) -> list[Word] | None:
        """The words read as Russian when a Latin-letter text is Russian typed in Latin, else None."""
        vocabulary = self.vocabulary
        markers, prefixes = vocabulary.translit_markers, vocabulary.translit_marker_prefixes
        if not any(word.raw in markers or word.raw.startswith(prefixes) for word in self.words):
            return None
        return [
            make_word(vocabulary.translit_words.get(word.raw) or to_cyrillic(word.raw))
            if word.latin
            else word
            for word in self.words
        ]

    # ---- vocabulary ---------------------------------------------------------------------------------

    @cached_property
    def has(self) -> Mapping[str, bool]:
        return _Found(self.vocabulary.keywords, self)

    @cached_property
    def off_topic(self) -> str | None:
        """The subject that is not the bot's ("погода", "mayor"), if the question has one."""
        if not self._uses(self.vocabulary.any_off_topic):
            return None
        return next((name for name, group in self.vocabulary.off_topic if self._uses(group)), None)

    @cached_property
    def _topic(self) -> tuple[str, bool] | None:
        if not self._uses(self.vocabulary.any_topic):
            return None
        for topic in self.vocabulary.topics:
            if self._uses(topic.words):
                return topic.name, self._uses(topic.strong)
        return None

    @property
    def topic(self) -> str | None:
        """The fact topic the question asks about ("паром", "school exchange")."""
        return self._topic[0] if self._topic else None

    @property
    def strong_topic(self) -> bool:
        """Whether a topic word is one that carries the question alone (not "школа", "порт")."""
        return self._topic is not None and self._topic[1]

    def _uses(self, group: WordGroup) -> bool:
        return group.found_in_spellings(*self._spellings)

    @cached_property
    def _spellings(self) -> tuple[str, tuple[str, ...], frozenset[str]]:
        """The words read, as WordGroup.found_in_spellings takes them (worked out once per question)."""
        spellings = tuple(word.raw for word in self.read)
        return f" {self.lowered} ", spellings, frozenset(spellings)

    @cached_property
    def keyword_positions(self) -> set[int]:
        """Words that are question vocabulary, so the fuzzy town matcher leaves them alone."""
        vocabulary = self.vocabulary
        return {
            index
            for index, word in enumerate(self.read)
            if word.raw in vocabulary.common
            or word.raw in vocabulary.question_whole
            or word.raw.startswith(vocabulary.question_prefixes)
        }

    # ---- what it names ----------------------------------------------------------------------------

    @cached_property
    def matches(self) -> list[TownMatch]:
        return self.directory.find(self.words, self.keyword_positions, self.latin_russian)

    @cached_property
    def language(self) -> Language:
        """The script of the words around the town names: "Где Narva?" is a Russian question.

        Town names are often typed in the other script (copied from a map or a sign), so they do not vote.
        """
        if self.read is not self.words or not self.words:
            return self.script_language
        named = self.named_positions
        votes: dict[Language, int] = {"ru": 0, "en": 0}
        for index, word in enumerate(self.words):
            if index not in named:
                script = script_language(word.raw)
                if script is not None:
                    votes[script] += 1
        if not votes["ru"] and not votes["en"]:
            return self.script_language
        return "ru" if votes["ru"] >= votes["en"] else "en"

    @cached_property
    def named_positions(self) -> set[int]:
        return {index for match in self.matches for index in range(match.start, match.start + match.length)}

    @cached_property
    def partners(self) -> tuple[Town, ...]:
        return tuple(match.town for match in self.matches if not match.town.is_home)

    @cached_property
    def home(self) -> tuple[Town, ...]:
        return tuple(match.town for match in self.matches if match.town.is_home)

    @cached_property
    def country(self) -> str | None:
        if not self._uses(self.vocabulary.any_country):
            return None
        countries = [code for code, group in self.vocabulary.countries if self._uses(group)]
        # Russia is the home country: "Kingisepp, Russia" asks nothing about Russian partners, while
        # "twin towns in Russia" does (and is answered: none on the list)
        return next(
            (
                code
                for code in countries
                if code != "RU" or self.directory.partners_in("RU") or (self.has["subject"] and not self.home)
            ),
            None,
        )

    @cached_property
    def country_towns(self) -> tuple[Town, ...]:
        return self.directory.partners_in(self.country) if self.country else ()

    @cached_property
    def mention(self) -> Mention | None:
        """A town other sources call a partner, named in the question ("Пицунда")."""
        if not self.mentions:
            return None
        skip = self.keyword_positions
        for index, word in enumerate(self.words):
            if index in skip:
                continue
            for form in (word.ascii, word.stem, word.sound):
                found = self.mentions.get(form)
                if found is not None:
                    return found
        return None

    def unknown_name(self) -> str | None:
        """The one name in "Таллин побратим?" / "is Tallinn a twin town": a word no list explains.

        Only a word typed with a capital letter after the first word counts: "дружат ли наши побратимы между
        собой" has no name in it, and a first word ("Блин, побратимы?", "слушай а побратимы есть") is
        capitalised by habit, not because it names a place; well-known places are the gazetteer's
        (Question.place). More than one such word and the question is not this simple one.
        """
        skip = self.keyword_positions | self.named_positions
        vocabulary = self.vocabulary
        capitals = capitalised(self.text)
        if len(capitals) != len(self.words):
            return None
        found: list[int] = []
        for index, word in enumerate(self.words):
            if index in skip or word.raw in vocabulary.common or word.raw in vocabulary.not_names:
                continue
            if len(word.raw) < 4 or not word.raw.isalpha():
                continue
            found.append(index)
        if not found or found[-1] - found[0] + 1 != len(found) or len(found) > 3:
            return None  # none, or several words apart: not one name
        if not capitals[found[0]] or found[0] == 0:
            return None
        return " ".join(self.words[index].raw.capitalize() for index in found)

    # ---- dates and numbers ------------------------------------------------------------------------

    @cached_property
    def on_date(self) -> PartialDate | None:
        return find_date(self.text)

    @cached_property
    def year(self) -> PartialDate | None:
        match = _YEAR.search(self.lowered)
        return PartialDate(int(match.group(1))) if match else None

    @cached_property
    def year_bounds(self) -> tuple[str, int] | None:
        """('min_years', 50) for "больше 50 лет", ('max_years', 20) for "less than 20 years"."""
        for key, pattern in (("min_years", _AT_LEAST_YEARS), ("max_years", _UNDER_YEARS)):
            match = pattern.search(self.lowered)
            if match and 0 < int(match.group(1)) <= 200:
                return key, int(match.group(1))
        return None

    @cached_property
    def period(self) -> tuple[int | None, int | None, int | None] | None:
        """(first year, last year, decade) of a range the question names, None when it names none.

        "в девяностые" -> (1990, 1999, 1990); "до 1980" -> (None, 1979, None); "after 2000" ->
        (2001, None, None); "между 1995 и 2001" -> (1995, 2001, None).
        """
        lowered = self.lowered
        match = _DECADE_DIGITS.search(lowered)
        if match:
            if match.group(1):
                start = int(match.group(1))
            else:
                short = int(match.group(2))
                start = 2000 + short if short <= 20 else 1900 + short
            return start, start + 9, start
        for word in self.read:
            for prefix, start in self.vocabulary.decades:
                if word.raw.startswith(prefix):
                    return start, start + 9, start
        between = _BETWEEN.search(lowered)
        if between:
            first, last = sorted((int(between.group(1)), int(between.group(2))))
            if first != last:
                return first, last, None
        before = _BEFORE.search(lowered)
        if before:
            return None, int(before.group(1)) - 1, None
        after = _AFTER.search(lowered)
        if after:
            return int(after.group(1)) + 1, None, None
        return None

    @cached_property
    def place(self) -> PlaceMatch | None:
        """A well-known place that is no partner ("Рига", "stockholm"), not among the towns named."""
        if self.gazetteer is None:
            return None
        gazetteer = self.gazetteer if isinstance(self.gazetteer, Gazetteer) else self.gazetteer()
        return gazetteer.find(self.words, self.named_positions)

    def unexplained_words(self) -> int:
        """Words of four letters or more that no vocabulary, town or place explains: another subject."""
        skip = self.keyword_positions | self.named_positions
        vocabulary = self.vocabulary
        return sum(
            1
            for index, word in enumerate(self.read)
            if index not in skip
            and len(word.raw) >= 4
            and word.raw.isalpha()
            and word.raw not in vocabulary.common
            and word.raw not in vocabulary.not_names
            and word.raw not in vocabulary.search_stop
        )

    @property
    def target_years(self) -> str | None:
        """The number of years asked about: "когда 50 лет Нарве", "when will it turn 25"."""
        target = _N_YEARS.search(self.lowered) or _TURNS_N.search(self.lowered)
        return target.group(1) if target else None

    def relative_year(self) -> int | None:
        """Years from now of "next year", "в прошлом году"; None when the question says none."""
        padded = f" {self.lowered}"
        return next((offset for key, offset in self.vocabulary.relative_years if f" {key}" in padded), None)

    @cached_property
    def superlative(self) -> Dimension | None:
        """'самый далёкий побратим' -> 'farthest'; None when the question has no superlative."""
        superlatives = self.vocabulary.superlatives
        for superlative in superlatives:
            if self._uses(superlative.alone):
                return superlative.dimension
        for index, word in enumerate(self.read):
            if word.raw not in self.vocabulary.most:
                continue
            for follower in self.read[index + 1 : index + 3]:
                for superlative in superlatives:
                    if follower.raw.startswith(superlative.after_most):
                        return superlative.dimension
        return None

    def distance_between(self) -> bool:
        """Whether two named towns are the ends of the distance asked ("как далеко Нарва от Нарвика")."""
        raw = {word.raw for word in self.read}
        vocabulary = self.vocabulary
        return (
            len(self.partners) == 2
            and not self.home
            and bool(raw & vocabulary.between)
            and not raw & vocabulary.from_us
        )

    def asks_about_towns(self) -> bool:
        """A word for towns, and none for the world: "какой город самый большой", not "...в мире"."""
        return self._uses(self.vocabulary.town_words) and not self._uses(self.vocabulary.elsewhere_words)
