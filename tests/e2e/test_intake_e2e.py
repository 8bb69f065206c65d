"""No update lost between fetch and handling: the real bot process, killed with SIGKILL right after it
fetched a `/visit` message (and at other moments of its handling), again and again. The fake server holds
every update until the getUpdates offset confirms it, as Telegram does.

Every visit typed must be in the register exactly once at the end: stored in the inbox before the offset
moved past it, handled again at the next start when the kill came first, and never twice (the visit's
idempotency key, and the inbox's done mark against the redelivery).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import ADMIN_ID, MODE, SECRET, RunningBot
from .fake_bot_api import FakeBotApi

CYCLES = int(os.environ.get("TWINBOT_INTAKE_CYCLES", "50"))


@pytest.mark.parametrize(("mode", "cycles"), [("polling", CYCLES), ("webhook", max(1, CYCLES // 2))])
def test_kill_9_between_fetch_and_handling_loses_and_doubles_nothing(
    fresh_server: FakeBotApi, tmp_path: Path, mode: str, cycles: int
) -> None:
    """Polling: killed after getUpdates returned the update. Webhook: killed after the 200."""
    if MODE == "webhook":
        pytest.skip("this test runs both modes itself, in the default (polling) pass of the suite")
    bot = RunningBot(fresh_server, tmp_path, mode=mode)
    chance = random.Random(12)  # fixed: the same kill moments on every run
    typed: list[str] = []
    try:
        bot.start()
        for cycle in range(cycles):
            start = date(2024, 1, 1) + timedelta(days=cycle)
            purpose = f"Проба {cycle}"
            typed.append(purpose)
            fresh_server.push_message(
                ADMIN_ID, f"/visit Нарвик; {start:%d.%m.%Y}; in; official; 3; {purpose}"
            )
            fresh_server.wait_for_updates_consumed(timeout=10)  # fetched by the bot, or answered 200
            # most kills right after the fetch (before any handling), some a little later
            pause = 0.0 if cycle % 2 == 0 else chance.uniform(0.0, 0.05)
            if pause:
                time.sleep(pause)  # a kill moment, not a wait for a result
            bot.kill()
            bot.start()
        bot.settle()
        assert bot.stop() == 0, bot.log()
    finally:
        bot.kill()
    connection = sqlite3.connect(bot.database)
    try:
        counts = dict(connection.execute("SELECT purpose, count(*) FROM visits GROUP BY purpose").fetchall())
        unfinished = connection.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    finally:
        connection.close()
    lost = [purpose for purpose in typed if purpose not in counts]
    doubled = {purpose: count for purpose, count in counts.items() if count > 1}
    log = bot.log()
    replayed = log.count("stored before the last stop")
    skipped = log.count("was handled before or is being handled")
    print(
        f"intake ({mode}): {cycles} kill -9 cycles, {len(typed)} visits typed, lost {len(lost)}, "
        f"doubled {len(doubled)}; starts that handled unfinished updates {replayed}, "
        f"redeliveries skipped {skipped}"
    )
    assert lost == [] and doubled == {}, f"lost {lost}, doubled {doubled}"
    assert unfinished == 0
    # a request cut off by the kill reaches the fake server without its body: not the bot's doing
    violations = [v for v in fresh_server.violations if v["params"]]
    assert violations == [], violations
    assert SECRET not in log
