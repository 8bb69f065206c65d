"""Staff management, /export and /stats end to end: the real bot process against the fake Bot API.

The register is seeded in the database before the process starts; an admin adds a staff member in a
group, the staff member exports the year and gets the chart, a resident is refused and nothing
changes. Every request the bot makes is checked against the Bot API spec by the fake server.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.config import load_settings
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.exports.register import COLUMNS
from bot.runtime import open_runtime

from .conftest import ADMIN_ID, RunningBot, serving
from .fake_bot_api import FakeBotApi

pytestmark = pytest.mark.e2e

OFFICE = -100_200_300  # the office's group chat
STAFF = 777_001
RESIDENT = 777_002
VISITS = [
    ("narva", date(2025, 6, 5), Direction.INCOMING, "Town Day concert <b>&</b>", "hotel booked"),
    ("raisio", date(2025, 9, 12), Direction.OUTGOING, "=cmd|' /C calc'!A0", ""),
    ("narvik", date(2024, 5, 1), Direction.INCOMING, "School exchange", ""),
]


async def _seed(bot: RunningBot) -> None:
    runtime = await open_runtime(load_settings(bot.config))
    try:
        for number, (town, start, direction, purpose, notes) in enumerate(VISITS):
            draft = VisitDraft(
                town, direction, start, None, DelegationType.CULTURAL, 10 + number, purpose, notes
            )
            await runtime.visits.record(draft, ADMIN_ID, f"e2e-seed-{number}")
    finally:
        await runtime.close()


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    def seeded(server: FakeBotApi) -> RunningBot:
        running = RunningBot(server, tmp_path_factory.mktemp("reports"))
        asyncio.run(_seed(running))
        return running

    with serving(seeded) as running:
        yield running


@pytest.fixture
def bot(office: RunningBot) -> Iterator[RunningBot]:
    """The shared process, checked after each test: alive, no violations, nothing alarming logged."""
    violations = len(office.server.violations)
    log_start = len(office.log())
    yield office
    assert office.process is not None and office.process.poll() is None, f"the bot died:\n{office.log()}"
    new = office.server.violations[violations:]
    assert not new, "Bot API violations:\n" + "\n".join(f"{v['method']}: {v['message']}" for v in new)
    log = office.log()[log_start:]
    assert "Traceback" not in log and " ERROR " not in log, f"errors in the bot log:\n{log}"


def staff_rows(bot: RunningBot) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{bot.database}?mode=ro", uri=True) as db:
        return db.execute("SELECT user_id, name, added_by FROM staff_members ORDER BY user_id").fetchall()


def test_admin_adds_staff_in_the_office_group(bot: RunningBot) -> None:
    [reply] = bot.push_and_wait(
        OFFICE,
        lambda: bot.server.push_message(
            OFFICE, "/staff add 777001 Olga", user_id=ADMIN_ID, chat_type="supergroup"
        ),
    )
    assert "Olga" in reply["text"] and "777001" in reply["text"]
    assert staff_rows(bot) == [(STAFF, "Olga", ADMIN_ID)]
    listing = bot.ask(STAFF, "/staff list")
    assert "Olga" in listing and str(ADMIN_ID) in listing


def test_staff_exports_the_year_as_xlsx_and_csv(bot: RunningBot) -> None:
    if not staff_rows(bot):
        bot.push_and_wait(
            OFFICE, lambda: bot.server.push_message(OFFICE, f"/staff add {STAFF}", user_id=ADMIN_ID)
        )
    documents = bot.push_and_wait(
        STAFF, lambda: bot.server.push_message(STAFF, "/export 2025 notes"), count=2
    )
    assert [message["_method"] for message in documents] == ["sendDocument", "sendDocument"]
    names = [message["document"]["file_name"] for message in documents]
    assert names == ["visits-2025.xlsx", "visits-2025.csv"]
    assert documents[0]["caption"].startswith("Реестр визитов: 2025 год — 2 визита.\nС заметками сотрудников")
    assert "caption" not in documents[1]  # once per export

    xlsx = bot.server.file_content(documents[0]["document"]["file_id"])
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None and sheet.max_row == 3 and sheet.auto_filter.ref == "A1:P3"
    purposes = [sheet.cell(row, COLUMNS.index("purpose") + 1).value for row in (2, 3)]
    assert purposes == ["Town Day concert <b>&</b>", "=cmd|' /C calc'!A0"]
    assert sheet.cell(3, COLUMNS.index("purpose") + 1).data_type == "s"

    text = bot.server.file_content(documents[1]["document"]["file_id"])
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[2][COLUMNS.index("purpose")] == "'=cmd|' /C calc'!A0"
    assert rows[1][COLUMNS.index("notes")] == "hotel booked"


def test_staff_gets_the_annual_report_as_xlsx_and_pdf(bot: RunningBot) -> None:
    """The year's report from the chat: both files, the totals in each, within the reply timeout."""
    import time

    import pypdf

    if not staff_rows(bot):
        bot.push_and_wait(
            OFFICE, lambda: bot.server.push_message(OFFICE, f"/staff add {STAFF}", user_id=ADMIN_ID)
        )
    started = time.monotonic()
    documents = bot.push_and_wait(STAFF, lambda: bot.server.push_message(STAFF, "/report 2025"), count=2)
    assert time.monotonic() - started < 60
    assert [message["document"]["file_name"] for message in documents] == [
        "report-2025.xlsx",
        "report-2025.pdf",
    ]
    assert "за 2025 год: состоялось 2" in documents[0]["caption"]
    workbook = load_workbook(io.BytesIO(bot.server.file_content(documents[0]["document"]["file_id"])))
    summary = [row[:2] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert ("Визитов", 2) in summary
    pdf = pypdf.PdfReader(io.BytesIO(bot.server.file_content(documents[1]["document"]["file_id"])))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Визиты делегаций: отчёт за 2025 год" in text and "hotel booked" not in text


def test_staff_gets_the_chart(bot: RunningBot) -> None:
    if not staff_rows(bot):
        bot.push_and_wait(
            OFFICE, lambda: bot.server.push_message(OFFICE, f"/staff add {STAFF}", user_id=ADMIN_ID)
        )
    [photo] = bot.push_and_wait(STAFF, lambda: bot.server.push_message(STAFF, "/stats"))
    assert photo["_method"] == "sendPhoto"
    assert "Всего: 3 визита" in photo["caption"] and "Самый насыщенный год: 2025 (2)" in photo["caption"]
    png = bot.server.file_content(photo["photo"][-1]["file_id"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_a_resident_is_refused_and_nothing_changes(bot: RunningBot) -> None:
    before = staff_rows(bot)
    for command in ("/export", "/export 2025", "/stats", "/staff", f"/staff add {RESIDENT}"):
        reply = bot.ask(RESIDENT, command)
        assert "только для сотрудников" in reply, (command, reply)
    assert all(message["_method"] == "sendMessage" for message in bot.server.sent_messages(RESIDENT))
    # in a group, by a resident, addressed to the bot
    calls = bot.reactions(lambda: bot.server.push_message(OFFICE, "/export", user_id=RESIDENT))
    assert [method for method, _ in calls] == ["sendMessage"]
    assert staff_rows(bot) == before
    assert "refused /export to user 777002" in bot.log()


def test_forwarded_message_then_reply_adds_staff(bot: RunningBot) -> None:
    origin = {
        "type": "user",
        "date": int(time.time()),
        "sender_user": {"id": 777_003, "is_bot": False, "first_name": "Irina"},
    }
    pushed: list[dict[str, Any]] = []
    [hint] = bot.push_and_wait(
        ADMIN_ID,
        lambda: pushed.append(bot.server.push_message(ADMIN_ID, "Hello from Irina", forward_origin=origin)),
    )
    assert "Irina" in hint["text"] and hint["_params"]["reply_markup"]["inline_keyboard"]
    forwarded_id = pushed[0]["message"]["message_id"]
    [done] = bot.push_and_wait(
        ADMIN_ID, lambda: bot.server.push_message(ADMIN_ID, "/staff add", reply_to_message_id=forwarded_id)
    )
    assert "Irina" in done["text"] and "теперь сотрудник" in done["text"]
    assert (777_003, "Irina", ADMIN_ID) in staff_rows(bot)


def test_staff_data_stays_out_of_an_ordinary_group(bot: RunningBot) -> None:
    """The office group here is not the configured staff chat: residents may read it."""
    if not staff_rows(bot):
        bot.push_and_wait(
            OFFICE, lambda: bot.server.push_message(OFFICE, f"/staff add {STAFF}", user_id=ADMIN_ID)
        )
    for command in ("/export 2025", "/staff list", "/visits", "/history 1", "/visit"):
        calls = bot.reactions(
            lambda command=command: bot.server.push_message(
                OFFICE, command, user_id=STAFF, chat_type="supergroup"
            )
        )
        assert [method for method, _ in calls] == ["sendMessage"], command
        text = calls[0][1]["text"]
        assert "только в личном чате со мной" in text, command
        assert "hotel booked" not in text and "Olga" not in text and "Town Day" not in text, command
