"""Towns, their aliases, cooperation areas, facts and agreements."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.core.model import Agreement, Fact, PartialDate, Town
from storage.database import Database

# Columns of `towns` that the towns file carries, in Town attribute order.
TOWN_COLUMNS: dict[str, str] = {
    "is_home": "is_home",
    "name_en": "name_en",
    "name_ru": "name_ru",
    "name_local": "name_local",
    "country": "country",
    "region_en": "region_en",
    "region_ru": "region_ru",
    "latitude": "latitude",
    "longitude": "longitude",
    "population": "population",
    "population_year": "population_year",
    "description_en": "description_en",
    "description_ru": "description_ru",
    "identity_en": "identity_en",
    "identity_ru": "identity_ru",
    "status_en": "status_en",
    "status_ru": "status_ru",
    "town_day_en": "town_day_en",
    "town_day_ru": "town_day_ru",
}
AGREEMENT_COLUMNS = (
    "kind",
    "signed",
    "signed_source",
    "title_en",
    "title_ru",
    "parties_en",
    "parties_ru",
    "note_en",
    "note_ru",
)


@dataclass(slots=True)
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_staff_fields: list[str] = field(default_factory=list)  # "narva.population"
    only_in_database: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _town_values(town: Town) -> dict[str, Any]:
    values = {column: getattr(town, attribute) for attribute, column in TOWN_COLUMNS.items()}
    values["is_home"] = int(town.is_home)
    return values


def _agreement_values(agreement: Agreement) -> dict[str, Any]:
    return {
        "kind": agreement.kind,
        "signed": agreement.signed.iso(),
        "signed_source": agreement.signed_source,
        "title_en": agreement.title_en,
        "title_ru": agreement.title_ru,
        "parties_en": agreement.parties_en,
        "parties_ru": agreement.parties_ru,
        "note_en": agreement.note_en,
        "note_ru": agreement.note_ru,
    }


def _agreement_columns(values: dict[str, Any]) -> dict[str, Any]:
    """'signed' -> the three precision columns."""
    signed = PartialDate.parse_iso(str(values["signed"]))
    row = {key: value for key, value in values.items() if key != "signed"}
    row.update(signed_year=signed.year, signed_month=signed.month, signed_day=signed.day)
    return row


def _agreement_group(column: str) -> str:
    """The staff-edit group of an agreement column: the three signed_* columns are one date."""
    return "signed" if column.startswith("signed_") else column


def _file_changes(
    row: aiosqlite.Row,
    wanted: Mapping[str, Any],
    staff: set[str],
    label: str,
    report: ImportReport,
    group: Callable[[str], str] = str,
) -> dict[str, Any]:
    """The columns whose value in the file differs from the row's, except those staff changed in chat:
    these keep the staff's value and are reported as kept (`label.group`)."""
    updates: dict[str, Any] = {}
    for column, value in wanted.items():
        if row[column] == value:
            continue
        name = group(column)
        if name in staff:
            report.kept_staff_fields.append(f"{label}.{name}")
            continue
        updates[column] = value
    return updates


async def _update_columns(
    conn: aiosqlite.Connection, table: str, updates: Mapping[str, Any], row_id: int, *, touch: bool = False
) -> bool:
    """UPDATE the given columns of one row (and its updated_at with `touch`); False when there are none."""
    if not updates:
        return False
    assignments = ", ".join(
        [*(f"{column} = ?" for column in updates), *(["updated_at = clock_now()"] if touch else [])]
    )
    await conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*updates.values(), row_id))
    return True


