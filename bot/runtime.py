"""What the handlers work with: settings, the open database, repositories and the town directory.

The town directory and the Town Days are kept in memory. This process's own changes replace them at once;
changes another process made (`twinbot import-towns` while the bot runs) are noticed by
:meth:`Runtime.refresh`, which asks SQLite whether any other connection has committed since it last looked
(``PRAGMA data_version``, a counter read without touching a table) and only then reads the towns again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from bot.config import Settings
from bot.core.calendar import (
    Calendar,
    CalendarSettings,
    DateSpan,
    PlannedVisit,
    TownDay,
    TownDayRule,
    shipped_town_days,
)
from bot.core.directory import TownDirectory
from bot.core.model import Language, Town
from bot.core.questions import QuestionEngine
from bot.core.townfile import shipped_towns
from bot.replies.reply import shorten
from bot.replies.wording import Replies, VisitLine
from storage import Database, open_database
from storage.audit import AuditLog
from storage.backup import BackupLog
from storage.calendar import CalendarRepository
from storage.faults import FaultLog
from storage.knowledge import KnowledgeRepository
from storage.ledger import DeliveryLedger
from storage.preferences import ChatPreferences
from storage.staff import StaffRepository
from storage.subscriptions import SubscriptionRepository
from storage.towns import TownRepository
from storage.visits import VisitRepository

log = logging.getLogger(__name__)

# how often, at most, the database is asked whether another process changed it (bot.reminders also runs
# the check on this period from the JobQueue, so answers follow an import within this many seconds)
TOWNS_CHECK_SECONDS = 10.0
_CACHED_CALENDARS = 16


class PlannedVisitSource(Protocol):
    async def planned_visits(self, first: date, last: date) -> list[PlannedVisit]: ...


@dataclass(slots=True)
class Runtime:
    settings: Settings
    database: Database
    towns: TownRepository
    preferences: ChatPreferences
    staff: StaffRepository
    audit: AuditLog
    directory: TownDirectory
    engine: QuestionEngine
    visits: VisitRepository
    calendar: CalendarRepository  # Town Days, agreement date edits, planned visits for the calendar
    subscriptions: SubscriptionRepository
    ledger: DeliveryLedger  # exactly-once reminders and the daily passes
    backups: BackupLog  # the backups made and their checks
    faults: FaultLog  # errors by kind, for /status
    knowledge: KnowledgeRepository  # the office's FAQ and the log of residents' unanswered questions
    # injectable for tests; returns the aware "now" in the configured time zone
    # (UTC: the same moment as the local time, without asking the system's zone each time; now() puts it
    # into the configured zone)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    bot_username: str = "twinbot"
    towns_check_seconds: float = TOWNS_CHECK_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    towns_version: int = 0  # moves on whenever the directory is rebuilt
    owns_database: bool = True  # False: the service's, which closes it after the runtime (open_runtime)
    _data_version: int | None = None
    _checked_at: float = -math.inf
    _calendars: dict[tuple[object, ...], Calendar] = field(default_factory=dict)
    _town_day_spans: tuple[tuple[object, ...], Mapping[str, DateSpan]] | None = None
    _town_day_rules: Mapping[str, TownDayRule] = field(default_factory=dict)
    _replies: tuple[tuple[object, ...], Replies] | None = None

    def now(self) -> datetime:
        return self.clock().astimezone(self.settings.reminders.zone)

    def today(self) -> date:
        return self.now().date()

    def replies(self) -> Replies:
        """What replies are built from, as of today. One object for as long as nothing it depends on
        changes (the day, the towns, the Town Days, the residents' view of the visits), so that what it
        works out once (a town's card) serves every update until then; handlers ask for it several
        times per update."""
        today = self.today()
        key: tuple[object, ...] = (
            today,
            self.directory,  # compared by identity (a directory is replaced whole, never changed)
            self.towns_version,
            self.calendar.version,
            self.visits,
            self.visits.public_version,
            self.bot_username,
            tuple(self.settings.reminders.round_years),
        )
        if self._replies is not None and self._replies[0] == key:
            return self._replies[1]
        replies = Replies(
            self.directory,
            today,
            bot_username=self.bot_username,
            visits=PublicVisitLines(self.visits, today),
            town_days=self.town_day_spans(today),
            round_years=frozenset(self.settings.reminders.round_years),
            town_day_rules=self.town_day_rules(today),
        )
        self._replies = (key, replies)
        return replies

    def town_day_spans(self, today: date) -> Mapping[str, DateSpan]:
        """town key -> the Town Day a card shows (the next one, else this year's), from the Town Days kept
        in memory; worked out again only when they, the towns or the day change. Empty while the Town Days
        are not loaded (every write and every refresh() reads them back at once)."""
        key: tuple[object, ...] = (self.calendar.version, self.towns_version, today)
        if self._town_day_spans is not None and self._town_day_spans[0] == key:
            return self._town_day_spans[1]
        town_days = self.calendar.cached_town_days()
        if town_days is None:
            return {}
        spans: dict[str, DateSpan] = {}
        rules: dict[str, TownDayRule] = {}
        for town in self.directory.towns:
            info = town_days.get(town.key)
            span = info.shown_span(today) if info is not None else None
            if info is not None and span is not None:
                spans[town.key] = span
                if info.rule is not None and info.source(span.start.year) == "rule":
                    rules[town.key] = info.rule  # computed, not a date staff or a source set
        self._town_day_spans = (key, spans)
        self._town_day_rules = rules
        return spans

    def town_day_rules(self, today: date) -> Mapping[str, TownDayRule]:
        """town key -> the rule a shown Town Day was computed by (no date set for that year yet)."""
        self.town_day_spans(today)
        return self._town_day_rules if self._town_day_spans is not None else {}

    def default_language(self) -> Language:
        return self.settings.bot.default_language

    async def reload_faq(self) -> None:
        """The engine matches the office's FAQ entries as they are now in the database."""
        self.engine.set_faq(await self.knowledge.faq())

    async def reload_towns(self) -> None:
        self._use_towns(await self.towns.all())

    def _use_towns(self, towns: Sequence[Town]) -> None:
        self.directory = TownDirectory(towns)
        self.engine = QuestionEngine(self.directory, faq=self.engine.faq.entries)
        self.towns_version += 1
        self._calendars.clear()

    async def refresh(self, *, force: bool = False) -> bool:
        """Catch up with changes another process committed (at most every `towns_check_seconds`, unless
        forced): the towns are read again and the directory rebuilt if they differ, and the Town Days are
        read again on their next use. True when the directory changed."""
        now = self.monotonic()
        if not force and now - self._checked_at < self.towns_check_seconds:
            return False
        self._checked_at = now
        row = await self.database.fetchone("PRAGMA data_version")
        version = int(row[0]) if row else 0
        if version == self._data_version:
            return False
        first_look = self._data_version is None
        self._data_version = version
        if first_look:
            return False
        self._calendars.clear()
        self.staff.forget_cached()  # staff added or removed elsewhere (a restore, a second process)
        await self.calendar.reload()  # swapped in whole: a card rendered meanwhile keeps the old copy
        await self.reload_faq()  # `twinbot import-faq` or another process may have changed it
        towns = await self.towns.all()
        if tuple(towns) == self.directory.towns:
            return False
        self._use_towns(towns)
        log.info("the towns changed in the database: %d towns reloaded", len(towns))
        return True

    # -- the calendar ------------------------------------------------------------------------------

    def calendar_settings(self) -> CalendarSettings:
        reminders = self.settings.reminders
        return CalendarSettings(
            lead_days=tuple(reminders.lead_days),
            round_lead_days=reminders.round_lead_days,
            year_only_day=reminders.year_only_month_day,
            round_years=frozenset(reminders.round_years),
        )

    async def load_calendar(
        self,
        first: date,
        last: date,
        *,
        include_visits: bool = True,
        visits: PlannedVisitSource | None = None,
        force_refresh: bool = False,
    ) -> Calendar:
        """The calendar of the towns in memory, their Town Days (kept in memory too) and, when asked for,
        the planned visits starting between first and last: only those are read from the database.

        Kept per (towns, Town Days version, range, visit register generation), so a repeated /upcoming
        costs no query at all for residents and one tiny one (the register's generation) for staff."""
        await self.refresh(force=force_refresh)
        town_days = await self.calendar.town_days()
        key: tuple[object, ...] = (self.towns_version, self.calendar.version)
        if include_visits:
            if visits is not None:  # an injected source (tests): never kept
                return self._calendar(town_days, await visits.planned_visits(first, last))
            key += (first, last, await self.visits.generation())
        cached = self._calendars.get(key)
        if cached is None:
            planned = await self.calendar.planned_visits(first, last) if include_visits else []
            if len(self._calendars) >= _CACHED_CALENDARS:
                self._calendars.clear()
            cached = self._calendars[key] = self._calendar(town_days, planned)
        return cached

    def _calendar(self, town_days: Mapping[str, TownDay], planned: Sequence[PlannedVisit]) -> Calendar:
        return Calendar(self.directory.towns, town_days, planned, self.calendar_settings())

    async def close(self) -> None:
        try:
            await self.knowledge.close_log()  # the logged questions still in memory, while the file is open
        finally:
            if self.owns_database:
                await self.database.close()


async def open_runtime(
    settings: Settings, clock: Callable[[], datetime] | None = None, database: Database | None = None
) -> Runtime:
    """Open and migrate the database, load the shipped facts on first start, build the indexes.

    `database`: one already open and migrated (`twinbot run`'s, which holds the lease on it), used
    rather than a second set of connections and threads; it stays open when the runtime closes."""
    owns_database = database is None
    if database is None:
        database = await open_database(settings.storage.database)

    async def close_own() -> None:
        if owns_database:
            await database.close()

    try:
        towns = TownRepository(database)
        # the towns file (and its schema) is read at the first start only: later ones find the towns
        if not await towns.count() and await towns.seed_if_empty(shipped_towns()):
            log.info("loaded the shipped partner towns into %s", settings.storage.database)
        directory = TownDirectory(await towns.all())
    except BaseException:
        await close_own()
        raise
    runtime = Runtime(
        settings=settings,
        database=database,
        towns=towns,
        preferences=ChatPreferences(database),
        staff=StaffRepository(database),
        audit=AuditLog(database),
        directory=directory,
        engine=QuestionEngine(directory),
        visits=VisitRepository(database),
        calendar=CalendarRepository(database),
        subscriptions=SubscriptionRepository(database),
        ledger=DeliveryLedger(database),
        backups=BackupLog(database),
        faults=FaultLog(database),
        knowledge=KnowledgeRepository(database),
        owns_database=owns_database,
    )
    if clock is not None:
        runtime.clock = clock
    # stored stamps follow the runtime's clock, also when a test swaps it later
    database.clock = runtime.now
    try:
        await runtime.refresh(force=True)  # the first look at data_version: later ones compare with it
        await runtime.visits.load_public(runtime.today())
        if await runtime.calendar.seed_if_empty(shipped_town_days()):
            log.info("loaded the shipped Town Days into the calendar")
        await runtime.calendar.town_days()
        await runtime.reload_faq()
    except BaseException:
        await close_own()
        raise
    return runtime


# the most a town card or an answer shows of a visit's purpose
PUBLIC_PURPOSE_CHARS = 200


class PublicVisitLines(Mapping[str, Sequence[VisitLine]]):
    """What residents may see of recorded visits, per town, newest first: past visits only, no notes.

    Served from the repository's in-memory view (reloaded on every write), so building replies stays
    cheap; direction and type are catalogue keys that Replies puts into the reader's language.
    """

    def __init__(self, visits: VisitRepository, today: date) -> None:
        self._visits = visits
        self._today = today

    def __getitem__(self, town_key: str) -> Sequence[VisitLine]:
        recent = self._visits.public_recent(town_key, self._today)
        if not recent:
            raise KeyError(town_key)
        return [
            VisitLine(
                day=visit.start,
                direction=f"visits.public.direction_{visit.direction.value}",
                kind=f"visits.public.kind_{visit.kind.value}",
                purpose=shorten(visit.purpose, PUBLIC_PURPOSE_CHARS),
            )
            for visit in recent
        ]

    def __iter__(self) -> Iterator[str]:
        return iter([key for key in self._visits.public_towns() if key in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, town_key: object) -> bool:
        return isinstance(town_key, str) and bool(self._visits.public_recent(town_key, self._today, 1))
