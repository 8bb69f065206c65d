"""The shipped (or staff-edited) TOML file of towns -> validated Town objects; the mentioned towns.

The file is validated against bot/core/schemas.py (pydantic), imported here only when a towns file is
read: the first start (the shipped towns go into the database) and `twinbot import-towns`. Later starts
read the towns from the database, so they need neither the file nor the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from bot.core.datafile import DataFileError, Location, dotted, load_toml, read_shipped, validate
from bot.core.model import Agreement, Fact, Mention, PartialDate, Town

if TYPE_CHECKING:
    from bot.core.schemas import TownEntry, TownFile

# Each vocabulary is written once, as the Literal type the schema validates against.
CooperationArea = Literal[
    "officials",
    "economy",
    "business",
    "investment",
    "social",
    "education",
    "culture",
    "youth",
    "schoolchildren",
    "sport",
    "medicine",
]
FactTopic = Literal["declaration", "ferry", "coordination", "camps", "schools", "town_days", "delegations"]
AgreementKind = Literal["partnership", "twinning", "cooperation", "friendship"]
COOPERATION_AREAS: tuple[str, ...] = get_args(CooperationArea)
FACT_TOPICS: tuple[str, ...] = get_args(FactTopic)
AGREEMENT_KINDS: tuple[str, ...] = get_args(AgreementKind)


class TownFileError(DataFileError):
    """The towns file is not usable; the message names the town and field."""


# Where a fact comes from: the district's own page (seed/partner-towns-source.txt) or the town's row of
# the researched reference (reference/partner-towns.csv and its notes). Every fact names one.
Source = Literal["district", "reference"]
SOURCES: tuple[str, ...] = get_args(Source)


SOURCED_TEXTS = ("description", "identity", "status", "town_day")


def _to_town(entry: TownEntry) -> Town:
    agreements = tuple(
        Agreement(
            key=a.key,
            kind=a.kind,
            signed=PartialDate.parse_iso(a.signed),
            signed_source=a.signed_source,
            title_en=a.title_en,
            title_ru=a.title_ru,
            parties_en=a.parties_en,
            parties_ru=a.parties_ru,
            note_en=a.note_en,
            note_ru=a.note_ru,
        )
        for a in entry.agreement
    )
    return Town(
        key=entry.key,
        is_home=entry.home,
        name_en=entry.name_en,
        name_ru=entry.name_ru,
        name_local=entry.name_local,
        country=entry.country,
        region_en=entry.region_en,
        region_ru=entry.region_ru,
        latitude=entry.latitude,
        longitude=entry.longitude,
        population=entry.population,
        population_year=entry.population_year,
        description_en=entry.description_en,
        description_ru=entry.description_ru,
        identity_en=entry.identity_en,
        identity_ru=entry.identity_ru,
        status_en=entry.status_en,
        status_ru=entry.status_ru,
        town_day_en=entry.town_day_en,
        town_day_ru=entry.town_day_ru,
        aliases=tuple(dict.fromkeys(alias.strip() for alias in entry.aliases if alias.strip())),
        cooperation=tuple(dict.fromkeys(entry.cooperation)),
        facts=tuple(Fact(f.topic, f.text_en, f.text_ru) for f in entry.fact),
        agreements=agreements,
    )


@dataclass(frozen=True, slots=True)
class SourcedFact:
    """One shipped fact and the sources it names: `what` is "agreement cooperation", "fact camps",
    "town_day", "status", "description" or "identity"; `signed`/`signed_source` for agreements."""

    town: str
    what: str
    sources: tuple[str, ...]
    signed: str = ""
    signed_source: str = ""


def sourced_facts(text: str, source: str = "towns file") -> list[SourcedFact]:
    """Every fact of a towns file with the sources it names (the file is validated first)."""
    facts: list[SourcedFact] = []
    for entry in _parse(text, source).town:
        for agreement in entry.agreement:
            facts.append(
                SourcedFact(
                    entry.key,
                    f"agreement {agreement.key}",
                    tuple(agreement.sources),
                    agreement.signed,
                    agreement.signed_source,
                )
            )
        facts.extend(SourcedFact(entry.key, f"fact {f.topic}", tuple(f.sources)) for f in entry.fact)
        for name in SOURCED_TEXTS:
            if getattr(entry, f"{name}_en") or getattr(entry, f"{name}_ru"):
                facts.append(SourcedFact(entry.key, name, tuple(getattr(entry, f"{name}_sources"))))
    return facts


def parse_towns(text: str, source: str = "towns file") -> list[Town]:
    return [_to_town(entry) for entry in _parse(text, source).town]


def _parse(text: str, source: str) -> TownFile:
    from bot.core.schemas import TownFile

    raw = load_toml(text, source, TownFileError)

    def where(location: Location) -> str:
        """A town by its key: "town 'narva': population" rather than "town.3.population"."""
        if len(location) >= 2 and location[0] == "town" and isinstance(location[1], int):
            towns = raw.get("town", [])
            index = location[1]
            key = towns[index].get("key", f"#{index + 1}") if index < len(towns) else f"#{index + 1}"
            rest = dotted(location[2:])  # empty for a rule of the whole town (a text without its sources)
            return f"town {key!r}" + (f": {rest}" if rest else "")
        return dotted(location)

    parsed = validate(TownFile, raw, source, TownFileError, where)
    keys = [entry.key for entry in parsed.town]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise TownFileError(f"{source}: town keys repeat: {', '.join(duplicates)}")
    if sum(entry.home for entry in parsed.town) > 1:
        raise TownFileError(f"{source}: only one town can be home = true")
    for entry in parsed.town:
        agreement_keys = [a.key for a in entry.agreement]
        if len(set(agreement_keys)) != len(agreement_keys):
            raise TownFileError(f"{source}: town {entry.key!r}: agreement keys repeat")
    return parsed


def load_town_file(path: Path) -> list[Town]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TownFileError(f"{path}: cannot be read: {exc.strerror}") from None
    return parse_towns(text, source=str(path))


def shipped_towns() -> list[Town]:
    """The facts that ship inside the package."""
    text = resources.files("bot.data").joinpath("towns.toml").read_text(encoding="utf-8")
    return parse_towns(text, source="bot/data/towns.toml")


def _mentions(raw: dict[str, Any]) -> list[Mention]:
    """The mentioned towns of a file already validated (MentionFile), with its defaults."""
    return [
        Mention(
            key=entry["key"],
            name_en=entry["name_en"],
            name_ru=entry["name_ru"],
            country=entry["country"],
            aliases=tuple(alias.strip() for alias in entry.get("aliases", []) if alias.strip()),
            note_en=entry["note_en"],
            note_ru=entry["note_ru"],
        )
        for entry in raw.get("mentioned", [])
    ]


def parse_mentions(text: str, source: str = "mentioned file") -> list[Mention]:
    """Towns other sources name as partners that the district's list does not include."""
    from bot.core.schemas import MentionFile

    raw = load_toml(text, source, TownFileError)
    validate(MentionFile, raw, source, TownFileError)
    return _mentions(raw)


def shipped_mentions() -> list[Mention]:
    """The shipped list of towns mentioned elsewhere as partners (bot/data/mentioned.toml), read at every
    start: checked once by the tests (see bot.core.datafile), validated again only when edited since."""
    return read_shipped("mentioned.toml", parse_mentions, _mentions)
