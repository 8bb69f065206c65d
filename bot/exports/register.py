"""The visit register as rows of a file: localised labels, typed values, one row per live visit."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.stamps import local_time
from bot.core.visits import Direction, Visit
from bot.core.visits.people import Participant, head_of
from bot.locale import Catalogue, catalogue

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from storage.visits import RegisterBatch

COLUMNS = (
    "number",
    "town",
    "country",
    "direction",
    "kind",
    "start",
    "end",
    "days",
    "people",
    "head",
    "participants",
    "purpose",
    "notes",
    "recorded_by",
    "recorded_at",
    "status",
)
# what only staff may see: left out of every export unless asked for (/export ... notes, --notes)
STAFF_COLUMNS = frozenset({"notes", "recorded_by"})
PUBLIC_COLUMNS = tuple(column for column in COLUMNS if column not in STAFF_COLUMNS)


def columns_for(notes: bool) -> tuple[str, ...]:
    return COLUMNS if notes else PUBLIC_COLUMNS


def visit_days(start: date, end: date | None) -> int:
    """Calendar days of a visit, both ends counted: a one-day visit is 1."""
    return ((end or start) - start).days + 1


# ---- the rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One visit as the register shows it: localised labels, typed values."""

    number: int
    town: str
    country: str
    direction: str
    kind: str
    start: date
    end: date  # the start again for a one-day visit: a report-writer fills it in by hand otherwise
    days: int
    people: int | None
    purpose: str
    notes: str
    recorded_by: str
    recorded_at: datetime | None  # local time of the configured zone, naive (Excel has no zones)
    status: str
    head: str = ""  # the head of the delegation: "Name — role"
    participants: str = ""  # "Name — role; Name — role", in the order staff typed them
    partner: bool = True  # False: a place that is not a partner (town and country are the place's)

    def values(self, columns: tuple[str, ...] = COLUMNS) -> tuple[Any, ...]:
        getter = _GETTERS.get(columns)
        if getter is None:
            getter = _GETTERS[columns] = attrgetter(*columns)
        values: tuple[Any, ...] = getter(self)
        return values


_GETTERS: dict[tuple[str, ...], attrgetter[Any]] = {}


def label(lang: Language, key: str, texts: Catalogue | None = None) -> str:
    """A plain-text catalogue entry (for files and charts, which are not HTML)."""
    value = (texts or catalogue()).raw(lang, key)
    return str(value)


def headers(lang: Language, columns: tuple[str, ...] = COLUMNS) -> list[str]:
    return [label(lang, f"reports.columns.{column}") for column in columns]


def country_name(lang: Language, code: str, texts: Catalogue | None = None) -> str:
    texts = texts or catalogue()
    key = f"country.{code}"
    return str(texts.raw(lang, key)) if texts.has(lang, key) else code


def town_name(directory: TownDirectory, key: str, lang: Language) -> str:
    town = directory.get(key)
    return town.name(lang) if town is not None else key


def naive_local(stamp: str, zone: tzinfo | None) -> datetime | None:
    """A stored UTC stamp as naive local time in `zone` (Excel has no time zones); None when unreadable."""
    moment = local_time(stamp, zone)
    return moment.replace(tzinfo=None) if moment is not None else None


def recorder(user_id: int, names: Mapping[int, str]) -> str:
    name = names.get(user_id, "").strip()
    return f"{name} ({user_id})" if name else str(user_id)


