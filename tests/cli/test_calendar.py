"""`twinbot upcoming`, `twinbot remind` and `twinbot export ics`, in-process with a frozen clock
(time-machine); `remind` talks to the fake Bot API over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar as ICalendar

from bot.cli import main
from tests.e2e.fake_bot_api import FakeBotApi

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


def config(tmp_path: Path, server: FakeBotApi | None = None, token: str = "") -> Path:
    path = tmp_path / "config.toml"
    lines = [
        "[telegram]",
        f"token = {json.dumps(token)}",
        f"base_url = {json.dumps(server.base_url if server else 'https://api.telegram.org/bot')}",
        "[storage]",
        f"database = {json.dumps(str(tmp_path / 'bot.sqlite3'))}",
        "[reminders]",
        "staff_chat = -100321",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_upcoming_shows_svetlogorsk_20th_as_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upcoming", "--config", str(config(tmp_path)), "--from", "2026-11-26", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "4 декабря 2026, пятница (через 8 дней)" in out
    assert "Светлогорск: 20 лет, круглая годовщина!" in out
    assert "<b>" not in out  # plain text for the terminal
    assert main(["upcoming", "--config", str(config(tmp_path)), "--from", "2026-11-26", "--lang", "en"]) == 0
    assert "20 years, a round anniversary!" in capsys.readouterr().out
    assert main(["upcoming", "--config", str(config(tmp_path)), "--days", "0"]) == 2


def test_upcoming_rejects_a_bad_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["upcoming", "--config", str(config(tmp_path)), "--from", "2026-04-31"])
    assert "is not a date" in capsys.readouterr().err


@time_machine.travel(datetime(2026, 5, 25, 10, 30, tzinfo=MOSCOW), tick=False)
def test_remind_sends_once_however_often_it_runs(
    tmp_path: Path, server: FakeBotApi, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, server, token="123456:CLI-TOKEN")
    assert main(["remind", "--config", str(path), "--dry-run"]) == 0
    preview = capsys.readouterr().out
    assert "[пробный]" in preview and "→ чат -100321" in preview and "Засниц" in preview
    assert server.sent_messages() == []
    assert main(["remind", "--config", str(path)]) == 0
    assert main(["remind", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "уже обработано 1" in out and "Итоги: доставлено 1" in out
    assert main(["--lang", "en", "remind", "--config", str(path)]) == 0  # --lang before the command too
    assert "Reminder pass of 2026-05-25: 1 due, 1 already handled" in capsys.readouterr().out
    (message,) = server.sent_messages(-100321)
    assert "через 7 дней" in message["text"]
    server.assert_no_violations()
    assert main(["remind", "--config", str(path), "--date", "2026-06-01"]) == 2  # the future: preview only
    assert main(["remind", "--config", str(path), "--date", "2026-06-01", "--dry-run"]) == 0
    assert "сегодня" in capsys.readouterr().out


@time_machine.travel(datetime(2026, 5, 25, 10, 30, tzinfo=MOSCOW), tick=False)
def test_remind_without_a_token_sends_and_records_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path)
    assert main(["remind", "--config", str(path)]) == 2
    assert "--dry-run" in capsys.readouterr().err
    assert main(["remind", "--config", str(path), "--dry-run"]) == 0


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_export_ics_parses_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "calendar.ics"
    assert main(["export", "ics", str(target), "--config", str(config(tmp_path))]) == 0
    assert "Календарь записан" in capsys.readouterr().out
    parsed = ICalendar.from_ical(target.read_bytes())
    summaries = {str(event["SUMMARY"]) for event in parsed.walk("VEVENT")}
    assert "Засниц: День города" in summaries
    assert any("Светлогорск: 20 лет" in summary for summary in summaries)
    starts = {
        str(event["UID"]): event.decoded("DTSTART") for event in parsed.walk("VEVENT") if "RRULE" in event
    }
    assert starts["anniversary-svetlahorsk-friendship@twinbot.kingisepp"] == date(2006, 12, 4)
    assert not (tmp_path / "out" / "calendar.ics.part").exists()
