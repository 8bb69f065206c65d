"""`twinbot console`: the real handlers in a terminal; the answers of concurrent handlers are waited for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import parse_settings
from bot.console import (
    ConsoleChat,
    ConsoleRequest,
    NoSuchButtonError,
    SessionIds,
    button_number,
    render,
    run_console,
)


async def test_console_chat_gets_the_answers_of_concurrent_handlers(tmp_path: Path) -> None:
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    request = ConsoleRequest()
    chat = ConsoleChat(build_application(settings, request=request), request)
    await chat.start()
    try:
        (towns,) = await chat.say("/towns")  # a block=False handler: answered before say() returns
        assert "Города-партнёры" in towns.text and len(chat.buttons) == 9
        card = await chat.say("#1")  # the first button
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
        files=tmp_path / "console-files",
    )
    assert len(written) == 3  # intro, /start, /help
    assert "/towns" in written[2]


def test_session_ids_increase_even_when_the_clock_stands_still() -> None:
    now = [1_760_000_000.0]
    ids = SessionIds(lambda: now[0])
    first, second = next(ids), next(ids)
    assert first == 1_760_000_000_000 and second == first + 1
    now[0] -= 5  # the clock stepped back: still no repeat
    assert next(ids) == second + 1


async def test_message_ids_do_not_restart_in_a_new_session(tmp_path: Path) -> None:
    """Idempotency keys are msg:<chat>:<message_id>: a second session must not reuse the first one's ids
    (it answered "This visit is already recorded" for an unrelated visit)."""
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    seen: list[list[int]] = []
    for _ in range(2):
        request = ConsoleRequest()
        chat = ConsoleChat(build_application(settings, request=request), request)
        await chat.start()
        try:
            replies = await chat.say("/towns") + await chat.say("Нарва")
            seen.append([out.message["message_id"] for out in replies])
        finally:
            await chat.stop()
    first, second = seen
    assert len(set(first)) == len(first) and min(second) > max(first)


async def test_the_console_saves_photos_and_documents_and_prints_where(tmp_path: Path) -> None:
    """/stats sends a chart and /export files: a terminal cannot show them, so they are saved."""
    from datetime import date

    from bot.core.visits import DelegationType, Direction, VisitDraft
    from bot.runtime import open_runtime

    settings = parse_settings(
        {"storage": {"database": str(tmp_path / "bot.sqlite3")}, "access": {"admins": [1001]}}
    )
    runtime = await open_runtime(settings)
    try:
        draft = VisitDraft(
            "narva", Direction.INCOMING, date(2025, 6, 5), None, DelegationType.SPORTS, 3, "match"
        )
        await runtime.visits.record(draft, 1001, "console-files-1")
    finally:
        await runtime.close()
    folder = tmp_path / "console-files"
    lines = iter(["/stats", "/stats", "/export 2025", "/quit"])
    written: list[str] = []
    await run_console(
        settings,
        lambda s, request: build_application(s, request=request),
        lambda _: next(lines),
        written.append,
        files=folder,
    )
    shown = "\n".join(written)
    assert f"📎 stats.png сохранён: {folder / 'stats.png'}" in shown
    assert f"📎 stats-2.png сохранён: {folder / 'stats-2.png'}" in shown  # never overwritten
    assert f"📎 visits-2025.csv сохранён: {folder / 'visits-2025.csv'}" in shown
    assert "[sendDocument]" not in shown and "[sendPhoto]" not in shown
    assert (folder / "stats.png").read_bytes().startswith(b"\x89PNG")
    assert (folder / "visits-2025.xlsx").read_bytes()[:2] == b"PK"
    assert "Реестр визитов: 2025 год — 1 визит." in shown  # the caption is shown with the first file


def test_a_button_is_pressed_with_hash_n_and_a_bare_number_is_text() -> None:
    assert [button_number(line) for line in ("#2", " #12 ", "# 3", "2", "2 people", "#", "#two", "a#1")] == [
        2,
        12,
        3,
        None,
        None,
        None,
        None,
        None,
    ]


@pytest.mark.filterwarnings("ignore:Ignoring `conversation_timeout`")  # no JobQueue: no form timeout here
async def test_a_typed_number_in_the_visit_form_is_an_answer_not_cancel(tmp_path: Path) -> None:
    """The form's people step has buttons ("Not known", "Cancel" second): "2" is two people."""
    settings = parse_settings(
        {"storage": {"database": str(tmp_path / "bot.sqlite3")}, "access": {"admins": [1001]}}
    )
    request = ConsoleRequest()
    chat = ConsoleChat(build_application(settings, request=request), request)
    await chat.start()
    try:
        await chat.say("/visit Нарвик")
        await chat.say("#1")  # to us
        await chat.say("05.06.2025")
        await chat.say("#1")  # one day
        (people,) = await chat.say("молодёжная")
        assert "шаг 6 из 8" in people.text and len(chat.buttons) == 2
        assert "Отмена" in chat.buttons[1][0]  # button 2 is Cancel
        (answer,) = await chat.say("2")
        assert "✓ Участников: <b>2</b>" in answer.text and "шаг 7 из 8" in answer.text
        with pytest.raises(NoSuchButtonError) as raised:
            await chat.say("#9")
        assert (raised.value.number, raised.value.available) == (9, 1)  # the purpose step: Cancel only
        (asked,) = [out for out in await chat.say("#1") if out.method == "editMessageText"]
        assert "Заполнено шагов: 6" in asked.text and [label for label, _ in chat.buttons] == [
            "Да, отменить",
            "Нет, продолжить",
        ]
        (back,) = [out for out in await chat.say("#2") if out.method == "editMessageText"]  # No
        assert "шаг 7 из 8" in back.text  # the same step, nothing lost
    finally:
        await chat.stop()


async def test_the_console_prints_buttons_with_their_hash_labels(tmp_path: Path) -> None:
    settings = parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}})
    lines = iter(["#1", "/towns", "#99", "#1", "/quit"])
    written: list[str] = []
    await run_console(
        settings,
        lambda s, request: build_application(s, request=request),
        lambda _: next(lines),
        written.append,
        files=tmp_path / "console-files",
    )
    assert "#2" in written[0] and "«2» — это ответ" in written[0]  # the intro says how to press
    # intro, /start, then "#1" before any button: said, and nothing sent
    assert written[2] == "Кнопки #1 нет: бот ещё не присылал кнопок. Ничего не отправлено."
    towns = written[3]
    assert "Города-партнёры" in towns and "Кнопки:  [#1] 🇳🇴 Нарвик" in towns and "[#9] " in towns
    assert written[4] == "Кнопки #99 нет: у последнего сообщения с кнопками они #1–#9. Ничего не отправлено."
    assert written[5].startswith("🇳🇴 Нарвик")  # "#1" pressed the first town's button


def test_render_numbers_buttons_with_a_hash() -> None:
    from bot.console import Outgoing

    shown = render(Outgoing("sendMessage", "Да?", [("Да", "y"), ("Нет", "n")]), "Кнопки:")
    assert shown == "Да?\nКнопки:  [#1] Да   [#2] Нет"
