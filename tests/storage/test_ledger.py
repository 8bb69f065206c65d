"""The delivery ledger and the pass bookkeeping; Town Day, agreement and subscription storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.core.calendar import DateSpan, EventKind, TownDayRule, shipped_town_days
from bot.core.model import PartialDate
from bot.core.townfile import shipped_towns
from storage import Database, open_database
from storage.audit import AuditLog
from storage.calendar import CalendarRepository, UnknownAgreementError, UnknownTownError
from storage.ledger import ClaimLostError, DeliveryLedger, LedgerKey
from storage.subscriptions import SubscriptionRepository
from storage.towns import TownRepository

DAY = date(2026, 5, 25)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "t.sqlite3")
    try:
        await TownRepository(database).seed_if_empty(shipped_towns())
        yield database
    finally:
        await database.close()


class Wall:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def keys(*chats: int, lead: int = 7) -> list[LedgerKey]:
    return [LedgerKey("anniversary:sassnitz:partnership", "2026-06-01", chat, lead) for chat in chats]


# ---- the ledger -----------------------------------------------------------------------------------


async def test_planning_twice_records_each_reminder_once(db: Database) -> None:
    ledger = DeliveryLedger(db)
    assert await ledger.plan(DAY, keys(1, 2, 3)) == 3
    assert await ledger.plan(DAY, keys(1, 2, 3, 4)) == 1
    entries = await ledger.entries(DAY)
    assert [(e.chat_id, e.status) for e in entries] == [
        (1, "pending"),
        (2, "pending"),
        (3, "pending"),
        (4, "pending"),
    ]


async def test_a_claim_is_all_or_nothing_and_only_from_pending(db: Database) -> None:
    ledger = DeliveryLedger(db)
    await ledger.plan(DAY, keys(1, 2))
    first, second = (entry.id for entry in await ledger.entries(DAY))
    await ledger.claim([first], "a")
    with pytest.raises(ClaimLostError):
        await ledger.claim([first, second], "b")  # `first` is taken: nothing is claimed
    assert {e.id: e.status for e in await ledger.entries(DAY)} == {first: "sending", second: "pending"}
    with pytest.raises(ClaimLostError):
        await ledger.claim([first], "c")
    # settling needs the claim that holds the rows
    assert await ledger.finish([first], "wrong token", "sent", message_id=5) == 0
    assert await ledger.finish([first], "a", "sent", message_id=5) == 1
    (sent,) = [e for e in await ledger.entries(DAY) if e.id == first]
    assert sent.status == "sent" and sent.message_id == 5 and sent.attempts == 1
    with pytest.raises(ClaimLostError):
        await ledger.claim([first], "d")  # sent rows are never claimed again


async def test_released_rows_can_be_claimed_again(db: Database) -> None:
    ledger = DeliveryLedger(db)
    await ledger.plan(DAY, keys(1))
    (entry,) = await ledger.entries(DAY)
    await ledger.claim([entry.id], "a")
    await ledger.finish([entry.id], "a", "pending", error="429")
    await ledger.claim([entry.id], "b")
    await ledger.finish([entry.id], "b", "sent", message_id=9)
    (done,) = await ledger.entries(DAY)
    assert done.status == "sent" and done.attempts == 2


async def test_blocked_deactivates_only_that_subscription(db: Database) -> None:
    ledger = DeliveryLedger(db)
    subscriptions = SubscriptionRepository(db)
    await subscriptions.subscribe(1, "private", "all", "ru", actor_id=1)
    await subscriptions.subscribe(2, "private", "all", "ru", actor_id=2)
    await ledger.plan(DAY, keys(1, 2))
    entry = next(e for e in await ledger.entries(DAY) if e.chat_id == 1)
    await ledger.claim([entry.id], "a")
    await ledger.finish([entry.id], "a", "blocked", error="Forbidden: bot was blocked", deactivate_chat=1)
    assert [s.chat_id for s in await subscriptions.active_subscribers()] == [2]
    blocked = await subscriptions.get(1)
    assert blocked is not None and not blocked.active and "blocked" in blocked.inactive_reason
    # the one audited path, in the ledger's transaction: who (0: Telegram), what before and after
    (entry, _) = await AuditLog(db).history("subscription", 1)
    assert (entry.action, entry.actor_id) == ("unreachable", 0)
    assert entry.before is not None and entry.before["active"] is True
    assert entry.after is not None and entry.after["active"] is False
    assert "blocked" in entry.after["inactive_reason"]


async def test_a_failed_settlement_leaves_the_subscription_alone(db: Database) -> None:
    """The deactivation shares the ledger's transaction: if settling fails, the subscription stays on."""
    ledger = DeliveryLedger(db)
    subscriptions = SubscriptionRepository(db)
    await subscriptions.subscribe(1, "private", "all", "ru", actor_id=1)
    await ledger.plan(DAY, keys(1))
    (entry,) = await ledger.entries(DAY)
    await ledger.claim([entry.id], "a")
    with pytest.raises(Exception, match="CHECK constraint"):
        await ledger.finish([entry.id], "a", "nonsense", deactivate_chat=1)  # type: ignore[arg-type]
    assert [s.chat_id for s in await subscriptions.active_subscribers()] == [1]
    assert [e.action for e in await AuditLog(db).history("subscription", 1)] == ["subscribe"]


