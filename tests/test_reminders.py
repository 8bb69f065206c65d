"""The reminder pass in-process: exactly-once, catch-up, failures, the staff chat, daylight saving.

A scripted sender stands in for Telegram (the real network path is covered in tests/e2e); the clock is
injected (Runtime.clock), nothing sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import build_application
from bot.config import parse_settings
from bot.core.model import PartialDate
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.reminders import DAILY_JOB, TOWNS_JOB, LedgerGuard, ReminderService, schedule, scheduled_at
from bot.runtime import TOWNS_CHECK_SECONDS, Runtime, open_runtime

MOSCOW = ZoneInfo("Europe/Moscow")
HELSINKI = ZoneInfo("Europe/Helsinki")
STAFF_CHAT = -100_777


class Crash(BaseException):
    """The process dies (not an exception the bot would catch)."""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str, zone: ZoneInfo = MOSCOW) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=zone)


@dataclass
class ScriptedSender:
    """Claims like the real limiter does (right before "the request"), then delivers or fails."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    script: dict[int, list[Any]] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        await guard.before_attempt()
        steps = self.script.get(chat_id)
        action = steps.pop(0) if steps else None
        if action == "deliver-then-crash":
            self.sent.append((chat_id, text))  # Telegram got it; the answer never reaches the bot
            raise Crash
        if action == "crash-before-request":
            raise Crash
        if isinstance(action, RetryAfter):
            await guard.after_refusal()
        if isinstance(action, BaseException):
            raise action
        self.sent.append((chat_id, text))
        return next(self.ids)

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def caused(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause
    return error


@dataclass
class World:
    runtime: Runtime
    clock: Clock
    sender: ScriptedSender

    def service(self, **kwargs: Any) -> ReminderService:
        return ReminderService(self.runtime, self.sender, **kwargs)

    async def subscribe(self, *chats: int, kinds: str = "all", language: str = "ru") -> None:
        for chat in chats:
            await self.runtime.subscriptions.subscribe(
                chat,
                "private" if chat > 0 else "supergroup",
                kinds,
                language,
                actor_id=abs(chat),  # type: ignore[arg-type]
            )


async def make_world(tmp_path: Path, zone: str = "Europe/Moscow", **reminders: Any) -> World:
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "reminders": {"timezone": zone, "send_time": "10:00", "staff_chat": STAFF_CHAT, **reminders},
        }
    )
    clock = Clock(datetime(2026, 5, 25, 10, 0, tzinfo=ZoneInfo(zone)))
    runtime = await open_runtime(settings, clock=clock)
    return World(runtime, clock, ScriptedSender())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    made = await make_world(tmp_path)
    try:
        yield made
    finally:
        await made.runtime.close()


SASSNITZ = "Засниц"


# ---- exactly once -----------------------------------------------------------------------------------


async def test_sassnitz_reminder_7_days_1_day_and_on_the_day_once_each(world: World) -> None:
    await world.subscribe(1, kinds="anniversaries")
    service = world.service()
    for day, word in (("2026-05-25", "через 7 дней"), ("2026-05-31", "завтра"), ("2026-06-01", "сегодня")):
        for hour in ("10:00", "10:00", "15:30", "23:59"):  # the daily job, a second run, restarts later on
            world.clock.set(f"{day}T{hour}")
            await service.run_due()
        (latest,) = [text for text in world.sender.to(1) if word in text]
        assert SASSNITZ in latest and "1 июня 2026" in latest and "23 года" in latest
    assert len(world.sender.to(1)) == 3
    assert all(SASSNITZ in text for text in world.sender.to(1))
    sassnitz = [
        e for e in await world.runtime.ledger.entries() if e.event_key == "anniversary:sassnitz:partnership"
    ]
    assert sorted((e.chat_id, e.lead_days, e.status) for e in sassnitz) == sorted(
        (chat, lead, "sent") for chat in (1, STAFF_CHAT) for lead in (7, 1, 0)
    )  # the staff chat got the same three


async def test_a_second_service_on_the_same_file_never_sends_twice(world: World, tmp_path: Path) -> None:
    """The bot and a `twinbot remind` from cron at the same moment: two connections, one ledger."""
    await world.subscribe(*range(1, 21))
    other_runtime = await open_runtime(world.runtime.settings, clock=world.clock)
    try:
        other = ReminderService(other_runtime, world.sender, workers=3)
        await asyncio.gather(world.service(workers=3).run_due(), other.run_due())
    finally:
        await other_runtime.close()
    chats = [chat for chat, _ in world.sender.sent]
    assert sorted(chats) == sorted([*range(1, 21), STAFF_CHAT])


