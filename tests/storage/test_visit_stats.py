"""The statistics' SQL aggregates (storage/visit_stats.py, the yearly and monthly counts of migration 0013) against a
plain Python count over the visits, on random registers: records, edits, deletions and restores, visits to
places that are not partners among them (counted under OTHER_TOWN)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, Visit, VisitDraft
from bot.core.visits.places import OTHER_TOWN, OtherPlace
from storage.database import Database, migrations, open_database
from storage.towns import TownRepository
from storage.visit_stats import Tally, VisitStatistics, whole_months, whole_years
from storage.visits import VisitRepository

STAFF = 900
TOWNS = ("narva", "johvi", "raisio", "narvik", "sassnitz")
OTHER_PLACES = (OtherPlace("Таллин", "EE"), OtherPlace("Рига", "LV"), OtherPlace("Ленинградская область"))
FIRST, LAST = date(2019, 1, 1), date(2027, 12, 31)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "stats.sqlite3")
    await TownRepository(db).seed_if_empty(shipped_towns())
    try:
        yield db
    finally:
        await db.close()


def random_day(rng: random.Random) -> date:
    return date.fromordinal(rng.randint(FIRST.toordinal(), LAST.toordinal()))


async def random_register(repo: VisitRepository, rng: random.Random, count: int) -> None:
    ids: list[int] = []
    for number in range(count):
        start = random_day(rng)
        place = rng.choice(OTHER_PLACES) if rng.random() < 0.15 else None
        draft = VisitDraft(
            town_key=OTHER_TOWN if place is not None else rng.choice(TOWNS),
            place=place,
            direction=rng.choice(list(Direction)),
            start=start,
            end=start + timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 else None,
            kind=rng.choice(list(DelegationType)),
            people=rng.randint(1, 40) if rng.random() < 0.8 else None,
            purpose=f"visit {number}",
        )
        ids.append((await repo.record(draft, STAFF, f"k{number}", allow_similar=True)).visit.id)
    for visit_id in rng.sample(ids, count // 5):  # edits that move a visit between every group
        moved = random_day(rng)
        place = rng.choice(OTHER_PLACES) if rng.random() < 0.2 else None  # to another place and back
        changes = {
            "start": moved,
            "end": None,
            "town_key": OTHER_TOWN if place is not None else rng.choice(TOWNS),
            "place": place,
            "direction": rng.choice(list(Direction)),
        }
        changes["people"] = rng.choice((None, rng.randint(1, 40)))
        await repo.update(visit_id, changes, STAFF)
    deleted = rng.sample(ids, count // 6)
    for visit_id in deleted:
        await repo.delete(visit_id, STAFF)
    for visit_id in deleted[: len(deleted) // 3]:  # undone
        await repo.restore(visit_id, STAFF)


def naive(
    visits: list[Visit], first: date, last: date
) -> tuple[Counter[tuple[int, str]], Counter[str], Tally]:
    chosen = [visit for visit in visits if not visit.deleted and first <= visit.start <= last]
    years = Counter((visit.start.year, visit.direction.value) for visit in chosen)
    towns = Counter(visit.town_key for visit in chosen)
    people = sum(visit.people or 0 for visit in chosen)
    return years, towns, Tally(len(chosen), people, sum(visit.people is None for visit in chosen))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_aggregates_equal_a_count_over_the_visits(database: Database, seed: int) -> None:
    rng = random.Random(seed)
    repo = VisitRepository(database)
    await random_register(repo, rng, 240)
    visits = await repo.list(include_deleted=True)
    stats = VisitStatistics(database)
    stretches = [(date.min, date(2026, 11, 26)), (FIRST, LAST), (date(2024, 2, 29), date(2024, 3, 1))]
    stretches += [(date(2025, 6, 1), date(2025, 6, 30)), (date(2025, 6, 2), date(2025, 7, 30))]
    for _ in range(40):  # random stretches: whole months, part months at either end, a single day
        a, b = sorted((random_day(rng), random_day(rng)))
        stretches.append((a, b))
    for first, last in stretches:
        years, towns, total = naive(visits, first, last)
        breakdown = await stats.breakdown(first, last, by_month=False)
        assert breakdown.total == total == await stats.tally(first, last), (first, last)
        assert {(year, direction.value): n for year, direction, n in breakdown.periods} == years
        assert dict(breakdown.towns) == towns
        assert list(breakdown.towns) == sorted(towns.items(), key=lambda item: (-item[1], item[0]))
        one_query, years_tallied = await stats.by_year(first, last)
        assert one_query == breakdown and sum(t.visits for t in years_tallied.values()) == total.visits
        for year, tally in years_tallied.items():
            assert tally == naive(visits, max(first, date(year, 1, 1)), min(last, date(year, 12, 31)))[2]
        months = Counter(
            (visit.start.month, visit.direction.value)
            for visit in visits
            if not visit.deleted and first <= visit.start <= last
        )
        by_month = await stats.breakdown(first, last, by_month=True)
        assert {(month, direction.value): n for month, direction, n in by_month.periods} == months
    assert await stats.tally(date(2026, 1, 2), date(2026, 1, 1)) == Tally()  # an empty stretch


async def test_the_monthly_counts_follow_every_write_and_the_migration_fills_them(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = await open_database(path)
    await TownRepository(db).seed_if_empty(shipped_towns())
    repo = VisitRepository(db)
    await random_register(repo, random.Random(9), 60)
    kept = await db.fetchall("SELECT * FROM visit_months WHERE visits > 0 ORDER BY 1, 2, 3, 4")
    # rebuilt from scratch the way migration 0013 fills it for a register written before it
    years = await db.fetchall("SELECT * FROM visit_years WHERE visits > 0 ORDER BY 1, 2, 3")
    for trigger in ("insert", "update", "delete"):
        await db.connection.execute(f"DROP TRIGGER visit_tallies_on_{trigger}")
    await db.connection.execute("DROP TABLE visit_months")
    await db.connection.execute("DROP TABLE visit_years")
    await db.connection.execute(f"PRAGMA user_version = {len(migrations()) - 1}")  # the last one: 0013
    await db.connection.commit()
    await db.close()
    db = await open_database(path)
    try:
        again = await db.fetchall("SELECT * FROM visit_months WHERE visits > 0 ORDER BY 1, 2, 3, 4")
        assert [tuple(row) for row in again] == [tuple(row) for row in kept] and kept
        again = await db.fetchall("SELECT * FROM visit_years WHERE visits > 0 ORDER BY 1, 2, 3")
        assert [tuple(row) for row in again] == [tuple(row) for row in years] and years
    finally:
        await db.close()


def test_whole_months() -> None:
    assert whole_months(date(2025, 1, 1), date(2025, 3, 31)) == (date(2025, 1, 1), date(2025, 3, 31))
    assert whole_months(date(2025, 1, 2), date(2025, 3, 30)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert whole_months(date(2025, 1, 2), date(2025, 2, 27)) is None
    assert whole_months(date(2024, 12, 15), date(2025, 1, 31)) == (date(2025, 1, 1), date(2025, 1, 31))
    assert whole_years(date(2020, 1, 1), date(2022, 12, 31)) == (2020, 2022)
    assert whole_years(date(2020, 1, 2), date(2022, 12, 30)) == (2021, 2021)
    assert whole_years(date(2020, 1, 2), date(2021, 12, 30)) is None
