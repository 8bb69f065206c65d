"""The visit register (storage/visits.py) and the PTB state store (storage/chat_state.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import storage.visits as visits_module
from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, VisitDraft, VisitInputError
from storage.chat_state import ChatStateStore
from storage.database import Database, open_database
from storage.towns import TownRepository
from storage.visits import Outcome, StaleVisitError, VisitNotFoundError, VisitRepository

STAFF = 900
TODAY = date(2026, 11, 26)


def draft(**changes: Any) -> VisitDraft:
    values: dict[str, Any] = {
        "town_key": "narva",
        "direction": Direction.INCOMING,
        "start": date(2024, 6, 5),
        "end": date(2024, 6, 7),
        "kind": DelegationType.YOUTH,
        "people": 12,
        "purpose": "Летний лагерь <b>&",
        "notes": "только для своих",
    }
    values.update(changes)
    return VisitDraft(**values)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "visits.sqlite3")
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


async def audit_count(db: Database) -> int:
    row = await db.fetchone("SELECT count(*) FROM audit_log WHERE entity = 'visit'")
    assert row is not None
    return int(row[0])


async def test_record_stores_verbatim_and_audits(repo: VisitRepository, database: Database) -> None:
    recording = await repo.record(draft(), STAFF, "form:900:abc")
    visit = recording.visit
    assert (
        recording.outcome is Outcome.RECORDED and visit.id == 1 and visit.revision == 1 and not visit.deleted
    )
    assert visit.purpose == "Летний лагерь <b>&" and visit.notes == "только для своих"
    assert visit.created_by == STAFF
    (entry,) = await repo.history(visit.id)
    assert entry.action == "create" and entry.actor_id == STAFF
    assert entry.after is not None and entry.after["purpose"] == "Летний лагерь <b>&"
    assert await repo.get(visit.id) == visit


async def test_the_same_key_creates_one_visit(repo: VisitRepository, database: Database) -> None:
    first = await repo.record(draft(), STAFF, "msg:10:5001")
    again = await repo.record(draft(purpose="другое"), STAFF, "msg:10:5001")
    assert first.outcome is Outcome.RECORDED and again.outcome is Outcome.ALREADY_RECORDED
    assert again.visit == first.visit
    first = first.visit
    assert await repo.count() == 1 and await audit_count(database) == 1
    assert await repo.find_by_key("msg:10:5001") == first
    assert await repo.find_by_key("msg:10:5002") is None


async def test_a_similar_visit_is_reported_and_nothing_is_written(
    repo: VisitRepository, database: Database
) -> None:
    first = (await repo.record(draft(), STAFF, "msg:10:1")).visit
    # the same town, direction and start under another key: the one on record, nothing new
    similar = await repo.record(draft(purpose="другая цель", end=None), STAFF, "msg:10:2")
    assert similar.outcome is Outcome.SIMILAR_EXISTS and similar.visit == first
    assert await repo.count() == 1 and await audit_count(database) == 1
    assert await repo.find_by_key("msg:10:2") is None  # so "save anyway" can still use the key
    # a key that wrote a visit is answered before any similarity
    again = await repo.record(draft(), STAFF, "msg:10:1")
    assert again.outcome is Outcome.ALREADY_RECORDED and again.visit == first
    # another direction or start date is not similar; "save anyway" records even a similar one
    other = await repo.record(draft(direction=Direction.OUTGOING), STAFF, "msg:10:3")
    assert other.outcome is Outcome.RECORDED
    anyway = await repo.record(draft(purpose="другая цель"), STAFF, "msg:10:2", allow_similar=True)
    assert anyway.outcome is Outcome.RECORDED and anyway.visit.purpose == "другая цель"
    assert await repo.find_by_key("msg:10:2") == anyway.visit
    twice = await repo.record(draft(purpose="другая цель"), STAFF, "msg:10:2", allow_similar=True)
    assert twice.outcome is Outcome.ALREADY_RECORDED and twice.visit == anyway.visit
    # a deleted visit is no longer on record as similar
    for visit in (first, anyway.visit):
        await repo.delete(visit.id, STAFF)
    after_delete = await repo.record(draft(), STAFF, "msg:10:4")
    assert after_delete.outcome is Outcome.RECORDED
    assert await repo.count() == 2


async def test_a_write_returns_the_visit_as_its_own_transaction_left_it(repo: VisitRepository) -> None:
    """Read back under the write lock: another write cannot slip in between COMMIT and the read."""
    recorded = (await repo.record(draft(), STAFF, "k")).visit
    results = await asyncio.gather(
        repo.update(recorded.id, {"people": 20}, STAFF),
        repo.update(recorded.id, {"people": 30}, STAFF),
    )
    assert sorted((visit.revision, visit.people) for visit in results) in (
        [(2, 20), (3, 30)],
        [(2, 30), (3, 20)],
    )
    deleted = await repo.delete(recorded.id, STAFF)
    assert deleted.deleted and deleted.revision == 4 and deleted == await repo.get(recorded.id)


async def test_concurrent_saves_with_one_key_make_one_visit(database: Database, tmp_path: Path) -> None:
    """Two connections (as two processes would) race with the same key: one visit, both get it."""
    other = await open_database(tmp_path / "visits.sqlite3")
    try:
        results = await asyncio.gather(
            *(
                VisitRepository(db).record(draft(), STAFF, "form:900:race")
                for db in (database, other, database)
            )
        )
    finally:
        await other.close()
    assert sorted(result.outcome.value for result in results) == [
        "already recorded",
        "already recorded",
        "recorded",
    ]
    assert len({result.visit.id for result in results}) == 1
    assert await VisitRepository(database).count() == 1


async def test_two_staff_recording_at_once_do_not_interfere(repo: VisitRepository) -> None:
    made = await asyncio.gather(
        *(
            repo.record(draft(people=n), 900 + n, f"form:{900 + n}:x", allow_similar=True)
            for n in range(1, 11)
        )
    )
    assert len({result.visit.id for result in made}) == 10
    assert sorted(result.visit.people or 0 for result in made) == list(range(1, 11))


async def test_a_failure_inside_the_transaction_writes_nothing(
    repo: VisitRepository, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_audit(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(visits_module, "write_audit", broken_audit)
    with pytest.raises(RuntimeError):
        await repo.record(draft(), STAFF, "form:900:fire")
    assert await repo.count() == 0
    assert await repo.list(include_deleted=True) == []
    assert await repo.find_by_key("form:900:fire") is None  # the key was rolled back with the visit
    monkeypatch.undo()
    recording = await repo.record(draft(), STAFF, "form:900:fire")
    assert recording.outcome is Outcome.RECORDED and recording.visit.id >= 1


async def test_invalid_drafts_are_refused_before_writing(repo: VisitRepository) -> None:
    for bad in (draft(people=0), draft(people=100_000), draft(purpose=""), draft(notes="x" * 2001),
                draft(end=date(2024, 6, 1)), draft(start=date(1949, 1, 1), end=None)):  # fmt: skip
        with pytest.raises(VisitInputError):
            await repo.record(bad, STAFF, f"bad:{id(bad)}")
    assert await repo.count() == 0


async def test_database_checks_guard_the_register(database: Database) -> None:
    """Even a write that bypasses the repository cannot store an impossible visit."""
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        async with database.transaction() as conn:
            await conn.execute(
                "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
                "VALUES ('narva', 'sideways', '2024-06-05', 'youth', 'x', 1, 1)"
            )
    with pytest.raises(sqlite3.IntegrityError):  # no such town
        async with database.transaction() as conn:
            await conn.execute(
                "INSERT INTO visits (town_key, direction, start_date, kind, purpose, created_by, updated_by) "
                "VALUES ('atlantis', 'in', '2024-06-05', 'youth', 'x', 1, 1)"
            )


async def test_update_audits_only_what_changed(repo: VisitRepository) -> None:
    visit = (await repo.record(draft(), STAFF, "k1")).visit
    updated = await repo.update(visit.id, {"people": 20, "purpose": "Новая цель"}, 901, expected_revision=1)
    assert updated.people == 20 and updated.purpose == "Новая цель" and updated.revision == 2
    latest = (await repo.history(visit.id))[0]
    assert latest.action == "update" and latest.actor_id == 901
    assert latest.before == {"people": 12, "purpose": "Летний лагерь <b>&"}
    assert latest.after == {"people": 20, "purpose": "Новая цель"}
    # nothing changed: no new revision, no audit entry
    same = await repo.update(visit.id, {"people": 20}, 901)
    assert same.revision == 2 and len(await repo.history(visit.id)) == 2


async def test_update_with_an_old_revision_changes_nothing(repo: VisitRepository) -> None:
    visit = (await repo.record(draft(), STAFF, "k1")).visit
    await repo.update(visit.id, {"people": 20}, STAFF, expected_revision=1)
    with pytest.raises(StaleVisitError) as stale:
        await repo.update(visit.id, {"people": 30}, STAFF, expected_revision=1)
    assert stale.value.current.people == 20
    assert (await repo.get(visit.id)).people == 20  # type: ignore[union-attr]
    with pytest.raises(VisitInputError):
        await repo.update(visit.id, {"end": date(2020, 1, 1)}, STAFF)
    with pytest.raises(VisitNotFoundError):
        await repo.update(999, {"people": 1}, STAFF)


async def test_soft_delete_and_restore(repo: VisitRepository, database: Database) -> None:
    visit = (await repo.record(draft(), STAFF, "k1")).visit
    deleted = await repo.delete(visit.id, 901, expected_revision=1)
    assert deleted.deleted and deleted.revision == 2
    assert await repo.count() == 0 and await repo.list() == []
    assert await repo.list(include_deleted=True) == [deleted]
    assert await repo.get(visit.id) == deleted  # still in the file
    assert await repo.yearly_counts() == [] and await repo.town_counts() == []
    with pytest.raises(StaleVisitError):  # a second tap on "delete"
        await repo.delete(visit.id, 901, expected_revision=1)
    with pytest.raises(StaleVisitError):  # editing a deleted visit
        await repo.update(visit.id, {"people": 3}, 901)
    restored = await repo.restore(visit.id, 901, expected_revision=2)
    assert not restored.deleted and restored.revision == 3 and await repo.count() == 1
    actions = [entry.action for entry in await repo.history(visit.id)]
    assert actions == ["restore", "delete", "create"]


async def test_listing_filters_order_and_paging(repo: VisitRepository) -> None:
    specs = [
        ("narva", date(2023, 5, 1)),
        ("narva", date(2024, 6, 5)),
        ("raisio", date(2024, 6, 5)),
        ("narva", date(2024, 1, 10)),
        ("raisio", date(2022, 3, 3)),
    ]
    for n, (town, start) in enumerate(specs):
        await repo.record(draft(town_key=town, start=start, end=None), STAFF, f"k{n}")
    ordered = await repo.list()
    assert [(v.start, v.id) for v in ordered] == sorted(((v.start, v.id) for v in ordered), reverse=True)
    assert [v.id for v in await repo.list(town_key="narva")] == [2, 4, 1]
    assert [v.id for v in await repo.list(year=2024)] == [3, 2, 4]
    assert [v.id for v in await repo.list(town_key="narva", year=2024)] == [2, 4]
    assert [v.id for v in await repo.list(limit=2, offset=1)] == [2, 4]
    assert [v.id for v in await repo.list(offset=3)] == [1, 5]
    assert await repo.count() == 5
    assert await repo.count(town_key="narva") == 3
    assert await repo.count(year=2024) == 3
    assert await repo.count(town_key="raisio", year=2022) == 1


async def test_statistics_follow_every_change(repo: VisitRepository) -> None:
    a = (await repo.record(draft(start=date(2023, 5, 1), end=None), STAFF, "a")).visit
    await repo.record(draft(direction=Direction.OUTGOING, end=None), STAFF, "b")
    await repo.record(draft(town_key="raisio", end=None), STAFF, "c")
    assert await repo.yearly_counts() == [
        (2023, Direction.INCOMING, 1),
        (2024, Direction.INCOMING, 1),
        (2024, Direction.OUTGOING, 1),
    ]
    assert await repo.yearly_counts("raisio") == [(2024, Direction.INCOMING, 1)]
    assert await repo.town_counts() == [("narva", 2), ("raisio", 1)]
    assert await repo.town_counts(2023) == [("narva", 1)]
    # moving a visit to another year and town moves its count
    await repo.update(a.id, {"start": date(2024, 2, 2), "town_key": "raisio"}, STAFF)
    assert await repo.town_counts(2024) == [("raisio", 2), ("narva", 1)]
    assert await repo.town_counts(2023) == []
    generation = await repo.generation()
    await repo.delete(a.id, STAFF)
    assert await repo.generation() > generation
    assert await repo.count(town_key="raisio") == 1


async def test_residents_view_has_past_visits_only_and_follows_writes(repo: VisitRepository) -> None:
    past = (await repo.record(draft(end=None), STAFF, "past")).visit
    planned = (await repo.record(draft(start=date(2027, 3, 1), end=None), STAFF, "planned")).visit
    assert [v.id for v in repo.public_recent("narva", TODAY)] == [past.id]
    # time passes: the planned visit becomes a past one without reloading
    assert [v.id for v in repo.public_recent("narva", date(2027, 3, 2))] == [planned.id, past.id]
    await repo.delete(past.id, STAFF)
    assert repo.public_recent("narva", TODAY) == []
    await repo.restore(past.id, STAFF)
    await repo.update(past.id, {"town_key": "raisio"}, STAFF)
    assert repo.public_recent("narva", TODAY) == [] and [
        v.id for v in repo.public_recent("raisio", TODAY)
    ] == [past.id]
    for n in range(8):
        await repo.record(draft(start=date(2020, 1, n + 1), end=None), STAFF, f"old{n}")
    assert len(repo.public_recent("narva", TODAY)) == 5


async def test_chat_state_store_round_trip(database: Database, tmp_path: Path) -> None:
    store = ChatStateStore(database)
    await store.save_conversation("visit_form", (10, 900), "start")
    await store.save_data(
        "user", 900, {"visit_forms": {"10": {"step": "start", "values": {"purpose": "<b>"}}}}
    )
    await store.save_data("user", 901, {})  # empty data is not written
    await store.save_data("user", 902, {"bad": object()})  # not JSON: logged and skipped
    fresh = ChatStateStore(await open_database(tmp_path / "visits.sqlite3"))
    try:
        assert await fresh.load_conversations("visit_form") == {(10, 900): "start"}
        assert await fresh.load_data("user") == {
            900: {"visit_forms": {"10": {"step": "start", "values": {"purpose": "<b>"}}}}
        }
    finally:
        await fresh.close()
    await store.save_conversation("visit_form", (10, 900), None)
    await store.save_data("user", 900, {})
    assert await store.load_conversations("visit_form") == {}
    assert await store.load_data("user") == {}


async def test_a_form_step_is_saved_in_one_transaction(database: Database, tmp_path: Path) -> None:
    """The draft and the conversation state commit together: a failure leaves both as they were."""
    store = ChatStateStore(database)
    old = {"visit_forms": {"10": {"step": "town"}}}
    await store.save_step("visit_form", (10, 900), "town", "user", 900, old)
    new = {"visit_forms": {"10": {"step": "direction"}}}
    # the conversation row cannot be written: a trigger makes its INSERT/UPDATE fail
    async with database.transaction() as conn:
        await conn.execute(
            "CREATE TRIGGER no_states BEFORE UPDATE ON ptb_conversations "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
        await store.save_step("visit_form", (10, 900), "direction", "user", 900, new)
    fresh = ChatStateStore(await open_database(tmp_path / "visits.sqlite3"))
    try:
        assert await fresh.load_data("user") == {900: old}  # the draft was rolled back with the state
        assert await fresh.load_conversations("visit_form") == {(10, 900): "town"}
    finally:
        await fresh.close()
    async with database.transaction() as conn:
        await conn.execute("DROP TRIGGER no_states")
    # nothing was taken for written: the same step is saved in full on the next try
    await store.save_step("visit_form", (10, 900), "direction", "user", 900, new)
    assert await store.load_data("user") == {900: new}
    assert await store.load_conversations("visit_form") == {(10, 900): "direction"}
    # the end of a form removes both rows, again together
    await store.save_step("visit_form", (10, 900), None, "user", 900, {})
    assert await store.load_data("user") == {} and await store.load_conversations("visit_form") == {}


async def test_planned_visits_start_after_today(repo: VisitRepository) -> None:
    today = date(2026, 3, 1)
    await repo.record(draft(start=today, end=None), STAFF, "today")  # held: it starts today
    later = (await repo.record(draft(start=date(2026, 3, 2), end=None), STAFF, "later")).visit
    next_year = (await repo.record(draft(start=date(2027, 1, 5), end=None), STAFF, "next")).visit
    gone = (await repo.record(draft(start=date(2026, 5, 5), end=None), STAFF, "gone")).visit
    await repo.delete(gone.id, STAFF)
    assert [v.id for v in await repo.planned(today)] == [next_year.id, later.id]
    assert [v.id for v in await repo.planned(today, year=2026)] == [later.id]
    assert all(not v.planned(today) for v in repo.public_recent("narva", today))
    assert [v.start for v in repo.public_recent("narva", today)] == [today]


async def test_ten_writers_and_readers_see_every_acknowledged_visit_at_once(repo: VisitRepository) -> None:
    """Record, update, delete and restore from ten tasks while others list the register: every write is
    readable (get, list, count) the moment it returns, on the shared reader."""
    unseen: list[str] = []
    writing = True

    async def writer(number: int) -> None:
        for n in range(6):
            start = date(2000 + number, 1, 1 + n)
            recorded = await repo.record(draft(start=start, end=None), STAFF, f"w{number}-{n}")
            visit_id = recorded.visit.id
            got = await repo.get(visit_id)
            if got is None or got.start != start:
                unseen.append(f"record #{visit_id}")
            updated = await repo.update(visit_id, {"people": n + 1}, STAFF)
            got = await repo.get(visit_id)
            if got is None or got.people != n + 1 or got.revision != updated.revision:
                unseen.append(f"update #{visit_id}")
            await repo.delete(visit_id, STAFF)
            if visit_id in {v.id for v in await repo.list(year=2000 + number)}:
                unseen.append(f"delete #{visit_id}")
            await repo.restore(visit_id, STAFF)
            if visit_id not in {v.id for v in await repo.list(year=2000 + number)}:
                unseen.append(f"restore #{visit_id}")
            if await repo.count(year=2000 + number) != n + 1:
                unseen.append(f"count after #{visit_id}")

    async def reader() -> None:
        while writing:
            await repo.list()
            await repo.yearly_counts()

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    await asyncio.gather(*(writer(number) for number in range(10)))
    writing = False
    await asyncio.gather(*readers)
    assert unseen == []
    assert await repo.count() == 60


async def test_totals_count_visits_people_and_missing_headcounts(repo: VisitRepository) -> None:
    from datetime import date as day

    from bot.core.visits import DelegationType, Direction, VisitDraft

    for key, (start, people) in enumerate(
        [(day(2025, 6, 5), 12), (day(2025, 9, 1), None), (day(2019, 1, 2), 3)]
    ):
        draft = VisitDraft("narva", Direction.INCOMING, start, None, DelegationType.SPORTS, people, "x")
        await repo.record(draft, 1, f"totals-{key}", allow_similar=True)
    assert await repo.totals(day(2025, 1, 1), day(2025, 12, 31)) == (2, 12, 1)
    assert await repo.totals(day(1955, 1, 1), day(2026, 1, 1)) == (3, 15, 1)  # the long-stretch scan
    assert await repo.totals(day(2026, 1, 1), day(2026, 12, 31)) == (0, 0, 0)