async def test_restart_in_the_middle_of_a_pass_skips_nobody_and_repeats_nothing(world: World) -> None:
    await world.subscribe(*range(1, 8))
    world.sender.script = {3: ["deliver-then-crash"]}
    with pytest.raises(Crash):
        await world.service(workers=1).run_due()
    delivered_before = [chat for chat, _ in world.sender.sent]
    assert delivered_before[-1] == 3 and len(delivered_before) < 8
    # restart a minute later: the rest get theirs; chat 3 (already on the wire) is not sent again
    world.clock.set("2026-05-25T10:01")
    restarted = world.service(workers=1)
    await restarted.run_due()
    chats = [chat for chat, _ in world.sender.sent]
    assert sorted(chats) == sorted([*range(1, 8), STAFF_CHAT])
    # the dead attempt's claim is judged later: in doubt, never pending again
    world.runtime.ledger.wall = lambda: 1e12
    world.clock.set("2026-05-25T18:00")
    await restarted.run_due()
    assert (await world.runtime.ledger.status_counts()).get("in_doubt") == 1
    assert sorted(chat for chat, _ in world.sender.sent) == sorted([*range(1, 8), STAFF_CHAT])


async def test_timeouts_in_doubt_are_not_resent_connection_refused_is(world: World) -> None:
    await world.subscribe(1, 2, 3)
    world.sender.script = {
        1: [caused(TimedOut(), httpx.ReadTimeout("read"))],  # may have arrived
        2: [caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"))],  # never left
        3: [RetryAfter(5)],  # the limiter gave up after its retries
    }
    service = world.service()
    (report,) = await service.run_due()
    assert report.outcomes == {"in_doubt": 1, "retry": 2, "sent": 1}
    assert [chat for chat, _ in world.sender.sent] == [STAFF_CHAT]
    world.clock.set("2026-05-25T10:10")  # the retry job
    await service.run_due()
    assert sorted(chat for chat, _ in world.sender.sent) == [STAFF_CHAT, 2, 3]
    await service.run_due()
    assert len(world.sender.sent) == 3


async def test_403_switches_off_that_chat_only(world: World) -> None:
    await world.subscribe(1, 2, -300)
    world.sender.script = {
        1: [Forbidden("Forbidden: bot was blocked by the user")],
        -300: [BadRequest("Bad Request: chat not found")],
    }
    (report,) = await world.service().run_due()
    assert report.outcomes == {"blocked": 2, "sent": 2}
    assert sorted(chat for chat, _ in world.sender.sent) == [STAFF_CHAT, 2]
    active = {s.chat_id for s in await world.runtime.subscriptions.active_subscribers()}
    assert active == {2}
    world.clock.set("2026-05-31T10:00")
    await world.service().run_due()
    assert {chat for chat, _ in world.sender.sent[2:]} == {STAFF_CHAT, 2}


async def test_403_is_audited_in_the_ledgers_transaction(world: World) -> None:
    await world.subscribe(1)
    world.sender.script = {1: [Forbidden("Forbidden: bot was blocked by the user")]}
    await world.service().run_due()
    latest = (await world.runtime.audit.history("subscription", 1))[0]
    assert (latest.action, latest.actor_id) == ("unreachable", 0)
    assert latest.after is not None and "blocked" in latest.after["inactive_reason"]


async def test_the_ledger_keeps_telegrams_words_once(world: World) -> None:
    """ "Forbidden: bot was blocked by the user", not "Forbidden: Forbidden: ..." (the kind said twice)."""
    await world.subscribe(1, -300)
    world.sender.script = {
        1: [Forbidden("Forbidden: bot was blocked by the user")],
        -300: [BadRequest("Bad Request: chat not found")],
    }
    await world.service().run_due()
    errors = {entry.chat_id: entry.error for entry in await world.runtime.ledger.entries()}
    assert errors[1] == "Forbidden: bot was blocked by the user"
    assert errors[-300] == "BadRequest: Chat not found"  # PTB drops "Bad Request: " itself


async def test_a_group_that_became_a_supergroup_gets_its_reminder_there_in_the_same_pass(
    world: World,
) -> None:
    await world.subscribe(-300, kinds="anniversaries")
    await world.runtime.subscriptions.set_town(-300, "sassnitz", True, actor_id=300)
    await world.runtime.preferences.set_language(-300, "en")
    world.sender.script = {-300: [ChatMigrated(-100_300)]}
    (report,) = await world.service().run_due()
    assert report.outcomes == {"sent": 2}
    assert world.sender.to(-300) == []
    (moved,) = world.sender.to(-100_300)
    assert "Sassnitz" in moved and "in 7 days" in moved  # the same message, in the chat's language
    statuses = {(e.chat_id, e.status) for e in await world.runtime.ledger.entries()}
    assert statuses == {(-300, "failed"), (-100_300, "sent"), (STAFF_CHAT, "sent")}
    subscription = await world.runtime.subscriptions.get(-100_300)
    assert subscription is not None and subscription.active and subscription.towns == ("sassnitz",)
    assert await world.runtime.subscriptions.get(-300) is None
    assert await world.runtime.preferences.language(-100_300) == "en"
    (entry,) = await world.runtime.audit.history("subscription", -100_300)
    assert entry.action == "migrate"
    # the pass runs again (a restart, cron): nothing is sent twice, the next reminder goes to the new id
    await world.service().run_due()
    assert len(world.sender.sent) == 2
    world.clock.set("2026-05-31T10:00")
    await world.service().run_due()
    assert len(world.sender.to(-100_300)) == 2 and world.sender.to(-300) == []


async def test_the_error_stored_in_the_ledger_never_holds_the_token(tmp_path: Path) -> None:
    token = "123456:SECRET-TOKEN-abcdef"
    world = await make_world(tmp_path)
    try:
        world.runtime.settings = world.runtime.settings.model_copy(
            update={
                "telegram": world.runtime.settings.telegram.model_copy(update={"token": SecretStr(token)})
            }
        )
        assert world.runtime.settings.token == token
        await world.subscribe(1, 2)
        url = f"https://api.telegram.org/bot{token}/sendMessage"
        world.sender.script = {
            1: [caused(TimedOut(f"timed out: {url}"), httpx.ReadTimeout(url))],
            2: [BadRequest(f"Bad Request: {url}")],
        }
        await world.service().run_due()
        errors = [entry.error for entry in await world.runtime.ledger.entries() if entry.chat_id in (1, 2)]
        assert len(errors) == 2 and all("/bot***/" in error for error in errors)
        assert not any("secret" in error.lower() or "123456" in error for error in errors)
    finally:
        await world.runtime.close()


async def test_a_bad_request_is_failed_not_retried(world: World) -> None:
    await world.subscribe(1)
    world.sender.script = {1: [BadRequest("Bad Request: can't parse entities")]}
    (report,) = await world.service().run_due()
    assert report.outcomes == {"failed": 1, "sent": 1}
    await world.service().run_due()
    assert world.sender.to(1) == []


# ---- catch-up ---------------------------------------------------------------------------------------


async def test_before_send_time_nothing_runs_after_it_the_pass_runs_the_same_day(world: World) -> None:
    await world.subscribe(1)
    world.clock.set("2026-05-25T09:59")
    assert await world.service().run_due() == []
    world.clock.set("2026-05-25T16:45")  # the bot was down at 10:00 and came back in the afternoon
    (report,) = await world.service().run_due()
    assert not report.delayed
    (text,) = world.sender.to(1)
    assert "с опозданием" not in text and "через 7 дней" in text


async def test_down_past_midnight_sends_delayed_within_the_window(world: World) -> None:
    await world.subscribe(1)
    await world.runtime.ledger.start_pass(date(2026, 5, 24), delayed=False)
    await world.runtime.ledger.finish_pass(date(2026, 5, 24), planned=0, sent=0)
    world.clock.set("2026-05-26T08:00")  # 22 hours after the missed 10:00 pass of 25 May
    (report,) = await world.service().run_due()
    assert report.day == date(2026, 5, 25) and report.delayed
    (text,) = world.sender.to(1)
    assert "с опозданием" in text and "25 мая 2026" in text
    assert "через 6 дней" in text  # counted from the day it is actually read
    world.clock.set("2026-05-26T10:00")
    (report,) = await world.service().run_due()
    assert report.day == date(2026, 5, 26) and not report.delayed


async def test_beyond_the_window_the_pass_is_logged_and_skipped(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.subscribe(1)
    await world.runtime.ledger.start_pass(date(2026, 5, 23), delayed=False)
    await world.runtime.ledger.finish_pass(date(2026, 5, 23), planned=0, sent=0)
    world.clock.set("2026-05-26T11:00")  # 25 hours after the pass of 25 May
    reports = await world.service().run_due()
    assert [(r.day, r.delayed) for r in reports] == [(date(2026, 5, 26), False)]
    passes = await world.runtime.ledger.passes()
    assert passes[date(2026, 5, 24)].status == "skipped" and passes[date(2026, 5, 25)].status == "skipped"
    assert world.sender.to(1) == []  # the 7-day reminder of Sassnitz was due on the 25th: skipped
    assert "skipped" in caplog.text and "2026-05-25" in caplog.text


async def test_catch_up_hours_is_configurable(tmp_path: Path) -> None:
    world = await make_world(tmp_path, catch_up_hours=48)
    try:
        await world.subscribe(1)
        await world.runtime.ledger.start_pass(date(2026, 5, 23), delayed=False)
        await world.runtime.ledger.finish_pass(date(2026, 5, 23), planned=0, sent=0)
        world.clock.set("2026-05-26T09:00")  # 47 hours after the pass of 24 May
        reports = await world.service().run_due()
        assert [(r.day, r.delayed) for r in reports] == [(date(2026, 5, 24), True), (date(2026, 5, 25), True)]
        assert len(world.sender.to(1)) == 1
    finally:
        await world.runtime.close()


async def test_a_fresh_install_does_not_backfill(world: World) -> None:
    world.clock.set("2026-06-01T12:00")
    await world.subscribe(1)
    reports = await world.service().run_due()
    assert [r.day for r in reports] == [date(2026, 6, 1)]
    (text,) = world.sender.to(1)
    assert "сегодня" in text


async def test_dry_run_records_nothing(world: World) -> None:
    await world.subscribe(1, 2)
    report = await world.service().run_pass(date(2026, 5, 25), dry_run=True)
    assert len(report.deliveries) == 3 and world.sender.sent == []
    assert await world.runtime.ledger.entries() == []
    assert await world.runtime.ledger.passes() == {}


# ---- what is said, and to whom -------------------------------------------------------------------


async def test_staff_chat_hears_about_a_planned_visit_and_subscribers_do_not(world: World) -> None:
    await world.subscribe(1)
    draft = VisitDraft(
        town_key="narva",
        direction=Direction.INCOMING,
        start=date(2026, 6, 3),
        end=date(2026, 6, 4),
        kind=DelegationType.CULTURAL,
        people=12,
        purpose="Choir festival",
        notes="internal: hotel booked",
    )
    visit = (await world.runtime.visits.record(draft, actor_id=5, idempotency_key="visit-1")).visit
    world.clock.set("2026-05-27T10:00")
    await world.service().run_due()
    (text,) = world.sender.to(STAFF_CHAT)
    assert f"визит № {visit.id}" in text and "Choir festival" in text and "через 7 дней" in text
    assert "hotel" not in text  # staff notes stay in the register
    assert world.sender.to(1) == []


async def test_one_message_per_chat_in_its_language_and_town_filter(world: World) -> None:
    await world.subscribe(1, language="en")
    await world.subscribe(2, kinds="town_days")
    await world.runtime.subscriptions.subscribe(3, "private", "all", "ru", actor_id=3)
    await world.runtime.subscriptions.set_town(3, "narva", True, actor_id=3)
    # 30 May 2026: Narva's Town Day (6-7 June, first weekend) is 7 days ahead
    world.clock.set("2026-05-30T10:00")
    await world.service().run_due()
    (english,) = world.sender.to(1)
    assert "Narva" in english and "Town Day" in english and "in 7 days" in english
    assert "6–7 June 2026, Sat–Sun" in english
    (town_days,) = world.sender.to(2)
    assert "Нарва" in town_days and "День города" in town_days
    (narva_only,) = world.sender.to(3)
    assert "Нарва" in narva_only
    # 1 June: Sassnitz anniversary, nothing of Narva: chat 3 is quiet
    world.clock.set("2026-06-01T10:00")
    await world.service().run_due()
    assert len(world.sender.to(3)) == 1 and len(world.sender.to(2)) == 1


async def test_year_only_anniversary_is_announced_on_the_configured_day(tmp_path: Path) -> None:
    world = await make_world(tmp_path, year_only_day="03-01")
    try:
        await world.subscribe(1)
        world.clock.set("2027-03-01T10:00")
        await world.service().run_due()
        (text,) = world.sender.to(1)
        assert "Нарвик" in text and "55 лет" in text and "точный день не известен" in text
        assert "1972" in text and "1 января" not in text
    finally:
        await world.runtime.close()


async def test_round_anniversary_is_announced_30_days_ahead(world: World) -> None:
    await world.subscribe(1, kinds="anniversaries")
    world.clock.set("2026-11-04T10:00")
    await world.service().run_due()
    (text,) = world.sender.to(1)
    assert "Светлогорск" in text and "20 лет, круглая годовщина" in text and "через 30 дней" in text


# ---- time zones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 3, 28), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),  # EET, UTC+2
        (date(2026, 3, 29), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # spring forward: EEST, UTC+3
        (date(2026, 10, 24), datetime(2026, 10, 24, 7, 0, tzinfo=UTC)),
        (date(2026, 10, 25), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),  # fall back: EET again
    ],
)
async def test_send_time_is_local_on_daylight_saving_days(tmp_path: Path, day: date, utc: datetime) -> None:
    world = await make_world(tmp_path, zone="Europe/Helsinki")
    try:
        assert scheduled_at(world.runtime, day) == utc
        # the pass runs at 10:00 local, not a minute before, both on the change days and around them
        await world.subscribe(1)
        world.clock.now = (utc - timedelta(minutes=1)).astimezone(HELSINKI)
        assert await world.service().run_due() == []
        world.clock.now = utc.astimezone(HELSINKI)
        (report,) = await world.service().run_due()
        assert report.day == day
    finally:
        await world.runtime.close()


async def test_send_time_in_the_missing_or_repeated_hour(tmp_path: Path) -> None:
    world = await make_world(tmp_path, zone="Europe/Helsinki", send_time="03:30")
    try:
        # 29 March: 03:00 -> 04:00, so 03:30 does not exist; it is read with the winter offset (04:30 EEST)
        assert scheduled_at(world.runtime, date(2026, 3, 29)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        # 25 October: 03:30 happens twice; the first one (EEST) counts
        assert scheduled_at(world.runtime, date(2026, 10, 25)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    finally:
        await world.runtime.close()


async def test_the_daily_job_is_scheduled_in_local_time_with_a_misfire_grace(tmp_path: Path) -> None:
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "reminders": {"timezone": "Europe/Helsinki", "send_time": "10:00", "catch_up_hours": 24},
        }
    )
    from tests.handlers.conftest import RecordingRequest

    app = build_application(
        settings, request=RecordingRequest(), clock=lambda: datetime(2026, 3, 27, tzinfo=UTC)
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        assert app.job_queue is not None
        schedule(app)  # rebuilt, not duplicated
        (daily,) = app.job_queue.get_jobs_by_name(DAILY_JOB)
        job = daily.job
        assert job.misfire_grace_time == 24 * 3600 and job.coalesce
        fire = job.trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, 0, tzinfo=HELSINKI))
        assert fire == datetime(2026, 3, 29, 10, 0, tzinfo=HELSINKI)
        assert fire.astimezone(UTC).time() == time(7, 0)
        fire = job.trigger.get_next_fire_time(None, datetime(2026, 10, 24, 12, 0, tzinfo=HELSINKI))
        assert fire.astimezone(UTC) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
        assert app.job_queue.get_jobs_by_name("reminders-catch-up")
        (watch,) = app.job_queue.get_jobs_by_name(TOWNS_JOB)  # answers follow `twinbot import-towns`
        assert watch.job.trigger.interval.total_seconds() == TOWNS_CHECK_SECONDS
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)


