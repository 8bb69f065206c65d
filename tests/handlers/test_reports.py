"""/export and /stats through the real Application: staff get files and a chart, residents a refusal."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from msgspec.structs import replace
from openpyxl import load_workbook

from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.exports.register import COLUMNS, PUBLIC_COLUMNS
from bot.replies.reply import visible_length
from bot.replies.stats import CAPTION_LIMIT
from bot.runtime import Runtime
from storage.visits import Outcome
from tests.e2e.fake_bot_api import UploadedFile
from tests.handlers.conftest import ADMIN_ID, Call, Harness

RESIDENT = 10
STAFF = 4321
_keys = itertools.count(1)


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


async def record(
    harness: Harness, town: str, start: date, direction: Direction = Direction.INCOMING, **extra: Any
) -> int:
    draft = VisitDraft(
        town_key=town,
        direction=direction,
        start=start,
        end=extra.pop("end", None),
        kind=extra.pop("kind", DelegationType.CULTURAL),
        people=extra.pop("people", 5),
        purpose=extra.pop("purpose", "Town Day"),
        notes=extra.pop("notes", ""),
    )
    recording = await rt(harness).visits.record(draft, ADMIN_ID, f"test-{next(_keys)}", allow_similar=True)
    assert recording.outcome is Outcome.RECORDED
    return recording.visit.id


@pytest.fixture
async def register(harness: Harness) -> Harness:
    await rt(harness).staff.add(STAFF, "Olga", ADMIN_ID)
    await record(harness, "narva", date(2025, 6, 5), end=date(2025, 6, 7), people=12, notes="secret: hotel")
    await record(harness, "narva", date(2024, 9, 1), Direction.OUTGOING, purpose="=1+2 <b>bold</b>")
    await record(harness, "raisio", date(2025, 2, 10), Direction.OUTGOING, kind=DelegationType.YOUTH)
    await record(harness, "narvik", date(2027, 5, 1), purpose="Planned friendship week")
    deleted = await record(harness, "raisio", date(2025, 3, 3), purpose="mistake")
    await rt(harness).visits.delete(deleted, ADMIN_ID)
    return harness


def documents(calls: list[Call]) -> dict[str, UploadedFile]:
    found = {}
    for call in calls:
        if call.method == "sendDocument":
            upload = call.params["document"]
            assert isinstance(upload, UploadedFile)
            found[upload.filename] = upload
    return found


def texts(calls: list[Call]) -> list[str]:
    return [str(call.params.get("text")) for call in calls if call.method == "sendMessage"]


# ---- /export ------------------------------------------------------------------------------------


async def test_export_sends_xlsx_and_csv_of_the_year(register: Harness) -> None:
    calls = await register.say("/export 2025", chat_id=STAFF)
    assert [call.method for call in calls] == ["sendChatAction", "sendDocument", "sendDocument"]
    files = documents(calls)
    assert set(files) == {"visits-2025.xlsx", "visits-2025.csv"}
    assert "Реестр визитов: 2025 год — 2 визита" in calls[1].params["caption"]
    assert "caption" not in calls[2].params  # the caption once per export, not once per file

    sheet = load_workbook(io.BytesIO(files["visits-2025.xlsx"].data)).active
    assert sheet is not None
    assert sheet.max_row == 3 and sheet.auto_filter.ref == "A1:N3" and sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]][-3:] == ["Цель", "Когда записано", "Статус"]
    towns = [sheet.cell(row, PUBLIC_COLUMNS.index("town") + 1).value for row in (2, 3)]
    assert towns == ["Райсио", "Нарва"]  # oldest first; the deleted Raisio visit is left out
    raisio = {column: sheet.cell(2, index).value for index, column in enumerate(PUBLIC_COLUMNS, start=1)}
    narva = {column: sheet.cell(3, index).value for index, column in enumerate(PUBLIC_COLUMNS, start=1)}
    assert narva["people"] == 12 and narva["days"] == 3
    assert "notes" not in narva and "secret" not in str(list(sheet.values))  # no notes by default
    assert narva["start"].date() == date(2025, 6, 5) and narva["end"].date() == date(2025, 6, 7)
    assert raisio["end"] == raisio["start"] and raisio["days"] == 1  # a one-day visit has its end filled
    assert narva["status"] == "Состоялся"
    assert sheet.cell(3, PUBLIC_COLUMNS.index("purpose") + 1).alignment.wrap_text

    data = files["visits-2025.csv"].data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 3 and rows[2][PUBLIC_COLUMNS.index("country")] == "Эстония"
    assert "secret: hotel" not in data.decode("utf-8-sig") and str(ADMIN_ID) not in data.decode("utf-8-sig")


async def test_export_with_notes_includes_the_staff_columns(register: Harness) -> None:
    calls = await register.say("/export 2025 notes xlsx", chat_id=STAFF)
    (upload,) = documents(calls).values()
    assert "заметками сотрудников" in calls[-1].params["caption"]
    sheet = load_workbook(io.BytesIO(upload.data)).active
    assert sheet is not None and sheet.auto_filter.ref == "A1:P3"
    narva = {column: sheet.cell(3, index).value for index, column in enumerate(COLUMNS, start=1)}
    assert narva["notes"] == "secret: hotel" and narva["recorded_by"] == str(ADMIN_ID)
    # the word survives a town suggestion
    (call,) = await register.say("/export Rasiovka заметки", chat_id=STAFF)
    data = [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "export:raisio:0:notes" in data
    calls = await register.press("export:narva:2025:notes", chat_id=STAFF)
    assert "secret: hotel" in documents(calls)["visits-narva-2025.csv"].data.decode("utf-8-sig")
    # never in a group, notes or not
    calls = await register.say("/export 2025 notes", chat_id=-100_888, user_id=STAFF)
    assert [call.method for call in calls] == ["sendMessage"] and "личный чат" in calls[0].params["text"]


async def test_export_by_town_and_formula_guard(register: Harness) -> None:
    calls = await register.say("/export Нарвы", chat_id=ADMIN_ID)
    files = documents(calls)
    assert set(files) == {"visits-narva.xlsx", "visits-narva.csv"}
    rows = list(
        csv.reader(io.StringIO(files["visits-narva.csv"].data.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    assert (
        rows[1][PUBLIC_COLUMNS.index("purpose")] == "'=1+2 <b>bold</b>"
    )  # verbatim, not HTML, not a formula
    calls = await register.say("/export narvik 2027", chat_id=ADMIN_ID)
    assert set(documents(calls)) == {"visits-narvik-2027.xlsx", "visits-narvik-2027.csv"}
    sheet = load_workbook(io.BytesIO(documents(calls)["visits-narvik-2027.xlsx"].data)).active
    assert sheet is not None and sheet.cell(2, PUBLIC_COLUMNS.index("status") + 1).value == "Запланирован"


async def test_export_with_nothing_to_export_sends_no_file(register: Harness) -> None:
    calls = await register.say("/export 1999", chat_id=STAFF)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "Выгружать нечего" in calls[0].params["text"] and "1999 год" in calls[0].params["text"]
    calls = await register.say("/export Sassnitz 2025", chat_id=STAFF)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "Засниц, 2025 год" in calls[0].params["text"]


async def test_export_unknown_town_suggests_and_the_button_exports(register: Harness) -> None:
    calls = await register.say("/export Narwa 2025", chat_id=STAFF)  # a typo the matcher forgives
    assert set(documents(calls)) == {"visits-narva-2025.xlsx", "visits-narva-2025.csv"}
    (call,) = await register.say("/export Rasiovka 2025", chat_id=STAFF)
    assert "Не нашёл город «Rasiovka»" in call.params["text"]
    data = [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "export:raisio:2025" in data and all(len(item.encode()) <= 64 for item in data)
    calls = await register.press("export:raisio:2025", chat_id=STAFF)
    assert calls[0].method == "answerCallbackQuery"
    assert set(documents(calls)) == {"visits-raisio-2025.xlsx", "visits-raisio-2025.csv"}
    # a resident pressing the same button gets a refusal and no file
    refused = await register.press("export:raisio:2025", chat_id=RESIDENT)
    assert [call.method for call in refused] == ["answerCallbackQuery"]
    # forged buttons
    for forged in ("export:atlantis:2025", "export:raisio:1800", "export:raisio:x"):
        (answer,) = await register.press(forged, chat_id=STAFF)
        assert answer.method == "answerCallbackQuery" and "устарела" in answer.params["text"]


async def test_export_bad_arguments(register: Harness) -> None:
    (text,) = texts(await register.say("/export 1800", chat_id=STAFF))
    assert "Год должен быть от 1950 до 2028" in text
    (text,) = texts(await register.say("/export 2024 2025", chat_id=STAFF))
    assert "Год должен быть" in text
    (text,) = texts(await register.say("/stats ²", chat_id=STAFF))
    assert "/stats" in text
    (answer,) = await register.press("export:narva:²", chat_id=STAFF)
    assert "устарела" in answer.params["text"]
    (text,) = texts(await register.say("/export <script>", chat_id=STAFF))
    assert "&lt;script&gt;" in text and "/export [" in text  # no town looks like it: the usage
    (call,) = await register.say("/export Narva Narvik", chat_id=STAFF)
    assert "Уточните, какой город" in call.params["text"]
    data = [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert data == ["export:narva:0", "export:narvik:0"]
    calls = await register.press("export:narvik:0", chat_id=STAFF)
    assert set(documents(calls)) == {"visits-narvik.xlsx", "visits-narvik.csv"}


# ---- /stats -------------------------------------------------------------------------------------


async def test_stats_sends_a_chart_with_a_caption(register: Harness) -> None:
    calls = await register.say("/stats", chat_id=STAFF)
    assert [call.method for call in calls] == ["sendChatAction", "sendPhoto"]
    photo = calls[1].params["photo"]
    assert isinstance(photo, UploadedFile) and photo.data.startswith(b"\x89PNG") and len(photo.data) > 10_000
    caption = str(calls[1].params["caption"])
    assert calls[1].params["parse_mode"] == "HTML"
    assert visible_length(caption) <= CAPTION_LIMIT
    # the deleted visit is not counted, the planned one (2027) only mentioned
    assert "Всего: <b>3</b> визита" in caption
    assert "приезды в Кингисепп: 1, поездки из Кингисеппа: 2; ещё запланировано: 1" in caption
    assert "Нарва — 2" in caption and "Самый насыщенный год: 2025 (2)" in caption


async def test_stats_of_a_year_in_english(register: Harness) -> None:
    await register.press("lang:en", chat_id=STAFF)
    calls = await register.say("/stats 2025", chat_id=STAFF)
    caption = str(calls[-1].params["caption"])
    assert "Delegation visits</b> · 2025 (1 January – 31 December 2025)" in caption
    assert "Total: <b>2</b> visits, 17 participants" in caption
    assert "A year before, 1 January – 31 December 2024: 1 visit, 5 participants" in caption
    assert "Busiest months: February, June, 1 each" in caption  # a tie, not a winner


async def test_stats_of_all_years_sets_this_year_against_the_same_months_last_year(register: Harness) -> None:
    await record(register, "johvi", date(2026, 4, 2), people=3)
    await record(register, "johvi", date(2025, 12, 1), people=3)  # after 26 November: not the same months
    calls = await register.say("/stats", chat_id=STAFF)
    caption = str(calls[-1].params["caption"])
    assert "<b>Визиты делегаций</b> · все годы (2024 – 26 ноября 2026)" in caption
    assert "Всего: <b>5</b> визитов, участников: 28" in caption and "ещё запланировано: 1" in caption
    assert "1 января – 26 ноября 2026: 1 визит; год назад, 1 января – 26 ноября 2025: 2" in caption
    assert "Самый насыщенный год: 2025 (3)" in caption


async def test_stats_without_visits_is_a_polite_text(harness: Harness) -> None:
    calls = await harness.say("/stats", chat_id=ADMIN_ID)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "пока нет визитов" in calls[0].params["text"]
    (text,) = texts(await harness.say("/stats 2020", chat_id=ADMIN_ID))
    assert "За 2020 год визитов в реестре нет" in text
    (text,) = texts(await harness.say("/stats narva", chat_id=ADMIN_ID))
    assert "/stats" in text
    (text,) = texts(await harness.say("/export", chat_id=ADMIN_ID))
    assert "Выгружать нечего" in text


async def test_stats_counts_only_held_visits_and_mentions_planned_ones(harness: Harness) -> None:
    today = rt(harness).today()
    await record(harness, "narva", today)  # starting today: held
    await record(harness, "narva", today - timedelta(days=400), Direction.OUTGOING)
    await record(harness, "raisio", today + timedelta(days=1))  # planned
    await record(harness, "raisio", today + timedelta(days=500), Direction.OUTGOING)  # planned
    caption = str((await harness.say("/stats", chat_id=ADMIN_ID))[-1].params["caption"])
    assert "Всего: <b>2</b> визита" in caption and "ещё запланировано: 2" in caption
    assert "Нарва — 2" in caption and "Райсио" not in caption
    await harness.press("lang:en", chat_id=ADMIN_ID)
    calls = await harness.say(f"/stats {today.year}", chat_id=ADMIN_ID)
    caption = str(calls[-1].params["caption"])
    assert "Total: <b>1</b> visit, 5 participants;" in caption and "Raisio" not in caption
    assert ("planned: 1" in caption) == ((today + timedelta(days=1)).year == today.year)
    # the export agrees: a visit starting today has taken place
    calls = await harness.say(f"/export narva {today.year} csv", chat_id=ADMIN_ID)
    (upload,) = documents(calls).values()
    rows = list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"), newline="")))
    assert rows[1][PUBLIC_COLUMNS.index("status")] == "Past"


async def test_stats_with_only_planned_visits_is_a_text(harness: Harness) -> None:
    today = rt(harness).today()
    await record(harness, "narva", today + timedelta(days=3))
    calls = await harness.say("/stats", chat_id=ADMIN_ID)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "Ни один визит ещё не состоялся (все годы), запланировано: 1" in calls[0].params["text"]


async def test_export_format_word_sends_only_that_file(register: Harness) -> None:
    calls = await register.say("/export xlsx", chat_id=STAFF)
    assert set(documents(calls)) == {"visits.xlsx"}
    calls = await register.say("/export CSV 2025 Narva", chat_id=STAFF)
    assert set(documents(calls)) == {"visits-narva-2025.csv"}
    calls = await register.say("/export 2025 excel", chat_id=STAFF)
    assert set(documents(calls)) == {"visits-2025.xlsx"}
    calls = await register.say("/export Narva csv xlsx", chat_id=STAFF)
    assert list(documents(calls)) == ["visits-narva.xlsx", "visits-narva.csv"]
    # the town suggestions keep the format
    (call,) = await register.say("/export Rasiovka csv", chat_id=STAFF)
    data = [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "export:raisio:0:csv" in data
    calls = await register.press("export:raisio:0:csv", chat_id=STAFF)
    assert set(documents(calls)) == {"visits-raisio.csv"}
    (answer,) = await register.press("export:raisio:0:pdf", chat_id=STAFF)
    assert "устарела" in answer.params["text"]


# ---- residents ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/export", "/export 2025 Narva", "/stats", "/stats 2025"])
async def test_residents_are_refused(register: Harness, command: str) -> None:
    calls = await register.say(command, chat_id=RESIDENT)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "только для сотрудников" in calls[0].params["text"]
    group = await register.say(command, chat_id=-100_777, user_id=RESIDENT)
    assert [call.method for call in group] == ["sendMessage"]
    assert len(await rt(register).visits.list()) == 4


async def test_stats_chart_is_reused_until_the_register_changes(register: Harness) -> None:
    first = await register.say("/stats", chat_id=STAFF)
    again = await register.say("/stats", chat_id=ADMIN_ID)
    assert [call.method for call in again] == ["sendPhoto"]  # nothing to draw: no "uploading…"
    assert again[0].params["photo"].data == first[-1].params["photo"].data
    await record(register, "johvi", date(2026, 1, 20))
    changed = await register.say(
        "/stats", chat_id=STAFF
    )  # redrawn since (tests/handlers/test_stats_charts.py)
    assert (
        changed[-1].method == "sendPhoto"
        and changed[-1].params["photo"].data != first[-1].params["photo"].data
    )
    assert "Всего: <b>4</b> визита" in changed[-1].params["caption"]


async def test_export_stays_out_of_ordinary_groups(register: Harness) -> None:
    """The register holds staff notes: a group gets a pointer to the private chat, never the files."""
    calls = await register.say("/export 2025", chat_id=-100_888, user_id=STAFF)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "личный чат" in calls[0].params["text"]
    (answer,) = await register.press("export:narva:2025", chat_id=-100_888, user_id=STAFF)
    assert answer.method == "answerCallbackQuery" and "личный чат" in answer.params["text"]
    # the chart has no notes: it may be shown in a group
    calls = await register.say("/stats", chat_id=-100_888, user_id=STAFF)
    assert calls[-1].method == "sendPhoto"


async def test_the_staff_chat_may_receive_exports(register: Harness) -> None:
    """The one rule of bot.access.register_visible: a private chat, or the configured staff chat."""
    office = -100_5
    runtime = rt(register)
    reminders = replace(runtime.settings.reminders, staff_chat=office)
    runtime.settings = replace(runtime.settings, reminders=reminders)
    calls = await register.say("/export 2025", chat_id=office, user_id=STAFF)
    assert set(documents(calls)) == {"visits-2025.xlsx", "visits-2025.csv"}
    calls = await register.say("/export 2025", chat_id=-100_6, user_id=STAFF)
    assert [call.method for call in calls] == ["sendMessage"] and not documents(calls)


async def test_an_export_does_not_hold_up_other_updates(
    register: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/export runs as a task of its own: while its files are built, the bot answers other updates;
    two exports in one chat still arrive one after the other, each as .xlsx then .csv."""
    import threading

    from telegram import Update

    from bot.app import settle
    from bot.handlers import reports

    release = threading.Event()
    build = reports.build_files

    def slow_build(rows: list[Any], lang: Any, *args: Any) -> list[tuple[str, bytes]]:
        release.wait(10)
        return build(rows, lang, *args)

    monkeypatch.setattr(reports, "build_files", slow_build)

    async def arrive(text: str) -> None:  # as the update loop would: no waiting for tasks handlers start
        message = register.message(text, chat_id=STAFF)
        await register.app.process_update(
            Update.de_json({"update_id": message["message_id"], "message": message}, register.app.bot)
        )

    start = len(register.request.calls)
    try:
        await arrive("/export 2025")
        await arrive("/export 2024")
        await arrive("/stats")  # answered while both exports wait for their files
        assert "sendPhoto" in [call.method for call in register.calls(since=start)]
        assert not documents(register.calls(since=start))
    finally:
        release.set()
    await settle(register.app)
    sent = [
        call.params["document"].filename
        for call in register.calls(since=start)
        if call.method == "sendDocument"
    ]
    assert sent == ["visits-2025.xlsx", "visits-2025.csv", "visits-2024.xlsx", "visits-2024.csv"]


