"""The JobQueue wiring of the reminders (bot/reminders/jobs.py): the daily job in local time with a misfire
grace, the catch-up at start, the towns watch."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from bot.app import build_application
from bot.config import parse_settings
from bot.reminders import DAILY_JOB, TOWNS_JOB, schedule
from bot.runtime import TOWNS_CHECK_SECONDS
from tests.reminders.world import (
    HELSINKI,
)


async def test_the_daily_job_is_scheduled_in_local_time_with_a_misfire_grace(tmp_path: Path) -> None:
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "reminders": {"timezone": "Europe/Helsinki", "send_time": "10:00", "catch_up_hours": 24},
        }
    )
    from tests.handlers.conftest import RecordingRequest

    app = build_application(
        settings, request=RecordingRequest(), clock=lambda: datetime(2026, 3, 27, tzinfo=UTC)
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        assert app.job_queue is not None
        schedule(app)  # rebuilt, not duplicated
        (daily,) = app.job_queue.get_jobs_by_name(DAILY_JOB)
        job = daily.job
        assert job.misfire_grace_time == 24 * 3600 and job.coalesce
        fire = job.trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, 0, tzinfo=HELSINKI))
        assert fire == datetime(2026, 3, 29, 10, 0, tzinfo=HELSINKI)
        assert fire.astimezone(UTC).time() == time(7, 0)
        fire = job.trigger.get_next_fire_time(None, datetime(2026, 10, 24, 12, 0, tzinfo=HELSINKI))
        assert fire.astimezone(UTC) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
        assert app.job_queue.get_jobs_by_name("reminders-catch-up")
        (watch,) = app.job_queue.get_jobs_by_name(TOWNS_JOB)  # answers follow `twinbot import-towns`
        assert watch.job.trigger.interval.total_seconds() == TOWNS_CHECK_SECONDS
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
