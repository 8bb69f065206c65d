import dataclasses
from pathlib import Path

from bot.core.model import PartialDate
from bot.core.townfile import shipped_towns
from storage import open_database
from storage.calendar import CalendarRepository
from storage.preferences import ChatPreferences
from storage.towns import TownRepository


async def test_seed_round_trips_every_fact(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "t.sqlite3")
    try:
        repo = TownRepository(db)
        assert await repo.seed_if_empty(shipped_towns())
        assert not await repo.seed_if_empty(shipped_towns())
        assert await repo.all() == shipped_towns()
    finally:
        await db.close()


async def test_year_precision_survives_storage(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "t.sqlite3")
    try:
        repo = TownRepository(db)
        await repo.seed_if_empty(shipped_towns())
        towns = {town.key: town for town in await repo.all()}
        assert towns["narvik"].since == PartialDate(1972)
        assert towns["narvik"].since.precision == "year"  # type: ignore[union-attr]
        assert towns["sassnitz"].since == PartialDate(2003, 6, 1)
    finally:
        await db.close()


async def test_import_updates_but_keeps_staff_edits_and_extra_towns(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "t.sqlite3")
    try:
        repo = TownRepository(db)
        shipped = shipped_towns()
        await repo.import_towns(shipped)
        # a staff edit in chat: the new value, and the field marked so that imports leave it alone
        await db.connection.execute(
            "UPDATE towns SET population = 60000, staff_fields = '[\"population\"]' WHERE key = 'narva'"
        )
        edited = [
            dataclasses.replace(town, population=55000, description_en="Edited text.")
            if town.key == "narva"
            else dataclasses.replace(town, aliases=(*town.aliases, "Zasnitz"))
            if town.key == "sassnitz"
            else town
            for town in shipped
            if town.key != "renhuai"
        ]
        report = await repo.import_towns(edited)
        assert report.kept_staff_fields == ["narva.population"]
        assert sorted(report.updated) == ["narva", "sassnitz"]
        assert report.only_in_database == ["renhuai"]
        towns = {town.key: town for town in await repo.all()}
        assert towns["narva"].population == 60000  # staff's value kept
        assert towns["narva"].description_en == "Edited text."  # file's change applied
        assert "Zasnitz" in towns["sassnitz"].aliases
        assert "renhuai" in towns  # never deleted
        again = await repo.import_towns(edited)
        assert not again.changed
    finally:
        await db.close()


async def test_language_preference_persists(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await open_database(path)
    try:
        prefs = ChatPreferences(db)
        assert await prefs.language(5) is None
        await prefs.set_language(5, "en")
        assert await prefs.language(5) == "en"
    finally:
        await db.close()
    db = await open_database(path)
    try:
        assert await ChatPreferences(db).language(5) == "en"
    finally:
        await db.close()


async def test_a_sourced_day_is_stored_and_a_staff_date_drops_its_source(tmp_path: Path) -> None:
    """Jõhvi's 6 June 1999 comes from the reference (inforing.net): kept through storage; once staff set
    the date it is theirs, no longer "according to inforing.net", and an import leaves it so."""
    db = await open_database(tmp_path / "t.sqlite3")
    try:
        repo = TownRepository(db)
        await repo.import_towns(shipped_towns())
        (stored,) = {town.key: town for town in await repo.all()}["johvi"].agreements
        assert (stored.signed, stored.signed_source) == (PartialDate(1999, 6, 6), "inforing.net")
        await CalendarRepository(db).set_agreement_date("johvi", "cooperation", PartialDate(1999, 6, 7), 7)
        report = await repo.import_towns(shipped_towns())
        assert report.kept_staff_fields == ["johvi.cooperation.signed"]
        (edited,) = {town.key: town for town in await repo.all()}["johvi"].agreements
        assert (edited.signed, edited.signed_source) == (PartialDate(1999, 6, 7), "")
    finally:
        await db.close()
