"""A stale or unknown button names the command that makes a fresh one, not /towns for everything."""

from __future__ import annotations

import pytest

from bot.handlers.fallback import fresh_command
from tests.handlers.conftest import ADMIN_ID, Harness


async def answer_to(harness: Harness, data: str, chat_id: int = 10) -> str:
    calls = await harness.press(data, chat_id=chat_id, user_id=chat_id)
    (answer,) = [call for call in calls if call.method == "answerCallbackQuery"]
    return str(answer.params.get("text", ""))


@pytest.mark.parametrize(
    ("data", "chat_id", "command"),
    [
        ("card:atlantis", 10, "/towns"),
        ("lang:xx", 10, "/lang"),
        ("export:atlantis:0", ADMIN_ID, "/export"),
        ("staff:add:notanumber", ADMIN_ID, "/staff"),
        ("something:from:an:older:bot", 10, "/start"),
    ],
)
async def test_a_stale_button_names_its_own_command(
    harness: Harness, data: str, chat_id: int, command: str
) -> None:
    text = await answer_to(harness, data, chat_id)
    assert "устарела" in text and command in text, text
    if command != "/towns":
        assert "/towns" not in text


def test_every_kind_of_button_has_its_command() -> None:
    assert fresh_command("vf:Ab12Cd34:d:in") == "/visit"
    assert fresh_command("vd:Ab12Cd34:y") == "/visit"
    assert fresh_command("vl:0:0:-:-") == "/visits"
    assert fresh_command("vc:1:1:o") == "/visits"
    assert fresh_command("sub:zzz") == "/subscribe"
    assert fresh_command("agr:yes:t") == "/agreement"
    assert fresh_command("") == "/start"
