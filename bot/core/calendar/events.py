"""Events: agreement anniversaries, Town Days and planned visits as occurrences on days, what is due on a
day (with its lead days), and which subscriber hears about what."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from bot.core.calendar.town_days import TownDay, safe_date
from bot.core.model import PartialDate, Precision, Town

# the default of [reminders] round_years: every fifth year (a Russian "юбилей"), so 55 is round too
ROUND_YEARS: frozenset[int] = frozenset(range(5, 101, 5))


class EventKind(Enum):
    ANNIVERSARY = "anniversary"
    TOWN_DAY = "town_day"
    VISIT = "visit"


# what a subscriber may choose; planned visits go to the staff chat only
SUBSCRIBABLE: tuple[EventKind, ...] = (EventKind.ANNIVERSARY, EventKind.TOWN_DAY)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """The part of a recorded visit the calendar needs (the visits feature owns the full record)."""

    id: int
    town_key: str
    start: date
    end: date | None
    direction: str  # "in" | "out"
    kind: str  # delegation type
    purpose: str = ""
    people: int | None = None


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    lead_days: tuple[int, ...] = (7, 1, 0)
    round_lead_days: int = 30
    year_only_day: tuple[int, int] = (1, 15)  # (month, day) on which year-only anniversaries are announced
    round_years: frozenset[int] = ROUND_YEARS  # the anniversaries marked round (and announced earlier)

    @property
    def max_lead(self) -> int:
        return max((*self.lead_days, self.round_lead_days, 0))


@dataclass(frozen=True, slots=True)
class Event:
    """One occurrence of something on the calendar."""

    kind: EventKind
    key: str  # the series: "anniversary:sassnitz:partnership", "town_day:narva", "visit:12"
    occurrence: str  # which one: "2026-06-01" (a day), "2026-06" (a month), "2026" (a year)
    town_key: str
    start: date  # the day it is on (for a year- or month-only anniversary: the day it is announced)
    end: date
    leads: tuple[int, ...]  # days before `start` on which it is reminded, largest first
    precision: Precision = "day"
    years: int = 0  # anniversaries: how many years
    round: bool = False
    agreement_key: str = ""
    signed: PartialDate | None = None
    signed_source: str = ""  # anniversaries: who gives the day the district's text does not
    source: str = ""  # town days: "rule" or "date"
    visit: PlannedVisit | None = None

    @property
    def staff_only(self) -> bool:
        return self.kind is EventKind.VISIT

    @property
    def sort_key(self) -> tuple[date, int, str]:
        order = {EventKind.ANNIVERSARY: 0, EventKind.TOWN_DAY: 1, EventKind.VISIT: 2}[self.kind]
        return (self.start, order, self.key)


@dataclass(frozen=True, slots=True)
class Due:
    """An event to remind about on a given day, `lead` days ahead of it."""

    event: Event
    lead: int


@dataclass(frozen=True, slots=True)
class Subscriber:
    chat_id: int
    language: str
    kinds: frozenset[EventKind]
    towns: frozenset[str] = frozenset()  # empty: every town
    staff: bool = False  # the staff chat: everything, planned visits included

    def wants(self, event: Event) -> bool:
        if self.staff:
            return True
        if event.staff_only or event.kind not in self.kinds:
            return False
        return not self.towns or event.town_key in self.towns


def is_round(years: int, round_years: frozenset[int] = ROUND_YEARS) -> bool:
    return years in round_years


def anniversary(
    signed: PartialDate, year: int, settings: CalendarSettings
) -> tuple[date, str, tuple[int, ...]] | None:
    """(the day, the occurrence id, the lead days) of the anniversary in `year`; None before the first."""
    years = year - signed.year
    if years <= 0:
        return None
    if signed.month is not None and signed.day is not None:
        day = safe_date(year, signed.month, signed.day)
        leads = set(settings.lead_days)
        if is_round(years, settings.round_years):
            leads.add(settings.round_lead_days)
        return day, day.isoformat(), tuple(sorted(leads, reverse=True))
    if signed.month is not None:
        return date(year, signed.month, 1), f"{year:04d}-{signed.month:02d}", (0,)
    month, day_of_month = settings.year_only_day
    return date(year, month, day_of_month), f"{year:04d}", (0,)


class Calendar:
    """Events computed from the towns, their Town Days and the planned visits."""

    def __init__(
        self,
        towns: Iterable[Town],
        town_days: Mapping[str, TownDay],
        visits: Iterable[PlannedVisit] = (),
        settings: CalendarSettings | None = None,
    ) -> None:
        self.towns: dict[str, Town] = {town.key: town for town in towns}
        self.town_days = dict(town_days)
        self.visits = tuple(visits)
        self.settings = settings or CalendarSettings()

    def town_day(self, town_key: str) -> TownDay:
        return self.town_days.get(town_key) or TownDay(town_key)

    def events_between(self, first: date, last: date, *, include_visits: bool = True) -> list[Event]:
        """Every occurrence that starts between `first` and `last`, both included, in date order."""
        found: list[Event] = []
        for year in range(first.year, last.year + 1):
            for town in self.towns.values():
                found.extend(self._anniversaries(town, year))
                town_day = self._town_day(town, year)
                if town_day is not None:
                    found.append(town_day)
        if include_visits:
            found.extend(self._visit(visit) for visit in self.visits)
        return sorted((e for e in found if first <= e.start <= last), key=lambda event: event.sort_key)

    def due_on(self, day: date) -> list[Due]:
        """What is reminded about on `day`: events whose start minus one of their leads is `day`."""
        due: list[Due] = []
        for event in self.events_between(day, day + timedelta(days=self.settings.max_lead)):
            lead = (event.start - day).days
            if lead in event.leads:
                due.append(Due(event, lead))
        return due

    def unknown_town_days(self, year: int) -> list[Town]:
        """Towns whose Town Day in `year` is not known (neither a rule nor a date for that year)."""
        return [town for town in self.towns.values() if self.town_day(town.key).span(year) is None]

    def find(self, key: str, occurrence: str) -> Event | None:
        """The event with this series key and occurrence id (for re-rendering a stored delivery)."""
        kind = key.split(":", 1)[0]
        year = int(occurrence[:4])
        candidates: list[Event] = []
        if kind == EventKind.VISIT.value:
            candidates = [self._visit(visit) for visit in self.visits]
        else:
            for town in self.towns.values():
                if kind == EventKind.ANNIVERSARY.value:
                    candidates.extend(self._anniversaries(town, year))
                else:
                    town_day = self._town_day(town, year)
                    if town_day is not None:
                        candidates.append(town_day)
        return next((e for e in candidates if e.key == key and e.occurrence == occurrence), None)

    # -- internals ---------------------------------------------------------------------------------------

    def _anniversaries(self, town: Town, year: int) -> list[Event]:
        events = []
        for agreement in town.agreements:
            found = anniversary(agreement.signed, year, self.settings)
            if found is None:
                continue
            day, occurrence, leads = found
            years = year - agreement.signed.year
            events.append(
                Event(
                    kind=EventKind.ANNIVERSARY,
                    key=f"anniversary:{town.key}:{agreement.key}",
                    occurrence=occurrence,
                    town_key=town.key,
                    start=day,
                    end=day,
                    leads=leads,
                    precision=agreement.signed.precision,
                    years=years,
                    round=is_round(years, self.settings.round_years),
                    agreement_key=agreement.key,
                    signed=agreement.signed,
                    signed_source=agreement.signed_source,
                )
            )
        return events

    def _town_day(self, town: Town, year: int) -> Event | None:
        info = self.town_day(town.key)
        span = info.span(year)
        if span is None:
            return None
        return self._on_days(
            EventKind.TOWN_DAY,
            f"town_day:{town.key}",
            town.key,
            span.start,
            span.end,
            source=info.source(year),
        )

    def _visit(self, visit: PlannedVisit) -> Event:
        return self._on_days(
            EventKind.VISIT,
            f"visit:{visit.id}",
            visit.town_key,
            visit.start,
            visit.end or visit.start,
            visit=visit,
        )

    def _on_days(
        self,
        kind: EventKind,
        key: str,
        town_key: str,
        start: date,
        end: date,
        *,
        source: str = "",
        visit: PlannedVisit | None = None,
    ) -> Event:
        """An event on concrete days (a Town Day, a visit): its occurrence is its first day, and it is
        reminded on the ordinary lead days."""
        return Event(
            kind=kind,
            key=key,
            occurrence=start.isoformat(),
            town_key=town_key,
            start=start,
            end=end,
            leads=tuple(sorted(set(self.settings.lead_days), reverse=True)),
            source=source,
            visit=visit,
        )


def plan_deliveries(due: Sequence[Due], subscribers: Iterable[Subscriber]) -> dict[int, list[Due]]:
    """chat id -> what it should hear about, in event order. A chat is listed once however it subscribed."""
    by_chat: dict[int, list[Due]] = {}
    for subscriber in subscribers:
        wanted = [item for item in due if subscriber.wants(item.event)]
        if wanted:
            current = by_chat.setdefault(subscriber.chat_id, [])
            known = {(item.event.key, item.event.occurrence, item.lead) for item in current}
            current.extend(
                item for item in wanted if (item.event.key, item.event.occurrence, item.lead) not in known
            )
    for items in by_chat.values():
        items.sort(key=lambda item: item.event.sort_key)
    return by_chat
