"""The last resort before "I don't know": search every town's text facts and descriptions.

Each sentence of a fact or a description is kept as the set of its word stems (Snowball, transliterated),
with an inverted index from a stem to the sentences that have it. A question's content stems (question
vocabulary and stop words left out) are looked up exactly, and a stem the index lacks is matched to its
closest indexed stem with rapidfuzz (five letters or more, a high cutoff), so "pupil's" and "семьях" find
"pupils" and "семьи". A sentence answers when it shares at least two of the stems and half of them: one
shared word is too little evidence to show a town's fact as the answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.model import Town
from bot.core.text import Word, words

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
_FUZZY_MIN_LENGTH = 5
_FUZZY_CUTOFF = 84.0
_MIN_SHARED = 2
_MIN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Found:
    town: Town
    topic: str | None  # a fact's topic; None for the town's description
    score: float


@dataclass(frozen=True, slots=True)
class _Sentence:
    town: Town
    topic: str | None
    stems: frozenset[str]


def _stems(parts: Iterable[Word], stop: frozenset[str]) -> set[str]:
    return {
        word.stem for word in parts if len(word.stem) >= 3 and word.raw not in stop and word.stem not in stop
    }


class TextIndex:
    def __init__(self, towns: Iterable[Town], stop: frozenset[str]) -> None:
        self.stop = stop
        self._sentences: list[_Sentence] = []
        self._by_stem: dict[str, list[int]] = defaultdict(list)
        for town in towns:
            texts: list[tuple[str | None, str]] = [
                (fact.topic, text) for fact in town.facts for text in (fact.text_en, fact.text_ru)
            ]
            texts += [(None, town.description_en), (None, town.description_ru)]
            for topic, text in texts:
                for sentence in _SENTENCE.split(text):
                    stems = frozenset(_stems(words(sentence), stop))
                    if len(stems) < _MIN_SHARED:
                        continue
                    index = len(self._sentences)
                    self._sentences.append(_Sentence(town, topic, stems))
                    for stem in stems:
                        self._by_stem[stem].append(index)
        self._spellings = [stem for stem in self._by_stem if len(stem) >= _FUZZY_MIN_LENGTH]

    def search(self, question: Iterable[Word]) -> list[Found]:
        """The best-matching sentences' towns (one per town and topic), best first; [] when none is close."""
        asked = _stems(question, self.stop)
        if len(asked) < _MIN_SHARED or not self._sentences:
            return []
        hits: dict[int, int] = defaultdict(int)
        for stem in asked:
            indexed: str | None = stem if stem in self._by_stem else None
            if indexed is None and len(stem) >= _FUZZY_MIN_LENGTH and self._spellings:
                from rapidfuzz import fuzz, process  # at the first fuzzy look-up: see bot.core.directory

                close = process.extractOne(
                    stem, self._spellings, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
                )
                indexed = close[0] if close is not None else None
            if indexed is not None:
                for index in self._by_stem[indexed]:
                    hits[index] += 1
        best: dict[tuple[str, str | None], Found] = {}
        for index, shared in hits.items():
            score = shared / len(asked)
            if shared < _MIN_SHARED or score < _MIN_SHARE:
                continue
            sentence = self._sentences[index]
            key = (sentence.town.key, sentence.topic)
            if key not in best or best[key].score < score:
                best[key] = Found(sentence.town, sentence.topic, score)
        found = sorted(best.values(), key=lambda item: -item.score)
        return [item for item in found if item.score == found[0].score] if found else []
