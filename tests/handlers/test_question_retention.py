"""The question log's privacy over years (issue 8): residents' logged questions older than [knowledge]
keep_unanswered_days are deleted at every start and by a daily job; the clock is injected."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_settings
from bot.core.questions.faq import FaqEntry
from bot.question_retention import RETENTION_JOB, retention_job
from bot.runtime import Runtime
from tests.handlers.conftest import FIXED_NOW, Harness, open_harness

UNKNOWN = "asdf qwerty zxcv"
RESIDENT = 4242


def runtime(harness: Harness) -> Runtime:
    value: Runtime = harness.app.bot_data["runtime"]
    return value


async def asked(harness: Harness) -> list[str]:
    await runtime(harness).knowledge.flush_log()  # the log is written behind the answers
    rows = await runtime(harness).database.fetchall("SELECT asked_at FROM question_log ORDER BY asked_at")
    return [str(row[0]) for row in rows]


async def ask_on(harness: Harness, moment: datetime) -> None:
    runtime(harness).clock = lambda: moment
    await harness.say(UNKNOWN, chat_id=RESIDENT)


async def test_the_daily_job_deletes_questions_older_than_the_retention(harness: Harness) -> None:
    assert runtime(harness).settings.knowledge.keep_unanswered_days == 180  # the default
    for days_ago in (400, 181, 179, 0):
        await ask_on(harness, FIXED_NOW - timedelta(days=days_ago))
    assert len(await asked(harness)) == 4
    assert harness.app.job_queue is not None
    [job] = harness.app.job_queue.get_jobs_by_name(RETENTION_JOB)
    assert "hour='4'" in str(job.trigger) and "minute='15'" in str(job.trigger)

    runtime(harness).clock = lambda: FIXED_NOW
    await retention_job(harness.app.context_types.context(harness.app))
    kept = await asked(harness)
    assert [stamp[:10] for stamp in kept] == [
        (FIXED_NOW - timedelta(days=179)).strftime("%Y-%m-%d"),
        FIXED_NOW.strftime("%Y-%m-%d"),
    ]
    # two days later the 179-day-old one is past the line too; running again changes nothing more
    runtime(harness).clock = lambda: FIXED_NOW + timedelta(days=2)
    await retention_job(harness.app.context_types.context(harness.app))
    await retention_job(harness.app.context_types.context(harness.app))
    assert [stamp[:10] for stamp in await asked(harness)] == [FIXED_NOW.strftime("%Y-%m-%d")]


async def test_a_start_deletes_what_aged_out_while_the_bot_was_stopped(tmp_path: Path) -> None:
    long_ago = FIXED_NOW - timedelta(days=300)
    async with open_harness(tmp_path, now=long_ago) as first:
        await first.say(UNKNOWN, chat_id=RESIDENT)
        await ask_on(first, long_ago + timedelta(days=200))
        assert len(await asked(first)) == 2
    async with open_harness(tmp_path, now=FIXED_NOW) as second:  # 300 and 100 days later
        kept = await asked(second)
        assert [stamp[:10] for stamp in kept] == [(long_ago + timedelta(days=200)).strftime("%Y-%m-%d")]


async def test_a_faq_entry_written_for_a_question_outlives_it(harness: Harness) -> None:
    """The office's answer stays; only the resident's text ages out."""
    rt = runtime(harness)
    await ask_on(harness, FIXED_NOW - timedelta(days=200))
    await rt.knowledge.flush_log()
    (row,) = await rt.database.fetchall("SELECT id FROM question_log")
    await rt.knowledge.add_faq(FaqEntry(0, "вопрос", "", "ответ", ""), actor=1, question_ids=[int(row[0])])
    rt.clock = lambda: FIXED_NOW
    await retention_job(harness.app.context_types.context(harness.app))
    assert await asked(harness) == []
    assert [entry.answer_ru for entry in await rt.knowledge.faq()] == ["ответ"]


@pytest.mark.parametrize("days", [0, 29, 4000])
def test_a_retention_shorter_than_unanswered_looks_back_or_absurdly_long_is_refused(days: int) -> None:
    with pytest.raises(ConfigError, match=r"\[knowledge\] keep_unanswered_days"):
        parse_settings({"knowledge": {"keep_unanswered_days": days}})


def test_the_retention_is_configurable() -> None:
    assert parse_settings({"knowledge": {"keep_unanswered_days": 30}}).knowledge.keep_unanswered_days == 30
