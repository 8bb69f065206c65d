"""The pure report writers: CSV, XLSX, the statistics summary, caption and chart (no Telegram)."""

from __future__ import annotations

import asyncio
import csv
import io
import struct
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, Visit
from bot.replies.wording import Replies
from bot.reports import (
    CAPTION_LIMIT,
    COLUMNS,
    csv_safe,
    export_filename,
    export_rows,
    headers,
    monthly_counts,
    naive_local,
    render_chart,
    stats_caption,
    summarize,
    visible_length,
    without_planned,
    write_csv,
    write_xlsx,
)

TODAY = date(2026, 11, 26)
ZONE = ZoneInfo("Europe/Moscow")
DIRECTORY = TownDirectory(shipped_towns())
REPLIES = Replies(DIRECTORY, TODAY)


def visit(number: int, **fields: object) -> Visit:
    values: dict[str, object] = {
        "id": number,
        "town_key": "narva",
        "direction": Direction.INCOMING,
        "start": date(2025, 6, 5),
        "end": date(2025, 6, 7),
        "kind": DelegationType.CULTURAL,
        "people": 12,
        "purpose": "Town Day concert",
        "notes": "met at the station",
        "created_by": 900,
        "created_at": "2025-06-01T09:30:00Z",
        "updated_at": "2025-06-01T09:30:00Z",
    }
    values.update(fields)
    return Visit(**values)  # type: ignore[arg-type]


VISITS = [
    visit(1),
    visit(
        2,
        town_key="narvik",
        direction=Direction.OUTGOING,
        start=date(2027, 3, 1),
        end=None,
        kind=DelegationType.OFFICIAL,
        people=None,
        purpose='=HYPERLINK("http://evil")',
        notes="+1 call -2 @admin",
        created_by=77,
    ),
    visit(3, start=date(2024, 1, 10), end=None, purpose="Школьный обмен, «Нарва»; 5 дней", notes=""),
    visit(4, deleted=True, purpose="gone"),
]


def rows(lang: str = "ru") -> list:  # type: ignore[type-arg]
    return export_rows(
        VISITS,
        directory=DIRECTORY,
        lang=lang,
        today=TODAY,
        zone=ZONE,
        names={77: "Ольга"},  # type: ignore[arg-type]
    )


# ---- rows ---------------------------------------------------------------------------------------


def test_rows_are_in_date_order_without_deleted_visits() -> None:
    register = rows("ru")
    assert [row.number for row in register] == [3, 1, 2]
    narvik = register[2]
    assert narvik.town == "Нарвик" and narvik.country == "Норвегия"
    assert narvik.direction == "Поездка из Кингисеппа" and narvik.kind == "Официальная"
    assert narvik.status == "Запланирован" and register[1].status == "Состоялся"
    assert narvik.recorded_by == "Ольга (77)" and register[1].recorded_by == "900"
    assert register[1].recorded_at == datetime(2025, 6, 1, 12, 30)  # UTC+3
    english = rows("en")
    assert english[2].town == "Narvik" and english[2].direction == "From Kingisepp"
    assert english[2].status == "Planned"


def test_stamps_and_filenames() -> None:
    assert naive_local("2025-06-01 09:30:00", ZONE) == datetime(2025, 6, 1, 12, 30)
    assert naive_local("2025-06-01T09:30:00.123Z", None) == datetime(2025, 6, 1, 9, 30)
    assert naive_local("garbage", ZONE) is None and naive_local("", ZONE) is None
    assert export_filename("xlsx", year=2025) == "visits-2025.xlsx"
    assert export_filename("csv") == "visits.csv"
    assert export_filename("csv", year=2024, town_key="narva_joesuu") == "visits-narva-joesuu-2024.csv"


# ---- CSV ----------------------------------------------------------------------------------------


def test_csv_has_a_bom_a_header_and_reads_back() -> None:
    data = write_csv(rows("ru"), "ru")
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data  # Excel's line ends
    assert data.decode("utf-8-sig").splitlines()[0].count(";") == len(COLUMNS) - 1  # Russian Excel
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert table[0] == headers("ru") and len(table[0]) == len(COLUMNS)
    assert len(table) == 4
    first = dict(zip(COLUMNS, table[1], strict=True))
    assert first["number"] == "3" and first["start"] == "2024-01-10" and first["end"] == ""
    assert first["purpose"] == "Школьный обмен, «Нарва»; 5 дней"  # commas and quotes survive
    second = dict(zip(COLUMNS, table[2], strict=True))
    assert second["recorded_at"] == "2025-06-01 12:30" and second["people"] == "12"


