"""The question engine: reads a question once, then asks the intent rules in order (bot/core/questions/intents.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import cached_property

from bot.core.directory import TownDirectory
from bot.core.model import Language, Mention
from bot.core.questions.answers import Answer
from bot.core.questions.faq import FaqEntry, FaqIndex
from bot.core.questions.gazetteer import Gazetteer, shipped_gazetteer
from bot.core.questions.intents import RULES
from bot.core.questions.reading import Question
from bot.core.questions.textsearch import TextIndex
from bot.core.questions.vocabulary import Vocabulary, shipped_vocabulary
from bot.core.text import words
from bot.core.townfile import shipped_mentions


class QuestionEngine:
    """Answers residents' free-text questions from the town directory (and the office's FAQ entries)."""

    def __init__(
        self,
        directory: TownDirectory,
        mentions: Sequence[Mention] | None = None,
        vocabulary: Vocabulary | None = None,
        gazetteer: Gazetteer | None = None,
        faq: Iterable[FaqEntry] = (),
    ) -> None:
        self.directory = directory
        self.vocabulary = shipped_vocabulary() if vocabulary is None else vocabulary
        # towns other sources call partners (not on the list): by the forms of their one-word names
        self._mentions: dict[str, Mention] = {}
        for mention in shipped_mentions() if mentions is None else mentions:
            for name in (mention.name_en, mention.name_ru, *mention.aliases):
                parts = words(name)
                if len(parts) == 1:
                    for form in (parts[0].ascii, parts[0].stem, parts[0].sound):
                        if len(form) >= 4:
                            self._mentions.setdefault(form, mention)
        self._places = gazetteer
        self.text_index = TextIndex(
            directory.towns,
            self.vocabulary.common | self.vocabulary.search_stop | self.vocabulary.question_whole,
        )
        self.faq = FaqIndex(faq)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """The well-known places the directory does not know as towns. Built at the first question that
        looks for a place, not with the engine: telling them apart runs the directory's typo-tolerant
        find on every place (rapidfuzz), which a start or a plain question need not wait for."""
        return (shipped_gazetteer() if self._places is None else self._places).without(self.directory)

    def set_faq(self, entries: Iterable[FaqEntry]) -> None:
        """The office's entries changed (/faq add, edit, remove, import): match the new ones from now on."""
        self.faq = FaqIndex(entries)

    def read(self, text: str, fallback: Language, today: date | None = None) -> Question:
        question = Question(
            text, fallback, self.directory, self.vocabulary, self._mentions, lambda: self.gazetteer, today
        )
        question.faq = self.faq
        question.text_index = self.text_index
        return question

    def answer(self, text: str, fallback: Language, today: date | None = None) -> Answer:
        """The answer to `text`; with `today`, "more than 40 years ago" picks the towns themselves."""
        question = self.read(text, fallback, today)
        # the last rule (no_match) always answers
        return next(answer for rule in RULES if (answer := rule(question)) is not None)
