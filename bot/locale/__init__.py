"""Every user-facing text, in Russian and English. Parameters are HTML-escaped unless marked safe."""

from __future__ import annotations

import html
import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from bot.core.model import LANGUAGES, Language


class Markup(str):
    """A fragment that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def escape(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=False))


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


class Catalogue:
    def __init__(self, entries: dict[Language, dict[str, Any]]) -> None:
        self.entries = entries

    def text(self, lang: Language, key: str, **params: object) -> Markup:
        template = self.entries[lang][key]
        if not isinstance(template, str):
            raise TypeError(f"{key} is not a text")
        return Markup(template.format(**{name: escape(value) for name, value in params.items()}))

    def raw(self, lang: Language, key: str) -> Any:
        return self.entries[lang][key]

    def has(self, lang: Language, key: str) -> bool:
        return key in self.entries[lang]

    def plural(self, lang: Language, key: str, count: int) -> str:
        forms: list[str] = self.entries[lang][f"plural.{key}"]
        if lang == "ru":
            tail, tens = count % 10, count % 100
            if tail == 1 and tens != 11:
                return forms[0]
            if 2 <= tail <= 4 and not 12 <= tens <= 14:
                return forms[1]
            return forms[2]
        return forms[0] if count == 1 else forms[1]


class _ByLanguage(dict[Language, dict[str, Any]]):
    """A language's texts, read from its files at its first use: `twinbot ask` and the other one-language
    commands parse half the catalogue files (~7 ms of TOML), the bot both at start (the menus)."""

    def __missing__(self, lang: Language) -> dict[str, Any]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        texts = self[lang] = _read(lang)
        return texts


def _read(lang: Language) -> dict[str, Any]:
    """`LANG.toml` plus one `FEATURE.LANG.toml` per feature; a key may be defined once."""
    folder = resources.files("bot.locale")
    merged: dict[str, Any] = {}
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(f"{lang}.toml"))
    for name in names:
        if name != f"{lang}.toml" and not name.endswith(f".{lang}.toml"):
            continue
        part = _flatten(tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8")))
        repeated = set(part) & set(merged)
        if repeated:
            raise ValueError(f"bot/locale/{name} defines keys again: {sorted(repeated)}")
        merged.update(part)
    return merged


@cache
def catalogue() -> Catalogue:
    """`ru.toml` plus one `FEATURE.ru.toml` per feature (likewise for en), each language read when first
    used; a key may be defined once."""
    return Catalogue(_ByLanguage())
