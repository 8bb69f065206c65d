"""The question engine: reads a question once, then asks the intent rules in order (bot/core/questions/intents.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.directory import TownDirectory
from bot.core.model import Language, Mention
from bot.core.questions.answers import Answer
from bot.core.questions.intents import RULES
from bot.core.questions.reading import Question
from bot.core.questions.vocabulary import Vocabulary, shipped_vocabulary
from bot.core.text import words
from bot.core.townfile import shipped_mentions


class QuestionEngine:
    """Answers residents' free-text questions from the town directory."""

    def __init__(
        self,
        directory: TownDirectory,
        mentions: Sequence[Mention] | None = None,
        vocabulary: Vocabulary | None = None,
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

    def answer(self, text: str, fallback: Language) -> Answer:
        question = Question(text, fallback, self.directory, self.vocabulary, self._mentions)
        # the last rule (no_match) always answers
        return next(answer for rule in RULES if (answer := rule(question)) is not None)
