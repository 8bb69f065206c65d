"""The annual report (bot/exports/annual*.py): the numbers, and both files read back and checked against
the register they came from."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from openpyxl import load_workbook

from bot.core.visits import DelegationType, Direction, Visit
from bot.exports.annual import (
    AnnualReport,
    ReportYearError,
    build_report,
    change,
    report_tables,
    stretch_text,
)
from bot.exports.annual_pdf import markup, write_report_pdf
from bot.exports.annual_xlsx import write_report_xlsx
from bot.exports.register import COLUMNS, PUBLIC_COLUMNS, export_rows
from tests.exports.sample import DIRECTORY, ZONE, visit

TODAY = date(2026, 3, 15)

REGISTER = [
    visit(1, start=date(2025, 6, 5), end=date(2025, 6, 7), people=12),  # Narva, in, 3 days
    visit(2, town_key="raisio", direction=Direction.OUTGOING, start=date(2025, 9, 1), end=None, people=4),
    visit(3, town_key="narvik", start=date(2025, 9, 20), end=date(2025, 9, 21), people=None),
    visit(4, start=date(2025, 2, 2), end=None, people=5, kind=DelegationType.YOUTH, deleted=True),
    visit(5, start=date(2024, 6, 1), end=None, people=7),  # last year
    visit(6, start=date(2024, 12, 30), end=date(2025, 1, 2), people=2),  # last year (by its start)
    visit(7, start=date(2026, 1, 10), end=None, people=3, notes="private: hotel bill"),
    visit(8, town_key="raisio", start=date(2026, 6, 1), end=date(2026, 6, 3), people=9),  # planned
    visit(9, start=date(2025, 3, 10), end=None, people=1, notes="secret note", created_by=77),
]


def rows_of(year: int, lang: str = "ru", register: list[Visit] = REGISTER) -> list:  # type: ignore[type-arg]
    rows = export_rows(register, directory=DIRECTORY, lang=lang, today=TODAY, zone=ZONE, names={77: "Ольга"})  # type: ignore[arg-type]
    return [row for row in rows if row.start.year == year]


def report(
    year: int = 2025, lang: str = "ru", notes: bool = False, register: list[Visit] = REGISTER
) -> AnnualReport:
    return build_report(
        year,
        rows_of(year, lang, register),
        rows_of(year - 1, lang, register),
        lang=lang,  # type: ignore[arg-type]
        today=TODAY,
        columns=COLUMNS if notes else PUBLIC_COLUMNS,
    )


def test_totals_breakdowns_and_the_previous_year() -> None:
    made = report(2025)
    assert made.complete and (made.first, made.last) == (date(2025, 1, 1), date(2025, 12, 31))
    # visits 1, 2, 3, 9 (4 is deleted): people 12 + 4 + 1 (3 has no headcount), days 3 + 1 + 2 + 1
    assert (made.total.visits, made.total.people, made.total.days, made.total.unknown_people) == (4, 17, 7, 1)
    assert (made.previous.visits, made.previous.people, made.previous.days) == (2, 9, 5)
    incoming, outgoing = made.by_direction
    assert (incoming.name, incoming.tally.visits, outgoing.tally.visits) == ("Приезд в Кингисепп", 3, 1)
    assert [(line.name, line.tally.visits) for line in made.by_town] == [
        ("Нарва", 2),
        ("Нарвик", 1),
        ("Райсио", 1),
    ]  # a tie stays a tie, in name order
    assert made.by_town[0].detail == "Эстония"
    assert [(line.name, line.tally.visits) for line in made.by_country] == [
        ("Эстония", 2),
        ("Норвегия", 1),
        ("Финляндия", 1),
    ]
    assert dict((month, a + b) for month, a, b in made.by_month if a + b) == {3: 1, 6: 1, 9: 2}
    assert not made.planned


def test_the_current_year_counts_held_visits_and_lists_planned_ones_apart() -> None:
    made = report(2026)
    assert not made.complete and made.last == TODAY
    assert made.total.visits == 1 and [row.number for row in made.planned] == [8]
    # compared with 1 January - 15 March of last year: nothing then
    assert (made.previous_first, made.previous_last) == (date(2025, 1, 1), date(2025, 3, 15))
    assert made.previous.visits == 1  # visit 9 of 10 March 2025
    summary = report_tables(made)[0]
    assert "тем же периодом 2025 года (1 января – 15 марта 2025)" in summary.title


def test_years_without_a_report() -> None:
    with pytest.raises(ReportYearError) as future:
        report(2027)
    assert future.value.code == "future"
    with pytest.raises(ReportYearError) as empty:
        report(2019)
    assert empty.value.code == "empty"


def test_changes_and_stretches_read_as_people_write_them() -> None:
    assert [change(5, 4), change(3, 6), change(2, 2), change(4, 0)] == ["+1 (+25%)", "−3 (−50%)", "0", "+4"]
    assert stretch_text("ru", date(2026, 6, 5), date(2026, 6, 7)) == "5–7 июня 2026"
    assert stretch_text("ru", date(2025, 1, 1), date(2025, 12, 31)) == "1 января – 31 декабря 2025"
    assert stretch_text("en", date(2025, 12, 30), date(2026, 1, 2)) == "30 December 2025 – 2 January 2026"


def _sheet_rows(data: bytes, title: str) -> list[tuple[object, ...]]:
    workbook = load_workbook(io.BytesIO(data))
    return [row for row in workbook[title].iter_rows(values_only=True) if any(v is not None for v in row)]


def test_the_workbook_matches_the_register() -> None:
    made = report(2025)
    data = write_report_xlsx(made)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [
        "Итоги",
        "Направления",
        "Страны",
        "Города",
        "Типы",
        "Месяцы",
        "Визиты",
        "Запланированные",
    ]
    summary = _sheet_rows(data, "Итоги")
    assert summary[0][0] == "Визиты делегаций: отчёт за 2025 год"
    assert ("Визитов", 4, 2, "+2 (+100%)") in [row[:4] for row in summary]
    assert ("Участников", 17, 9, "+8 (+89%)") in [row[:4] for row in summary]
    towns = _sheet_rows(data, "Города")
    assert towns[-1][:5] == ("Всего", None, 4, 17, 7)  # the total row, bold
    assert sum(int(row[2]) for row in towns[2:-1]) == 4  # type: ignore[call-overload]
    held = _sheet_rows(data, "Визиты")
    assert [row[0] for row in held[2:]] == [9, 1, 2, 3]  # date order; the deleted visit is left out
    assert sum(int(row[PUBLIC_COLUMNS.index("days")]) for row in held[2:]) == made.total.days  # type: ignore[call-overload]
    flat = " ".join(
        str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row
    )
    assert "secret note" not in flat and "Ольга" not in flat  # staff columns only when asked
    month = workbook["Месяцы"]
    assert len(month._charts) == 1 and month.page_setup.orientation == "landscape"
    with_notes = write_report_xlsx(report(2025, notes=True))
    assert any("secret note" in str(row) for row in _sheet_rows(with_notes, "Визиты"))


def _pdf_text(data: bytes) -> str:
    """The text of every page, cells and lines joined by single spaces."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_pdf_holds_the_same_numbers_in_embedded_fonts() -> None:
    made = report(2025)
    data = write_report_pdf(made)
    reader = pypdf.PdfReader(io.BytesIO(data))
    first = reader.pages[0]
    assert first.mediabox.width > first.mediabox.height  # landscape
    text = _pdf_text(data)
    assert "Визиты делегаций: отчёт за 2025 год" in text and "Период: 1 января – 31 декабря 2025" in text
    assert "Сравнение с 2024 годом" in text and "+2 (+100%)" in text
    assert "Всего 4 17 7" in text  # the directions' total: visits, participants, days
    assert "Состоявшиеся визиты" in text and "Запланированные визиты" in text
    assert "secret note" not in text and "Ольга" not in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(font["/BaseFont"])
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None:
                assert "/FontFile2" in descriptor.get_object()  # embedded
    assert all(str(name).endswith(("DejaVuSans", "DejaVuSans-Bold")) for name in fonts), fonts
    assert "secret note" in _pdf_text(write_report_pdf(report(2025, notes=True)))


