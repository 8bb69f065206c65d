"""The TOML data files (towns, mentioned towns, places, question words, FAQ) read and validated.

One reading for all of them, so every file's errors say the same things the same way: the file, where in
it, and what is wrong, one line each. The schemas are pydantic models (bot/core/schemas.py), imported when
a file is validated, not with this module.

The shipped files that every start reads (question words, places, mentioned towns) are checked once, not
at every start: `bot/data/checked.toml` holds the SHA-256 of each as the test suite validated it
(tests/core/test_shipped_data.py). A file with that digest is read straight into the engine's
dataclasses; one edited since (a deployment's own synonym) is validated in full, so a bad entry is still
refused at start with a message naming it. Building the pydantic models and validating the three files
cost ~35 ms and ~1.7 MB of every start and every `twinbot ask`.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

Model = TypeVar("Model", bound="BaseModel")
Read = TypeVar("Read")
Location = tuple[int | str, ...]
CHECKED = "checked.toml"  # in bot/data: the digests of the shipped files the tests validated


class DataFileError(Exception):
    """A data file is not usable; the message names the file, the entry and the problem."""


def dotted(location: Location) -> str:
    """('mentioned', 0, 'key') -> 'mentioned.0.key'."""
    return ".".join(str(part) for part in location)


def load_toml(text: str, source: str, error: type[Exception]) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML: {exc}") from None


def validate(
    model: type[Model],
    raw: dict[str, Any],
    source: str,
    error: type[Exception],
    where: Callable[[Location], str] = dotted,
) -> Model:
    from pydantic import ValidationError

    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{source}: {where(err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise error("\n".join(problems)) from None


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def checked_digests() -> dict[str, str]:
    """file name in bot/data -> the SHA-256 the test suite validated."""
    text = resources.files("bot.data").joinpath(CHECKED).read_text(encoding="utf-8")
    return {name: str(value) for name, value in tomllib.loads(text).items()}


def read_shipped(
    name: str,
    validated: Callable[[str, str], Read],
    trusted: Callable[[dict[str, Any]], Read],
) -> Read:
    """A shipped file of bot/data: `trusted(raw)` when it is the file the tests validated, else
    `validated(text, source)`, which raises the file's error for a bad entry."""
    text = resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")
    if checked_digests().get(name) == digest(text):
        return trusted(tomllib.loads(text))
    return validated(text, f"bot/data/{name}")