async def test_a_migrated_chat_takes_its_subscription_language_and_reminders_along(db: Database) -> None:
    ledger = DeliveryLedger(db)
    subscriptions = SubscriptionRepository(db)
    await subscriptions.subscribe(-500, "group", "town_days", "ru", actor_id=9)
    await subscriptions.set_town(-500, "narva", True, actor_id=9)
    await db.connection.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (-500, 'en')")
    await ledger.plan(DAY, keys(-500, lead=7) + keys(-500, lead=1))
    ids = [entry.id for entry in await ledger.entries(DAY)]
    await ledger.claim(ids, "a")
    migrated = await ledger.migrate(ids, "a", -500, -100500, error="the chat moved to -100500")
    assert migrated.complete and len(migrated.pending) == 2 and migrated.move.subscription
    assert migrated.move.language == "en"
    entries = {(e.chat_id, e.lead_days): e for e in await ledger.entries(DAY)}
    assert {entries[(-500, lead)].status for lead in (7, 1)} == {"failed"}
    assert sorted(entries[(-100500, lead)].id for lead in (7, 1)) == sorted(migrated.pending)
    assert {entries[(-100500, lead)].status for lead in (7, 1)} == {"pending"}
    assert await subscriptions.get(-500) is None
    moved = await subscriptions.get(-100500)
    assert (
        moved is not None and moved.active and moved.chat_type == "supergroup" and moved.towns == ("narva",)
    )
    (subscriber,) = await subscriptions.active_subscribers()
    assert subscriber.chat_id == -100500 and subscriber.language == "en"
    audit = AuditLog(db)
    (entry,) = await audit.history("subscription", -100500)
    assert entry.action == "migrate" and entry.actor_id == 0
    assert entry.before is not None and entry.before["chat_id"] == -500
    (language,) = await audit.history("chat_preferences", -100500)
    assert language.after == {"chat_id": -100500, "language": "en"}
    row = await db.fetchone("SELECT count(*) FROM chat_preferences WHERE chat_id = -500")
    assert row is not None and row[0] == 0
    # the same answer again (another worker, a repeated pass): nothing more is recorded or moved
    again = await ledger.migrate(ids, "a", -500, -100500, error="again")
    assert again.pending == [] and not again.complete
    assert len(await audit.history("subscription", -100500)) == 1


