"""What the visit register's handler tests share: the harness with its JobQueue running, and ways to
talk to the bot as staff (the configured admin, ADMIN_ID); residents are anybody else. Every request the
bot makes is checked against the Bot API spec by the harness (callback_data <= 64 bytes included).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from msgspec.structs import replace

from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.handlers.visits.drafts import FORM_NAME
from bot.runtime import Runtime
from tests.handlers.conftest import ADMIN_ID, Call, Harness

STAFF_CHAT = ADMIN_ID  # the admin's private chat
RESIDENT = 10
GROUP = -100500
PRIVATE_ONLY_RU = "только в личном чате со мной"
PRIVATE_ONLY_EN = "only in a private chat with me"
_KEYS = itertools.count(1)


@pytest.fixture
async def bot(harness: Harness) -> AsyncIterator[Harness]:
    """The harness with its JobQueue running, as under run_polling (the form's timeout needs it).

    Jobs other features scheduled at start (the reminders' catch-up pass) are removed first: these
    tests are about visits only.
    """
    queue = harness.app.job_queue
    assert queue is not None
    for job in queue.jobs():
        job.schedule_removal()
    await queue.start()
    try:
        yield harness
    finally:
        await queue.stop(wait=False)


def rt(harness: Harness) -> Runtime:
    value: Runtime = harness.app.bot_data["runtime"]
    return value


def office_chat(harness: Harness, chat_id: int) -> None:
    """Make `chat_id` the office's staff chat ([reminders] staff_chat), as the config file would."""
    runtime = rt(harness)
    reminders = replace(runtime.settings.reminders, staff_chat=chat_id)
    runtime.settings = replace(runtime.settings, reminders=reminders)


def buttons(calls: list[Call]) -> list[str]:
    found: list[str] = []
    for call in calls:
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict):
            found.extend(b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row)
    return found


def texts(calls: list[Call]) -> str:
    return "\n".join(str(call.params["text"]) for call in calls if "text" in call.params)


def form_id(calls: list[Call]) -> str:
    data = next(d for d in buttons(calls) if d.startswith("vf:"))
    return data.split(":")[1]


def card_button(calls: list[Call], action: str) -> str:
    return next(d for d in reversed(buttons(calls)) if d.startswith("vc:") and d.split(":")[3] == action)


async def staff(harness: Harness, text: str, chat_id: int = STAFF_CHAT) -> list[Call]:
    return await harness.say(text, chat_id=chat_id, user_id=ADMIN_ID)


async def press(harness: Harness, data: str, chat_id: int = STAFF_CHAT) -> list[Call]:
    return await harness.press(data, chat_id=chat_id, user_id=ADMIN_ID)


async def fill_form(harness: Harness, chat_id: int = STAFF_CHAT, start: str = "05.06.2024") -> str:
    """Go through the whole form up to the confirmation card; returns the form id."""
    form = form_id(await staff(harness, "/visit", chat_id))
    await press(harness, f"vf:{form}:t:narva", chat_id)
    await press(harness, f"vf:{form}:d:in", chat_id)
    await staff(harness, start, chat_id)
    await staff(harness, "07.06.2024", chat_id)
    await press(harness, f"vf:{form}:k:youth", chat_id)
    await staff(harness, "12", chat_id)
    await staff(harness, "Летний <лагерь> & дружба", chat_id)
    confirm = await staff(harness, "Встреча у мэра, телефон 123", chat_id)
    assert "Проверьте визит" in texts(confirm)
    assert f"vf:{form}:save" in buttons(confirm)
    return form


async def record(harness: Harness, **changes: Any) -> int:
    values: dict[str, Any] = {
        "town_key": "narva",
        "direction": Direction.INCOMING,
        "start": date(2024, 6, 5),
        "end": None,
        "kind": DelegationType.YOUTH,
        "people": 12,
        "purpose": "Летний лагерь",
        "notes": "секрет",
    }
    values.update(changes)
    key = f"test:{next(_KEYS)}"
    recording = await rt(harness).visits.record(VisitDraft(**values), ADMIN_ID, key, allow_similar=True)
    return recording.visit.id


def _conversations(harness: Harness) -> dict[Any, Any]:
    from telegram.ext import ConversationHandler

    for group in harness.app.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler) and handler.name == FORM_NAME:
                return handler._conversations  # type: ignore[no-any-return]
    raise AssertionError("no visit form")
