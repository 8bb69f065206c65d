"""The monthly digest: what it says, who gets it (the staff chat and subscribers who opted in), and that
it is sent exactly once per month and chat, across two passes and a restart."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.cli import main
from bot.config import parse_settings
from bot.public.digest import DigestService, bounds, parse_month, previous
from bot.reminders import LedgerGuard, ReminderService
from bot.replies.reply import plain_text
from bot.runtime import Runtime, open_runtime
from storage.digest import DigestStore
from tests.e2e.fake_bot_api import FakeBotApi
from tests.public.conftest import Site

STAFF_CHAT = -100_200_300
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("Europe/Moscow"))


@dataclass
class RecordingSender:
    sent: list[tuple[int, str]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        await guard.before_attempt()  # the claim, as the rate limiter makes it
        self.sent.append((chat_id, text))
        return next(self.ids)


async def runtime_at(path: Path) -> Runtime:
    settings = parse_settings(
        {
            "storage": {"database": str(path)},
            "reminders": {"staff_chat": STAFF_CHAT},
            "bot": {"default_language": "ru"},
        }
    )
    return await open_runtime(settings, clock=lambda: NOW)


async def subscribe(rt: Runtime, chat_id: int, language: str, digest: bool) -> None:
    await rt.subscriptions.subscribe(chat_id, "private", "all", language, chat_id)  # type: ignore[arg-type]
    if digest:
        assert await DigestStore(rt.database).set(chat_id, True, chat_id)


async def add_visit(
    rt: Runtime, town: str, day: date, purpose: str, kind: str = "official", direction: str = "in"
) -> None:
    async with rt.database.transaction() as conn:
        await conn.execute(
            "INSERT INTO visits (town_key, direction, start_date, kind, purpose, notes, created_by, updated_by) "
            "VALUES (?, ?, ?, ?, ?, 'secret note', 7, 7)",
            (town, direction, day.isoformat(), kind, purpose),
        )


def test_months() -> None:
    assert parse_month("2026-12") == (2026, 12)
    assert previous((2027, 1)) == (2026, 12)
    assert bounds((2028, 2)) == (date(2028, 2, 1), date(2028, 2, 29))
    for wrong in ("2026-13", "26-12", "2026/12", "december"):
        with pytest.raises(ValueError):
            parse_month(wrong)


async def test_the_digest_says_last_months_visits_and_this_months_events(tmp_path: Path) -> None:
    rt = await runtime_at(tmp_path / "bot.sqlite3")
    try:
        await add_visit(rt, "narva", date(2026, 11, 12), "Talks on the <b>border</b> crossing")
        await add_visit(rt, "narva", date(2026, 11, 20), "Choir", kind="cultural", direction="out")
        await add_visit(rt, "raisio", date(2026, 11, 3), "School exchange", kind="schoolchildren")
        await add_visit(rt, "raisio", date(2026, 10, 30), "October: not this digest")
        service = DigestService(rt, ReminderService(rt, sender=None))
        text = await service.text("en", (2026, 12))
        plain = plain_text(text)
        assert "December 2026" in plain
        assert "Delegation visits in November 2026: 3 (to us 2, from us 1)" in plain
        assert "Narva: to us 1, from us 1" in plain and "Raisio: to us 1, from us 0" in plain
        assert "Talks on the <b>border</b> crossing" in plain and "&lt;b&gt;" in text  # escaped
        assert plain.index("Talks on the") < plain.index("School exchange")  # official delegations first
        assert "October" not in plain and "secret note" not in plain
        # Svetlahorsk's agreement of 4 December 2006 turns 20 this month: a round anniversary
        assert "20 years" in plain
        assert "To stop it: /subscribe" in plain
        staff_text = await service.text("ru", (2026, 12), staff=True)
        assert "Дайджест" in staff_text and "/subscribe" not in staff_text
    finally:
        await rt.close()


async def test_exactly_once_per_month_across_two_passes_and_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    rt = await runtime_at(path)
    sender = RecordingSender()
    try:
        await subscribe(rt, 501, "en", digest=True)
        await subscribe(rt, 502, "ru", digest=False)  # reminders only
        await subscribe(rt, 503, "ru", digest=True)
        await rt.subscriptions.unsubscribe(503, 503)  # inactive: nothing
        preview = await DigestService(rt, ReminderService(rt, sender=None)).run((2026, 12), dry_run=True)
        assert sorted(d.chat_id for d in preview.deliveries) == [STAFF_CHAT, 501]
        assert (
            await DigestStore(rt.database).ledger_rows("digest", "2026-12") == {}
        )  # a dry run records nothing
        first = await DigestService(rt, ReminderService(rt, sender)).run((2026, 12))
        assert first.outcomes == {"sent": 2}
        assert sorted(chat for chat, _ in sender.sent) == [STAFF_CHAT, 501]
        english = next(text for chat, text in sender.sent if chat == 501)
        assert "digest: December 2026" in plain_text(english)
        again = await DigestService(rt, ReminderService(rt, sender)).run((2026, 12))
        assert again.deliveries == [] and again.already_sent == 2
    finally:
        await rt.close()
    restarted = await runtime_at(path)
    try:
        after_restart = await DigestService(restarted, ReminderService(restarted, sender)).run()  # this month
        assert after_restart.deliveries == [] and after_restart.already_sent == 2
        assert len(sender.sent) == 2
        # the next month is a new digest
        january = await DigestService(restarted, ReminderService(restarted, sender)).run((2027, 1))
        assert january.outcomes == {"sent": 2} and len(sender.sent) == 4
    finally:
        await restarted.close()


async def test_the_opt_in_is_audited_and_needs_a_subscription(site: Site) -> None:
    store = DigestStore(site.runtime.database)
    assert not await store.set(777, True, 777)  # no subscription: nothing to switch
    await subscribe(site.runtime, 777, "ru", digest=False)
    assert not await store.is_on(777)
    assert await store.set(777, True, 900)
    assert await store.is_on(777)
    history = await site.runtime.audit.history("subscription", 777)
    assert history[0].action == "digest_on" and history[0].actor_id == 900


@time_machine.travel(datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("Europe/Moscow")), tick=False)
def test_twinbot_digest_sends_once_however_often_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeBotApi() as server:
        path = cli_config(tmp_path, server, token="123456:CLI-TOKEN")
        assert main(["digest", "--config", str(path), "--dry-run"]) == 0
        preview = capsys.readouterr().out
        assert "Сводка за декабрь 2026 (пробная)" in preview and "→ чат -100321" in preview
        assert "Дайджест" in preview
        assert server.sent_messages() == []
        assert main(["digest", "--config", str(path), "--month", "2026-12"]) == 0
        assert main(["digest", "--config", str(path)]) == 0
        assert "уже обработано 1" in capsys.readouterr().out
        assert main(["digest", "--lang", "en", "--config", str(path)]) == 0
        assert "Digest of December 2026: 1 recipient(s), 1 already handled" in capsys.readouterr().out
        (message,) = server.sent_messages(-100321)
        assert "Дайджест международных связей: декабрь 2026" in message["text"]
        server.assert_no_violations()
    with pytest.raises(SystemExit):
        main(["digest", "--config", str(path), "--month", "2026-13"])
    assert main(["digest", "--config", str(cli_config(tmp_path / "x"))]) == 2  # no token: nothing sent


def cli_config(folder: Path, server: FakeBotApi | None = None, token: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    base = server.base_url if server else "https://api.telegram.org/bot"
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{base}"\n[storage]\ndatabase = "{folder / "bot.sqlite3"}"\n'
        "[reminders]\nstaff_chat = -100321\n",
        encoding="utf-8",
    )
    return path