class RowMaker:
    """Visits as rows of the register in one language, the labels looked up once."""

    def __init__(
        self,
        *,
        directory: TownDirectory,
        lang: Language,
        today: date,
        zone: tzinfo | None = None,
        names: Mapping[int, str] | None = None,
    ) -> None:
        self.directory, self.lang, self.today, self.zone = directory, lang, today, zone
        self.names = names or {}
        self.texts = texts = catalogue()
        self.direction = {
            member: label(lang, f"reports.direction.{member.value}", texts) for member in Direction
        }
        self.kinds: dict[Any, str] = {}
        self.status = {
            True: label(lang, "reports.status.planned", texts),
            False: label(lang, "reports.status.past", texts),
        }

    def row(self, visit: Visit, participants: tuple[Participant, ...] | None = None) -> ExportRow:
        """`participants`: when read apart from the visit (a Visit from a list carries none)."""
        lang, texts = self.lang, self.texts
        kind = self.kinds.get(visit.kind)
        if kind is None:
            key = f"reports.kind.{visit.kind.value}"
            kind = self.kinds[visit.kind] = (
                label(lang, key, texts) if texts.has(lang, key) else visit.kind.value
            )
        town = self.directory.get(visit.town_key)
        place = visit.place
        if town is not None:
            town_label, country = town.name(lang), country_name(lang, town.country, texts)
        elif place is not None:
            town_label = place.name
            country = country_name(lang, place.country, texts) if place.country else ""
        else:
            town_label, country = visit.town_key, ""
        people = participants or visit.participants
        head = head_of(people)
        return ExportRow(
            number=visit.id,
            town=town_label,
            country=country,
            direction=self.direction[visit.direction],
            kind=kind,
            start=visit.start,
            end=visit.end or visit.start,
            days=visit_days(visit.start, visit.end),
            people=visit.people,
            purpose=visit.purpose,
            notes=visit.notes,
            recorded_by=recorder(visit.created_by, self.names),
            recorded_at=naive_local(visit.created_at, self.zone),
            status=self.status[visit.planned(self.today)],
            head=head.line() if head is not None else "",
            participants="; ".join(person.line() for person in people),
            partner=place is None,
        )


def export_rows(
    visits: Iterable[Visit],
    *,
    directory: TownDirectory,
    lang: Language,
    today: date,
    zone: tzinfo | None = None,
    names: Mapping[int, str] | None = None,
    participants: Mapping[int, tuple[Participant, ...]] | None = None,
) -> list[ExportRow]:
    """The register in date order (oldest first, then by number); deleted visits are left out.
    `participants`: by visit id, as storage reads them for many visits (a Visit from a list has none)."""
    maker = RowMaker(directory=directory, lang=lang, today=today, zone=zone, names=names)
    participants = participants or {}
    return [
        maker.row(visit, participants.get(visit.id))
        for visit in sorted(visits, key=lambda v: (v.start, v.id))
        if not visit.deleted
    ]


async def load_register(
    rt: Runtime, lang: Language, *, year: int | None = None, town_key: str | None = None
) -> list[ExportRow]:
    """The register rows for a year and/or a town, all in memory (the annual report's few thousand).
    The rows carry every column; the writers leave out STAFF_COLUMNS unless asked for them."""
    visits = await rt.visits.list(town_key=town_key, year=year)
    if not visits:
        return []
    names = await rt.staff.names()
    participants = await rt.visits.participants_of([visit.id for visit in visits])
    # localising 100,000 rows takes a while: off the event loop
    return await asyncio.to_thread(
        partial(
            export_rows,
            visits,
            directory=rt.directory,
            lang=lang,
            today=rt.today(),
            zone=rt.settings.reminders.zone,
            names=names,
            participants=participants,
        )
    )


