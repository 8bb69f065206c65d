"""The register export streamed: visits read a batch at a time in one snapshot (storage/visits.py),
written to .xlsx and .csv in one pass (bot/exports/files.py write_files)."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.core.visits.people import Participant
from bot.core.visits.places import OTHER_TOWN, OtherPlace
from bot.exports.files import write_csv, write_files, write_xlsx
from bot.exports.register import COLUMNS, PUBLIC_COLUMNS, RecordRows, export_rows, label
from storage.database import open_database
from storage.towns import TownRepository
from storage.visits import VisitRepository
from tests.exports.sample import DIRECTORY, TODAY, ZONE

STAFF = 900


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[VisitRepository]:
    db = await open_database(tmp_path / "export.sqlite3")
    await TownRepository(db).seed_if_empty(shipped_towns())
    repository = VisitRepository(db)
    rng = random.Random(4)
    for number in range(57):
        start = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2500))
        draft = VisitDraft(
            rng.choice(("narva", "raisio", "narvik")),
            rng.choice(list(Direction)),
            start,
            None,
            DelegationType.OFFICIAL,
            rng.choice((None, 3)),
            f"=visit {number}" if number % 7 == 0 else f"visit {number}",
            notes=f"note {number}",
        )
        await repository.record(draft, STAFF, f"s{number}", allow_similar=True)
    await repository.delete(5, STAFF)
    try:
        yield repository
    finally:
        await db.close()


def make_rows(visits: list) -> list:  # type: ignore[type-arg]
    return export_rows(visits, directory=DIRECTORY, lang="ru", today=TODAY, zone=ZONE)


async def test_batches_are_the_register_oldest_first_in_one_snapshot(repo: VisitRepository) -> None:
    everything = await repo.list()
    batches = repo.batches(size=10)
    first = await asyncio.to_thread(next, batches)
    # written while the export reads: not in this export, which sees the register as it was
    late = VisitDraft("narva", Direction.INCOMING, date(2019, 1, 1), None, DelegationType.YOUTH, 2, "late")
    await repo.record(late, STAFF, "late")
    rest = await asyncio.to_thread(list, batches)
    streamed = [visit for batch in [first, *rest] for visit in batch]
    assert [len(batch) for batch in [first, *rest]] == [10, 10, 10, 10, 10, 6]
    assert streamed == sorted(everything, key=lambda visit: (visit.start, visit.id))
    assert all(not visit.deleted for visit in streamed) and len(streamed) == 56
    by_town = [visit for batch in repo.batches(town_key="narva", year=2022, size=3) for visit in batch]
    assert by_town == sorted(await repo.list(town_key="narva", year=2022), key=lambda v: (v.start, v.id))


async def test_one_pass_writes_both_files_as_the_whole_list_would(repo: VisitRepository) -> None:
    rows = make_rows(await repo.list())
    for columns in (PUBLIC_COLUMNS, COLUMNS):
        values = [row.values(columns) for row in rows]
        batches = [values[index : index + 8] for index in range(0, len(values), 8)]
        files, count = write_files(iter(batches), "ru", ("xlsx", "csv"), columns)
        assert count == len(rows) == 56 and [kind for kind, _ in files] == ["xlsx", "csv"]
        xlsx, csv_data = files[0][1], files[1][1]
        assert csv_data == write_csv(rows, "ru", columns)
        streamed = load_workbook(io.BytesIO(xlsx)).active
        whole = load_workbook(io.BytesIO(write_xlsx(rows, "ru", columns))).active
        assert streamed is not None and whole is not None
        values = [[cell.value for cell in row] for row in streamed.iter_rows()]
        assert values == [[cell.value for cell in row] for row in whole.iter_rows()]
        assert len(values) == 57 and streamed.auto_filter.ref == whole.auto_filter.ref
        purpose = columns.index("purpose") + 1
        quoted = [
            row[purpose - 1] for row in streamed.iter_rows(min_row=2) if str(row[purpose - 1].value)[0] == "="
        ]
        assert quoted and all(cell.quotePrefix and cell.data_type == "s" for cell in quoted)
    assert write_files(iter([]), "ru") == ([], 0)


@pytest.fixture
async def varied(tmp_path: Path) -> AsyncIterator[VisitRepository]:
    """A register with what the record path must get right: participants with a head, a place that is
    not a partner, a one-day visit, texts beginning with = + - @, a planned visit, a deleted one."""
    db = await open_database(tmp_path / "varied.sqlite3")
    await TownRepository(db).seed_if_empty(shipped_towns())
    repository = VisitRepository(db)
    drafts = [
        VisitDraft(
            "narva",
            Direction.INCOMING,
            date(2025, 6, 5),
            date(2025, 6, 7),
            DelegationType.CULTURAL,
            12,
            "Town Day concert",
            notes="met at the station",
        ),
        VisitDraft(
            "raisio",
            Direction.OUTGOING,
            date(2024, 1, 10),
            None,
            DelegationType.YOUTH,
            4,
            "=SUM(A1:A9)",
            notes="+1 call -2 @admin",
        ),
        VisitDraft(
            OTHER_TOWN,
            Direction.INCOMING,
            date(2023, 3, 1),
            None,
            DelegationType.BUSINESS,
            None,
            "@forum",
            place=OtherPlace("Таллин", "EE"),
        ),
        VisitDraft(
            OTHER_TOWN,
            Direction.OUTGOING,
            date(2023, 4, 1),
            date(2023, 4, 2),
            DelegationType.OTHER,
            2,
            "-ярмарка",
            place=OtherPlace("Ленинградская область"),
        ),
        VisitDraft(
            "narvik", Direction.OUTGOING, date(2030, 5, 1), None, DelegationType.OFFICIAL, 3, "planned"
        ),
        VisitDraft("narva", Direction.INCOMING, date(2022, 2, 2), None, DelegationType.SPORTS, 1, "gone"),
    ]
    for number, draft in enumerate(drafts):
        await repository.record(draft, STAFF, f"v{number}", allow_similar=True)
    await repository.set_participants(
        1,
        [Participant("Иванов Иван", "руководитель делегации", head=True), Participant("Петрова Анна")],
        STAFF,
    )
    await repository.set_participants(3, [Participant("Mari Tamm", "=HYPERLINK(x)")], STAFF)
    await repository.delete(6, STAFF)
    try:
        yield repository
    finally:
        await db.close()


async def test_record_rows_are_the_export_rows_values(varied: VisitRepository) -> None:
    """The streamed path (plain records, RecordRows) gives every cell as ExportRow.values does."""
    visits = [await varied.get(visit.id) for visit in await varied.list()]
    rows = export_rows(
        [visit for visit in visits if visit is not None],
        directory=DIRECTORY,
        lang="ru",
        today=TODAY,
        zone=ZONE,
        names={STAFF: "Ольга"},
    )
    for columns in (PUBLIC_COLUMNS, COLUMNS):
        maker = RecordRows(
            directory=DIRECTORY, lang="ru", today=TODAY, columns=columns, zone=ZONE, names={STAFF: "Ольга"}
        )
        streamed = [row for batch in varied.register(size=2) for row in maker.rows(batch)]
        assert streamed == [row.values(columns) for row in rows]
        assert len(streamed) == 5
        in_memory = maker.rows(await varied.register_in_memory())
        assert in_memory == streamed
    planned = dict(zip(COLUMNS, streamed[-1], strict=True))  # the planned visit, last by date
    assert planned["number"] == 5 and planned["status"] == label("ru", "reports.status.planned")
    assert planned["recorded_by"] == f"Ольга ({STAFF})" and isinstance(planned["recorded_at"], datetime)


async def test_streamed_xlsx_keeps_every_kind_of_cell(varied: VisitRepository) -> None:
    maker = RecordRows(directory=DIRECTORY, lang="ru", today=TODAY, columns=COLUMNS, zone=ZONE)
    files, count = write_files(
        (maker.rows(batch) for batch in varied.register(size=2)), "ru", ("xlsx",), COLUMNS
    )
    assert count == 5
    sheet = load_workbook(io.BytesIO(files[0][1])).active
    assert sheet is not None
    rows = {
        row[0].value: {column: cell for column, cell in zip(COLUMNS, row, strict=True)}
        for row in sheet.iter_rows(min_row=2)
    }
    assert list(rows) == [3, 4, 2, 1, 5]  # oldest first, the deleted one left out
    one_day = rows[2]
    assert one_day["start"].value == one_day["end"].value and one_day["end"].value.date() == date(2024, 1, 10)
    assert (
        one_day["start"].is_date
        and one_day["end"].number_format == "DD.MM.YYYY"
        and one_day["days"].value == 1
    )
    for cell in (one_day["purpose"], one_day["notes"], rows[3]["purpose"], rows[4]["purpose"]):
        assert cell.value[0] in "=+-@" and cell.data_type == "s" and cell.quotePrefix
    assert one_day["purpose"].value == "=SUM(A1:A9)" and one_day["purpose"].alignment.wrap_text
    tallinn, region = rows[3], rows[4]
    assert tallinn["town"].value == "Таллин" and tallinn["country"].value == "Эстония"
    assert tallinn["people"].value is None and tallinn["head"].value is None
    assert region["town"].value == "Ленинградская область" and region["country"].value is None
    assert region["days"].value == 2
    head_and_all = rows[1]
    assert head_and_all["head"].value == "Иванов Иван — руководитель делегации"
    assert head_and_all["participants"].value == "Иванов Иван — руководитель делегации; Петрова Анна"
    assert head_and_all["participants"].alignment.wrap_text
    assert head_and_all["people"].value == 12 and head_and_all["people"].data_type == "n"
    assert head_and_all["recorded_at"].is_date
    assert rows[3]["participants"].value == "Mari Tamm — =HYPERLINK(x)"  # begins with M: no prefix needed
    assert rows[5]["status"].value == label("ru", "reports.status.planned")
    assert rows[1]["status"].value == label("ru", "reports.status.past")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:P6"
