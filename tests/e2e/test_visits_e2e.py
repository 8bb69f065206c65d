"""Staff record visits end to end: the real bot process against the spec-validating fake Bot API.

Most tests share one process (this module's `bot`, checked after each test by conftest's `clean`);
the lifecycle tests (restart in the middle of a form, kill -9 right after the acknowledgement) start
their own processes on one database file. Staff come from the config file's [access] staff.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ADMIN_ID, RunningBot, finish, serving
from .fake_bot_api import FakeBotApi

pytestmark = pytest.mark.e2e

STAFF = 555_000_222  # a staff member from [access] staff, in a private chat with the bot
OTHER_STAFF = 555_000_333
RESIDENT = 3001


def staff_bot(server: FakeBotApi, directory: Path) -> RunningBot:
    """A RunningBot whose config also names STAFF and OTHER_STAFF in [access] staff."""
    running = RunningBot(server, directory)
    config = running.config.read_text(encoding="utf-8")
    admins = f"admins = [{ADMIN_ID}]"
    assert admins in config
    running.config.write_text(
        config.replace(admins, f"{admins}\nstaff = [{STAFF}, {OTHER_STAFF}]"), encoding="utf-8"
    )
    return running


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """Overrides conftest's `bot` (so `clean` checks this process): the same, with staff configured."""
    with serving(lambda server: staff_bot(server, tmp_path_factory.mktemp("visits"))) as running:
        yield running