async def test_a_migration_keeps_what_the_new_chat_already_has(db: Database) -> None:
    ledger = DeliveryLedger(db)
    subscriptions = SubscriptionRepository(db)
    await subscriptions.subscribe(-500, "group", "all", "ru", actor_id=9)
    await subscriptions.subscribe(-100500, "supergroup", "anniversaries", "en", actor_id=9)
    await ledger.plan(DAY, keys(-500, -100500))
    old, new = (entry.id for entry in await ledger.entries(DAY))
    await ledger.claim([new], "n")
    await ledger.finish([new], "n", "sent", message_id=1)
    await ledger.claim([old], "o")
    migrated = await ledger.migrate([old], "o", -500, -100500, error="moved")
    assert not migrated.move.subscription and migrated.pending == [] and not migrated.complete
    kept = await subscriptions.get(-100500)
    assert kept is not None and kept.kinds == "anniversaries"
    assert (await subscriptions.get(-500)) is not None  # left where it was, for the record


async def test_stale_claims_become_in_doubt_and_are_never_pending_again(db: Database) -> None:
    wall = Wall()
    ledger = DeliveryLedger(db, wall=wall)
    await ledger.plan(DAY, keys(1, 2))
    first, second = (entry.id for entry in await ledger.entries(DAY))
    await ledger.claim([first], "crashed")
    assert await ledger.recover_stale_claims(300) == 0  # a fresh claim may still be in flight
    wall.now += 301
    await ledger.claim([second], "live")
    assert await ledger.recover_stale_claims(300) == 1
    status = {e.id: e.status for e in await ledger.entries(DAY)}
    assert status == {first: "in_doubt", second: "sending"}
    assert await ledger.status_counts(DAY) == {"in_doubt": 1, "sending": 1}


async def test_expired_and_pending_dates(db: Database) -> None:
    ledger = DeliveryLedger(db)
    await ledger.plan(date(2026, 5, 20), keys(1))
    await ledger.plan(DAY, keys(2), delayed=True)
    assert await ledger.pending_dates() == [date(2026, 5, 20), DAY]
    assert await ledger.expire(DAY) == 1
    assert await ledger.pending_dates() == [DAY]
    (late,) = await ledger.entries(DAY)
    assert late.delayed


async def test_unique_key_is_event_occurrence_chat_and_lead(db: Database) -> None:
    ledger = DeliveryLedger(db)
    await ledger.plan(DAY, keys(1, lead=7))
    await ledger.plan(date(2026, 5, 31), keys(1, lead=1))
    await ledger.plan(date(2026, 5, 31), [LedgerKey("anniversary:sassnitz:partnership", "2027-06-01", 1, 7)])
    await ledger.plan(date(2026, 5, 31), keys(1, lead=7))  # the same reminder planned on another day
    assert len(await ledger.entries()) == 3


async def test_pass_bookkeeping(db: Database) -> None:
    ledger = DeliveryLedger(db)
    assert await ledger.last_pass() is None
    await ledger.start_pass(DAY, delayed=False)
    await ledger.start_pass(DAY, delayed=True)
    state = (await ledger.passes())[DAY]
    assert state.status == "running" and state.runs == 2 and state.delayed
    await ledger.finish_pass(DAY, planned=3, sent=2)
    await ledger.skip_pass(DAY, "must not override a finished pass")
    await ledger.skip_pass(date(2026, 5, 24), "down too long")
    passes = await ledger.passes()
    assert passes[DAY].status == "done" and passes[DAY].sent == 2
    assert passes[date(2026, 5, 24)].status == "skipped"
    assert await ledger.last_pass() == DAY


# ---- Town Days and agreement dates ----------------------------------------------------------------


async def test_shipped_town_days_are_seeded_once(db: Database) -> None:
    calendar = CalendarRepository(db)
    assert await calendar.seed_if_empty(shipped_town_days())
    assert not await calendar.seed_if_empty(shipped_town_days())
    town_days = await calendar.town_days()
    assert town_days["narva"].rule == TownDayRule.nth_weekend(1, 6)
    assert town_days["narva"].dates[2025] == DateSpan(date(2025, 6, 28), date(2025, 6, 30))
    assert town_days["kingisepp"].rule is None and 2022 in town_days["kingisepp"].dates
    assert "raisio" not in town_days and "svetlahorsk" not in town_days  # unknown stays unknown
    row = await db.fetchone("SELECT typed FROM town_day_rules WHERE town_key = 'sassnitz'")
    assert row is not None and row[0] == "second weekend of July"


