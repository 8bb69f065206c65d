"""JobQueue wiring: the daily pass, a catch-up right after start, a retry while messages are pending, and
the watch for towns changed by another process. Jobs carry nothing but their name."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import TYPE_CHECKING

from bot.metrics import BotMetrics
from bot.runtime import TOWNS_CHECK_SECONDS

if TYPE_CHECKING:
    from telegram.ext import Application, CallbackContext

    from bot.runtime import Runtime
from bot.reminders.passes import ReminderService, scheduled_at

log = logging.getLogger("bot.reminders")

RETRY_MINUTES = 10  # a pass with messages still pending after transient errors runs again this much later
DAILY_JOB = "reminders-daily"
CATCH_UP_JOB = "reminders-catch-up"
RETRY_JOB = "reminders-retry"
TOWNS_JOB = "towns-watch"


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    """Rebuild the reminder jobs (nothing is pickled): the daily pass, a catch-up right after start, and
    the watch that picks up towns another process changed (`twinbot import-towns` while the bot runs)."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no JobQueue: reminders are only sent by `twinbot remind`")
        return
    runtime: Runtime = application.bot_data["runtime"]
    reminders = runtime.settings.reminders
    for name in (DAILY_JOB, CATCH_UP_JOB, RETRY_JOB, TOWNS_JOB):
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
    at = time(reminders.send_time.hour, reminders.send_time.minute, tzinfo=reminders.zone)
    job_queue.run_daily(
        reminder_job,
        time=at,
        name=DAILY_JOB,
        job_kwargs={
            # a late wake-up (suspended machine, blocked loop) still runs within the catch-up window;
            # coalesce: several missed runs become one (the pass itself works out what is due)
            "misfire_grace_time": max(60, reminders.catch_up_hours * 3600),
            "coalesce": True,
            "max_instances": 1,
        },
    )
    job_queue.run_once(reminder_job, when=0, name=CATCH_UP_JOB)
    job_queue.run_repeating(
        towns_job,
        interval=TOWNS_CHECK_SECONDS,
        first=TOWNS_CHECK_SECONDS,
        name=TOWNS_JOB,
        job_kwargs={"coalesce": True, "max_instances": 1},
    )


async def towns_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Answers follow the database: a cheap look at PRAGMA data_version, the towns only when it moved."""
    runtime: Runtime | None = context.bot_data.get("runtime")
    if runtime is not None:
        await runtime.refresh()


async def reminder_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    service: ReminderService | None = context.bot_data.get("reminders")
    if service is None:
        return
    early = (
        timedelta(minutes=2) if context.job is not None and context.job.name == DAILY_JOB else timedelta(0)
    )
    reports = await service.run_due(early=early)
    metrics = getattr(context.application, "metrics", None)
    if isinstance(metrics, BotMetrics):
        now = service.runtime.now()
        for report in reports:
            delay = (now - scheduled_at(service.runtime, report.day)).total_seconds()
            metrics.observe_pass(report.planned - report.already_sent, report.outcomes, report.delayed, delay)
        metrics.reminders.labels("skipped").inc(service.last_expired)
        metrics.observe_skipped_passes(service.last_skipped)
    job_queue = context.job_queue
    if (
        any(report.pending_left for report in reports)
        and job_queue
        and not job_queue.get_jobs_by_name(RETRY_JOB)
    ):
        job_queue.run_once(reminder_job, when=RETRY_MINUTES * 60, name=RETRY_JOB)
