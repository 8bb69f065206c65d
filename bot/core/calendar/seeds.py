"""The Town Days shipped in bot/data/town_days.toml: rules as staff would type them, and known dates."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from bot.core.calendar.parsing import ParsedKind, parse_town_day
from bot.core.calendar.town_days import DateSpan, TownDayRule
from bot.core.dates import month_number


@dataclass(frozen=True, slots=True)
class TownDaySeed:
    """A town's Town Day as shipped in bot/data/town_days.toml."""

    rule: TownDayRule | None = None
    typed: str = ""
    dates: Mapping[int, DateSpan] = field(default_factory=dict)
    about: TownDayAbout | None = None


ABOUT_PARTS = ("early", "mid", "late")
_ABOUT = re.compile(r"^(?:(early|mid|late)[\s-]+)?([a-z]+)$")


@dataclass(frozen=True, slots=True)
class TownDayAbout:
    """A Town Day known only roughly ("late August"): never reminded, never given a day, but shown with
    the precision it has wherever the Town Day is unknown (cards, /upcoming, /events)."""

    month: int
    part: str | None = None  # "early" | "mid" | "late"; None: some time in that month


def parse_about(text: str) -> TownDayAbout:
    """'late August', 'mid-June', 'early June', 'March' (English, as in the shipped file)."""
    match = _ABOUT.match(text.strip().lower())
    month = month_number(match.group(2)) if match else None
    if match is None or month is None:
        raise ValueError(f"not a rough Town Day: {text!r} (e.g. 'late August', 'mid-June', 'March')")
    return TownDayAbout(month, match.group(1))


def parse_town_day_seeds(text: str, source: str = "town_days.toml") -> dict[str, TownDaySeed]:
    """The shipped Town Days: [town_key] rule = "first weekend of June", dates = ["2025-06-28/2025-06-30"]."""
    seeds: dict[str, TownDaySeed] = {}
    for town_key, table in tomllib.loads(text).items():
        if not isinstance(table, dict) or set(table) - {"rule", "dates", "about"}:
            raise ValueError(f"{source}: [{town_key}] may only have 'rule', 'dates' and 'about'")
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
        about = parse_about(str(table["about"])) if table.get("about") else None
        seeds[town_key] = TownDaySeed(rule, typed, dates, about)
    return seeds


def shipped_town_days() -> dict[str, TownDaySeed]:
    text = resources.files("bot.data").joinpath("town_days.toml").read_text(encoding="utf-8")
    return parse_town_day_seeds(text, "bot/data/town_days.toml")


@cache
def shipped_town_day_abouts() -> Mapping[str, TownDayAbout]:
    """town key -> the rough Town Day of the shipped file: the one source of "late August"."""
    return {key: seed.about for key, seed in shipped_town_days().items() if seed.about is not None}