async def test_reading_town_days_again_never_leaves_readers_without_them(db: Database) -> None:
    """A page or a card rendered while the Town Days are read again sees the old copy, never none (a
    reader finding none showed a card without its next Town Day)."""
    import asyncio

    calendar = CalendarRepository(db)
    await calendar.seed_if_empty(shipped_town_days())
    before = await calendar.town_days()
    version = calendar.version
    reloading = asyncio.create_task(calendar.reload())
    await asyncio.sleep(0)  # the reload is now waiting for the database
    assert calendar.cached_town_days() == before
    await reloading
    assert calendar.cached_town_days() == before and calendar.version > version


async def test_town_days_are_read_once_until_they_change(db: Database) -> None:
    calendar = CalendarRepository(db)
    await calendar.seed_if_empty(shipped_town_days())
    first = await calendar.town_days()
    version = calendar.version
    await db.connection.execute("DELETE FROM town_day_rules WHERE town_key = 'narva'")  # behind its back
    assert await calendar.town_days() == first  # served from memory
    await calendar.set_rule("raisio", TownDayRule.fixed(6, 1), "1 June", actor_id=1)
    assert calendar.version > version
    fresh = await calendar.town_days()
    assert fresh["narva"].rule is None and fresh["raisio"].rule == TownDayRule.fixed(6, 1)
    await db.connection.execute("DELETE FROM town_day_dates")
    calendar.forget()
    assert "narva" not in await calendar.town_days()  # neither a rule nor dates any more


async def test_planned_visits_carry_no_notes_and_skip_deleted_ones(db: Database) -> None:
    for start, deleted in (("2026-06-03", None), ("2026-06-05", "2026-05-01"), ("2026-08-01", None)):
        await db.connection.execute(
            "INSERT INTO visits (town_key, direction, start_date, kind, purpose, notes, created_by, "
            "updated_by, deleted_at) VALUES ('narva', 'in', ?, 'cultural', 'Choir', 'hotel booked', 1, 1, ?)",
            (start, deleted),
        )
    (visit,) = await CalendarRepository(db).planned_visits(date(2026, 6, 1), date(2026, 7, 1))
    assert (visit.town_key, visit.start, visit.direction, visit.kind, visit.purpose) == (
        "narva",
        date(2026, 6, 3),
        "in",
        "cultural",
        "Choir",
    )
    assert not hasattr(visit, "notes")


async def test_staff_edits_are_audited_and_survive_seeding(db: Database) -> None:
    calendar = CalendarRepository(db)
    await calendar.set_rule("raisio", TownDayRule.nth_weekend(-1, 8), "last weekend of August", actor_id=42)
    previous = await calendar.set_date("raisio", DateSpan(date(2026, 8, 21), date(2026, 8, 23)), actor_id=42)
    assert previous is None
    assert not await calendar.seed_if_empty(shipped_town_days())  # staff data exists: no seeding
    raisio = (await calendar.town_days())["raisio"]
    assert raisio.span(2026) == DateSpan(date(2026, 8, 21), date(2026, 8, 23))
    assert raisio.span(2027) == DateSpan(date(2027, 8, 28), date(2027, 8, 29))
    assert await calendar.clear_date("raisio", 2026, actor_id=43) is not None
    assert await calendar.clear_date("raisio", 2026, actor_id=43) is None
    await calendar.set_rule("raisio", None, "unknown", actor_id=44)
    assert (await calendar.town_days())["raisio"].known is False
    audit = AuditLog(db)
    rule_history = await audit.history("town_day", "raisio")
    assert [(e.action, e.actor_id) for e in rule_history] == [("clear_rule", 44), ("set_rule", 42)]
    assert rule_history[1].after == {"rule": "weekend:-1:8", "typed": "last weekend of August"}
    date_history = await audit.history("town_day", "raisio:2026")
    assert [e.action for e in date_history] == ["clear_date", "set_date"]
    assert date_history[1].after == {"start": "2026-08-21", "end": "2026-08-23"}
    with pytest.raises(UnknownTownError):
        await calendar.set_rule("atlantis", None, "", actor_id=1)


