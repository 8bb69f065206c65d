"""The Town Days shipped in bot/data/town_days.toml: rules as staff would type them, and known dates."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from bot.core.calendar.parsing import ParsedKind, parse_town_day
from bot.core.calendar.town_days import DateSpan, TownDayRule


@dataclass(frozen=True, slots=True)
class TownDaySeed:
    """A town's Town Day as shipped in bot/data/town_days.toml."""

    rule: TownDayRule | None = None
    typed: str = ""
    dates: Mapping[int, DateSpan] = field(default_factory=dict)


def parse_town_day_seeds(text: str, source: str = "town_days.toml") -> dict[str, TownDaySeed]:
    """The shipped Town Days: [town_key] rule = "first weekend of June", dates = ["2025-06-28/2025-06-30"]."""
    seeds: dict[str, TownDaySeed] = {}
    for town_key, table in tomllib.loads(text).items():
        if not isinstance(table, dict) or set(table) - {"rule", "dates"}:
            raise ValueError(f"{source}: [{town_key}] may only have 'rule' and 'dates'")
        typed = str(table.get("rule", ""))
        rule = None
        if typed:
            parsed = parse_town_day(typed, date(2000, 1, 1))
            if parsed.kind is not ParsedKind.RULE:
                raise ValueError(f"{source}: [{town_key}] rule {typed!r} is not a rule")
            rule = parsed.rule
        dates: dict[int, DateSpan] = {}
        for item in table.get("dates", []):
            first, _, last = str(item).partition("/")
            span = DateSpan(date.fromisoformat(first), date.fromisoformat(last or first))
            dates[span.start.year] = span
        seeds[town_key] = TownDaySeed(rule, typed, dates)
    return seeds


def shipped_town_days() -> dict[str, TownDaySeed]:
    text = resources.files("bot.data").joinpath("town_days.toml").read_text(encoding="utf-8")
    return parse_town_day_seeds(text, "bot/data/town_days.toml")
