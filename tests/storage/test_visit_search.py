"""Finding visits in storage (storage/visit_search.py, migration 0010_visit_search): filters, the FTS5
text search (Cyrillic case, ё, word beginnings), its triggers, the counts of a question, kept filters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.core.visits.filters import VisitFilter, search_terms
from storage.database import Database, open_database
from storage.towns import TownRepository
from storage.visit_search import SEARCH_COLUMNS, VisitSearch, match_query
from storage.visits import VisitRepository

STAFF = 900


def draft(**changes: Any) -> VisitDraft:
    values: dict[str, Any] = {
        "town_key": "narva",
        "direction": Direction.INCOMING,
        "start": date(2025, 6, 5),
        "end": None,
        "kind": DelegationType.YOUTH,
        "people": 10,
        "purpose": "Летний лагерь",
        "notes": "",
    }
    values.update(changes)
    return VisitDraft(**values)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_database(tmp_path / "search.sqlite3")
    await TownRepository(db).seed_if_empty(shipped_towns())
    try:
        yield db
    finally:
        await db.close()


async def add(repo: VisitRepository, **changes: Any) -> int:
    recording = await repo.record(draft(**changes), STAFF, f"k:{id(changes)}:{changes}", allow_similar=True)
    return recording.visit.id


def text(words: str) -> VisitFilter:
    return VisitFilter(terms=search_terms(words))


async def ids(search: VisitSearch, found: VisitFilter) -> list[int]:
    return [visit.id for visit in await search.page(found, limit=100)]


async def test_text_search_folds_cyrillic_case_and_yo(database: Database) -> None:
    repo, search = VisitRepository(database), VisitSearch(database)
    festival = await add(repo, purpose="ФЕСТИВАЛЬ «Дружба» <b>&", notes="")
    tree = await add(repo, purpose="Ёлка в школе", notes="")
    hidden = await add(repo, purpose="Переговоры", notes="про фестивали не говорили")
    latin = await add(repo, purpose="Été festival", notes="")
    assert await ids(search, text("фестиваль")) == [hidden, festival]  # newest first: same date, by id
    assert await ids(search, text("Фестиваля")) == [hidden, festival]
    assert await ids(search, text("елка")) == [tree]
    assert await ids(search, text("ЁЛКИ")) == [tree]
    assert await ids(search, text("дружба фестиваль")) == [festival]
    assert await ids(search, text("дружба переговоры")) == []
    assert await ids(search, text("FESTIVAL")) == [latin]
    assert await ids(search, text("<b>")) == [festival]  # typed markup is plain text: its word is found
    assert await ids(search, text('" OR *')) == []  # FTS syntax typed as text is no query
    assert await search.count(text("фестиваль")) == 2


async def test_the_index_follows_edits_deletes_and_restores(database: Database) -> None:
    repo, search = VisitRepository(database), VisitSearch(database)
    visit = await add(repo, purpose="Концерт", notes="")
    await repo.update(visit, {"purpose": "Выставка", "notes": "ёжики"}, STAFF)
    assert await ids(search, text("концерт")) == []
    assert await ids(search, text("выставка ежик")) == [visit]
    await repo.update(visit, {"people": 3}, STAFF)  # not a text: the index is left alone
    assert await ids(search, text("выставка")) == [visit]
    await repo.delete(visit, STAFF)
    assert await ids(search, text("выставка")) == []
    await repo.restore(visit, STAFF)
    assert await ids(search, text("выставка")) == [visit]
    await database.connection.execute("DELETE FROM visits WHERE id = ?", (visit,))
    await database.connection.commit()
    row = await database.fetchone("SELECT count(*) FROM visits_fts WHERE visits_fts MATCH ?", ("выставка",))
    assert row is not None and row[0] == 0


async def test_filters_combine(database: Database) -> None:
    repo, search = VisitRepository(database), VisitSearch(database)
    summer = await add(repo, start=date(2025, 7, 1), purpose="Фестиваль")
    await add(repo, start=date(2025, 7, 2), direction=Direction.OUTGOING, town_key="narvik", people=None)
    await add(repo, start=date(2024, 7, 1), kind=DelegationType.SPORTS)
    await add(repo, start=date(2025, 12, 1), town_key="johvi", purpose="Фестиваль света")
    summer_2025 = VisitFilter(first=date(2025, 6, 1), last=date(2025, 8, 31))
    assert await search.count(summer_2025) == 2
    incoming = VisitFilter(
        town_keys=frozenset({"narva", "johvi"}),
        directions=frozenset({Direction.INCOMING}),
        kinds=frozenset({DelegationType.YOUTH}),
        first=date(2025, 1, 1),
        last=date(2025, 12, 31),
        terms=search_terms("фестиваль"),
    )
    assert [v.town_key for v in await search.page(incoming, limit=10)] == ["johvi", "narva"]
    assert await ids(search, VisitFilter(first=date(2025, 7, 1), last=date(2025, 7, 1))) == [summer]
    summary = await search.summary(summer_2025)
    assert (summary.visits, summary.people, summary.incoming, summary.outgoing) == (2, 10, 1, 1)
    assert summary.towns == (("narva", 1), ("narvik", 1))
    everything = await search.summary(VisitFilter())
    assert everything.visits == 4 and everything.towns[0] == ("narva", 2)
    assert await search.count(VisitFilter(first=date(2030, 1, 1))) == 0
    # paging
    assert len(await search.page(VisitFilter(), limit=3)) == 3
    assert len(await search.page(VisitFilter(), limit=3, offset=3)) == 1


async def test_kept_filters_round_trip_and_age(database: Database) -> None:
    search = VisitSearch(database)
    found = VisitFilter(town_keys=frozenset({"narva"}), terms=("фестивал",))
    token = await search.keep_filter(found)
    assert token == found.token() and await search.keep_filter(found) == token
    assert await search.kept_filter(token) == found.to_json()
    assert await search.kept_filter("0" * 12) is None
    rows = await database.fetchall("SELECT token FROM visit_filters")
    assert len(rows) == 1
    # a row unused for longer than FILTER_KEEP_DAYS goes when another filter is kept
    await database.connection.execute("UPDATE visit_filters SET used_at = '2000-01-01T00:00:00.000Z'")
    await database.connection.commit()
    await search.keep_filter(VisitFilter())
    assert await search.kept_filter(token) is None
    stored = await database.fetchone("SELECT filter FROM visit_filters")
    assert stored is not None and json.loads(stored[0]) == VisitFilter().to_json()


def test_the_query_covers_every_search_column() -> None:
    assert SEARCH_COLUMNS == ("purpose", "notes")
    assert (
        match_query(("фестивал", "дружб")) == '{purpose notes} : "фестивал"* AND {purpose notes} : "дружб"*'
    )
