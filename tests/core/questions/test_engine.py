"""bot/core/questions/engine: the engine with what it is given (towns, mentions, vocabulary)."""

from __future__ import annotations

from importlib import resources

from bot.core.directory import TownDirectory
from bot.core.model import Mention
from bot.core.questions import Intent, QuestionEngine
from bot.core.questions.vocabulary import parse_vocabulary, shipped_vocabulary
from bot.core.townfile import shipped_towns

DIRECTORY = TownDirectory(shipped_towns())
SHIPPED_TEXT = resources.files("bot.data").joinpath("question_words.toml").read_text(encoding="utf-8")


def test_engines_share_the_one_shipped_vocabulary() -> None:
    assert QuestionEngine(DIRECTORY).vocabulary is shipped_vocabulary()
    assert QuestionEngine(DIRECTORY).vocabulary is QuestionEngine(DIRECTORY).vocabulary


def test_a_synonym_is_an_edit_of_the_vocabulary_only() -> None:
    assert QuestionEngine(DIRECTORY).answer("салют", "ru").intent is Intent.NO_MATCH
    edited = parse_vocabulary(SHIPPED_TEXT.replace('"привет",', '"привет", "салют",', 1))
    assert QuestionEngine(DIRECTORY, vocabulary=edited).answer("салют", "ru").intent is Intent.GREETING


def test_mentions_are_the_ones_given() -> None:
    assert QuestionEngine(DIRECTORY).answer("Пицунда", "ru").intent is Intent.NOT_PARTNER
    assert QuestionEngine(DIRECTORY, mentions=[]).answer("Пицунда", "ru").intent is not Intent.NOT_PARTNER
    atlantis = Mention("atlantis", "Atlantis", "Атлантида", "GR", (), "A legend.", "Легенда.")
    answer = QuestionEngine(DIRECTORY, mentions=[atlantis]).answer("Атлантида", "ru")
    assert answer.intent is Intent.NOT_PARTNER and answer.mention == atlantis


def test_an_empty_directory_answers_without_inventing_towns() -> None:
    engine = QuestionEngine(TownDirectory([]), mentions=[])
    for text in ("Нарва", "самый большой побратим", "когда день города", "список"):
        assert not engine.answer(text, "ru").towns, text