def test_csv_guards_against_formula_injection() -> None:
    table = list(csv.reader(io.StringIO(write_csv(rows("en"), "en").decode("utf-8-sig"), newline="")))
    narvik = dict(zip(COLUMNS, table[3], strict=True))
    assert narvik["purpose"] == '\'=HYPERLINK("http://evil")'
    assert narvik["notes"] == "'+1 call -2 @admin"
    assert narvik["people"] == ""
    for cell in (value for row in table for value in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert [csv_safe(text) for text in ("-5", "@x", "\tx", "a=b", "")] == ["'-5", "'@x", "'\tx", "a=b", ""]
    assert csv_safe("bell\x07") == "bell"


# ---- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_has_typed_columns_a_frozen_filtered_header() -> None:
    data = write_xlsx(rows("ru"), "ru")
    assert data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "Визиты"
    assert [cell.value for cell in sheet[1]] == headers("ru")
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M4"
    assert sheet.max_row == 4
    by_name = {column: index for index, column in enumerate(COLUMNS, start=1)}
    row = 3  # visit 1
    assert sheet.cell(row, by_name["number"]).value == 1
    assert sheet.cell(row, by_name["people"]).value == 12
    assert sheet.cell(row, by_name["people"]).data_type == "n"
    start = sheet.cell(row, by_name["start"])
    assert start.is_date and start.value == datetime(2025, 6, 5) and start.number_format == "DD.MM.YYYY"
    stamp = sheet.cell(row, by_name["recorded_at"])
    assert stamp.is_date and stamp.value == datetime(2025, 6, 1, 12, 30)
    assert sheet.cell(row, by_name["notes"]).value == "met at the station"
    assert sheet.cell(2, by_name["end"]).value is None
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLM"]
    assert all(6 <= width <= 60 for width in widths)
    assert sheet.column_dimensions["I"].width > sheet.column_dimensions["A"].width  # purpose > number


def test_xlsx_keeps_formula_looking_text_as_text() -> None:
    sheet = load_workbook(io.BytesIO(write_xlsx(rows("en"), "en"))).active
    assert sheet is not None
    purpose = sheet.cell(4, COLUMNS.index("purpose") + 1)
    assert purpose.value == '=HYPERLINK("http://evil")'
    assert purpose.data_type == "s" and purpose.quotePrefix
    assert sheet.cell(4, COLUMNS.index("start") + 1).number_format == "YYYY-MM-DD"
    assert sheet.title == "Visits"


def test_writers_are_lazy_about_heavy_imports() -> None:
    """Importing bot.reports must not import openpyxl or matplotlib (the bot starts faster)."""
    import subprocess

    code = "import sys, bot.reports; print('openpyxl' in sys.modules, 'matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"


# ---- statistics ---------------------------------------------------------------------------------


def test_summary_counts_and_busiest() -> None:
    periods = [
        (2023, Direction.INCOMING, 2),
        (2024, Direction.INCOMING, 3),
        (2024, Direction.OUTGOING, 4),
        (2025, Direction.OUTGOING, 7),
    ]
    summary = summarize(periods, [("narva", 9), ("raisio", 5), ("narvik", 2), ("johvi", 0)])
    assert (summary.total, summary.incoming, summary.outgoing) == (16, 5, 11)
    assert summary.busiest == (2025, 7)  # a tie goes to the most recent year
    assert summary.periods == ((2023, 2, 0), (2024, 3, 4), (2025, 0, 7))
    assert summary.top_towns == (("narva", 9), ("raisio", 5), ("narvik", 2))
    assert summarize([], []).empty


def test_planned_visits_are_left_out_of_the_counts_and_mentioned() -> None:
    periods = [(2026, Direction.INCOMING, 2), (2027, Direction.OUTGOING, 1)]
    towns = [("narva", 2), ("narvik", 1)]
    planned = [
        visit(5, start=date(2026, 12, 1)),
        visit(2, town_key="narvik", direction=Direction.OUTGOING, start=date(2027, 3, 1)),
        visit(6, start=date(2026, 12, 2), deleted=True),  # not in the counts to begin with
    ]
    held_periods, held_towns = without_planned(periods, towns, planned, by_month=False)
    assert held_periods == [(2026, Direction.INCOMING, 1)] and held_towns == [("narva", 1)]
    summary = summarize(held_periods, held_towns, planned=2)
    assert (summary.total, summary.planned) == (1, 2)
    assert (
        "Всего: <b>1</b> визит; приезды в Кингисепп: 1, поездки из Кингисеппа: 0; ещё запланировано: 2"
        in (stats_caption(summary, "ru", REPLIES))
    )
    assert "; planned: 2" in stats_caption(summary, "en", REPLIES)
    assert "planned" not in stats_caption(summarize(held_periods, held_towns), "en", REPLIES)


def test_monthly_counts_skip_deleted() -> None:
    months = monthly_counts(VISITS)
    assert months == [(1, Direction.INCOMING, 1), (3, Direction.OUTGOING, 1), (6, Direction.INCOMING, 1)]


def test_caption_is_escaped_and_short() -> None:
    summary = summarize(
        [(2024, Direction.INCOMING, 3), (2025, Direction.OUTGOING, 4)], [("narva", 5), ("raisio", 2)]
    )
    ru = stats_caption(summary, "ru", REPLIES)
    assert "Всего: <b>7</b> визитов" in ru and "Нарва — 5" in ru and "2025 (4)" in ru
    en = stats_caption(summary, "en", REPLIES)
    assert "Total: <b>7</b> visits" in en and "Busiest year: 2025 (4)" in en
    year = stats_caption(summarize([(6, Direction.INCOMING, 1)], [("narva", 1)], 2025), "en", REPLIES)
    assert "Busiest month: June (1)" in year and "· 2025" in year and "1</b> visit;" in year
    # a town name with markup is escaped; a huge list is cut to the caption limit
    evil = TownDirectory([*shipped_towns()])
    many = summarize([(2025, Direction.INCOMING, 10**6)], [(f"<b>{'x' * 400}{i}", 1) for i in range(50)])
    text = stats_caption(many, "ru", Replies(evil, TODAY))
    assert "<b>x" not in text and "&lt;b&gt;" in text
    assert visible_length(text) <= CAPTION_LIMIT
    assert "1\u00a0000\u00a0000" in text  # numbers as Replies.number writes them


def test_caption_limit_counts_utf16_units_like_telegram() -> None:
    """Emoji and other astral characters are two UTF-16 units each: Telegram's 1024 counts them so."""
    # three towns of 200 emoji: ~700 code points (what the old count saw), but ~1400 UTF-16 units
    many = summarize([(2025, Direction.INCOMING, 5)], [("🎉" * 200 + str(i), 1) for i in range(3)])
    text = stats_caption(many, "en", REPLIES)
    assert visible_length("🎉") == 2
    assert len(text.encode("utf-16-le")) // 2 <= CAPTION_LIMIT
    assert "🎉" in text  # the towns that fit are kept


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_chart_is_a_real_png(lang: str) -> None:
    periods = [(year, direction, (year * 7 + len(direction.value)) % 11) for year in range(1955, 2027)
               for direction in Direction]  # fmt: skip
    towns = [(town.key, i + 1) for i, town in enumerate(DIRECTORY.partners)]
    data = render_chart(summarize(periods, towns), lang, DIRECTORY)  # type: ignore[arg-type]
    width, height = png_size(data)
    assert width >= 800 and height >= 600 and width * height <= 10_000_000
    assert len(data) > 20_000  # bars, labels, text: not a blank picture


def test_chart_of_one_year_and_many_towns() -> None:
    towns = [(f"town{i}", 30 - i) for i in range(30)]
    summary = summarize([(3, Direction.INCOMING, 2), (11, Direction.OUTGOING, 1)], towns, 2025)
    width, height = png_size(render_chart(summary, "ru", DIRECTORY))
    assert width >= 800 and height < 2000  # twelve bars at most: "others" gathers the rest


# ---- twinbot export -----------------------------------------------------------------------------


def test_cli_export_writes_the_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main
    from bot.config import load_settings
    from bot.core.visits import VisitDraft
    from bot.runtime import open_runtime

    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n[bot]\ndefault_language = "en"\n')

    async def seed() -> None:
        runtime = await open_runtime(load_settings(config))
        try:
            for key, (town, start) in enumerate(
                [("narva", date(2025, 6, 5)), ("raisio", date(2025, 8, 1)), ("narva", date(2024, 1, 2))]
            ):
                draft = VisitDraft(town, Direction.INCOMING, start, None, DelegationType.SPORTS, 3, "match")
                await runtime.visits.record(draft, 900, f"cli-{key}")
        finally:
            await runtime.close()

    asyncio.run(seed())
    target = tmp_path / "out" / "visits-2025.xlsx"
    assert main(["export", "xlsx", str(target), "--year", "2025", "--config", str(config)]) == 0
    assert "2 visits written" in capsys.readouterr().out
    sheet = load_workbook(target).active
    assert sheet is not None and sheet.max_row == 3 and sheet["B1"].value == "Town"

    csv_path = tmp_path / "narva.csv"
    assert (
        main(["export", "csv", str(csv_path), "--town", "Нарва", "--lang", "ru", "--config", str(config)])
        == 0
    )
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["Нарва", "Нарва"] and rows[0][1] == "Город"

    empty = tmp_path / "none.csv"
    assert main(["export", "csv", str(empty), "--year", "1999", "--config", str(config)]) == 1
    assert not empty.exists() and "nothing written" in capsys.readouterr().err
    assert main(["export", "csv", str(empty), "--town", "Atlantis", "--config", str(config)]) == 2
    assert main(["export", "csv", str(empty), "--year", "1800", "--config", str(config)]) == 2
    assert not empty.exists()