def test_names_in_other_scripts_print() -> None:
    """Estonian, Norwegian and Finnish letters in DejaVu Sans; Chinese in the CJK fallback font."""
    names = "Jõhvi Tromsø Ålesund Hämeenlinna Kärdla 北京友好城市"
    register = [visit(1, start=date(2025, 5, 5), purpose=names, people=3)]
    data = write_report_pdf(report(2025, register=register))
    text = _pdf_text(data)
    for word in ("Jõhvi", "Tromsø", "Ålesund", "Hämeenlinna", "Kärdla", "北京友好城市"):
        assert word in text
    assert '<font name="' in markup("北京") and "<" not in markup("Jõhvi &").replace("&amp;", "")
    assert write_report_xlsx(report(2025, register=register))


def test_the_head_and_the_participants_reach_the_register_and_the_report_list() -> None:
    """In the register in full; in the report's list (xlsx and PDF) a 200-name list is cut with its count,
    so a row stays shorter than a page."""
    from bot.core.visits.people import MAX_PARTICIPANTS, Participant
    from bot.exports.annual import LIST_PARTICIPANT_CHARS
    from bot.exports.files import write_csv

    crowd = tuple(Participant(f"Участник Номер{n}", "член делегации") for n in range(MAX_PARTICIPANTS - 1))
    people = (Participant("Jaan Tamm", "руководитель делегации", head=True), *crowd)
    register = [
        visit(1, start=date(2025, 5, 5), people=200, participants=people),
        visit(
            2,
            start=date(2025, 6, 5),
            people=2,
            purpose="Малая",
            participants=(Participant("Ola <Nordmann>"),),
        ),
    ]
    rows = export_rows(register, directory=DIRECTORY, lang="ru", today=TODAY, zone=ZONE)
    assert rows[0].head == "Jaan Tamm — руководитель делегации"
    assert rows[0].participants.startswith(
        "Jaan Tamm — руководитель делегации; Участник Номер0 — член делегации"
    )
    assert rows[0].participants.count("; ") == MAX_PARTICIPANTS - 1
    assert rows[1].head == "" and rows[1].participants == "Ola <Nordmann>"
    csv_text = write_csv(rows, "ru").decode("utf-8-sig")
    assert "Глава делегации" in csv_text and "Участник Номер198 — член делегации" in csv_text
    made = report(2025, register=register)
    workbook = load_workbook(io.BytesIO(write_report_xlsx(made)))
    held = [row for row in workbook["Визиты"].iter_rows(values_only=True) if row and row[0] in (1, 2)]
    listed = {row[0]: row for row in held}
    assert "Jaan Tamm — руководитель делегации" in listed[1]
    cut = next(cell for cell in listed[1] if isinstance(cell, str) and cell.endswith("(200)"))
    assert len(cut) <= LIST_PARTICIPANT_CHARS + 10
    assert "Ola <Nordmann>" in listed[2]
    text = _pdf_text(write_report_pdf(made))
    assert "Jaan Tamm" in text and "Ola <Nordmann>" in text and "(200)" in text


