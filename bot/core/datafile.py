"""The TOML data files (towns, mentioned towns, question words) read into pydantic models.

One reading for all of them, so every file's errors say the same things the same way: the file, where in
it, and what is wrong, one line each.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
Location = tuple[int | str, ...]


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
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{source}: {where(err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise error("\n".join(problems)) from None
