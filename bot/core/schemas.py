"""The data files' schemas (pydantic): what a valid towns, mentioned-towns, places, question-words or FAQ
file is.

Imported where a file is validated: `twinbot import-towns` and `import-faq`, the first start (the towns
are loaded into the database), a shipped file edited since the tests checked it (bot/core/datafile.py),
and the tests. An ordinary start never builds these models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.model import PartialDate
from bot.core.questions.vocabulary import Dimension
from bot.core.text import tokens
from bot.core.townfile import SOURCED_TEXTS, AgreementKind, CooperationArea, FactTopic, Source


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- towns (bot/data/towns.toml, twinbot import-towns) ------------------------------------------------

Sources = Annotated[list[Source], Field(min_length=1)]


class AgreementEntry(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    kind: AgreementKind
    signed: str
    # who gives the day (or month) when the district's text gives only the year: "inforing.net"
    signed_source: str = Field(default="", max_length=100)
    title_en: str = Field(min_length=1, max_length=200)
    title_ru: str = Field(min_length=1, max_length=200)
    parties_en: str = ""
    parties_ru: str = ""
    note_en: str = ""
    note_ru: str = ""
    sources: Sources

    @field_validator("signed")
    @classmethod
    def _date(cls, value: str) -> str:
        PartialDate.parse_iso(value)
        return value

    @model_validator(mode="after")
    def _day_has_a_source(self) -> AgreementEntry:
        if self.signed_source and PartialDate.parse_iso(self.signed).precision == "year":
            raise ValueError("signed_source names who gives a day or a month; this date is a year only")
        if self.signed_source and "reference" not in self.sources:
            raise ValueError('a date from signed_source is a reference fact: sources include "reference"')
        return self


class FactEntry(_Strict):
    topic: FactTopic
    text_en: str = Field(min_length=1, max_length=1000)
    text_ru: str = Field(min_length=1, max_length=1000)
    sources: Sources


class TownEntry(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    home: bool = False
    name_en: str = Field(min_length=1, max_length=200)
    name_ru: str = Field(min_length=1, max_length=200)
    name_local: str = ""
    aliases: list[str] = []
    country: str = Field(pattern=r"^[A-Z]{2}$")
    region_en: str = ""
    region_ru: str = ""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    population: int | None = Field(default=None, gt=0)
    population_year: int | None = Field(default=None, ge=1800, le=2200)
    description_en: str = Field(default="", max_length=1000)
    description_ru: str = Field(default="", max_length=1000)
    description_sources: list[Source] = []
    identity_en: str = Field(default="", max_length=1000)
    identity_ru: str = Field(default="", max_length=1000)
    identity_sources: list[Source] = []
    status_en: str = Field(default="", max_length=1000)
    status_ru: str = Field(default="", max_length=1000)
    status_sources: list[Source] = []
    town_day_en: str = Field(default="", max_length=1000)
    town_day_ru: str = Field(default="", max_length=1000)
    town_day_sources: list[Source] = []
    cooperation: list[CooperationArea] = []
    agreement: list[AgreementEntry] = []
    fact: list[FactEntry] = []

    @model_validator(mode="after")
    def _texts_have_sources(self) -> TownEntry:
        """A description, identity, status note or Town Day text ships only with the sources stating it."""
        for name in SOURCED_TEXTS:
            text = getattr(self, f"{name}_en") or getattr(self, f"{name}_ru")
            if text and not getattr(self, f"{name}_sources"):
                raise ValueError(f'{name} names its sources: {name}_sources = ["district"|"reference"]')
        return self


class TownFile(_Strict):
    format: Literal[1]
    town: list[TownEntry]


# ---- towns other sources name as partners (bot/data/mentioned.toml) -----------------------------------


class MentionEntry(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name_en: str = Field(min_length=1, max_length=200)
    name_ru: str = Field(min_length=1, max_length=200)
    aliases: list[str] = []
    country: str = Field(pattern=r"^[A-Z]{2}$")
    note_en: str = Field(min_length=1, max_length=1000)
    note_ru: str = Field(min_length=1, max_length=1000)


class MentionFile(_Strict):
    format: Literal[1]
    mentioned: list[MentionEntry] = []


# ---- well-known places that are not partners (bot/data/places.toml) -----------------------------------


class PlaceEntry(_Strict):
    en: Annotated[str, Field(min_length=2)]
    ru: Annotated[str, Field(min_length=2)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    aliases: list[str] = []


class PlacesFile(_Strict):
    format: Literal[1]
    places: list[PlaceEntry]


# ---- the question vocabulary (bot/data/question_words.toml) -------------------------------------------


def _readable(value: str) -> str:
    """An entry as the bot reads a question: simplified words joined by single spaces."""
    if not value.strip():
        raise ValueError("an empty entry")
    read = " ".join(tokens(value))
    if read != value:
        raise ValueError(f"{value!r} is read as {read!r}: write it that way")
    return value


def _one_word(value: str) -> str:
    if " " in _readable(value):
        raise ValueError(f"{value!r}: one word here, no spaces")
    return value


Entry = Annotated[str, AfterValidator(_readable)]
OneWord = Annotated[str, AfterValidator(_one_word)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$")]
Entries = Annotated[list[Entry], Field(min_length=1)]


class VocabularyTopic(_Strict):
    words: Entries
    weak: list[Entry] = []


class StopWords(_Strict):
    common: list[OneWord]
    not_names: list[OneWord]
    search: list[OneWord] = []  # words the text search ignores (bot/core/questions/textsearch.py)


class Transliteration(_Strict):
    markers: list[Annotated[str, Field(pattern=r"^[a-z]+$")]]
    marker_prefixes: list[Annotated[str, Field(pattern=r"^[a-z]+$")]]
    words: dict[Annotated[str, Field(pattern=r"^[a-z]+$")], OneWord] = {}


class DimensionWords(_Strict):
    after_most: Entries
    alone: Entries


class Superlatives(_Strict):
    most: list[OneWord]
    town_words: Entries
    elsewhere_words: Entries
    dimensions: dict[Dimension, DimensionWords]


class Distance(_Strict):
    between: list[OneWord]
    from_us: list[OneWord]


class VocabularyFile(_Strict):
    format: Literal[1]
    whole_words: list[OneWord]
    keywords: dict[Name, Entries]
    off_topic: dict[Name, Entries]
    topics: dict[FactTopic, VocabularyTopic]
    countries: dict[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], Entries]
    stop_words: StopWords
    transliteration: Transliteration
    superlatives: Superlatives
    relative_years: dict[Entry, Annotated[int, Field(ge=-10, le=10)]]
    decades: dict[OneWord, Annotated[int, Field(ge=1900, le=2090, multiple_of=10)]] = {}
    distance: Distance


# ---- the office's FAQ (twinbot export-faq / import-faq) -----------------------------------------------


class FaqEntryRow(_Strict):
    number: Annotated[int, Field(ge=1)]
    question_ru: str = ""
    question_en: str = ""
    answer_ru: str = ""
    answer_en: str = ""


class FaqFile(_Strict):
    format: Literal[1]
    entry: list[FaqEntryRow] = []