async def test_agreement_date_edit_keeps_precision_is_audited_and_survives_import(db: Database) -> None:
    calendar = CalendarRepository(db)
    previous = await calendar.set_agreement_date("narva", "cooperation", PartialDate(2000, 9), actor_id=7)
    assert previous == PartialDate(2000)
    towns = TownRepository(db)
    report = await towns.import_towns(shipped_towns())
    assert "narva.cooperation.signed" in report.kept_staff_fields
    narva = next(town for town in await towns.all() if town.key == "narva")
    assert narva.agreements[0].signed == PartialDate(2000, 9)
    (entry,) = await AuditLog(db).history("agreement", "narva.cooperation")
    assert (entry.before, entry.after, entry.actor_id) == ({"signed": "2000"}, {"signed": "2000-09"}, 7)
    with pytest.raises(UnknownAgreementError):
        await calendar.set_agreement_date("narva", "nothing", PartialDate(2000), actor_id=7)


# ---- subscriptions --------------------------------------------------------------------------------


async def test_subscriptions_keep_their_towns_and_follow_the_chat_language(db: Database) -> None:
    subscriptions = SubscriptionRepository(db)
    sub = await subscriptions.subscribe(-500, "supergroup", "town_days", "ru", actor_id=9, title="Group")
    assert sub.active and sub.event_kinds == frozenset({EventKind.TOWN_DAY}) and sub.towns == ()
    await subscriptions.set_town(-500, "narva", True, actor_id=9)
    await subscriptions.set_town(-500, "raisio", True, actor_id=9)
    await subscriptions.set_town(-500, "narva", False, actor_id=9)
    assert (await subscriptions.get(-500)).towns == ("raisio",)  # type: ignore[union-attr]
    assert await subscriptions.unsubscribe(-500, actor_id=9)
    assert not await subscriptions.unsubscribe(-500, actor_id=9)
    assert await subscriptions.active_subscribers() == []
    again = await subscriptions.subscribe(-500, "supergroup", "all", "ru", actor_id=10)
    assert again.active and again.towns == ("raisio",)
    await db.connection.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (-500, 'en')")
    (subscriber,) = await subscriptions.active_subscribers()
    assert subscriber.language == "en" and subscriber.towns == frozenset({"raisio"})
    history = await AuditLog(db).history("subscription", -500)
    assert [entry.action for entry in history][:2] == ["subscribe", "unsubscribe"]
    assert await subscriptions.count_active() == 1


async def test_the_same_choice_twice_changes_and_audits_nothing_more(db: Database) -> None:
    subscriptions = SubscriptionRepository(db)
    assert await subscriptions.set_town(-500, "narva", True, actor_id=9) is None  # not subscribed
    await subscriptions.subscribe(-500, "supergroup", "all", "ru", actor_id=9)
    await subscriptions.subscribe(-500, "supergroup", "all", "ru", actor_id=9)
    for _ in range(2):
        chosen = await subscriptions.set_town(-500, "narva", True, actor_id=9)
        assert chosen is not None and chosen.towns == ("narva",)
    for _ in range(2):
        dropped = await subscriptions.set_town(-500, "narva", False, actor_id=9)
        assert dropped is not None and dropped.towns == ()
    history = await AuditLog(db).history("subscription", -500)
    assert [entry.action for entry in reversed(history)] == ["subscribe", "towns", "towns"]
