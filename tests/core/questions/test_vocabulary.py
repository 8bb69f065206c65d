"""bot/core/questions/vocabulary: the question words file, checked entry by entry and loaded once."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pytest

from bot.core.questions.vocabulary import VocabularyError, WordGroup, parse_vocabulary, shipped_vocabulary
from bot.core.text import words

ROOT = Path(__file__).resolve().parents[3]

# The smallest file the schema accepts: one entry or so in every part.
MINIMAL = """
format = 1
whole_words = ["bus"]

[keywords]
since = ["с какого", "since", "когда"]
where = ["где", "where"]

[off_topic]
transport = ["bus", "автобус"]

[topics.ferry]
words = ["паром", "ferry"]
weak = ["порт"]

[countries]
EE = ["эстон", "eston"]

[stop_words]
common = ["город"]
not_names = ["тоже"]

[transliteration]
markers = ["kogda"]
marker_prefixes = ["pobratim"]
words = { skolko = "сколько" }

[superlatives]
most = ["самый", "most"]
town_words = ["город"]
elsewhere_words = ["мир"]

[superlatives.dimensions.nearest]
after_most = ["близк"]
alone = ["nearest"]

[relative_years]
"next year" = 1

[distance]
between = ["от"]
from_us = ["нас"]
"""


def test_the_minimal_file_is_accepted() -> None:
    vocabulary = parse_vocabulary(MINIMAL)
    assert set(vocabulary.keywords) == {"since", "where"}
    assert vocabulary.topics[0].name == "ferry"
    assert vocabulary.relative_years == (("next year", 1),)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"с какого", "since"', '"С какого", "since"', "keywords.since[0]: 'С какого' is read as 'с какого'"),
        ('"паром"', '"паромъ-ё"', "topics.ferry.words[0]: 'паромъ-ё' is read as 'паромъ е'"),
        ('"когда"]', '"co-operat"]', "keywords.since[2]: 'co-operat' is read as 'co operat'"),
        ('"когда"]', '""]', "keywords.since[2]: an empty entry"),
        ('"когда"]', '"since"]', "keywords.since: 'since' is listed twice"),
        ('whole_words = ["bus"]', 'whole_words = ["bus", "same"]', "whole_words: 'same' is in no keyword"),
        ('whole_words = ["bus"]', 'whole_words = ["bus stop"]', "whole_words[0]: 'bus stop': one word here"),
        ("[topics.ferry]", "[topics.ferries]", "topics.ferries"),
        ("EE = ", "Estonia = ", "countries.Estonia"),
        ("[keywords]\n", "[keywords]\nempty = []\n", "keywords.empty: List should have at least 1 item"),
        ("[keywords]\n", "[keywords]\nSince = ['x']\n", "keywords.Since"),
        ('"next year" = 1', '"next year" = 100', "relative_years.next year"),
        ("dimensions.nearest]", "dimensions.nearer]", "superlatives.dimensions.nearer"),
        ("[distance]\n", "[distance]\nnear = ['x']\n", "distance.near: Extra inputs are not permitted"),
        ("format = 1", "format = 2", "format"),
        ("format = 1", "format = ", "not valid TOML"),
    ],
)
def test_a_bad_entry_is_named(old: str, new: str, message: str) -> None:
    assert old in MINIMAL
    with pytest.raises(VocabularyError) as raised:
        parse_vocabulary(MINIMAL.replace(old, new, 1), source="words.toml")
    assert str(raised.value).startswith("words.toml: ")
    assert message in str(raised.value)


def test_a_group_is_split_into_phrases_whole_words_and_beginnings() -> None:
    group = WordGroup.of(["с какого", "bus", "сотрудн"], frozenset({"bus"}))
    assert group.phrases == (" с какого",) and group.whole == {"bus"} and group.prefixes == ("сотрудн",)

    def found(text: str) -> bool:
        read = words(text)
        return group.found_in(" ".join(word.raw for word in read), read)

    assert found("С какого года?") and found("сотрудничество") and found("the bus")
    assert not found("business") and not found("кого") and not found("сотру")


def test_weak_topic_words_are_not_strong() -> None:
    (topic,) = parse_vocabulary(MINIMAL).topics
    assert topic.words.prefixes == ("паром", "ferry", "порт")
    assert topic.strong.prefixes == ("паром", "ferry")


def test_question_words_are_every_single_word_of_the_groups() -> None:
    vocabulary = parse_vocabulary(MINIMAL)
    assert vocabulary.question_whole == {"bus"}
    # phrases and the words of the other lists (stop words, superlatives) are not among them
    assert vocabulary.question_prefixes == (
        "eston", "ferry", "since", "where", "автобус", "где", "когда", "паром", "порт", "эстон",
    )  # fmt: skip


def test_the_shipped_file_loads_once_and_ships_in_the_package() -> None:
    assert shipped_vocabulary() is shipped_vocabulary()
    assert resources.files("bot.data").joinpath("question_words.toml").is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["bot"]
    assert any(fnmatch("data/question_words.toml", pattern) for pattern in patterns)


def test_the_shipped_file_has_every_group_the_rules_read() -> None:
    """Each has["name"] in the rules names a group of the shipped file (a missing one fails at answer time)."""
    folder = ROOT / "bot" / "core" / "questions"
    source = "".join(path.read_text(encoding="utf-8") for path in folder.glob("*.py"))
    read = set(re.findall(r'has\["([a-z_]+)"\]', source))
    assert read and read <= set(shipped_vocabulary().keywords)
