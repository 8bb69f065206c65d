"""bot/core/questions/reading: what one question is read as, before any rule answers it."""

from __future__ import annotations

import pytest

from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.questions.answers import Intent
from bot.core.questions.engine import QuestionEngine
from bot.core.questions.intents import RULES
from bot.core.questions.reading import Question
from bot.core.questions.vocabulary import shipped_vocabulary
from bot.core.townfile import shipped_towns

DIRECTORY = TownDirectory(shipped_towns())
ENGINE = QuestionEngine(DIRECTORY)


def read(text: str, fallback: Language = "ru") -> Question:
    return Question(text, fallback, DIRECTORY, shipped_vocabulary(), ENGINE._mentions)


@pytest.mark.parametrize(
    ("text", "fallback", "language"),
    [
        ("Где Narva?", "en", "ru"),  # town names typed in the other script do not vote
        ("Where is Нарвик?", "ru", "en"),
        ("narva kogda", "en", "ru"),  # Russian typed in Latin letters
        ("🙂", "en", "en"),
        ("🙂", "ru", "ru"),
        ("", "en", "en"),
    ],
)
def test_the_language_is_that_of_the_words_around_the_names(
    text: str, fallback: Language, language: str
) -> None:
    assert read(text, fallback).language == language


def test_russian_in_latin_letters_is_read_back_in_cyrillic() -> None:
    question = read("skolko let s narvoj", "en")
    assert question.latin_russian
    assert question.lowered.startswith("сколько лет")
    assert question.has["years"]
    assert [town.key for town in question.partners] == ["narva"]


def test_a_distance_is_also_a_where_question() -> None:
    question = read("how far is Narva")
    assert question.has["distance"] and question.has["where"]
    assert not read("Narva").has["where"]


def test_an_unknown_group_is_named() -> None:
    with pytest.raises(KeyError, match="no keyword group 'weather_words'"):
        read("Narva").has["weather_words"]


def test_vocabulary_words_are_left_to_the_vocabulary() -> None:
    """ "Где" is never fuzzily read as a town name: its position is a keyword position."""
    question = read("где нарва")
    assert 0 in question.keyword_positions and 1 not in question.keyword_positions
    assert [town.key for town in question.partners] == ["narva"]


@pytest.mark.parametrize(
    ("text", "topic", "strong"),
    [
        ("паромное сообщение", "ferry", True),
        ("порт", "ferry", False),
        ("школа", "schools", False),
        ("Narva", None, False),
    ],
)
def test_topics_and_their_strength(text: str, topic: str | None, strong: bool) -> None:
    question = read(text)
    assert question.topic == topic and question.strong_topic is strong


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("какие города дружат с нами больше 50 лет", ("min_years", 50)),
        ("partners for less than 20 years", ("max_years", 20)),
        ("больше 500 лет", None),
        ("50 лет", None),
    ],
)
def test_year_bounds(text: str, bounds: tuple[str, int] | None) -> None:
    assert read(text).year_bounds == bounds


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("когда 50 лет Нарве", "50"),
        ("when will it turn 25", "25"),
        ("50th anniversary", "50"),
        ("Нарва", None),
    ],
)
def test_target_years(text: str, target: str | None) -> None:
    assert read(text).target_years == target


@pytest.mark.parametrize(
    ("text", "offset"),
    [("юбилеи в следующем году", 1), ("anniversaries last year", -1), ("в этом году", 0), ("юбилеи", None)],
)
def test_relative_year(text: str, offset: int | None) -> None:
    assert read(text).relative_year() == offset


@pytest.mark.parametrize(
    ("text", "dimension"),
    [
        ("самый далёкий побратим", "farthest"),
        ("which is the nearest", "nearest"),
        ("самый маленький город", "smallest"),
        ("most populous partner", "biggest"),
        ("самый лучший город", None),
    ],
)
def test_superlatives(text: str, dimension: str | None) -> None:
    assert read(text).superlative == dimension


def test_towns_and_the_world() -> None:
    assert read("какой город самый большой").asks_about_towns()
    assert not read("самый большой город в мире").asks_about_towns()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Таллин наш побратим?", None),  # a first word is capitalised by habit (Tallinn: the gazetteer)
        ("Блин, побратимы?", None),
        ("а Кярдла наш побратим?", "Кярдла"),
        ("is tallinn a twin town", None),  # not capitalised
        ("Is Tallinn a twin town", "Tallinn"),
        ("дружат ли наши побратимы между собой", None),
        ("Таллин и Рига побратимы?", None),  # two names apart: not this simple question
    ],
)
def test_the_one_unknown_name(text: str, name: str | None) -> None:
    assert read(text).unknown_name() == name


def test_two_towns_are_the_ends_of_a_distance_unless_it_is_from_us() -> None:
    assert read("как далеко Нарва от Нарвика").distance_between()
    assert not read("как далеко от нас Нарва и Нарвик").distance_between()
    assert not read("как далеко Нарва").distance_between()


def test_russia_is_asked_about_only_as_a_partner_country() -> None:
    assert read("Kingisepp, Russia").country is None
    assert read("twin towns in Russia").country == "RU"
    assert read("побратимы в Эстонии").country == "EE"
    assert {town.key for town in read("побратимы в Эстонии").country_towns} >= {"narva"}


def test_a_town_other_sources_mention_is_found() -> None:
    mention = read("Пицунда").mention
    assert mention is not None and mention.key == "pitsunda"
    assert read("Нарва").mention is None


def test_nothing_is_computed_that_no_rule_asked_for() -> None:
    """An early answer (off topic) costs no date search, mention lookup or superlative reading."""
    question = read("погода в Нарве")
    answer = next(answer for rule in RULES if (answer := rule(question)) is not None)
    assert answer.intent is Intent.OFF_TOPIC
    assert "matches" in vars(question)
    assert not {"on_date", "mention", "superlative", "year_bounds"} & set(vars(question))
