"""What the handlers work with: settings, the open database, repositories and the town directory."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import Settings
from bot.core.calendar import shipped_town_days
from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.questions import QuestionEngine
from bot.core.townfile import shipped_towns
from bot.replies import Replies, VisitLine
from storage import Database, open_database
from storage.audit import AuditLog
from storage.calendar import CalendarRepository
from storage.ledger import DeliveryLedger
from storage.preferences import ChatPreferences
from storage.staff import StaffRepository
from storage.subscriptions import SubscriptionRepository
from storage.towns import TownRepository
from storage.visits import VisitRepository

log = logging.getLogger(__name__)


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
    calendar: CalendarRepository  # Town Day rules and dates, agreement date edits
    subscriptions: SubscriptionRepository
    ledger: DeliveryLedger  # exactly-once reminders and the daily passes
    # injectable for tests; returns the aware "now" in the configured time zone
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    bot_username: str = "twinbot"

    def now(self) -> datetime:
        return self.clock().astimezone(self.settings.reminders.zone)

    def today(self) -> date:
        return self.now().date()

    def replies(self) -> Replies:
        today = self.today()
        return Replies(
            self.directory,
            today,
            bot_username=self.bot_username,
            visits=PublicVisitLines(self.visits, today),
        )

    def default_language(self) -> Language:
        return self.settings.bot.default_language

    async def reload_towns(self) -> None:
        self.directory = TownDirectory(await self.towns.all())
        self.engine = QuestionEngine(self.directory)

    async def close(self) -> None:
        await self.database.close()


async def open_runtime(settings: Settings, clock: Callable[[], datetime] | None = None) -> Runtime:
    """Open and migrate the database, load the shipped facts on first start, build the indexes."""
    database = await open_database(settings.storage.database)
    try:
        towns = TownRepository(database)
        if await towns.seed_if_empty(shipped_towns()):
            log.info("loaded the shipped partner towns into %s", settings.storage.database)
        directory = TownDirectory(await towns.all())
    except BaseException:
        await database.close()
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
    )
    if clock is not None:
        runtime.clock = clock
    try:
        await runtime.visits.load_public(runtime.today())
        if await runtime.calendar.seed_if_empty(shipped_town_days()):
            log.info("loaded the shipped Town Days into the calendar")
    except BaseException:
        await database.close()
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
                purpose=_shorten(visit.purpose, PUBLIC_PURPOSE_CHARS),
            )
            for visit in recent
        ]

    def __iter__(self) -> Iterator[str]:
        return iter([key for key in self._visits.public_towns() if key in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, town_key: object) -> bool:
        return isinstance(town_key, str) and bool(self._visits.public_recent(town_key, self._today, 1))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
