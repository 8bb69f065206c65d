"""What the handlers work with: settings, the open database, repositories and the town directory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import Settings
from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.questions import QuestionEngine
from bot.core.townfile import shipped_towns
from bot.replies import Replies
from storage import Database, open_database
from storage.audit import AuditLog
from storage.preferences import ChatPreferences
from storage.staff import StaffRepository
from storage.towns import TownRepository

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
    # injectable for tests; returns the aware "now" in the configured time zone
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    bot_username: str = "twinbot"

    def now(self) -> datetime:
        return self.clock().astimezone(self.settings.reminders.zone)

    def today(self) -> date:
        return self.now().date()

    def replies(self) -> Replies:
        return Replies(self.directory, self.today(), bot_username=self.bot_username)

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
    )
    if clock is not None:
        runtime.clock = clock
    return runtime
