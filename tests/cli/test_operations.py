"""`twinbot backup`, `twinbot restore` (the drill) and `twinbot status`."""

import asyncio
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.runtime import open_runtime
from storage import open_database
from storage.backup import backups_in
from storage.lease import InstanceLease


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n[backup]\ndirectory = "{tmp_path / "backups"}"\n',
        encoding="utf-8",
    )
    return path


async def record_visits(config: Path, count: int) -> list[int]:
    runtime = await open_runtime(load_settings(config, environ={}))
    try:
        ids = []
        for number in range(count):
            draft = VisitDraft(
                town_key="narva",
                direction=Direction.INCOMING,
                start=date(2025, 1, 1 + number),
                end=None,
                kind=DelegationType.OFFICIAL,
                people=number + 1,
                purpose=f"Визит №{number}",
                notes="",
            )
            recording = await runtime.visits.record(draft, actor_id=900, idempotency_key=f"drill-{number}")
            ids.append(recording.visit.id)
        return ids
    finally:
        await runtime.close()


async def visit_ids(config: Path) -> list[int]:
    runtime = await open_runtime(load_settings(config, environ={}))
    try:
        return sorted(visit.id for visit in await runtime.visits.list())
    finally:
        await runtime.close()


def test_the_restore_drill_brings_back_every_acknowledged_visit(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acknowledged = asyncio.run(record_visits(config, 12))
    assert main(["backup", "--config", str(config)]) == 0
    [(_, copy)] = backups_in(tmp_path / "backups")
    assert "целостность: в порядке" in capsys.readouterr().out
    live = tmp_path / "bot.sqlite3"
    for companion in (live.with_name("bot.sqlite3-wal"), live.with_name("bot.sqlite3-shm")):
        companion.unlink(missing_ok=True)
    with live.open("r+b") as handle:  # corrupt the live file: its pages after the header
        handle.seek(4096)
        handle.write(b"\xde\xad\xbe\xef" * 4096)
    assert main(["restore", "--config", str(config), str(copy)]) == 0
    out = capsys.readouterr().out
    assert "Прежняя база сохранена как" in out and "Восстановлено из" in out
    assert asyncio.run(visit_ids(config)) == sorted(acknowledged)
    assert list(tmp_path.glob("bot.sqlite3.before-restore-*"))


def test_backup_to_a_path_that_cannot_be_written_leaves_the_database_untouched(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(record_visits(config, 2))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["backup", "--config", str(config), str(blocker / "copy.sqlite3")]) == 1
    assert "Копия не сделана, рабочая база не тронута" in capsys.readouterr().err
    assert main(["backup", "--lang", "en", "--config", str(config), str(blocker / "copy.sqlite3")]) == 1
    assert "Backup failed, the database is untouched" in capsys.readouterr().err
    assert len(asyncio.run(visit_ids(config))) == 2


def test_restore_refuses_junk_and_keeps_the_live_database(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = asyncio.run(record_visits(config, 3))
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"definitely not sqlite" * 200)
    assert main(["restore", "--config", str(config), str(junk)]) == 1
    assert "not an SQLite database" in capsys.readouterr().err
    assert asyncio.run(visit_ids(config)) == sorted(ids)
    assert main(["restore", "--config", str(config), str(tmp_path / "missing.sqlite3")]) == 1
    assert "no such file" in capsys.readouterr().err


async def hold_lease(database: Path, pid: int) -> None:
    db = await open_database(database)
    try:
        await InstanceLease(db, pid=pid, host=socket.gethostname()).acquire()
    finally:
        await db.close()


def test_restore_refuses_while_the_bot_runs(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(record_visits(config, 1))
    assert main(["backup", "--config", str(config)]) == 0
    [(_, copy)] = backups_in(tmp_path / "backups")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        asyncio.run(hold_lease(tmp_path / "bot.sqlite3", holder.pid))
        assert main(["restore", "--config", str(config), str(copy)]) == 1
        assert f"бот работает с {tmp_path / 'bot.sqlite3'} (pid {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 5
    while holder.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert main(["restore", "--config", str(config), str(copy)]) == 0  # the holder is gone: stale lease


def test_status_says_not_running_and_shows_the_last_backup(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Бот сейчас не запущен." in out and "Резервных копий ещё не было." in out
    assert main(["backup", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Последняя копия:" in out and "integrity ok" in out and "<" not in out