def test_forged_export_buttons_are_refused() -> None:
    from types import SimpleNamespace

    from bot.core.directory import TownDirectory
    from bot.core.townfile import shipped_towns
    from bot.handlers.reports import parse_export_press

    office = SimpleNamespace(directory=TownDirectory(shipped_towns()), today=lambda: date(2026, 11, 26))
    press = parse_export_press(office, "export:narva:2025")  # type: ignore[arg-type]
    assert press is not None and press.town is not None and (press.town.key, press.year) == ("narva", 2025)
    whole = parse_export_press(office, "export:narva:0")  # type: ignore[arg-type]
    assert whole is not None and whole.year is None and whole.formats == ("xlsx", "csv")
    csv_only = parse_export_press(office, "export:narva:0:csv")  # type: ignore[arg-type]
    assert csv_only is not None and csv_only.formats == ("csv",)
    for forged in (
        "export:narva:1800",
        "export:narva:2029",
        "export:narva:02025",
        "export:narva:-1",
        "export:atlantis:2025",
        "export:narva:" + "9" * 50,
        "export:narva",
        "export:narva:²⁰²⁵",
    ):
        assert parse_export_press(office, forged) is None, forged  # type: ignore[arg-type]


# ---- /report ------------------------------------------------------------------------------------


async def test_report_sends_the_workbook_and_the_pdf_with_matching_totals(register: Harness) -> None:
    import pypdf

    calls = await register.say("/report 2025", chat_id=STAFF)
    assert [call.method for call in calls] == ["sendChatAction", "sendDocument", "sendDocument"]
    files = documents(calls)
    assert list(files) == ["report-2025.xlsx", "report-2025.pdf"]
    caption = calls[1].params["caption"]
    assert "Отчёт о визитах делегаций за 2025 год: состоялось 2, участников — 17" in caption
    assert "caption" not in calls[2].params
    held = [v for v in await rt(register).visits.list(year=2025)]  # live visits of 2025: the register
    workbook = load_workbook(io.BytesIO(files["report-2025.xlsx"].data))
    summary = [row for row in workbook["Итоги"].iter_rows(values_only=True)]
    assert ("Визитов", len(held), 1, "+1 (+100%)") in [row[:4] for row in summary]
    assert ("Участников", sum(v.people or 0 for v in held), 5, "+12 (+240%)") in [row[:4] for row in summary]
    visits_sheet = list(workbook["Визиты"].iter_rows(values_only=True))
    assert sorted(row[0] for row in visits_sheet[2:]) == sorted(v.id for v in held)
    text = " ".join(
        " ".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(files["report-2025.pdf"].data)).pages
        ).split()
    )
    assert "Визиты делегаций: отчёт за 2025 год" in text and "Всего 2 17 4" in text
    assert "secret: hotel" not in text  # notes stay out unless asked
    calls = await register.say("/report 2025 notes", chat_id=STAFF)
    assert "заметками сотрудников" in calls[1].params["caption"]
    pdf = documents(calls)["report-2025.pdf"].data
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "secret: hotel" in " ".join(text.split())  # a cell may wrap it onto two lines


