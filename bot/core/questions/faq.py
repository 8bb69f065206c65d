"""The office's own question-and-answer entries (/faq), and matching a resident's question to one.

An entry's questions are reduced to their sorted word stems, so word order, case endings and small typos
do not matter; rapidfuzz's token_sort_ratio then compares the question with every entry in one C call,
which keeps 500 entries well inside the latency budget. token_set_ratio is avoided on purpose: it scores
"когда день города" as equal to "когда день города в Нарве", and a staff answer must not hide a town's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.model import Language
from bot.core.text import words

MATCH_CUTOFF = 86.0
TEXT_LIMIT = 3500  # an answer stays well inside one Telegram message with its header


@dataclass(frozen=True, slots=True)
class FaqEntry:
    number: int
    question_ru: str
    question_en: str
    answer_ru: str
    answer_en: str

    def question(self, lang: Language) -> str:
        return (
            (self.question_ru if lang == "ru" else self.question_en) or self.question_ru or self.question_en
        )

    def answer(self, lang: Language) -> tuple[str, bool]:
        """The answer in `lang`, and whether it is the other language's (no text in `lang`)."""
        own = self.answer_ru if lang == "ru" else self.answer_en
        if own:
            return own, False
        return (self.answer_en if lang == "ru" else self.answer_ru), True


def question_key(text: str) -> str:
    """A question as the matcher compares it: its word stems, sorted."""
    return " ".join(sorted(word.stem for word in words(text) if word.stem))


class FaqIndex:
    """The entries by the keys of their questions (both languages)."""

    def __init__(self, entries: Iterable[FaqEntry] = ()) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self._keys: list[str] = []
        self._owners: list[FaqEntry] = []
        for entry in self.entries:
            for question in (entry.question_ru, entry.question_en):
                key = question_key(question)
                if key:
                    self._keys.append(key)
                    self._owners.append(entry)

    def match(self, text: str) -> FaqEntry | None:
        if not self._keys:
            return None
        key = question_key(text)
        if not key:
            return None
        from rapidfuzz import fuzz, process  # at the first fuzzy look-up: see bot.core.directory

        found = process.extractOne(key, self._keys, scorer=fuzz.token_sort_ratio, score_cutoff=MATCH_CUTOFF)
        return self._owners[found[2]] if found is not None else None

    def same_question(self, text: str, skip: int | None = None) -> FaqEntry | None:
        """An entry (other than number `skip`) asking the same question: a duplicate."""
        key = question_key(text)
        for entry in self.entries:
            if entry.number == skip:
                continue
            if key and key in (question_key(entry.question_ru), question_key(entry.question_en)):
                return entry
        return None


def similar_groups(texts: Sequence[str], cutoff: float = 80.0) -> list[list[int]]:
    """Indices of the texts grouped by similarity (greedy: each joins the first group it resembles)."""
    from rapidfuzz import fuzz, process  # at the first fuzzy look-up: see bot.core.directory

    keys = [question_key(text) for text in texts]
    groups: list[list[int]] = []
    heads: list[str] = []
    for index, key in enumerate(keys):
        found = (
            process.extractOne(key, heads, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff)
            if heads
            else None
        )
        if found is None:
            groups.append([index])
            heads.append(key)
        else:
            groups[found[2]].append(index)
    return groups
