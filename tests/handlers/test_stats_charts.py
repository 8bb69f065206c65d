"""/stats from SQL aggregates, with charts drawn when the register changes (bot/exports/stats.py)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest

import bot.exports.stats as stats_module
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.exports.stats import StatsCharts, stats_charts, stats_summary
from bot.handlers import reports
from bot.runtime import Runtime
from tests.handlers.conftest import ADMIN_ID, Harness
from tests.stats_reference import per_row_stats_summary

_keys = iter(range(1, 1_000_000))


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


def charts(harness: Harness) -> StatsCharts:
    return stats_charts(harness.app.bot_data, rt(harness))


async def record(harness: Harness, town: str, start: date, people: int | None = 5, **extra: Any) -> int:
    draft = VisitDraft(
        town_key=town,
        direction=extra.pop("direction", Direction.INCOMING),
        start=start,
        end=None,
        kind=DelegationType.CULTURAL,
        people=people,
        purpose="Town Day",
    )
    recording = await rt(harness).visits.record(draft, ADMIN_ID, f"charts-{next(_keys)}", allow_similar=True)
    return recording.visit.id


async def current(harness: Harness, lang: str) -> tuple[Any, ...]:
    return await charts(harness).key(lang, None)  # type: ignore[arg-type]


async def test_prewarm_draws_the_charts_before_anyone_asks(harness: Harness) -> None:
    from types import SimpleNamespace

    await record(harness, "narva", date(2025, 6, 5))
    await reports.prewarm_stats_charts(
        SimpleNamespace(bot_data=harness.app.bot_data, runtime=rt(harness))  # type: ignore[arg-type]
    )
    assert charts(harness).cached(await current(harness, "ru"))
    assert charts(harness).cached(await current(harness, "en"))
    calls = await harness.say("/stats", chat_id=ADMIN_ID)
    # served from the cache: no "uploading photo" action, which is only sent when the bot must draw
    assert [call.method for call in calls] == ["sendPhoto"]


CHANGES: dict[str, Callable[[Runtime, int], Awaitable[object]]] = {
    "record": lambda runtime, _: runtime.visits.record(
        VisitDraft("johvi", Direction.OUTGOING, date(2024, 3, 1), None, DelegationType.YOUTH, 4, "Camp"),
        ADMIN_ID,
        "charts-change",
    ),
    "edit": lambda runtime, visit_id: runtime.visits.update(visit_id, {"town_key": "johvi"}, ADMIN_ID),
    "undo": lambda runtime, visit_id: runtime.visits.delete(visit_id, ADMIN_ID),
}


@pytest.mark.parametrize("change", CHANGES)
async def test_a_change_redraws_the_charts_and_the_next_stats_is_served_at_once(
    harness: Harness, change: str
) -> None:
    first = await record(harness, "narva", date(2025, 6, 5))
    await record(harness, "narva", date(2025, 9, 5))
    before = await harness.say("/stats", chat_id=ADMIN_ID)  # drawn while the user waits: nothing was ready
    assert [call.method for call in before] == ["sendChatAction", "sendPhoto"]
    old_key = await current(harness, "ru")
    drawn = charts(harness).drawn
    await CHANGES[change](rt(harness), first)
    await charts(harness).settled()
    assert charts(harness).drawn == drawn + 2  # both languages, in the background
    assert await current(harness, "ru") != old_key and charts(harness).cached(await current(harness, "ru"))
    after = await harness.say("/stats", chat_id=ADMIN_ID)
    assert [call.method for call in after] == ["sendPhoto"]
    assert charts(harness).drawn == drawn + 2
    caption = str(after[0].params["caption"])
    if change == "record":
        assert "Всего: <b>3</b> визита" in caption and "Йыхви — 1" in caption
    elif change == "edit":
        assert "Нарва — 1" in caption and "Йыхви — 1" in caption
    else:
        assert "Всего: <b>1</b> визит" in caption
    assert after[0].params["photo"].data != before[-1].params["photo"].data
    # and undoing the deletion (restore) counts the visit again
    if change == "undo":
        await rt(harness).visits.restore(first, ADMIN_ID)
        await charts(harness).settled()
        again = await harness.say("/stats", chat_id=ADMIN_ID)
        assert [call.method for call in again] == ["sendPhoto"]
        assert "Всего: <b>2</b> визита" in str(again[0].params["caption"])


async def test_a_stats_during_a_redraw_waits_for_it_and_nothing_is_drawn_twice(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record(harness, "narva", date(2025, 6, 5))
    await harness.say("/stats", chat_id=ADMIN_ID)
    drawn = charts(harness).drawn
    release = threading.Event()
    entered = threading.Event()
    draw = stats_module.render_chart

    def slow_draw(*args: Any) -> bytes:
        entered.set()
        release.wait(10)
        return draw(*args)

    monkeypatch.setattr(stats_module, "render_chart", slow_draw)
    waiting = asyncio.Event()  # set when /stats says "uploading…": it found the drawing and waits for it
    original = harness.request.do_request

    async def do_request(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendChatAction"):
            waiting.set()
        return await original(url, *args, **kwargs)

    monkeypatch.setattr(harness.request, "do_request", do_request)
    await record(harness, "raisio", date(2025, 2, 10))  # the redraw starts, and blocks in its thread
    await asyncio.to_thread(entered.wait, 10)
    asking = asyncio.create_task(harness.say("/stats", chat_id=ADMIN_ID))
    await asyncio.wait_for(waiting.wait(), 10)
    assert not asking.done() and charts(harness).drawn == drawn  # waiting, not drawing one of its own
    release.set()
    calls = await asking
    await charts(harness).settled()
    assert charts(harness).drawn == drawn + 2  # ru and en once each, the request's included
    assert [call.method for call in calls] == ["sendChatAction", "sendPhoto"]  # it had to wait
    assert "Всего: <b>2</b> визита" in str(calls[-1].params["caption"])


async def test_ties_are_still_shown_as_ties(harness: Harness) -> None:
    await record(harness, "narva", date(2025, 6, 5))
    await record(harness, "raisio", date(2025, 9, 1), direction=Direction.OUTGOING)
    calls = await harness.say("/stats 2025", chat_id=ADMIN_ID)
    caption = str(calls[-1].params["caption"])
    assert "Самые насыщенные месяцы: июнь, сентябрь — по 1" in caption
    assert "Самый насыщенный месяц:" not in caption


@pytest.mark.parametrize("seed", [11, 12])
async def test_the_sql_summary_equals_the_per_visit_count(harness: Harness, seed: int) -> None:
    """Property-style: random registers (held, planned, edited, deleted, without headcounts); the summary
    made from the SQL aggregates equals the one made from a Python object per visit, for every view."""
    rng = random.Random(seed)
    runtime = rt(harness)
    today = runtime.today()
    towns = ("narva", "johvi", "raisio", "narvik", "renhuai")
    ids = []
    for _ in range(150):
        start = today + timedelta(days=rng.randint(-3 * 365, 400))
        people = rng.randint(1, 30) if rng.random() < 0.8 else None
        direction = rng.choice(list(Direction))
        ids.append(await record(harness, rng.choice(towns), start, people, direction=direction))
    for visit_id in rng.sample(ids, 25):
        moved = today + timedelta(days=rng.randint(-3 * 365, 400))
        await runtime.visits.update(visit_id, {"start": moved, "people": rng.choice((None, 7))}, ADMIN_ID)
    for visit_id in rng.sample(ids, 20):
        await runtime.visits.delete(visit_id, ADMIN_ID)
    for year in (None, *range(today.year - 4, today.year + 3)):
        assert await stats_summary(runtime, year) == await per_row_stats_summary(runtime, year), year


async def test_a_year_asked_for_lately_is_redrawn_too(harness: Harness) -> None:
    await record(harness, "narva", date(2025, 6, 5))
    first = await harness.say("/stats 2025", chat_id=ADMIN_ID)
    assert [call.method for call in first] == ["sendChatAction", "sendPhoto"]
    await record(harness, "narva", date(2025, 7, 5))
    await charts(harness).settled()
    again = await harness.say("/stats 2025", chat_id=ADMIN_ID)
    assert [call.method for call in again] == ["sendPhoto"]  # drawn after the change, before the request
    assert "Всего: <b>2</b> визита" in str(again[0].params["caption"])