def visits_in(database: Path) -> list[sqlite3.Row]:
    """The live visits, read straight from the file (WAL: readable while the bot runs)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute("SELECT * FROM visits WHERE deleted_at IS NULL ORDER BY id").fetchall()
    finally:
        connection.close()


def buttons(message: dict[str, Any]) -> list[str]:
    return [button["callback_data"] for button in FakeBotApi.inline_buttons(message)]


def form_of(message: dict[str, Any]) -> str:
    return next(data for data in buttons(message) if data.startswith("vf:")).split(":")[1]


def press(bot: RunningBot, chat: int, user: int, data: str) -> dict[str, Any]:
    """Press a button on the bot's latest message; returns that chat's latest message once handled."""
    bot.callback(chat, user, data)
    bot.settle()
    return bot.server.last_message(chat)


# ---- recording ------------------------------------------------------------------------------------------


def test_one_line_recording(clean: RunningBot) -> None:
    # Нарва has a close neighbour (Нарва-Йыэсуу): the card waits for Save
    check = clean.reply(
        STAFF, "/visit Нарва; 05.06.2024-07.06.2024; приезд; молодёжная; 12; Летний <лагерь> & дружба"
    )
    assert "Нарва-Йыэсуу" in check["text"] and "Проверьте визит" in check["text"]
    save = next(data for data in buttons(check) if data.startswith("vd:") and data.endswith(":s"))
    card = press(clean, STAFF, STAFF, save)
    assert card["message_id"] == check["message_id"]  # the waiting card became the saved one
    assert "записан" in card["text"] and "Летний <лагерь> & дружба" in card["text"]
    assert "&lt;лагерь&gt;" in card["_params"]["text"]  # sent escaped, shown verbatim
    visit_id = int(card["text"].split("#")[1].split()[0].rstrip("."))
    assert buttons(card)[:2] == [f"vc:{visit_id}:1:e", f"vc:{visit_id}:1:d"]
    row = next(row for row in visits_in(clean.database) if row["id"] == visit_id)
    assert (row["town_key"], row["direction"], row["start_date"], row["end_date"]) == (
        "narva",
        "in",
        "2024-06-05",
        "2024-06-07",
    )
    assert row["purpose"] == "Летний <лагерь> & дружба"
    # residents see it in the town card and in the answer about the last delegation
    assert "Летний <лагерь> & дружба" in clean.ask(RESIDENT, "/town Нарва")
    assert "5 июня 2024" in clean.ask(RESIDENT, "когда приезжала последняя делегация из Нарвы?")


def test_one_line_with_bad_fields_writes_nothing(clean: RunningBot) -> None:
    before = len(visits_in(clean.database))
    text = clean.ask(STAFF, "/visit Атлантида; 31.02.2024; туда; балетная; 100000; ")
    for field in ("Город", "Даты", "Направление", "Тип делегации", "Участников", "Цель"):
        assert f"• {field}:" in text, field
    assert len(visits_in(clean.database)) == before


def test_guided_recording(clean: RunningBot) -> None:
    chat = OTHER_STAFF
    question = clean.reply(chat, "/visit")
    form = form_of(question)
    assert "шаг 1 из 8" in question["text"] and f"vf:{form}:t:raisio" in buttons(question)
    assert "шаг 2 из 8" in press(clean, chat, chat, f"vf:{form}:t:raisio")["text"]
    assert "шаг 3 из 8" in press(clean, chat, chat, f"vf:{form}:d:out")["text"]
    assert "шаг 4 из 8" in clean.ask(chat, "5 июня 2024")
    assert "шаг 5 из 8" in press(clean, chat, chat, f"vf:{form}:s")["text"]
    assert "шаг 6 из 8" in press(clean, chat, chat, f"vf:{form}:k:cultural")["text"]
    assert "шаг 7 из 8" in clean.ask(chat, "25")
    assert "шаг 8 из 8" in clean.ask(chat, "Концерт <Kalevala> & хор")
    confirm = clean.reply(chat, "Бюджет 100 евро")
    assert "Проверьте визит" in confirm["text"] and "Бюджет 100 евро" in confirm["text"]
    saved = press(clean, chat, chat, f"vf:{form}:save")
    assert "записан" in saved["text"] and saved["message_id"] == confirm["message_id"]
    row = visits_in(clean.database)[-1]
    assert (row["town_key"], row["direction"], row["kind"], row["people"]) == (
        "raisio",
        "out",
        "cultural",
        25,
    )
    assert (row["purpose"], row["notes"]) == ("Концерт <Kalevala> & хор", "Бюджет 100 евро")
    # a second tap on Save: answered, nothing new
    answer = clean.callback(chat, chat, f"vf:{form}:save", confirm["message_id"], check_button=False)
    assert "уже записан" in answer["text"]
    assert len([r for r in visits_in(clean.database) if r["purpose"] == "Концерт <Kalevala> & хор"]) == 1
    card = clean.ask(RESIDENT, "/town Райсио")
    assert "Концерт <Kalevala> & хор" in card and "Бюджет" not in card  # notes are staff-only


def test_the_form_never_loses_work(clean: RunningBot) -> None:
    """Typed answers echoed, a cancel past two steps asked once, a guessed town confirmed and edited:
    every request on the way is checked against the Bot API spec (conftest's `clean`)."""
    chat = STAFF
    form = form_of(clean.reply(chat, "/visit"))
    assert clean.ask(chat, "Narwa").startswith("✓ Город: Нарва")
    assert clean.ask(chat, "от нас").startswith("✓ Направление: от нас, из Кингисеппа")
    assert clean.ask(chat, "5.6.2025-7.6.2025").startswith("✓ Даты: 5–7 июня 2025 (3 дня)")
    assert clean.ask(chat, "деловая").startswith("✓ Тип делегации: деловая")
    asked = clean.reply(chat, "/cancel")
    assert "Заполнено шагов: 5" in asked["text"] and buttons(asked) == [f"vf:{form}:xy", f"vf:{form}:xn"]
    back = press(clean, chat, chat, f"vf:{form}:xn")
    assert "шаг 6 из 8" in back["text"] and back["message_id"] == asked["message_id"]
    assert press(clean, chat, chat, f"vf:{form}:x")["message_id"] == asked["message_id"]
    assert "отменена" in press(clean, chat, chat, f"vf:{form}:xy")["text"]
    # a town read from a typo waits on its card; Edit opens the form with the visit
    before = len(visits_in(clean.database))
    check = clean.reply(chat, "/visit Нарвиик; 02.02.2025; in; official; 2; Правка")
    assert "«Нарвиик» я понял как Нарвик" in check["text"] and len(visits_in(clean.database)) == before
    edit = next(data for data in buttons(check) if data.startswith("vd:") and data.endswith(":e"))
    menu = press(clean, chat, chat, edit)
    assert "Что изменить?" in menu["text"]
    fixing = form_of(menu)
    press(clean, chat, chat, f"vf:{fixing}:f:people")
    assert "✓ Участников: 4" in clean.ask(chat, "4")
    saved = press(clean, chat, chat, f"vf:{fixing}:save")
    assert "записан" in saved["text"]
    row = visits_in(clean.database)[-1]
    assert (row["town_key"], row["people"], row["purpose"]) == ("narvik", 4, "Правка")


def test_edit_delete_and_undo(clean: RunningBot) -> None:
    chat = STAFF
    card = clean.reply(chat, "/visit Нарвик; 01.02.2025; in; official; 4; Переговоры")
    visit_id = int(card["text"].split("#")[1].split()[0].rstrip("."))
    press(clean, chat, chat, f"vc:{visit_id}:1:e")
    question = press(clean, chat, chat, f"vc:{visit_id}:1:ef:people")
    assert "Сейчас: 4" in question["text"]
    assert "Участников: 6" in clean.ask(chat, "6")
    press(clean, chat, chat, f"vc:{visit_id}:2:d")
    deleted = press(clean, chat, chat, f"vc:{visit_id}:2:dy")
    assert "удалён" in deleted["text"] and buttons(deleted)[0] == f"vc:{visit_id}:3:u"
    assert visit_id not in [row["id"] for row in visits_in(clean.database)]
    restored = press(clean, chat, chat, f"vc:{visit_id}:3:u")
    assert "возвращён" in restored["text"]
    assert visit_id in [row["id"] for row in visits_in(clean.database)]
    history = clean.ask(chat, f"/history {visit_id}")
    assert "4 → 6" in history and "удалён" in history and "возвращён" in history


def test_residents_are_refused(clean: RunningBot) -> None:
    before = len(visits_in(clean.database))
    assert "для сотрудников" in clean.ask(RESIDENT, "/visit")
    assert "для сотрудников" in clean.ask(RESIDENT, "/visit Нарва; 05.06.2024; приезд; молодёжная; 5; лагерь")
    assert "for the staff" in clean.ask(RESIDENT, "/visits Narva")
    assert "для сотрудников" in clean.ask(RESIDENT, "/history 1")
    # a resident's text is a question, not a form answer
    assert "Нарва" in clean.ask(RESIDENT, "где Нарва")
    assert len(visits_in(clean.database)) == before


def test_the_same_update_twice_records_one_visit(clean: RunningBot) -> None:
    chat = STAFF
    before = len(visits_in(clean.database))
    pushed: list[dict[str, Any]] = []
    text = "/visit Йыхви; 10.10.2025; out; sports; 11; Турнир дважды"
    [first] = clean.push_and_wait(chat, lambda: pushed.append(clean.server.push_message(chat, text)))
    assert "записан" in first["text"] and "уже" not in first["text"]
    # delivered again: a new update id, the same message (as after a lost getUpdates confirmation)
    [again] = clean.push_and_wait(chat, lambda: clean.server.push_update({"message": pushed[0]["message"]}))
    assert "уже записан" in again["text"]
    assert len(visits_in(clean.database)) == before + 1


def test_list_of_visits(clean: RunningBot) -> None:
    listing = clean.reply(STAFF, "/visits")
    assert "Визиты" in listing["text"] and "Страница 1 из 1" in listing["text"]
    assert any(data.endswith(":o") for data in buttons(listing))


def test_finding_visits(clean: RunningBot) -> None:
    """Filters, a search with pages, bad input and a staff question: every request valid Bot API."""
    for day in range(1, 13):
        clean.reply(STAFF, f"/visit Нарвик; {day:02d}.03.2025; out; sports; 4; Турнир «Ёлка» <{day}>")
    listing = clean.reply(STAFF, "/visits Нарвик исходящие спорт 2025 найти ЕЛКА")
    assert "— 12. Страница 1 из 2" in listing["text"]
    nav = [data for data in buttons(listing) if data.startswith("vs:")]
    assert len(nav) == 1
    second = press(clean, STAFF, STAFF, nav[0])
    assert "Страница 2 из 2" in second["text"]
    assert "Не понял: «<b>»" in clean.ask(STAFF, "/visits Нарвик <b>")
    assert "Слишком длинный запрос" in clean.ask(STAFF, "/visits " + "х" * 4000)
    assert "дата окончания раньше даты начала" in clean.ask(STAFF, "/visits 31.08.2025-01.05.2025")
    answer = clean.reply(STAFF, "сколько визитов в Нарвик в 2025")
    assert answer["text"].startswith("12 визитов · Нарвик · 🛫 от нас · 2025 в реестре.")
    assert [data for data in buttons(answer) if data.startswith("vs:")]
    # a resident asking the same gets the residents' answer, no register counts
    assert "в реестре" not in clean.ask(RESIDENT, "сколько визитов в Нарвик в 2025")


# ---- lifecycle ------------------------------------------------------------------------------------------


def test_restart_in_the_middle_of_a_form(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    """SIGTERM halfway through the form, then a new process: the form goes on where it stopped."""
    chat = STAFF
    first = staff_bot(fresh_server, tmp_path).start()
    try:
        form = form_of(first.reply(chat, "/visit Нарва-Йыэсуу"))
        press(first, chat, chat, f"vf:{form}:d:in")
        assert "шаг 4 из 8" in first.ask(chat, "вчера")
    finally:
        finish(first)
    second = staff_bot(fresh_server, tmp_path).start()
    try:
        assert "шаг 5 из 8" in press(second, chat, chat, f"vf:{form}:s")["text"]
        press(second, chat, chat, f"vf:{form}:k:medical")
        second.ask(chat, "3")
        second.ask(chat, "Обмен опытом")
        press(second, chat, chat, f"vf:{form}:s")
        saved = press(second, chat, chat, f"vf:{form}:save")
        assert "записан" in saved["text"] and "Нарва-Йыэсуу" in saved["text"]
        second.assert_clean_log()
    finally:
        finish(second)
    [row] = visits_in(second.database)
    assert (row["town_key"], row["kind"], row["purpose"]) == ("narva_joesuu", "medical", "Обмен опытом")


def test_kill_9_in_the_middle_of_a_form(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    """Each step is on disk before its question is sent: even kill -9 loses no answer."""
    chat = STAFF
    first = staff_bot(fresh_server, tmp_path).start()
    pushed: list[dict[str, Any]] = []
    try:
        form = form_of(first.reply(chat, "/visit Кохтла-Ярве"))
        press(first, chat, chat, f"vf:{form}:d:out")
        [question] = first.push_and_wait(
            chat, lambda: pushed.append(fresh_server.push_message(chat, "01.09.2025"))
        )
        assert "шаг 4 из 8" in question["text"]
    finally:
        first.kill()
    second = staff_bot(fresh_server, tmp_path).start()
    try:
        # the answer the dead process had taken comes again: it must not become the end date
        second.assert_silent(lambda: fresh_server.push_update({"message": pushed[0]["message"]}))
        assert "шаг 5 из 8" in second.ask(chat, "03.09.2025")
        press(second, chat, chat, f"vf:{form}:k:business")
        second.ask(chat, "2")
        second.ask(chat, "Ярмарка")
        press(second, chat, chat, f"vf:{form}:s")
        assert "записан" in press(second, chat, chat, f"vf:{form}:save")["text"]
    finally:
        finish(second)
    [row] = visits_in(second.database)
    assert (row["start_date"], row["end_date"], row["purpose"]) == ("2025-09-01", "2025-09-03", "Ярмарка")


def test_kill_9_right_after_the_acknowledgement(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    """The visit is committed before the reply: a kill -9 right after it loses nothing, and the
    update delivered again after the restart does not double it."""
    chat = STAFF
    first = staff_bot(fresh_server, tmp_path).start()
    pushed: list[dict[str, Any]] = []
    line = "/visit Засниц; 01.06.2025; in; official; 7; Паром"
    try:
        [ack] = first.push_and_wait(chat, lambda: pushed.append(fresh_server.push_message(chat, line)))
        assert "записан" in ack["text"]
    finally:
        first.kill()  # SIGKILL at once, before anything else can happen
    assert [row["purpose"] for row in visits_in(first.database)] == ["Паром"]
    second = staff_bot(fresh_server, tmp_path).start()
    try:
        # the same message delivered again after the restart: found, not doubled
        [again] = second.push_and_wait(
            chat, lambda: fresh_server.push_update({"message": pushed[0]["message"]})
        )
        assert "уже записан" in again["text"]
        # the same for the guided form's Save
        form = form_of(second.reply(chat, "/visit Светлогорск"))
        press(second, chat, chat, f"vf:{form}:d:out")
        second.ask(chat, "02.06.2025-04.06.2025")
        press(second, chat, chat, f"vf:{form}:k:cultural")
        press(second, chat, chat, f"vf:{form}:s")
        second.ask(chat, "Фестиваль")
        press(second, chat, chat, f"vf:{form}:s")
        confirm = fresh_server.last_message(chat)
        fresh_server.push_callback(chat, chat, f"vf:{form}:save")
        fresh_server.wait_for(
            lambda: "записан" in fresh_server.last_message(chat).get("text", "") or None,
            timeout=10,
            description="the saved card",
        )
    finally:
        second.kill()
    assert [row["purpose"] for row in visits_in(second.database)] == ["Паром", "Фестиваль"]
    third = staff_bot(fresh_server, tmp_path).start()
    try:
        third.settle()  # whatever was not confirmed has been delivered again and handled
        # the Save press delivered again: answered, not doubled
        answer = third.callback(chat, chat, f"vf:{form}:save", confirm["message_id"], check_button=False)
        assert "уже записан" in answer["text"]
        listing = third.ask(chat, "/visits")
        assert "— 2." in listing
        third.assert_clean_log()
    finally:
        finish(third)
    assert [row["purpose"] for row in visits_in(third.database)] == ["Паром", "Фестиваль"]


def test_kill_9_while_a_card_waits_for_its_town(fresh_server: FakeBotApi, tmp_path: Path) -> None:
    """The waiting one-line visit is on disk before its card is sent: Save after a kill -9 saves it once."""
    chat = STAFF
    first = staff_bot(fresh_server, tmp_path).start()
    try:
        check = first.reply(chat, "/visit Нарва; 03.03.2025; out; official; 2; Ждёт")
        assert "Нарва-Йыэсуу" in check["text"]
    finally:
        first.kill()
    assert visits_in(first.database) == []
    save = next(data for data in buttons(check) if data.startswith("vd:") and data.endswith(":s"))
    second = staff_bot(fresh_server, tmp_path).start()
    try:
        second.settle()  # the message, if its handling was not marked done, is handled again: a new card
        second.callback(chat, chat, save, check["message_id"], check_button=False)  # the old card's Save
        second.settle()
        assert [(row["town_key"], row["purpose"]) for row in visits_in(second.database)] == [
            ("narva", "Ждёт")
        ]
        answer = second.callback(chat, chat, save, check["message_id"], check_button=False)
        assert "уже записан" in answer["text"]  # pressed again: answered, not doubled
        latest = fresh_server.last_message(chat)
        again = [data for data in buttons(latest) if data.startswith("vd:") and data.endswith(":s")]
        if again:  # the card of the message handled again: its Save finds the same visit
            assert "уже записан" in second.callback(chat, chat, again[0])["text"]
        second.assert_clean_log()
    finally:
        finish(second)
    assert [(row["town_key"], row["purpose"]) for row in visits_in(second.database)] == [("narva", "Ждёт")]


def test_a_group_gets_no_register(clean: RunningBot) -> None:
    """Staff asking in an ordinary group are sent to the private chat; nothing is recorded or shown."""
    group = -100_777_001
    before = len(visits_in(clean.database))
    for command in ("/visits", "/visit Нарва; 05.06.2024; in; official; 3; Публично", "/visit"):
        [reply] = clean.push_and_wait(
            group,
            lambda command=command: clean.server.push_message(
                group, command, user_id=STAFF, chat_type="supergroup"
            ),
        )
        assert "только в личном чате со мной" in reply["text"], command
        assert not FakeBotApi.inline_buttons(reply), command
    assert len(visits_in(clean.database)) == before
