"""bot/runtime.py: the towns and the calendar follow changes another process commits, cheaply.

`twinbot import-towns` while the bot runs is another connection to the same file: the bot notices it
through PRAGMA data_version (at most every `towns_check_seconds`) and reloads the directory, so answers
and reminders use the same facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import parse_settings
from bot.core.model import PartialDate
from bot.core.townfile import shipped_towns
from bot.runtime import Runtime, open_runtime
from storage import open_database
from storage.ledger import DeliveryLedger, LedgerKey
from storage.towns import TownRepository

NOW = datetime(2026, 5, 25, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def rt(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    runtime = await open_runtime(settings, clock=lambda: NOW)
    runtime.monotonic = Ticks()
    await runtime.refresh(force=True)  # the check period now counts on the fake ticks
    try:
        yield runtime
    finally:
        await runtime.close()


async def import_from_another_process(rt: Runtime, **changes: object) -> None:
    """What `twinbot import-towns` does: its own connection, its own transaction."""
    other = await open_database(rt.settings.storage.database)
    try:
        towns = [
            dataclasses.replace(town, **changes) if town.key == "narva" else town for town in shipped_towns()
        ]
        report = await TownRepository(other).import_towns(towns)
        assert report.updated == ["narva"]
    finally:
        await other.close()


def narva_population(rt: Runtime) -> int | None:
    narva = rt.directory.get("narva")
    assert narva is not None
    return narva.population


async def test_an_import_by_another_process_reaches_the_directory(rt: Runtime) -> None:
    ticks = rt.monotonic
    assert isinstance(ticks, Ticks)
    before = narva_population(rt)
    await import_from_another_process(rt, population=12345)
    ticks.now += 1  # within the check period: not even asked
    assert not await rt.refresh()
    assert narva_population(rt) == before
    ticks.now += rt.towns_check_seconds
    version = rt.towns_version
    assert await rt.refresh()
    assert narva_population(rt) == 12345 and rt.towns_version == version + 1
    assert rt.engine.directory is rt.directory  # answers use the new facts too
    assert not await rt.refresh(force=True)  # nothing new since


async def test_the_calendar_follows_an_agreement_date_imported_meanwhile(rt: Runtime) -> None:
    narva = rt.directory.get("narva")
    assert narva is not None
    agreement = dataclasses.replace(narva.agreements[0], signed=PartialDate(2000, 6, 1))
    first, last = date(2026, 5, 25), date(2026, 6, 30)
    before = await rt.load_calendar(first, last, include_visits=False)
    assert not [e for e in before.events_between(first, last) if e.town_key == "narva" and e.years]
    await import_from_another_process(rt, agreements=(agreement, *narva.agreements[1:]))
    # reminder passes and `twinbot` commands look at once (force); handlers within the check period
    calendar = await rt.load_calendar(first, last, include_visits=False, force_refresh=True)
    (anniversary,) = [e for e in calendar.events_between(first, last) if e.town_key == "narva" and e.years]
    assert anniversary.start == date(2026, 6, 1) and anniversary.years == 26


async def test_other_writes_do_not_rebuild_the_directory(rt: Runtime) -> None:
    """Another connection writing something else (a cron `twinbot remind`, the conversation state) makes
    the runtime look at the towns, but an unchanged list keeps the directory and its indexes."""
    directory = rt.directory
    other = await open_database(rt.settings.storage.database)
    try:
        await DeliveryLedger(other).plan(date(2026, 5, 25), [LedgerKey("x", "2026", 1, 0)])
    finally:
        await other.close()
    assert not await rt.refresh(force=True)
    assert rt.directory is directory


async def test_the_calendar_is_kept_until_something_changes(rt: Runtime) -> None:
    first, last = date(2026, 5, 25), date(2026, 6, 30)
    public = await rt.load_calendar(first, last, include_visits=False)
    assert await rt.load_calendar(first, last, include_visits=False) is public
    assert public.visits == ()
    staff = await rt.load_calendar(first, last)
    assert await rt.load_calendar(first, last) is staff
    await rt.database.connection.execute(
        "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
        "VALUES ('narva', 'in', '2026-06-10', 'cultural', 'Choir', 1, 1)"
    )  # the register's generation moves on (a trigger)
    fresh = await rt.load_calendar(first, last)
    assert fresh is not staff and [visit.purpose for visit in fresh.visits] == ["Choir"]
    assert await rt.load_calendar(first, last, include_visits=False) is public  # residents: unaffected
    await rt.calendar.clear_date("narva", 2025, actor_id=1)  # a Town Day edit
    assert await rt.load_calendar(first, last, include_visits=False) is not public


async def test_staff_added_by_another_process_count_after_the_next_look_at_the_file(rt: Runtime) -> None:
    """The staff are kept in memory (one look-up per private message); a change another connection made
    (a restore, a second process) reaches them with the next refresh, as the towns do."""
    from storage.staff import StaffRepository

    assert not await rt.staff.contains(4242)
    other = await open_database(rt.settings.storage.database)
    try:
        await StaffRepository(other).add(4242, "Olga", added_by=1)
    finally:
        await other.close()
    assert not await rt.staff.contains(4242)  # the set in memory, until the file is looked at
    await rt.refresh(force=True)
    assert await rt.staff.contains(4242)


async def test_replies_and_the_cards_they_keep_follow_every_change_they_depend_on(rt: Runtime) -> None:
    """rt.replies() is one object (and a town's card is worked out once) until the day, the towns, the
    Town Days or the residents' view of the visits change: then a new one shows the change."""
    from bot.core.calendar import DateSpan
    from bot.core.visits import DelegationType, Direction, VisitDraft
    from bot.replies.towns import TownCards

    narva = rt.directory.get("narva")
    assert narva is not None
    first = rt.replies()
    card = TownCards(first).card("ru", narva)
    assert "Хор XZ17" not in card.text and "11–12 июля 2026" not in card.text
    assert rt.replies() is first and TownCards(rt.replies()).card("ru", narva) is card

    draft = VisitDraft(
        "narva", Direction.INCOMING, date(2026, 5, 20), None, DelegationType.YOUTH, 9, "Хор XZ17"
    )
    await rt.visits.record(draft, actor_id=5, idempotency_key="replies-1")
    after_visit = rt.replies()
    assert after_visit is not first
    assert "Хор XZ17" in TownCards(after_visit).card("ru", narva).text

    await rt.calendar.set_date("narva", DateSpan(date(2026, 7, 11), date(2026, 7, 12)), 5)
    after_town_day = rt.replies()
    assert after_town_day is not after_visit
    assert "11–12 июля 2026" in TownCards(after_town_day).card("ru", narva).text

    rt.clock = lambda: NOW.replace(day=26)
    assert rt.replies() is not after_town_day and rt.replies().today == date(2026, 5, 26)

    await import_from_another_process(rt, population=54321)
    await rt.refresh(force=True)
    narva = rt.directory.get("narva")
    assert narva is not None
    assert "54\u00a0321" in TownCards(rt.replies()).card("ru", narva).text
    assert rt.replies().directory is rt.directory
