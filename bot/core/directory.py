"""The towns the bot knows, indexed for finding them in free text.

Lookup order, cheapest first: exact multi-word match on transliterated stems or spellings
(longest first, so "Narva-Jõesuu" wins over "Narva"), then a typo-tolerant rapidfuzz match for
the words still unexplained, over candidates of a compatible length only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.model import Town
from bot.core.text import Word, words

MAX_NAME_WORDS = 4
FUZZY_CUTOFF = 80.0
SUGGESTION_CUTOFF = 60.0


@dataclass(frozen=True, slots=True)
class TownMatch:
    town: Town
    start: int  # index of the first word of the mention
    length: int  # number of words
    score: float  # 100 for an exact match


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
        self._exact: dict[tuple[str, ...], set[str]] = defaultdict(set)
        # fuzzy vocabulary: spelling -> town keys, bucketed by length for cheap candidate selection
        self._fuzzy: dict[str, set[str]] = defaultdict(set)
        for town in self.towns:
            for name in self.names_of(town):
                parts = words(name)
                if not parts or len(parts) > MAX_NAME_WORDS:
                    continue
                self._exact[tuple(word.stem for word in parts)].add(town.key)
                self._exact[tuple(word.ascii for word in parts)].add(town.key)
                joined = "".join(word.ascii for word in parts)
                if len(joined) >= 4:
                    self._fuzzy[joined].add(town.key)
                for word in parts:
                    if len(word.ascii) >= 4:
                        self._fuzzy[word.ascii].add(town.key)
                        self._fuzzy[word.stem].add(town.key)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for spelling in self._fuzzy:
            self._by_length[len(spelling)].append(spelling)
        # candidate lists per (length window, first letter), built on first use and kept
        self._windows: dict[tuple[int, int, str], list[str]] = {}
        dated = [town for town in self.partners if town.since is not None]
        self._first_since = dated[0].since if dated else None
        self._last_since = dated[-1].since if dated else None

    @staticmethod
    def names_of(town: Town) -> list[str]:
        names = [town.name_en, town.name_ru, *town.aliases]
        # name_local holds other names in their own scripts, comma-separated: "Jaama, Ямбург"
        names.extend(part.strip() for part in town.name_local.split(","))
        return [name for name in names if name]

    def oldest(self) -> list[Town]:
        """The partner(s) with the earliest agreement (partners are sorted by it)."""
        return [town for town in self.partners if town.since is not None and town.since == self._first_since]

    def newest(self) -> list[Town]:
        return [town for town in self.partners if town.since is not None and town.since == self._last_since]

    def get(self, key: str) -> Town | None:
        return self.by_key.get(key)

    def in_country(self, country: str) -> list[Town]:
        return [town for town in self.partners if town.country == country]

    def find(self, text_words: Sequence[Word], skip: set[int] | None = None) -> list[TownMatch]:
        """Towns mentioned in the words, in order of appearance; `skip` marks words known not to be names."""
        taken = set(skip or ())
        matches: list[TownMatch] = []
        count = len(text_words)
        for length in range(min(MAX_NAME_WORDS, count), 0, -1):
            for start in range(count - length + 1):
                span = range(start, start + length)
                if any(index in taken for index in span):
                    continue
                chunk = text_words[start : start + length]
                keys = self._exact.get(tuple(w.stem for w in chunk)) or self._exact.get(
                    tuple(w.ascii for w in chunk)
                )
                if keys:
                    for key in sorted(keys):
                        matches.append(TownMatch(self.by_key[key], start, length, 100.0))
                    taken.update(span)
        for index, word in enumerate(text_words):
            if index in taken or word.is_number or len(word.ascii) < 4:
                continue
            found = self._closest(word.ascii, FUZZY_CUTOFF)
            if found is None and word.stem != word.ascii and len(word.stem) >= 4:
                found = self._closest(word.stem, FUZZY_CUTOFF)
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

    def suggest(self, text_words: Sequence[Word], limit: int = 3) -> list[Town]:
        """The towns whose names look most like any word of the text (for 'did you mean')."""
        scored: dict[str, float] = {}
        for word in text_words[:12]:
            if len(word.ascii) < 3 or word.is_number:
                continue
            # fuzz.ratio >= 60 needs the shorter string to be at least 3/7 of the longer one
            size = len(word.ascii)
            candidates = self._window((size * 3 + 6) // 7, (size * 7) // 3, "")
            for spelling, score, _ in process.extract(
                word.ascii, candidates, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF, limit=limit
            ):
                for key in self._fuzzy[spelling]:
                    scored[key] = max(scored.get(key, 0.0), score)
        ranked = sorted(scored, key=lambda key: -scored[key])
        return [self.by_key[key] for key in ranked if not self.by_key[key].is_home][:limit]

    def _window(self, low: int, high: int, first: str) -> list[str]:
        key = (low, high, first)
        found = self._windows.get(key)
        if found is None:
            found = [
                spelling
                for length in range(low, high + 1)
                for spelling in self._by_length.get(length, ())
                if not first or spelling[0] == first
            ]
            self._windows[key] = found
        return found

    def _closest(self, spelling: str, cutoff: float) -> tuple[str, float] | None:
        if spelling in self._fuzzy:
            return spelling, 100.0
        size = len(spelling)
        # fuzz.ratio >= 80 needs the shorter string to be at least 2/3 of the longer one;
        # short words: a typo rarely hits the first letter, and it keeps "near" from becoming "Narva"
        candidates = self._window((size * 2 + 2) // 3, (size * 3) // 2, spelling[0] if size <= 5 else "")
        if not candidates:
            return None
        best = process.extractOne(spelling, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best is None:
            return None
        return best[0], float(best[1])
