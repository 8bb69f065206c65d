"""The register export streamed: visits read a batch at a time in one snapshot (storage/visits.py),
written to .xlsx and .csv in one pass (bot/exports/files.py write_files)."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.core.visits.people import Participant
from bot.core.visits.places import OTHER_TOWN, OtherPlace
from bot.exports.files import write_csv, write_files, write_xlsx
from bot.exports.register import COLUMNS, PUBLIC_COLUMNS, RowMaker, export_rows
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
    batches = [[*rows[index : index + 8]] for index in range(0, len(rows), 8)]
    for columns in (PUBLIC_COLUMNS, COLUMNS):
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


async def test_streamed_rows_carry_participants_and_places_that_are_not_partners(
    repo: VisitRepository,
) -> None:
    tallinn = VisitDraft(
        OTHER_TOWN,
        Direction.OUTGOING,
        date(2018, 3, 4),
        None,
        DelegationType.CULTURAL,
        5,
        "концерт",
        place=OtherPlace("Таллин", "EE"),
    )
    other = (await repo.record(tallinn, STAFF, "tallinn")).visit
    people = [Participant("Иванова Анна", "руководитель делегации", head=True), Participant("Петров Пётр")]
    await repo.set_participants(other.id, people, STAFF)
    await repo.set_participants(3, [Participant("Смирнов Олег", "тренер")], STAFF)
    maker = RowMaker(directory=DIRECTORY, lang="ru", today=TODAY, zone=ZONE)
    streamed = [maker.row(visit) for batch in repo.batches(size=7) for visit in batch]
    first = streamed[0]  # 2018: the oldest
    assert (first.number, first.town, first.country, first.partner) == (other.id, "Таллин", "Эстония", False)
    assert first.head == "Иванова Анна — руководитель делегации"
    assert first.participants == "Иванова Анна — руководитель делегации; Петров Пётр"
    third = next(row for row in streamed if row.number == 3)
    assert third.participants == "Смирнов Олег — тренер" and third.partner
    # the same rows as the whole list with its participants read apart (the annual report's way)
    visits = await repo.list()
    whole = export_rows(
        visits,
        directory=DIRECTORY,
        lang="ru",
        today=TODAY,
        zone=ZONE,
        participants=await repo.participants_of([visit.id for visit in visits]),
    )
    assert streamed == whole