class RecordRows:
    """Register records (storage's plain tuples) as rows of cell values in the order of `columns`: the
    streamed export's path. The values are those of ExportRow.values(columns) for the same visit (a
    test holds the two paths to that), made without a Visit, an ExportRow or a Participant per row:
    the labels of towns, places, kinds and recorders are looked up once per distinct value, and the
    row is one tuple. At 100,000 visits that is ~0.5 s instead of ~2 s (tests/bench_reports.py)."""

    def __init__(
        self,
        *,
        directory: TownDirectory,
        lang: Language,
        today: date,
        columns: tuple[str, ...] = COLUMNS,
        zone: tzinfo | None = None,
        names: Mapping[int, str] | None = None,
    ) -> None:
        texts = catalogue()
        self.directory, self.lang, self.texts, self.zone = directory, lang, texts, zone
        self.names = names or {}
        self.today = today.isoformat()  # ISO dates compare as the dates do
        self.direction = {
            member.value: label(lang, f"reports.direction.{member.value}", texts) for member in Direction
        }
        self.planned = label(lang, "reports.status.planned", texts)
        self.past = label(lang, "reports.status.past", texts)
        # caches by the stored value: a few dozen distinct towns, places, kinds and recorders
        self.places: dict[tuple[str | None, str | None, str | None], tuple[str, str]] = {}
        self.kinds: dict[str, str] = {}
        self.recorders: dict[int, str] = {}
        # the chosen columns as positions in COLUMNS, picked from the full row in C
        self.pick: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = (
            None if columns == COLUMNS else itemgetter(*(COLUMNS.index(column) for column in columns))
        )

    def _place(self, town_key: str | None, name: str | None, country: str | None) -> tuple[str, str]:
        """(town, country) labels, as RowMaker.row gives them."""
        lang, texts = self.lang, self.texts
        town = self.directory.get(town_key) if town_key is not None else None
        if town is not None:
            found = town.name(lang), country_name(lang, town.country, texts)
        elif town_key is None:  # a place that is not a partner
            found = name or "", country_name(lang, country, texts) if country else ""
        else:
            found = town_key, ""
        self.places[town_key, name, country] = found
        return found

    def _kind(self, value: str) -> str:
        key = f"reports.kind.{value}"
        found = self.kinds[value] = (
            label(self.lang, key, self.texts) if self.texts.has(self.lang, key) else value
        )
        return found

    def _recorder(self, user_id: int) -> str:
        found = self.recorders[user_id] = recorder(user_id, self.names)
        return found

    def rows(self, batch: RegisterBatch) -> list[tuple[Any, ...]]:
        places, kinds, recorders, direction = self.places, self.kinds, self.recorders, self.direction
        people_of, today, zone, planned, past = (
            batch.participants,
            self.today,
            self.zone,
            self.planned,
            self.past,
        )
        from_iso = date.fromisoformat
        made: list[tuple[Any, ...]] = []
        add = made.append
        for record in batch.records:
            (
                number,
                town_key,
                way,
                start_text,
                end_text,
                kind,
                people,
                purpose,
                notes,
                by,
                at,
                name,
                country,
            ) = record
            town, country_label = places.get((town_key, name, country)) or self._place(
                town_key, name, country
            )
            start = from_iso(start_text)
            end = from_iso(end_text) if end_text else start
            persons = people_of.get(number)
            if persons:
                lines = [f"{who} — {role}" if role else who for who, role, _ in persons]
                head = next(
                    (line for line, (_, _, is_head) in zip(lines, persons, strict=True) if is_head), ""
                )
                listed = "; ".join(lines)
            else:
                head = listed = ""
            add(
                (
                    number,
                    town,
                    country_label,
                    direction[way],
                    kinds.get(kind) or self._kind(kind),
                    start,
                    end,
                    (end - start).days + 1,
                    people,
                    head,
                    listed,
                    purpose,
                    notes,
                    recorders.get(by) or self._recorder(by),
                    naive_local(at, zone),
                    planned if start_text > today else past,
                )
            )
        pick = self.pick
        return [pick(row) for row in made] if pick is not None else made


async def register_batches(
    rt: Runtime,
    lang: Language,
    *,
    columns: tuple[str, ...] = PUBLIC_COLUMNS,
    year: int | None = None,
    town_key: str | None = None,
) -> Iterable[list[tuple[Any, ...]]]:
    """The register for a year and/or a town as rows of cell values in the order of `columns`, a batch
    at a time, oldest first: iterate them in a worker thread (each batch is read from the database as
    it is needed, in one snapshot), so that an export of any size holds one batch in memory, not the
    register."""
    maker = RecordRows(
        directory=rt.directory,
        lang=lang,
        today=rt.today(),
        columns=columns,
        zone=rt.settings.reminders.zone,
        names=await rt.staff.names(),
    )
    if str(rt.database.path) == ":memory:":  # no file for another connection: read here, at once
        return [maker.rows(await rt.visits.register_in_memory(town_key=town_key, year=year))]
    return (maker.rows(batch) for batch in rt.visits.register(town_key=town_key, year=year))


def export_filename(extension: str, *, year: int | None = None, town_key: str | None = None) -> str:
    """visits.xlsx, visits-2025.xlsx, visits-narva.csv, visits-narva-2025.csv."""
    parts = ["visits"]
    if town_key:
        parts.append(re.sub(r"[^a-z0-9]+", "-", town_key.lower()).strip("-") or "town")
    if year is not None:
        parts.append(str(year))
    return "-".join(parts) + "." + extension
