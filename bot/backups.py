"""The daily backup job: a checked copy into [backup] directory, the rotation, the record for /status.

The copy is made in a worker thread (SQLite's backup API on a connection of its own, see
storage/backup.py), so the bot keeps answering meanwhile. A failure (the directory not writable, a full
disk, a copy that fails its check) never touches the live database: it is recorded, shown by /status
and /metrics, and told to the admins.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import time as time_of_day

from telegram.ext import Application, CallbackContext

from bot.logmask import mask_secret
from bot.metrics import BotMetrics
from bot.runtime import Runtime
from storage.backup import BackupError, BackupResult, make_backup, rotate

log = logging.getLogger("bot.backups")

BACKUP_JOB = "backup-daily"


async def run_backup(runtime: Runtime, metrics: BotMetrics | None = None) -> BackupResult:
    """One backup now: copied, checked, recorded, rotated. Raises BackupError after recording it."""
    settings = runtime.settings.backup
    started = time.time()
    try:
        result = await asyncio.to_thread(
            make_backup, runtime.settings.storage.database, settings.directory, runtime.now()
        )
    except BackupError as exc:
        if metrics is not None:
            metrics.backup_failures.inc()
        await runtime.backups.record(started, "", ok=False, size_bytes=0, detail=str(exc))
        raise
    await runtime.backups.record(
        started, str(result.path), ok=True, size_bytes=result.size_bytes, detail=result.check.summary()
    )
    removed = await asyncio.to_thread(
        rotate, settings.directory, settings.daily, settings.weekly, settings.monthly
    )
    log.info(
        "backup %s: %s, %.1f s%s",
        result.path,
        result.check.summary(),
        result.seconds,
        f"; {len(removed)} old backup(s) removed" if removed else "",
    )
    return result


async def backup_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    runtime: Runtime | None = context.bot_data.get("runtime")
    if runtime is None:
        return
    metrics = getattr(context.application, "metrics", None)
    try:
        await run_backup(runtime, metrics if isinstance(metrics, BotMetrics) else None)
    except BackupError as exc:
        log.error("backup failed: %s", exc)
        await _tell_admins(context, runtime, str(exc))


async def _tell_admins(context: CallbackContext, runtime: Runtime, error: str) -> None:  # type: ignore[type-arg]
    lang = runtime.default_language()
    text = runtime.replies().t(
        lang, "status.backup_alert", error=mask_secret(error, runtime.settings.token)[:1000]
    )
    for admin in runtime.settings.access.admins:
        try:
            await context.bot.send_message(admin, text)  # HTML: the bot's Defaults
        except Exception as failure:  # noqa: BLE001 - one unreachable admin must not stop the others
            log.warning("could not tell admin %s about the failed backup: %s", admin, type(failure).__name__)


def schedule_backups(application: Application) -> None:  # type: ignore[type-arg]
    """The daily backup at [backup] time, in the reminders' time zone (rebuilt at every start)."""
    job_queue = application.job_queue
    runtime: Runtime | None = application.bot_data.get("runtime")
    if job_queue is None or runtime is None or not runtime.settings.backup.enabled:
        return
    for job in job_queue.get_jobs_by_name(BACKUP_JOB):
        job.schedule_removal()
    at = runtime.settings.backup.time
    zone = runtime.settings.reminders.zone
    job_queue.run_daily(
        backup_job,
        time=time_of_day(at.hour, at.minute, tzinfo=zone),
        name=BACKUP_JOB,
        job_kwargs={"misfire_grace_time": 6 * 3600, "coalesce": True, "max_instances": 1},
    )
