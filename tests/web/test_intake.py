"""Intake (bot/intake.py) offline: the webhook answers 200 only after the update is in the inbox, a
redelivered or finished update is not handled twice, unfinished ones are handled at the next start."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.intake import INTAKE_KEY, Intake, replay_unfinished, runtime_intake
from bot.web.server import SECRET_HEADER, build_web_app
from tests.handlers.conftest import Harness
from tests.web.test_server import SECRET, web_settings


def intake_of(harness: Harness) -> Intake:
    intake = runtime_intake(harness.app.bot_data["runtime"])  # as bot.service opens it
    harness.app.bot_data[INTAKE_KEY] = intake
    return intake


def update(update_id: int, harness: Harness, text: str = "/help", chat_id: int = 77) -> dict[str, Any]:
    return {"update_id": update_id, "message": harness.message(text, chat_id=chat_id)}


async def test_the_webhook_stores_before_it_answers_200_and_a_failure_is_not_acknowledged(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = intake_of(harness)
    app = build_web_app(harness.app, harness.app.bot_data["runtime"], web_settings(harness))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        response = await client.post("/telegram", json=update(5, harness), headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200
        assert [row["update_id"] for row in await intake.inbox.unfinished()] == [5]

        async def broken(_updates: object) -> int:
            raise OSError("disk full")

        monkeypatch.setattr(intake.inbox, "store", broken)
        harness.app.update_queue.get_nowait()
        response = await client.post("/telegram", json=update(6, harness), headers={SECRET_HEADER: SECRET})
        assert response.status_code == 500  # Telegram delivers it again later
        assert harness.app.update_queue.empty()


async def test_a_finished_update_is_marked_done_and_a_redelivery_skipped(harness: Harness) -> None:
    intake = intake_of(harness)
    payload = update(7, harness)
    await intake.inbox.store([payload])
    first = await harness.feed(dict(payload))
    assert [call.method for call in first] == ["sendMessage"]
    await intake.close()
    assert await intake.inbox.is_done(7)
    assert await harness.feed(dict(payload)) == []  # the offset was not confirmed in time: skipped
    assert intake.skipped == 1


async def test_unfinished_updates_are_handled_at_the_next_start_in_order(harness: Harness) -> None:
    intake = intake_of(harness)
    await intake.inbox.store([update(9, harness, "/towns", 78), update(8, harness, "/help", 78)])
    handed: list[int] = []
    original = harness.app.process_update

    async def recording(update: Any) -> None:
        handed.append(update.update_id)
        await original(update)

    harness.app.process_update = recording  # type: ignore[method-assign]
    start = len(harness.request.calls)
    assert await replay_unfinished(harness.app) == 2
    await intake.close()
    assert handed == [8, 9]  # in update order
    sent = [call for call in harness.request.calls[start:] if call.method == "sendMessage"]
    assert len(sent) == 2 and any("Города-партнёры" in call.params["text"] for call in sent)
    assert await intake.inbox.unfinished() == []
    assert await replay_unfinished(harness.app) == 0


async def test_a_replayed_press_is_not_answered_a_second_time(harness: Harness) -> None:
    """The process before may have answered it: Telegram refuses a second answerCallbackQuery."""
    intake = intake_of(harness)
    press = {
        "update_id": 11,
        "callback_query": {
            "id": "q-11",
            "from": {"id": 10, "is_bot": False, "first_name": "Anna"},
            "chat_instance": "ci",
            "data": "card:narva",
            "message": harness.message("🔘", chat_id=10),
        },
    }
    await intake.inbox.store([press])
    start = len(harness.request.calls)
    assert await replay_unfinished(harness.app) == 1
    await intake.close()
    methods = [call.method for call in harness.request.calls[start:]]
    assert "answerCallbackQuery" not in methods and "sendMessage" in methods  # the card still comes