async def test_29_february_agreement_is_reminded_on_28_february(world: World) -> None:
    await world.runtime.calendar.set_agreement_date("sassnitz", "partnership", _leap(), actor_id=1)
    await world.runtime.reload_towns()
    await world.subscribe(1, kinds="anniversaries")
    world.clock.set("2027-02-28T10:00")
    await world.service().run_due()
    (text,) = world.sender.to(1)
    assert "28 февраля 2027" in text and "сегодня" in text and "23 года" in text


def _leap() -> PartialDate:
    return PartialDate(2004, 2, 29)


async def test_a_long_day_is_split_over_messages_within_telegrams_limit(world: World) -> None:
    from bot.core.calendar import PlannedVisit
    from bot.replies.reply import visible_length

    class ManyVisits:
        async def planned_visits(self, first: date, last: date) -> list[PlannedVisit]:
            return [
                PlannedVisit(n, "narva", date(2026, 6, 1), None, "in", "official", "Talks " * 40)
                for n in range(1, 61)
            ]

    (report,) = await world.service(visits=ManyVisits()).run_due()
    texts = world.sender.to(STAFF_CHAT)
    assert len(texts) == len(report.deliveries) > 1
    assert all(visible_length(text) <= 4096 for text in texts)
    assert sum(text.count("запланированный визит") for text in texts) == 60
    assert (await world.runtime.ledger.status_counts())["sent"] == 61  # 60 visits + Sassnitz
