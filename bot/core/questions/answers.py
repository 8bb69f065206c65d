"""What the engine answers: the intent of a question and what it is about. Words are the renderer's job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from bot.core.directory import TownDirectory
from bot.core.model import Language, Mention, PartialDate, Town
from bot.core.questions.faq import FaqEntry


class Intent(Enum):
    CARD = "card"
    SINCE = "since"
    YEARS = "years"
    WHERE = "where"
    COOPERATION = "cooperation"
    POPULATION = "population"
    TOWN_DAY = "town_day"
    FACT = "fact"
    LAST_VISIT = "last_visit"
    COUNTRY = "country"
    LIST = "list"
    COUNT = "count"
    OLDEST = "oldest"
    NEWEST = "newest"
    SIGNED_IN = "signed_in"
    PERIOD = "period"  # partnerships begun in a decade, before/after a year, between two years
    COUNTRIES = "countries"  # the partners' countries, with the towns of each
    STATUS = "status"  # "is it still going": the history and the recorded status note
    MEANING = "meaning"  # what twinning is, what the office does, why these towns (topic says which)
    FAQ = "faq"  # an answer the office wrote (/faq), matched to the question
    ANNIVERSARY = "anniversary"  # which anniversaries fall in a year, or the next one
    NOT_PARTNER = "not_partner"  # a town that is not on the district's list
    OFF_TOPIC = "off_topic"  # weather, tickets, visas, officials...: not the bot's subject
    GREETING = "greeting"
    THANKS = "thanks"
    HELP = "help"
    EMPTY = "empty"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class Answer:
    intent: Intent
    language: Language
    towns: tuple[Town, ...] = ()
    country: str | None = None
    when: PartialDate | None = None
    topic: str | None = None
    suggestions: tuple[Town, ...] = ()
    # details of the question: "superlative" (nearest, farthest, biggest, smallest), "also" (newest, with
    # OLDEST), "min_years"/"max_years" (YEARS of the partners that many years old), "target_years" (YEARS:
    # when N years are reached), "between" (WHERE: the distance between the two towns), "relative_year"
    # (ANNIVERSARY: years from now), "name" (NOT_PARTNER: the name as typed), "place_country" (NOT_PARTNER:
    # the country of a well-known place), "from"/"to" (PERIOD: first and last year, either may be open),
    # "decade" (PERIOD: its first year), "fallback" (FACT or CARD found by searching the text facts)
    extra: dict[str, str] = field(default_factory=dict)
    mention: Mention | None = None  # NOT_PARTNER: what other sources say of that town
    faq: FaqEntry | None = None  # FAQ: the office's entry


def agreements_matching(directory: TownDirectory, when: PartialDate) -> tuple[list[Town], list[Town]]:
    """Towns whose agreement matches `when` exactly, and those signed that year with an unknown day."""
    exact: list[Town] = []
    same_year: list[Town] = []
    for town in directory.signed_in(when.year):
        for agreement in town.agreements:
            signed = agreement.signed
            if signed.year != when.year:
                continue
            if when.precision == "year" or signed.sort_key == when.sort_key:
                exact.append(town)
            elif signed.precision != "day" and (signed.month is None or signed.month == when.month):
                same_year.append(town)
            break
    return exact, same_year


def today_years(town: Town, today: date) -> int | None:
    since = town.since
    return since.years_until(today) if since else None
