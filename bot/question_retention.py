"""How long residents' logged questions are kept (issue 8: the question log's privacy over years).

The question log holds what residents typed, without who typed it; even so it is kept only as long as
the office needs it: rows older than [knowledge] keep_unanswered_days are deleted at every start and by
a daily job, both reading time through the runtime's clock.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta

from telegram.ext import Application, CallbackContext

from bot.runtime import Runtime

log = logging.getLogger("bot.question_retention")

RETENTION_JOB = "question-log-retention"
RETENTION_TIME = time(4, 15)  # in the reminders' time zone: after the nightly backup (03:30 by default)


async def forget_old_questions(runtime: Runtime) -> int:
    """Deletes the logged questions older than the retention period; returns how many went."""
    keep = runtime.settings.knowledge.keep_unanswered_days
    removed = await runtime.knowledge.forget_before(runtime.now() - timedelta(days=keep))
    if removed:
        log.info("question log: %d question(s) older than %d days deleted", removed, keep)
    return removed


async def retention_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    runtime: Runtime | None = context.bot_data.get("runtime")
    if runtime is not None:
        await forget_old_questions(runtime)


async def start_question_retention(application: Application) -> None:  # type: ignore[type-arg]
    """At start: the purge now, and the daily job (rebuilt at every start, never pickled)."""
    runtime: Runtime | None = application.bot_data.get("runtime")
    if runtime is None:
        return
    await forget_old_questions(runtime)
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(RETENTION_JOB):
        job.schedule_removal()
    job_queue.run_daily(
        retention_job,
        time=RETENTION_TIME.replace(tzinfo=runtime.settings.reminders.zone),
        name=RETENTION_JOB,
        job_kwargs={"misfire_grace_time": 6 * 3600, "coalesce": True, "max_instances": 1},
    )
