"""`twinbot console`: the real handlers in a terminal; the answers of concurrent handlers are waited for."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from bot.config import parse_settings
from bot.console import ConsoleChat, ConsoleRequest, run_console


async def test_console_chat_gets_the_answers_of_concurrent_handlers(tmp_path: Path) -> None:
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    request = ConsoleRequest()
    chat = ConsoleChat(build_application(settings, request=request), request)
    await chat.start()
    try:
        (towns,) = await chat.say("/towns")  # a block=False handler: answered before say() returns
        assert "Города-партнёры" in towns.text and len(chat.buttons) == 9
        card = await chat.say("1")  # the first button
        assert [out.method for out in card] == ["sendMessage"]
        (answer,) = await chat.say("Нарва")
        assert "Нарва" in answer.text
    finally:
        await chat.stop()


async def test_run_console_session(tmp_path: Path) -> None:
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    lines = iter(["/help", "", "/quit"])
    written: list[str] = []
    await run_console(
        settings,
        lambda s, request: build_application(s, request=request),
        lambda _: next(lines),
        written.append,
    )
    assert len(written) == 3  # intro, /start, /help
    assert "/towns" in written[2]
