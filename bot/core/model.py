"""What the bot knows about towns and agreements, as plain frozen dataclasses."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Language = Literal["ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "en")
Precision = Literal["year", "month", "day"]


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year, the month or the day. A year alone never turns into 1 January."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.day is not None and self.month is not None:
            date(self.year, self.month, self.day)  # raises for 31 April and the like

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __lt__(self, other: PartialDate) -> bool:
        return self.sort_key < other.sort_key

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def as_date(self) -> date | None:
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    def years_until(self, today: date) -> int:
        """Completed years at `today`; with year precision, the count this calendar year reaches."""
        years = today.year - self.year
        if self.month is None:
            return years
        anniversary = (self.month, self.day or 1)
        if anniversary == (2, 29) and not calendar.isleap(today.year):
            anniversary = (2, 28)  # in a common year, as replies.next_anniversary marks it
        if (today.month, today.day) < anniversary:
            years -= 1
        return years

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def parse_iso(cls, text: str) -> PartialDate:
        """'2003', '2003-06' or '2003-06-01'."""
        parts = text.strip().split("-")
        if not 1 <= len(parts) <= 3 or not all(part.isdigit() for part in parts) or len(parts[0]) != 4:
            raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        numbers = [int(part) for part in parts]
        return cls(numbers[0], *numbers[1:])


@dataclass(frozen=True, slots=True)
class Agreement:
    key: str
    kind: str
    signed: PartialDate
    title_en: str
    title_ru: str
    parties_en: str = ""
    parties_ru: str = ""
    note_en: str = ""
    note_ru: str = ""
    # who gives the day where the district's text gives only the year ("inforing.net"); empty when the
    # district's text (or a staff member) gives the date as it stands
    signed_source: str = ""

    def title(self, lang: Language) -> str:
        return self.title_ru if lang == "ru" else self.title_en

    def note(self, lang: Language) -> str:
        return self.note_ru if lang == "ru" else self.note_en


@dataclass(frozen=True, slots=True)
class Fact:
    topic: str
    text_en: str
    text_ru: str

    def text(self, lang: Language) -> str:
        return self.text_ru if lang == "ru" else self.text_en


@dataclass(frozen=True, slots=True)
class Town:
    key: str
    name_en: str
    name_ru: str
    country: str
    is_home: bool = False
    name_local: str = ""
    region_en: str = ""
    region_ru: str = ""
    latitude: float | None = None
    longitude: float | None = None
    population: int | None = None
    population_year: int | None = None
    description_en: str = ""
    description_ru: str = ""
    identity_en: str = ""
    identity_ru: str = ""
    status_en: str = ""
    status_ru: str = ""
    town_day_en: str = ""
    town_day_ru: str = ""
    aliases: tuple[str, ...] = ()
    cooperation: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    agreements: tuple[Agreement, ...] = field(default=())

    def name(self, lang: Language) -> str:
        return self.name_ru if lang == "ru" else self.name_en

    def region(self, lang: Language) -> str:
        return self.region_ru if lang == "ru" else self.region_en

    def description(self, lang: Language) -> str:
        return self.description_ru if lang == "ru" else self.description_en

    def identity(self, lang: Language) -> str:
        return self.identity_ru if lang == "ru" else self.identity_en

    def status(self, lang: Language) -> str:
        return self.status_ru if lang == "ru" else self.status_en

    def town_day(self, lang: Language) -> str:
        return self.town_day_ru if lang == "ru" else self.town_day_en

    @property
    def since(self) -> PartialDate | None:
        """The earliest agreement: the start of the partnership."""
        return min(
            (agreement.signed for agreement in self.agreements), key=lambda d: d.sort_key, default=None
        )

    def fact(self, topic: str) -> Fact | None:
        return next((fact for fact in self.facts if fact.topic == topic), None)


@dataclass(frozen=True, slots=True)
class Mention:
    """A town that other sources call a partner but the district's own list does not include.

    Never a partner town: it exists so that a question about it gets a clear "not on the list"
    answer together with what those other sources say.
    """

    key: str
    name_en: str
    name_ru: str
    country: str
    aliases: tuple[str, ...] = ()
    note_en: str = ""
    note_ru: str = ""

    def name(self, lang: Language) -> str:
        return self.name_ru if lang == "ru" else self.name_en

    def note(self, lang: Language) -> str:
        return self.note_ru if lang == "ru" else self.note_en


EARTH_RADIUS_KM = 6371.0088


def distance_km(a: Town, b: Town) -> float | None:
    """Great-circle (haversine) distance, or None when a coordinate is unknown."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