class TownRepository:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM towns")
        return int(row[0]) if row else 0

    async def all(self) -> list[Town]:
        towns = await self.db.fetchall("SELECT * FROM towns ORDER BY id")
        aliases: dict[int, list[str]] = defaultdict(list)
        for row in await self.db.fetchall("SELECT town_id, alias FROM town_aliases ORDER BY rowid"):
            aliases[row["town_id"]].append(row["alias"])
        areas: dict[int, list[str]] = defaultdict(list)
        for row in await self.db.fetchall("SELECT town_id, area FROM town_cooperation ORDER BY rowid"):
            areas[row["town_id"]].append(row["area"])
        facts: dict[int, list[Fact]] = defaultdict(list)
        for row in await self.db.fetchall("SELECT * FROM town_facts ORDER BY rowid"):
            facts[row["town_id"]].append(Fact(row["topic"], row["text_en"], row["text_ru"]))
        agreements: dict[int, list[Agreement]] = defaultdict(list)
        for row in await self.db.fetchall("SELECT * FROM agreements ORDER BY signed_year, id"):
            agreements[row["town_id"]].append(
                Agreement(
                    key=row["key"],
                    kind=row["kind"],
                    signed=PartialDate(row["signed_year"], row["signed_month"], row["signed_day"]),
                    signed_source=row["signed_source"],
                    title_en=row["title_en"],
                    title_ru=row["title_ru"],
                    parties_en=row["parties_en"],
                    parties_ru=row["parties_ru"],
                    note_en=row["note_en"],
                    note_ru=row["note_ru"],
                )
            )
        result = []
        for row in towns:
            town_id = row["id"]
            values = {attribute: row[column] for attribute, column in TOWN_COLUMNS.items()}
            values["is_home"] = bool(values["is_home"])
            result.append(
                Town(
                    key=row["key"],
                    aliases=tuple(aliases[town_id]),
                    cooperation=tuple(areas[town_id]),
                    facts=tuple(facts[town_id]),
                    agreements=tuple(agreements[town_id]),
                    **values,
                )
            )
        return result

    async def import_towns(self, towns: Sequence[Town]) -> ImportReport:
        """Add new towns and update changed ones in one transaction, keeping every field staff changed.

        Nothing is deleted: towns, aliases and agreements that are only in the database stay.
        """
        report = ImportReport()
        async with self.db.transaction() as conn:
            existing = {row["key"]: row for row in await self._rows(conn, "SELECT * FROM towns")}
            for town in towns:
                row = existing.pop(town.key, None)
                if row is None:
                    await self._insert(conn, town)
                    report.added.append(town.key)
                    continue
                changed = await self._update(conn, row, town, report)
                (report.updated if changed else report.unchanged).append(town.key)
            report.only_in_database = sorted(existing)
        return report

    async def seed_if_empty(self, towns: Sequence[Town]) -> bool:
        if await self.count():
            return False
        await self.import_towns(towns)
        return True

    # -- internals --------------------------------------------------------------------------------------

    @staticmethod
    async def _rows(
        conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()
    ) -> list[aiosqlite.Row]:
        async with conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _rows_by(
        self, conn: aiosqlite.Connection, column: str, sql: str, town_id: int
    ) -> dict[str, aiosqlite.Row]:
        """A town's rows of a child table, by the column that names them within the town."""
        return {row[column]: row for row in await self._rows(conn, sql, (town_id,))}

    async def _insert(self, conn: aiosqlite.Connection, town: Town) -> None:
        values = _town_values(town)
        columns = ", ".join(["key", *values])
        marks = ", ".join("?" * (len(values) + 1))
        cursor = await conn.execute(
            f"INSERT INTO towns ({columns}, updated_at) VALUES ({marks}, clock_now())",
            (town.key, *values.values()),
        )
        town_id = cursor.lastrowid
        await cursor.close()
        await conn.executemany(
            "INSERT OR IGNORE INTO town_aliases (town_id, alias) VALUES (?, ?)",
            [(town_id, a) for a in town.aliases],
        )
        await conn.executemany(
            "INSERT INTO town_cooperation (town_id, area) VALUES (?, ?)",
            [(town_id, a) for a in town.cooperation],
        )
        await conn.executemany(
            "INSERT INTO town_facts (town_id, topic, text_en, text_ru) VALUES (?, ?, ?, ?)",
            [(town_id, f.topic, f.text_en, f.text_ru) for f in town.facts],
        )
        for agreement in town.agreements:
            await self._insert_agreement(conn, town_id, agreement)

    @staticmethod
    async def _insert_agreement(
        conn: aiosqlite.Connection, town_id: int | None, agreement: Agreement
    ) -> None:
        row = _agreement_columns(_agreement_values(agreement))
        columns = ", ".join(["town_id", "key", *row])
        marks = ", ".join("?" * (len(row) + 2))
        await conn.execute(
            f"INSERT INTO agreements ({columns}) VALUES ({marks})", (town_id, agreement.key, *row.values())
        )

    async def _update(
        self, conn: aiosqlite.Connection, row: aiosqlite.Row, town: Town, report: ImportReport
    ) -> bool:
        town_id = row["id"]
        staff = set(json.loads(row["staff_fields"]))
        updates = _file_changes(row, _town_values(town), staff, town.key, report)
        changed = await _update_columns(conn, "towns", updates, town_id, touch=True)
        known_aliases = {
            r[0]
            for r in await self._rows(conn, "SELECT alias FROM town_aliases WHERE town_id = ?", (town_id,))
        }
        new_aliases = [alias for alias in town.aliases if alias not in known_aliases]
        if new_aliases:
            await conn.executemany(
                "INSERT INTO town_aliases (town_id, alias) VALUES (?, ?)", [(town_id, a) for a in new_aliases]
            )
            changed = True
        areas = [
            r[0]
            for r in await self._rows(
                conn, "SELECT area FROM town_cooperation WHERE town_id = ? ORDER BY rowid", (town_id,)
            )
        ]
        if areas != list(town.cooperation):
            if "cooperation" in staff:
                report.kept_staff_fields.append(f"{town.key}.cooperation")
            else:
                await conn.execute("DELETE FROM town_cooperation WHERE town_id = ?", (town_id,))
                await conn.executemany(
                    "INSERT INTO town_cooperation (town_id, area) VALUES (?, ?)",
                    [(town_id, a) for a in town.cooperation],
                )
                changed = True
        facts = await self._rows_by(conn, "topic", "SELECT * FROM town_facts WHERE town_id = ?", town_id)
        for fact in town.facts:
            current = facts.get(fact.topic)
            if current is not None and (current["text_en"], current["text_ru"]) == (
                fact.text_en,
                fact.text_ru,
            ):
                continue
            if f"fact.{fact.topic}" in staff:
                report.kept_staff_fields.append(f"{town.key}.fact.{fact.topic}")
                continue
            await conn.execute(
                "INSERT INTO town_facts (town_id, topic, text_en, text_ru) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (town_id, topic) "
                "DO UPDATE SET text_en = excluded.text_en, text_ru = excluded.text_ru",
                (town_id, fact.topic, fact.text_en, fact.text_ru),
            )
            changed = True
        stored = await self._rows_by(conn, "key", "SELECT * FROM agreements WHERE town_id = ?", town_id)
        for agreement in town.agreements:
            current_row = stored.get(agreement.key)
            if current_row is None:
                await self._insert_agreement(conn, town_id, agreement)
                changed = True
                continue
            agreement_updates = _file_changes(
                current_row,
                _agreement_columns(_agreement_values(agreement)),
                set(json.loads(current_row["staff_fields"])),
                f"{town.key}.{agreement.key}",
                report,
                group=_agreement_group,
            )
            if await _update_columns(conn, "agreements", agreement_updates, current_row["id"]):
                changed = True
        report.kept_staff_fields = list(dict.fromkeys(report.kept_staff_fields))
        return changed
