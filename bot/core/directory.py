"""The towns the bot knows, indexed for finding them in free text.

Lookup order, cheapest first:

1. exact multi-word names on transliterations or same-script stems, longest first, so
   "Narva-Jõesuu" wins over "Narva";
2. a multi-word name with a typo, found through its exactly spelled first or last word ("Narva-Joesu");
3. exact single words, Russian adjectives included ("нарвский" -> Narva), then Russian typed in Latin
   letters through its Cyrillic stem ("narvoj" -> Narva), then a rough sound key ("Джохви" -> Jõhvi);
4. a typo-tolerant rapidfuzz match for the words still unexplained: a word's spelling against the
   names' spellings, its stem against the stems of the same script, same first letter, and few edits.

A word of a multi-word name ("district", "Хуай") is never a name on its own, and spellings shorter
than five letters match exactly only: both keep everyday words from turning into towns.

Per question, every step is a dict lookup or a C-level rapidfuzz scan of one cached window of the
vocabulary (by length and first letter), for a bounded number of words, so the cost grows with the
number of towns only through those scans.

rapidfuzz is imported where a fuzzy scan starts, not with the module: most questions name their town
exactly, and the idle bot (and `twinbot ask` of a plain question) does without its 3.6 MB. The same
holds in bot.core.questions (gazetteer, textsearch, faq).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from bot.core.model import PartialDate, Town, distance_km
from bot.core.text import Word, words

# names' transliterations, their Russian or English stems, or all of them
Vocabulary = Literal["spelling", "stem_ru", "stem_en", "any"]

MAX_NAME_WORDS = 4
FUZZY_CUTOFF = 80.0
FUZZY_MIN_LENGTH = 5  # shorter spellings ("narv", "reso") match exactly only
FUZZY_MAX_WORDS = 24  # unexplained words per question that get a typo-tolerant scan
MULTI_WORD_CUTOFF = 85.0
MULTI_WORD_PART_CUTOFF = 70.0
SOUND_MIN_LENGTH = 5  # sound keys of shorter names are too likely to be everyday words
# Latin words ending like Russian case forms ("narvoj", "narvikom", "zasnicem"): their Cyrillic stem is
# looked up even when the rest of the question does not read as Russian. English words rarely end so,
# and other endings ("raise" -> "раисе" -> Раисио) would turn English words into towns.
RUSSIAN_LATIN_ENDINGS = ("oj", "ej", "om", "em", "ym", "im", "ami", "yami")
SUGGESTION_CUTOFF = 70.0
SUGGESTION_MIN_LENGTH = 4
SUGGESTION_MAX_WORDS = 12  # "did you mean" looks at the start of a question only: bounded work


@dataclass(frozen=True, slots=True)
class TownMatch:
    town: Town
    start: int  # index of the first word of the mention
    length: int  # number of words
    score: float  # 100 for an exact match


def _stem_key(parts: Sequence[Word]) -> tuple[str, ...]:
    return tuple(f"{'ru' if word.cyrillic else 'en'}:{word.stem}" for word in parts)


def _max_edits(length: int) -> int:
    """Typos allowed in a name of this length: one in a short name, more in a long one."""
    return 1 if length <= 8 else 2 if length <= 12 else 3


def _length_window(size: int, cutoff: float) -> tuple[int, int]:
    """Lengths a string may have to reach fuzz.ratio >= cutoff against one of `size` characters.

    ratio = 2M / (a + b) with M <= min(a, b), so min / max must be at least c / (2 - c).
    """
    share = (cutoff / 100) / (2 - cutoff / 100)
    return math.ceil(size * share - 1e-9), math.floor(size / share + 1e-9)


class TownDirectory:
    """All towns, partners first by partnership date, with the indexes the question engine needs."""

    def __init__(self, towns: Iterable[Town]) -> None:
        self.towns: tuple[Town, ...] = tuple(towns)
        self.by_key: dict[str, Town] = {town.key: town for town in self.towns}
        self.home: Town | None = next((town for town in self.towns if town.is_home), None)
        self.partners: tuple[Town, ...] = tuple(
            sorted(
                (town for town in self.towns if not town.is_home),
                key=lambda town: (town.since.sort_key if town.since else (9999, 0, 0), town.name_en),
            )
        )
        # exact lookup by transliterations, and by stems within one script: the English stem of
        # "raise" and the Russian stem of "Раисио" are both "rais", and only one of them is a town
        self._exact: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._exact_stems: dict[tuple[str, ...], set[str]] = defaultdict(set)
        # multi-word names (their words' spellings) by the forms of their first and last words
        self._multi: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        # single-word names by their sound key ("johvi" for Jõhvi and for "Джохви")
        self._sounds: dict[str, set[str]] = defaultdict(set)
        # fuzzy vocabulary: spelling -> town keys, bucketed by length for cheap candidate selection;
        # a word's spelling is compared with names' spellings, its stem with names' stems
        self._fuzzy: dict[str, set[str]] = defaultdict(set)
        self._spellings: set[str] = set()
        self._stems: dict[Vocabulary, set[str]] = {"stem_ru": set(), "stem_en": set()}
        for town in self.towns:
            for name in self.names_of(town):
                parts = words(name)
                if not parts or len(parts) > MAX_NAME_WORDS:
                    continue
                self._exact_stems[_stem_key(parts)].add(town.key)
                self._exact[tuple(word.ascii for word in parts)].add(town.key)
                joined = "".join(word.ascii for word in parts)
                if len(joined) >= FUZZY_MIN_LENGTH:
                    self._fuzzy[joined].add(town.key)
                    self._spellings.add(joined)
                if len(parts) > 1:
                    # a word of a longer name ("district", "Хуай") is no name on its own: multi-word
                    # names are matched whole, exactly or through _find_multi_word_typo
                    spellings = tuple(word.ascii for word in parts)
                    for edge in (parts[0], parts[-1]):
                        for form in (edge.ascii, edge.stem):
                            self._multi[form].add(spellings)
                    continue
                if len(parts[0].sound) >= SOUND_MIN_LENGTH:
                    self._sounds[parts[0].sound].add(town.key)
                if len(parts[0].stem) >= FUZZY_MIN_LENGTH:
                    self._fuzzy[parts[0].stem].add(town.key)
                    self._stems["stem_ru" if parts[0].cyrillic else "stem_en"].add(parts[0].stem)
        self._by_length: dict[tuple[Vocabulary, int], list[str]] = defaultdict(list)
        every = self._spellings.union(*self._stems.values())
        for kind, vocabulary in (("spelling", self._spellings), *self._stems.items(), ("any", every)):
            for spelling in sorted(vocabulary):
                self._by_length[kind, len(spelling)].append(spelling)
        self._longest = max((length for _, length in self._by_length), default=0)
        # candidate lists per (vocabulary, word length, cutoff, first letter), built on first use and kept
        self._windows: dict[tuple[Vocabulary, int, float, str], list[str]] = {}
        # the ends of the partners' order, worked out once: "the oldest/newest partner" must not rescan
        # every town (and recompute Town.since) on each question as the directory grows
        dated = [(town, town.since) for town in self.partners if town.since is not None]
        self._oldest = _run_of_equals(dated)
        self._newest = _run_of_equals(dated[::-1])[::-1]
        # "в девяностые", "after 2000": the dated partners in order and their years, for a bisect
        self._dated = tuple(town for town, _ in dated)
        self._dated_years = [since.year for _, since in dated]
        # "что подписали в 2000 году": the partners with an agreement of each year, in partner order
        self._signed_in: dict[int, list[Town]] = defaultdict(list)
        for town in self.partners:
            for year in sorted({agreement.signed.year for agreement in town.agreements}):
                self._signed_in[year].append(town)
        by_country: dict[str, list[Town]] = defaultdict(list)
        for town in self.partners:
            by_country[town.country].append(town)
        # "какие города в Эстонии": a country's partners without a scan of every partner
        self._in_country: dict[str, tuple[Town, ...]] = {
            code: tuple(members) for code, members in by_country.items()
        }
        # "паромное сообщение": the towns that have a fact of each topic, in directory and partner order,
        # so a fact question does not ask every town of a national directory for its facts
        self._with_fact: dict[str, tuple[Town, ...]] = _by_topic(self.towns)
        self._partners_with_fact: dict[str, tuple[Town, ...]] = _by_topic(self.partners)
        # the partners' countries, those with the most partners first
        self.partner_countries: tuple[tuple[str, tuple[Town, ...]], ...] = tuple(
            (code, tuple(members))
            for code, members in sorted(by_country.items(), key=lambda item: -len(item[1]))
        )

    def signed_in(self, year: int) -> list[Town]:
        """The partners with an agreement signed in `year`, in partnership order."""
        return list(self._signed_in.get(year, ()))

    def began_between(self, first: int | None, last: int | None) -> tuple[Town, ...]:
        """The partners whose first agreement is from `first` to `last` (years, inclusive; None: open)."""
        low = bisect_left(self._dated_years, first) if first is not None else 0
        high = bisect_right(self._dated_years, last) if last is not None else len(self._dated)
        return self._dated[low:high]

    @staticmethod
    def names_of(town: Town) -> list[str]:
        names = [town.name_en, town.name_ru, *town.aliases]
        # name_local holds other names in their own scripts, comma-separated: "Jaama, Ямбург"
        names.extend(part.strip() for part in town.name_local.split(","))
        return [name for name in names if name]

    def oldest(self) -> list[Town]:
        """The partner(s) with the earliest agreement, in partnership order."""
        return list(self._oldest)

    def newest(self) -> list[Town]:
        """The partner(s) with the latest agreement, in partnership order."""
        return list(self._newest)

    def get(self, key: str) -> Town | None:
        return self.by_key.get(key)

    def in_country(self, country: str) -> list[Town]:
        """The partners in a country, in partnership order."""
        return list(self.partners_in(country))

    def partners_in(self, country: str) -> tuple[Town, ...]:
        """The same, without a copy: a question asks this for every country word it has."""
        return self._in_country.get(country, ())

    def with_fact(self, topic: str, partners_only: bool = True) -> tuple[Town, ...]:
        """The partners (in partnership order), or all towns (in directory order), with a fact on `topic`."""
        return (self._partners_with_fact if partners_only else self._with_fact).get(topic, ())

    @cached_property
    def partners_by_distance(self) -> tuple[Town, ...]:
        """Partners nearest first (towns without coordinates last, in partnership order)."""
        home = self.home
        if home is None:
            return self.partners

        def key(town: Town) -> float:
            distance = distance_km(home, town)
            return math.inf if distance is None else distance

        return tuple(sorted(self.partners, key=key))

    def find(
        self, text_words: Sequence[Word], skip: set[int] | None = None, latin_russian: bool = False
    ) -> list[TownMatch]:
        """Towns mentioned in the words, in order of appearance; `skip` marks words known not to be names.

        `latin_russian`: the question is Russian typed in Latin letters, so every Latin word may be a
        Russian case form of a name ("v narve").
        """
        taken = set(skip or ())
        matches: list[TownMatch] = []
        count = len(text_words)
        longest = min(MAX_NAME_WORDS, count)
        for length in range(longest, 1, -1):
            self._find_exact(text_words, length, taken, matches)
        for length in range(longest, 1, -1):
            self._find_multi_word_typo(text_words, length, taken, matches)
        self._find_exact(text_words, 1, taken, matches, latin_russian)
        attempts = 0
        for index, word in enumerate(text_words):
            if index in taken or word.is_number or len(word.ascii) < 4:
                continue
            attempts += 1
            if attempts > FUZZY_MAX_WORDS:
                break  # exact names are still found anywhere; typo tolerance stays bounded per question
            found = self._closest(word.ascii, "spelling")
            if found is None and word.stem != word.ascii:  # an inflected form: stems meet stems
                found = self._closest(word.stem, "stem_ru" if word.cyrillic else "stem_en")
            if found is not None:
                spelling, score = found
                for key in sorted(self._fuzzy[spelling]):
                    matches.append(TownMatch(self.by_key[key], index, 1, score))
                taken.add(index)
        matches.sort(key=lambda match: match.start)
        unique: dict[str, TownMatch] = {}
        for match in matches:
            unique.setdefault(match.town.key, match)
        return list(unique.values())

    def _find_exact(
        self,
        text_words: Sequence[Word],
        length: int,
        taken: set[int],
        matches: list[TownMatch],
        latin_russian: bool = False,
    ) -> None:
        for start in range(len(text_words) - length + 1):
            span = range(start, start + length)
            if any(index in taken for index in span):
                continue
            chunk = text_words[start : start + length]
            keys = self._exact_stems.get(_stem_key(chunk)) or self._exact.get(tuple(w.ascii for w in chunk))
            if not keys and length == 1 and chunk[0].adjective_base:
                base = chunk[0].adjective_base
                keys = self._exact_stems.get((f"ru:{base}",)) or self._exact.get((base,))
            if not keys and length == 1:
                keys = self._single_word_fallback(chunk[0], latin_russian)
            if keys:
                for key in sorted(keys):
                    matches.append(TownMatch(self.by_key[key], start, length, 100.0))
                taken.update(span)

    def _single_word_fallback(self, word: Word, latin_russian: bool) -> set[str] | None:
        """A name typed as Russian in Latin letters ("narvoj"), or spelled by ear ("Джохви")."""
        russian_form = latin_russian or word.raw.endswith(RUSSIAN_LATIN_ENDINGS)
        if russian_form and len(word.ru_stem) >= FUZZY_MIN_LENGTH - 1:
            keys = self._exact_stems.get((f"ru:{word.ru_stem}",))
            if keys:
                return keys
        if len(word.sound) >= SOUND_MIN_LENGTH:
            return self._sounds.get(word.sound)
        return None

    def _find_multi_word_typo(
        self, text_words: Sequence[Word], length: int, taken: set[int], matches: list[TownMatch]
    ) -> None:
        """'Narva-Joesu': a multi-word name with a typo, found through its exactly spelled first or last word.

        The whole span must be close to the name, and so must each of its words: "с Нарва" is no "Усть-Нарва".
        """
        for start in range(len(text_words) - length + 1):
            span = range(start, start + length)
            if any(index in taken for index in span):
                continue
            chunk = text_words[start : start + length]
            candidates = {
                spellings
                for edge in (chunk[0], chunk[-1])
                for form in (edge.ascii, edge.stem)
                for spellings in self._multi.get(form, ())
                if len(spellings) == length
            }
            if not candidates:
                continue
            from rapidfuzz import fuzz

            joined = "".join(word.ascii for word in chunk)
            best: tuple[float, str] | None = None
            for spellings in sorted(candidates):
                if any(
                    fuzz.ratio(word.ascii, part) < MULTI_WORD_PART_CUTOFF
                    for word, part in zip(chunk, spellings, strict=True)
                ):
                    continue
                name = "".join(spellings)
                score = fuzz.ratio(joined, name, score_cutoff=MULTI_WORD_CUTOFF)
                if score and (best is None or score > best[0]):
                    best = (score, name)
            if best is None:
                continue
            for key in sorted(self._fuzzy.get(best[1], ())):
                matches.append(TownMatch(self.by_key[key], start, length, best[0]))
            taken.update(span)

    def suggest(self, text_words: Sequence[Word], limit: int = 3, skip: set[int] | None = None) -> list[Town]:
        """The towns whose names look most like any word of the text (for 'did you mean')."""
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import OSA

        scored: dict[str, float] = {}
        for index, word in enumerate(text_words[:SUGGESTION_MAX_WORDS]):
            if (skip and index in skip) or word.is_number:
                continue
            for spelling in {word.ascii, word.stem}:
                if len(spelling) < SUGGESTION_MIN_LENGTH:
                    continue
                candidates = self._window("any", len(spelling), SUGGESTION_CUTOFF)
                for found, score, _ in process.extract(
                    spelling, candidates, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF, limit=limit
                ):
                    # a typo keeps the first letter or a few edits: "граница" is no "Засниц"
                    if found[0] != spelling[0] and OSA.distance(spelling, found) > _max_edits(len(found)):
                        continue
                    for key in self._fuzzy[found]:
                        scored[key] = max(scored.get(key, 0.0), score)
        ranked = sorted(scored, key=lambda key: (-scored[key], key))
        return [self.by_key[key] for key in ranked if not self.by_key[key].is_home][:limit]

    def _window(self, kind: Vocabulary, size: int, cutoff: float, first: str = "") -> list[str]:
        """Spellings long enough and short enough to reach `cutoff` (optionally with the same first letter)."""
        cache_key = (kind, size, cutoff, first)
        cached = self._windows.get(cache_key)
        if cached is None:
            low, high = _length_window(size, cutoff)
            if low > self._longest:
                return []  # longer than any name could be: nothing to cache
            cached = [
                spelling
                for length in range(low, high + 1)
                for spelling in self._by_length.get((kind, length), ())
                if not first or spelling[0] == first
            ]
            self._windows[cache_key] = cached
        return cached

    def _closest(self, spelling: str, kind: Vocabulary) -> tuple[str, float] | None:
        """The town spelling a word is a typo of: similar enough, and only a few edits away.

        A typo rarely hits the first letter, so candidates share it ("Гамбург" is no "Ямбург"), and
        the similarity ratio alone is too lenient for short names ("набрать" is no "Нарва"), so the
        edits (with transpositions) are capped by the name's length too.
        """
        if len(spelling) < FUZZY_MIN_LENGTH - 1:
            return None
        if spelling in (self._spellings if kind == "spelling" else self._stems.get(kind, ())):
            return spelling, 100.0
        candidates = self._window(kind, len(spelling), FUZZY_CUTOFF, spelling[0])
        if not candidates:
            return None
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import OSA

        for found, score, _ in process.extract(
            spelling, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
        ):
            if OSA.distance(spelling, found) <= _max_edits(len(found)):
                return found, float(score)
        return None


def _by_topic(towns: Iterable[Town]) -> dict[str, tuple[Town, ...]]:
    """The towns with a fact of each topic, in the order given."""
    holders: dict[str, list[Town]] = defaultdict(list)
    for town in towns:
        for topic in dict.fromkeys(fact.topic for fact in town.facts):
            holders[topic].append(town)
    return {topic: tuple(members) for topic, members in holders.items()}


def _run_of_equals(dated: Sequence[tuple[Town, PartialDate]]) -> tuple[Town, ...]:
    """The towns at the head of a list sorted by date whose date equals the first one's. Towns of the
    same sort key but another precision ("2000" and "June 2000") may sit among them: they are skipped."""
    if not dated:
        return ()
    first = dated[0][1]
    head = []
    for town, since in dated:
        if since.sort_key != first.sort_key:
            break
        if since == first:
            head.append(town)
    return tuple(head)
