"""Participants, the head of the delegation and files kept with a visit (storage/visit_details.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.townfile import shipped_towns
from bot.core.visits import VisitInputError
from bot.core.visits.files import MAX_DOCUMENT_BYTES, FileKind, FileOffer
from bot.core.visits.people import MAX_PARTICIPANTS, Participant, parse_participants
from storage.database import Database, open_database
from storage.towns import TownRepository
from storage.visits import StaleVisitError, VisitRepository
from tests.storage.test_visits import STAFF, TODAY, draft


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "details.sqlite3")
    await TownRepository(db).seed_if_empty(shipped_towns())
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def repo(database: Database) -> VisitRepository:
    repository = VisitRepository(database)
    await repository.load_public(TODAY)
    return repository


def pdf(unique: str = "u1", size: int = 1000, name: str = "Программа.pdf") -> FileOffer:
    return FileOffer(FileKind.DOCUMENT, f"file-{unique}", unique, name, "application/pdf", size)


async def recorded(repo: VisitRepository) -> int:
    return (await repo.record(draft(), STAFF, "k1")).visit.id


async def test_participants_are_stored_whole_in_order_with_the_head(repo: VisitRepository) -> None:
    visit_id = await recorded(repo)
    before = await repo.get(visit_id)
    assert before is not None and before.participants == ()
    people = parse_participants("1. Иванов Иван — глава делегации\n2. Петрова Анна — переводчик\nСидоров")
    visit = await repo.set_participants(visit_id, people, STAFF, expected_revision=before.revision)
    assert [p.name for p in visit.participants] == ["Иванов Иван", "Петрова Анна", "Сидоров"]
    assert visit.participants[0].head and not visit.participants[1].head
    assert visit.revision == before.revision + 1
    again = await repo.get(visit_id)
    assert again == visit
    assert (await repo.participants_of([visit_id, 999])) == {visit_id: visit.participants}
    entry = (await repo.history(visit_id))[0]
    assert entry.action == "update"
    assert entry.before == {"participants": []}
    assert entry.after is not None and entry.after["participants"][0] == {
        "name": "Иванов Иван",
        "role": "глава делегации",
        "head": True,
    }
    # a shorter list replaces the old one whole
    shorter = await repo.set_participants(visit_id, (Participant("Петрова Анна"),), STAFF)
    assert [p.name for p in shorter.participants] == ["Петрова Анна"]
    # the same list again writes nothing
    same = await repo.set_participants(visit_id, (Participant("Петрова Анна"),), STAFF)
    assert same.revision == shorter.revision
    assert len(await repo.history(visit_id)) == 3


async def test_a_list_over_the_limit_or_stale_writes_nothing(
    repo: VisitRepository, database: Database
) -> None:
    visit_id = await recorded(repo)
    too_many = tuple(Participant(f"Человек {n}") for n in range(MAX_PARTICIPANTS + 1))
    with pytest.raises(VisitInputError) as raised:
        await repo.set_participants(visit_id, too_many, STAFF)
    assert raised.value.errors[0].code == "participants_too_many"
    two_heads = (Participant("А", head=True), Participant("Б", head=True))
    with pytest.raises(VisitInputError):
        await repo.set_participants(visit_id, two_heads, STAFF)
    with pytest.raises(StaleVisitError):
        await repo.set_participants(visit_id, (Participant("А"),), STAFF, expected_revision=99)
    row = await database.fetchone("SELECT count(*) FROM visit_participants")
    assert row is not None and row[0] == 0
    # the database refuses a second head even when the code is bypassed
    async with database.transaction() as conn:
        await conn.execute("INSERT INTO visit_participants VALUES (?, 1, 'А', '', 1)", (visit_id,))
    with pytest.raises(sqlite3.IntegrityError):
        async with database.transaction() as conn:
            await conn.execute("INSERT INTO visit_participants VALUES (?, 2, 'Б', '', 1)", (visit_id,))


async def test_a_deleted_visit_keeps_its_participants_and_files_for_undo(repo: VisitRepository) -> None:
    visit_id = await recorded(repo)
    await repo.set_participants(visit_id, (Participant("Иванов"),), STAFF)
    await repo.attach(visit_id, pdf(), STAFF)
    deleted = await repo.delete(visit_id, STAFF)
    with pytest.raises(StaleVisitError):
        await repo.set_participants(visit_id, (), STAFF)  # a deleted visit takes no changes
    with pytest.raises(StaleVisitError):
        await repo.attach(visit_id, pdf("u2"), STAFF)
    restored = await repo.restore(visit_id, STAFF, expected_revision=deleted.revision)
    assert [p.name for p in restored.participants] == ["Иванов"]
    assert [f.name for f in restored.files] == ["Программа.pdf"]


async def test_files_are_kept_once_listed_and_removed_with_history(repo: VisitRepository) -> None:
    visit_id = await recorded(repo)
    visit, kept, new = await repo.attach(visit_id, pdf(), STAFF)
    assert new and kept.file_id == "file-u1" and kept.size == 1000 and kept.kind is FileKind.DOCUMENT
    assert visit.files == (kept,)
    again, same, new_again = await repo.attach(visit_id, pdf(), STAFF)  # the same file sent twice
    assert not new_again and same == kept and again.revision == visit.revision
    photo = FileOffer(FileKind.PHOTO, "photo-id", "u3", "", "", 50_000)
    with_photo, kept_photo, _ = await repo.attach(visit_id, photo, STAFF)
    assert kept_photo.name == f"photo-{visit_id}-2.jpg"
    assert [f.kind for f in with_photo.files] == [FileKind.DOCUMENT, FileKind.PHOTO]
    removed = await repo.remove_file(visit_id, kept.id, STAFF)
    assert removed.files == (kept_photo,)
    with pytest.raises(VisitInputError):
        await repo.remove_file(visit_id, kept.id, STAFF)
    actions = [(entry.action, entry.before, entry.after) for entry in await repo.history(visit_id)]
    assert actions[0] == ("detach", {"file": "Программа.pdf"}, None)
    assert actions[2] == ("attach", None, {"file": "Программа.pdf", "kind": "document", "size": 1000})


async def test_files_that_cannot_be_kept_are_refused_before_writing(
    repo: VisitRepository,
    database: Database,
) -> None:
    visit_id = await recorded(repo)
    bad = [
        (pdf(size=MAX_DOCUMENT_BYTES + 1), "file_too_big"),
        (FileOffer(FileKind.DOCUMENT, "x", "u9", "setup.exe", "application/x-msdownload", 10), "file_type"),
        (FileOffer(None), "file_type"),
        (
            FileOffer(FileKind.DOCUMENT, "x", "u8", "a.pdf", "application/pdf", 10, from_channel=True),
            "file_from_channel",
        ),
    ]
    for offer, code in bad:
        with pytest.raises(VisitInputError) as raised:
            await repo.attach(visit_id, offer, STAFF)
        assert raised.value.errors[0].code == code
    row = await database.fetchone("SELECT count(*) FROM visit_files")
    assert row is not None and row[0] == 0
    visit = await repo.get(visit_id)
    assert visit is not None and visit.revision == 1


# ---- visits to places that are not partners -----------------------------------------------------------


async def test_another_place_is_stored_without_a_partner_town_and_counted_apart(
    repo: VisitRepository, database: Database
) -> None:
    from bot.core.visits.places import OTHER_TOWN, OtherPlace

    tallinn = draft(town_key=OTHER_TOWN, place=OtherPlace("Таллин", "EE"))
    visit = (await repo.record(tallinn, STAFF, "o1")).visit
    assert visit.town_key == OTHER_TOWN and visit.place == OtherPlace("Таллин", "EE")
    row = await database.fetchone(
        "SELECT town_key, place_name, place_country FROM visits WHERE id = ?", (visit.id,)
    )
    assert row is not None and tuple(row) == (None, "Таллин", "EE")
    await repo.record(draft(), STAFF, "n1")  # Narva, the same day
    assert await repo.count() == 2 and await repo.count(town_key=OTHER_TOWN) == 1
    assert dict(await repo.town_counts(2024)) == {"narva": 1, OTHER_TOWN: 1}
    assert [v.id for v in await repo.list(town_key=OTHER_TOWN)] == [visit.id]
    assert OTHER_TOWN not in repo.public_towns()  # residents' view: partners only
    # the same place on the same day is "similar"; another place is not
    again = await repo.record(tallinn, STAFF, "o2")
    assert again.outcome.value == "similar exists" and again.visit.id == visit.id
    riga = await repo.record(draft(town_key=OTHER_TOWN, place=OtherPlace("Рига", "LV")), STAFF, "o3")
    assert riga.outcome.value == "recorded"
    # edited to a partner town, the place goes; the audit has both
    moved = await repo.update(visit.id, {"town_key": "narva"}, STAFF)
    assert moved.town_key == "narva" and moved.place is None
    entry = (await repo.history(visit.id))[0]
    assert entry.before == {"town_key": OTHER_TOWN, "place_name": "Таллин", "place_country": "EE"}
    assert entry.after == {"town_key": "narva", "place_name": None, "place_country": None}
    back = await repo.update(
        visit.id, {"town_key": OTHER_TOWN, "place": OtherPlace("Ассоциация ЛенОбл", "")}, STAFF
    )
    assert back.place == OtherPlace("Ассоциация ЛенОбл", "")
    assert dict(await repo.town_counts(2024)) == {"narva": 1, OTHER_TOWN: 2}


async def test_a_place_without_a_name_or_a_town_without_a_place_is_refused(
    repo: VisitRepository, database: Database
) -> None:
    from bot.core.visits.places import OTHER_TOWN, OtherPlace

    for bad in (
        draft(town_key=OTHER_TOWN),
        draft(place=OtherPlace("Таллин", "EE")),
        draft(town_key=OTHER_TOWN, place=OtherPlace(" ", "EE")),
        draft(town_key=OTHER_TOWN, place=OtherPlace("Таллин", "Estonia")),
    ):
        with pytest.raises(VisitInputError):
            await repo.record(bad, STAFF, "bad")
    with pytest.raises(sqlite3.IntegrityError):  # the table's own check
        async with database.transaction() as conn:
            await conn.execute(
                "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
                "VALUES (NULL, 'in', '2024-01-01', 'official', 'x', 1, 1)"
            )
    assert await repo.count() == 0