def test_places_that_are_not_partners_are_one_line_of_their_own() -> None:
    from bot.core.visits.places import OTHER_TOWN, OtherPlace

    register = [
        visit(1, start=date(2025, 5, 5), people=3),  # Narva
        visit(2, town_key=OTHER_TOWN, place=OtherPlace("Таллин", "EE"), start=date(2025, 6, 5), people=4),
        visit(
            3, town_key=OTHER_TOWN, place=OtherPlace("Ассоциация", ""), start=date(2025, 7, 5), people=None
        ),
    ]
    rows = export_rows(register, directory=DIRECTORY, lang="ru", today=TODAY, zone=ZONE)
    assert [(row.town, row.country, row.partner) for row in rows] == [
        ("Нарва", "Эстония", True),
        ("Таллин", "Эстония", False),
        ("Ассоциация", "", False),
    ]
    made = report(2025, register=register)
    assert made.total.visits == 3  # in the totals
    assert [(line.name, line.tally.visits) for line in made.by_town] == [
        ("Нарва", 1),
        ("Другие места (не партнёры)", 2),
    ]
    assert [(line.name, line.tally.visits) for line in made.by_country] == [
        ("Эстония", 1),
        ("Другие места (не партнёры)", 2),
    ]
    assert "Другие места (не партнёры)" in _pdf_text(write_report_pdf(made))


def test_column_widths_keep_every_word_whole_and_fill_the_page() -> None:
    from bot.exports.annual_pdf import fitted_widths

    weights, width = [1.0, 1.0, 4.0], 600.0
    assert fitted_widths([10, 10, 10], weights, width) == [100.0, 100.0, 400.0]  # the plain shares
    widths = fitted_widths([150, 10, 10], weights, width)  # the first needs more: taken from the others
    assert widths[0] == 150 and widths[2] == 4 * widths[1] and sum(widths) == pytest.approx(width)
    assert fitted_widths([400, 300, 10], weights, width) == [100.0, 100.0, 400.0]  # cannot fit: shares


@pytest.mark.parametrize("notes", [False, True])
def test_the_pdf_list_prints_dates_and_headers_unbroken(notes: bool) -> None:
    """The register's widest list (with the notes: 14 columns) still prints a date on one line: set
    smaller rather than broken as "28.07.202 / 6"."""
    from bot.core.visits.people import Participant

    people = (Participant("Ыйе Тамм", "руководитель делегации", head=True), Participant("Sørensen Åse"))
    register = [
        visit(
            n, town_key="narva", start=date(2025, 7, n), end=date(2025, 7, n + 1), people=n, notes="заметка"
        )
        for n in range(1, 6)
    ]
    register.append(visit(6, start=date(2025, 9, 28), end=None, people=3, participants=people))
    text = _pdf_text(write_report_pdf(report(2025, notes=notes, register=register)))
    for n in range(1, 6):
        assert f"0{n}.07.2025 0{n + 1}.07.2025" in text
    assert "28.09.2025 28.09.2025" in text and "Направление" in text and "Окончание" in text
