"""The open form's draft between updates and across restarts (bot/handlers/visits/drafts.py,
bot/persistence.py), and one-line visits waiting for "save anyway?".
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from bot.app import build_application
from bot.config import parse_settings
from bot.core.form_draft import FormDraft
from bot.core.visit_form import FormValues
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.handlers.chat import Context
from bot.handlers.visits.drafts import FORM_NAME, PENDING_LIMIT, pending_visit, remember_pending
from bot.persistence import SqlitePersistence
from storage import open_database
from tests.handlers.conftest import ADMIN_ID, FIXED_NOW, Harness, RecordingRequest
from tests.handlers.visits.conftest import (
    STAFF_CHAT,
    form_id,
    press,
    staff,
    texts,
)


async def test_the_form_survives_a_restart(bot: Harness, tmp_path: Path) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")
    await staff(bot, "05.06.2024")
    # stop this application (as SIGTERM would) and start another one on the same file
    assert bot.app.job_queue is not None
    await bot.app.job_queue.stop(wait=False)
    await bot.app.shutdown()
    assert bot.app.post_shutdown is not None
    await bot.app.post_shutdown(bot.app)
    settings = parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "access": {"admins": [ADMIN_ID]},
            "bot": {"default_language": "ru"},
        }
    )
    request = RecordingRequest()
    app = build_application(settings, request=request, clock=lambda: FIXED_NOW)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    # Telegram's message ids go on growing, and callback query ids are unique
    second = Harness(app, request, update_ids=itertools.count(1000), message_ids=itertools.count(6000))
    queue = app.job_queue
    assert queue is not None
    for job in queue.jobs():
        job.schedule_removal()
    await queue.start()
    try:
        kind = await staff(second, "07.06.2024")  # the end date, as if nothing happened
        assert "шаг 5 из 8" in texts(kind)
        await press(second, f"vf:{form}:k:sports")
        await staff(second, "4")
        await staff(second, "Турнир")
        await press(second, f"vf:{form}:s")
        saved = await press(second, f"vf:{form}:save")
        assert "Визит #1 записан" in texts(saved)
        assert "7 июня 2024" in texts(saved)
    finally:
        await queue.stop(wait=False)
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    assert request.violations == []


async def test_persistence_keeps_conversations_and_only_the_form_drafts(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    persistence = SqlitePersistence(path)
    draft = {"10": {"id": "abc", "step": "start", "values": {"purpose": "<b>&"}}}
    await persistence.update_conversation(FORM_NAME, (10, 900), "start")
    await persistence.update_user_data(900, {"visit_forms": draft, "other": (1, 2)})
    await persistence.update_chat_data(10, {1: "int keys stay in memory"})
    await persistence.flush()
    again = SqlitePersistence(path)
    try:
        assert await again.get_conversations(FORM_NAME) == {(10, 900): "start"}
        assert await again.get_user_data() == {900: {"visit_forms": draft}}
        assert await again.get_chat_data() == {} and await again.get_bot_data() == {}
        await again.update_conversation(FORM_NAME, (10, 900), None)
        assert await again.get_conversations(FORM_NAME) == {}
    finally:
        await again.flush()


async def test_a_borrowed_database_is_used_and_left_open(tmp_path: Path) -> None:
    """`twinbot run` lends the persistence its database: no second set of connections (each one a
    thread with its own page cache), and flush() at shutdown leaves it to its owner to close."""
    database = await open_database(tmp_path / "state.sqlite3")
    try:
        persistence = SqlitePersistence(tmp_path / "state.sqlite3")
        persistence.borrow(database)
        await persistence.update_conversation(FORM_NAME, (10, 900), "start")
        assert (await persistence.store()).db is database
        await persistence.flush()
        row = await database.fetchone("SELECT state FROM ptb_conversations WHERE key = ?", ("[10,900]",))
        assert row is not None  # still open, and the state is there
    finally:
        await database.close()


async def test_save_now_writes_the_draft_and_the_state_together(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    persistence = SqlitePersistence(path)
    first = {"visit_forms": {"10": {"id": "abc", "step": "town"}}}
    await persistence.save_now(FORM_NAME, (10, 900), "town", 900, first)
    store = await persistence.store()
    async with store.db.transaction() as conn:
        await conn.execute(
            "CREATE TRIGGER no_states BEFORE UPDATE ON ptb_conversations "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    second = {"visit_forms": {"10": {"id": "abc", "step": "direction"}}, "other": 1}
    with pytest.raises(sqlite3.IntegrityError):
        await persistence.save_now(FORM_NAME, (10, 900), "direction", 900, second)
    await persistence.flush()
    again = SqlitePersistence(path)
    try:
        # never a new draft with an old state (or the reverse): both are as the last good step left them
        assert await again.get_user_data() == {900: first}
        assert await again.get_conversations(FORM_NAME) == {(10, 900): "town"}
    finally:
        await again.flush()


async def test_the_draft_in_user_data_and_on_disk_is_the_form_drafts_json(bot: Harness) -> None:
    """The handler keeps FormDraft.to_json in user_data and writes the same to SQLite at every step."""
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:out")
    held = bot.app.user_data[ADMIN_ID]["visit_forms"][str(STAFF_CHAT)]
    draft = FormDraft.from_json(held)
    assert draft is not None and draft.to_json() == held
    assert (draft.id, draft.step, draft.lang, draft.mode) == (form, "start", "ru", "new")
    assert (draft.values.town_key, draft.values.direction) == ("narva", Direction.OUTGOING)
    assert len(draft.messages) == 1 and len(draft.queries) == 1
    persistence = bot.app.persistence
    assert isinstance(persistence, SqlitePersistence)
    store = await persistence.store()
    row = await store.db.fetchone("SELECT data FROM ptb_data WHERE kind = 'user' AND id = ?", (ADMIN_ID,))
    assert row is not None and json.loads(row[0])["visit_forms"][str(STAFF_CHAT)] == held
    state = await store.db.fetchone("SELECT state FROM ptb_conversations WHERE name = ?", (FORM_NAME,))
    assert state is not None and json.loads(state[0]) == "start"
    # a draft nobody can read (edited by hand, another version's) is closed politely, not a crash
    bot.app.user_data[ADMIN_ID]["visit_forms"][str(STAFF_CHAT)] = {"id": 5}
    assert "15 минут без ответа" in texts(await staff(bot, "05.06.2024"))
    assert "visit_forms" not in bot.app.user_data[ADMIN_ID]


def test_a_visit_waiting_for_save_anyway_is_kept_as_form_values_json() -> None:
    context = cast(Context, SimpleNamespace(user_data={}))
    waiting = VisitDraft(
        "raisio",
        Direction.OUTGOING,
        date(2023, 8, 12),
        date(2023, 8, 15),
        DelegationType.OFFICIAL,
        None,
        "<b>&",
    )
    token = remember_pending(context, "msg:900:5001", waiting)
    assert context.user_data is not None
    assert context.user_data["visit_pending"][token] == {
        "key": "msg:900:5001",
        "draft": FormValues.of(waiting).to_json(),
    }
    assert pending_visit(context, token) == ("msg:900:5001", waiting)
    # an entry stored by the earlier hand-written JSON reads the same
    context.user_data["visit_pending"]["old"] = {
        "key": "msg:900:4000",
        "draft": {
            "town_key": "raisio",
            "direction": "out",
            "start": "2023-08-12",
            "end": "2023-08-15",
            "kind": "official",
            "people": None,
            "purpose": "<b>&",
            "notes": "",
        },
    }
    assert pending_visit(context, "old") == ("msg:900:4000", waiting)
    context.user_data["visit_pending"]["broken"] = {"key": "msg:900:4001", "draft": {"town_key": "raisio"}}
    assert pending_visit(context, "broken") is None and pending_visit(context, "gone") is None
    for n in range(PENDING_LIMIT + 2):  # only the latest few wait
        remember_pending(context, f"msg:900:{n}", waiting)
    assert len(context.user_data["visit_pending"]) == PENDING_LIMIT
