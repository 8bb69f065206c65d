"""The shipped data files every start reads are validated here, once, instead of at every start.

bot/data/checked.toml records the SHA-256 of each file as this test validated it; a start that finds the
same digest reads the file straight into the engine's dataclasses (bot/core/datafile.py), and one edited
since is validated in full. Here: each file is valid, its digest is the recorded one, and the reading
without validation gives what the validated reading gives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from bot.core import datafile
from bot.core.datafile import checked_digests, digest, read_shipped
from bot.core.questions.gazetteer import parse_places, shipped_gazetteer
from bot.core.questions.vocabulary import parse_vocabulary, shipped_vocabulary
from bot.core.townfile import parse_mentions, shipped_mentions

# file in bot/data -> (the validating reader, the shipped reading used at start)
SHIPPED: dict[str, tuple[Callable[[str, str], Any], Callable[[], Any]]] = {
    "mentioned.toml": (parse_mentions, shipped_mentions),
    "places.toml": (parse_places, shipped_gazetteer),
    "question_words.toml": (parse_vocabulary, shipped_vocabulary),
}


def shipped_text(name: str) -> str:
    return resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")


def comparable(read: Any) -> Any:
    """A dataclass compares its fields, and not what cached_property has since stored in its __dict__
    (the Vocabulary's union groups, present once any question was answered). A Gazetteer has no
    __eq__: its attributes (places, names, indexes) are compared."""
    if dataclasses.is_dataclass(read) or not hasattr(read, "__dict__"):
        return read
    return vars(read)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_shipped_file_is_valid_and_its_digest_is_recorded(name: str) -> None:
    text = shipped_text(name)
    validating, _ = SHIPPED[name]
    validating(text, f"bot/data/{name}")  # raises, naming the entry, for anything the bot could not use
    assert checked_digests().get(name) == digest(text), (
        f'bot/data/{name} changed since it was checked: now that it validates, write "{name}" = '
        f'"{digest(text)}" into bot/data/checked.toml'
    )


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_reading_without_validation_gives_the_validated_result(name: str) -> None:
    validating, shipped = SHIPPED[name]
    assert comparable(shipped()) == comparable(validating(shipped_text(name), name))


def test_a_file_edited_since_the_check_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    sources: list[str] = []

    def validated(_text: str, source: str) -> str:
        sources.append(source)
        return "validated"

    assert read_shipped("places.toml", validated, lambda _raw: "trusted") == "trusted"
    assert sources == []
    monkeypatch.setattr(datafile, "checked_digests", lambda: {"places.toml": "0" * 64})
    assert read_shipped("places.toml", validated, lambda _raw: "trusted") == "validated"
    assert sources == ["bot/data/places.toml"]
