"""The daily backup job: scheduled at [backup] time, checked and recorded; a failure reaches the admins and
/status, and leaves the live database untouched."""

from pathlib import Path

from msgspec.structs import replace

from bot.backups import BACKUP_JOB, backup_job
from bot.runtime import Runtime
from storage.backup import backups_in
from tests.handlers.conftest import ADMIN_ID, Harness


def runtime_of(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


def back_up_into(harness: Harness, directory: Path) -> None:
    runtime = runtime_of(harness)
    backup = replace(runtime.settings.backup, directory=directory)
    runtime.settings = replace(runtime.settings, backup=backup)


async def test_the_backup_job_is_scheduled_daily_at_the_configured_time(harness: Harness) -> None:
    assert harness.app.job_queue is not None
    [job] = harness.app.job_queue.get_jobs_by_name(BACKUP_JOB)
    trigger = str(job.trigger)
    assert "hour='3'" in trigger and "minute='30'" in trigger


async def test_the_job_makes_a_checked_recorded_backup(harness: Harness, tmp_path: Path) -> None:
    back_up_into(harness, tmp_path / "backups")
    await backup_job(harness.app.context_types.context(harness.app))
    [(_, path)] = backups_in(tmp_path / "backups")
    last = await runtime_of(harness).backups.last()
    assert last is not None and last.ok and last.path == str(path)
    assert last.detail.startswith("integrity ok, schema ")
    assert [call for call in harness.request.calls if call.params.get("chat_id") == ADMIN_ID] == []


async def test_a_failed_backup_reaches_the_admins_and_status_and_spares_the_database(
    harness: Harness, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    back_up_into(harness, blocker / "backups")
    towns_before = len(await runtime_of(harness).towns.all())
    await backup_job(harness.app.context_types.context(harness.app))
    [alert] = [
        call.params["text"]
        for call in harness.request.calls
        if call.method == "sendMessage" and call.params["chat_id"] == ADMIN_ID
    ]
    assert alert.startswith("⚠️ Резервная копия не сделана: backup directory ")
    assert "Рабочая база не тронута" in alert
    [text] = await harness.texts("/status", chat_id=ADMIN_ID)
    assert "⚠️ Копия " in text and "cannot be created" in text
    assert len(await runtime_of(harness).towns.all()) == towns_before
    metrics = harness.app.metrics.registry  # type: ignore[attr-defined]
    assert metrics.get_sample_value("twinbot_backup_failures_total") == 1