async def test_report_of_this_year_lists_planned_visits_apart_and_speaks_english(register: Harness) -> None:
    await record(register, "johvi", date(2026, 12, 20), purpose="Christmas fair")
    await record(register, "johvi", date(2026, 4, 2), people=3)
    await register.press("lang:en", chat_id=STAFF)
    calls = await register.say("/report", chat_id=STAFF)  # 26 November 2026: this year so far
    caption = calls[1].params["caption"]
    assert "annual report 2026 (up to 26 November 2026): 1 held, 3 participants" in caption
    assert "Still planned: 1." in caption
    workbook = load_workbook(io.BytesIO(documents(calls)["report-2026.xlsx"].data))
    planned = list(workbook["Planned"].iter_rows(values_only=True))
    assert [row[-1] for row in planned[2:]] == ["Christmas fair"]


async def test_report_bad_years_and_strangers(register: Harness) -> None:
    (call,) = await register.say("/report 2019", chat_id=STAFF)
    assert "За 2019 год в реестре нет визитов — отчёт не составлен" in call.params["text"]
    (call,) = await register.say("/report 2027", chat_id=STAFF)
    assert "2027 год ещё не наступил" in call.params["text"]
    (call,) = await register.say("/report next year", chat_id=STAFF)
    assert "Годовой отчёт: /report" in call.params["text"]
    (call,) = await register.say("/report 1900", chat_id=STAFF)
    assert "Год должен быть от" in call.params["text"]
    calls = await register.say("/report 2025", chat_id=RESIDENT)
    assert [call.method for call in calls] == ["sendMessage"]
    assert "только для сотрудников" in calls[0].params["text"]
    calls = await register.say("/report 2025", chat_id=-100_888, user_id=STAFF)
    assert [call.method for call in calls] == ["sendMessage"] and "личный чат" in calls[0].params["text"]
    await register.press("lang:en", chat_id=RESIDENT)
    (call,) = await register.say("/report 2025", chat_id=RESIDENT)
    assert "only for the staff" in call.params["text"]
