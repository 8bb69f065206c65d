"""What each answer from Telegram means for the ledger (bot/reminders/sending.py, settled by the pass):
in doubt, retried, blocked, moved to a supergroup, failed; the token never stored."""

from __future__ import annotations

from pathlib import Path

import httpx
from msgspec.structs import replace
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.config import Secret
from tests.reminders.world import (
    STAFF_CHAT,
    World,
    caused,
    make_world,
)


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
        world.runtime.settings = replace(
            world.runtime.settings, telegram=replace(world.runtime.settings.telegram, token=Secret(token))
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
