"""The register of delegation visits.

Every write is one ``BEGIN IMMEDIATE`` transaction holding the change, its audit entry and, for a new
visit, its idempotency key; the caller acknowledges only after :meth:`VisitRepository.record` (and the
others) returned, i.e. after COMMIT with ``synchronous=FULL``. A write reads its visit back inside
that transaction. :meth:`VisitRepository.record` decides idempotency and "a similar visit is on
record" under the same lock and returns the :class:`Recording`; callers only render it.

Residents see the latest past visits of a town in its card. That view is served from memory
(:meth:`VisitRepository.public_recent`) and reloaded for a town whenever one of its visits changes.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.visit_form import FormValues
from bot.core.visits import (
    DelegationType,
    Direction,
    Visit,
    VisitDraft,
    VisitInputError,
    apply_changes,
    validate,
)
from bot.core.visits.files import MAX_FILES, FileOffer, VisitFile, check_offer, clean_name
from bot.core.visits.people import Participant, check_participants
from bot.core.visits.places import OTHER_TOWN, OtherPlace
from storage.audit import AuditEntry, AuditLog, write_audit
from storage.database import Database
from storage.visit_details import (
    PARTICIPANTS_CHUNK,
    PARTICIPANTS_SQL,
    find_file,
    insert_file,
    participants_json,
    read_participants,
    read_participants_on,
    with_details,
    write_participants,
)

ENTITY = "visit"
PUBLIC_PER_TOWN = 5  # past visits per town kept in memory for the town card and "last delegation"

_COLUMNS = (
    "id, town_key, direction, start_date, end_date, kind, people, purpose, notes, revision, "
    "created_by, created_at, updated_at, deleted_at, place_name, place_country"
)
_FIELD_COLUMNS = {
    "town_key": "town_key",
    "direction": "direction",
    "start": "start_date",
    "end": "end_date",
    "kind": "kind",
    "people": "people",
    "purpose": "purpose",
    "notes": "notes",
    "place_name": "place_name",  # a visit to a place that is not a partner: town_key is NULL then
    "place_country": "place_country",
}


LONG_STRETCH_DAYS = 5 * 366


class VisitNotFoundError(LookupError):
    def __init__(self, visit_id: int) -> None:
        super().__init__(f"no visit #{visit_id}")
        self.visit_id = visit_id


class StaleVisitError(Exception):
    """The visit changed since the caller looked at it (its revision moved on); nothing was written."""

    def __init__(self, current: Visit) -> None:
        super().__init__(f"visit #{current.id} is at revision {current.revision}")
        self.current = current


class Outcome(Enum):
    RECORDED = "recorded"  # written now
    ALREADY_RECORDED = "already recorded"  # this idempotency key wrote it before: nothing new
    SIMILAR_EXISTS = "similar exists"  # a live visit with the same town, direction and start: not written


@dataclass(frozen=True, slots=True)
class Recording:
    """What :meth:`VisitRepository.record` did: the visit written, the one the key wrote before, or the
    similar one on record (nothing written)."""

    outcome: Outcome
    visit: Visit


def _fields(draft: VisitDraft) -> dict[str, Any]:
    """A visit's fields as the audit log and the columns hold them (the one JSON form of FormValues),
    with the place of a visit to another town."""
    fields = FormValues.of(draft).to_json()
    fields.pop("place", None)  # kept as its two columns
    fields["place_name"] = draft.place.name if draft.place is not None else None
    fields["place_country"] = draft.place.country if draft.place is not None else None
    return fields


def _column(name: str, value: Any) -> Any:
    """A field's value as its column holds it: another place has no partner town (NULL)."""
    return None if name == "town_key" and value == OTHER_TOWN else value


def _visit(row: aiosqlite.Row | sqlite3.Row) -> Visit:
    other = row["town_key"] is None
    return Visit(
        id=row["id"],
        town_key=OTHER_TOWN if other else row["town_key"],
        place=OtherPlace(row["place_name"], row["place_country"] or "") if other else None,
        direction=Direction(row["direction"]),
        start=date.fromisoformat(row["start_date"]),
        end=date.fromisoformat(row["end_date"]) if row["end_date"] else None,
        kind=DelegationType(row["kind"]),
        people=row["people"],
        purpose=row["purpose"],
        notes=row["notes"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted=row["deleted_at"] is not None,
        revision=row["revision"],
    )


def _year_bounds(year: int) -> tuple[str, str]:
    return f"{year:04d}-01-01", f"{year + 1:04d}-01-01"


# the register export's columns (VisitRepository.register): read as plain tuples in this order
REGISTER_COLUMNS = (
    "id, town_key, direction, start_date, end_date, kind, people, purpose, notes, created_by, created_at, "
    "place_name, place_country"
)
# (id, town key or None for another place, direction, start ISO date, end ISO date or None, kind, people,
#  purpose, notes, created by, created at, place name, place country)
RegisterRecord = tuple[
    int, str | None, str, str, str | None, str, int | None, str, str, int, str, str | None, str | None
]
REGISTER_BATCH = 5000  # visits per batch: one batch is what the export holds in memory at a time


@dataclass(frozen=True, slots=True)
class RegisterBatch:
    """Register records and, by visit id, their participants (name, role, head) in the order typed;
    visits without participants are absent."""

    records: builtins.list[RegisterRecord]
    participants: dict[int, builtins.list[tuple[str, str, bool]]]


def _register_participants(
    connection: sqlite3.Connection, records: Sequence[RegisterRecord]
) -> dict[int, builtins.list[tuple[str, str, bool]]]:
    found: dict[int, builtins.list[tuple[str, str, bool]]] = {}
    ids = [record[0] for record in records]
    for first in range(0, len(ids), PARTICIPANTS_CHUNK):
        chunk = ids[first : first + PARTICIPANTS_CHUNK]
        rows = connection.execute(PARTICIPANTS_SQL.format(marks=", ".join("?" * len(chunk))), chunk)
        for visit_id, name, role, head in rows:
            found.setdefault(visit_id, []).append((name, role, bool(head)))
    return found


class VisitRepository:
    def __init__(self, database: Database) -> None:
        self.db = database
        self.audit = AuditLog(database)
        # town key -> visits newest first: every planned one (as of _public_day) and the latest past ones
        self._public: dict[str, builtins.list[Visit]] = {}
        self._public_day: date | None = None
        self.public_version = 0  # moves on whenever the residents' view is read again (replies keep it)
        # called after every committed change (record, update, delete, restore): the /stats charts
        # are drawn again at once (bot/exports/stats.py), not when somebody asks
        self.on_change: builtins.list[Callable[[], object]] = []

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    # ---- reading -------------------------------------------------------------------------------

    async def list(
        self,
        *,
        town_key: str | None = None,
        year: int | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[Visit]:
        """Visits newest first (by start date, then id)."""
        where, parameters = self._filter(town_key, year, include_deleted)
        sql = f"SELECT {_COLUMNS} FROM visits{where} ORDER BY start_date DESC, id DESC"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            parameters.extend([-1 if limit is None else limit, offset])
        return [_visit(row) for row in await self.db.fetchall(sql, parameters)]

    async def count(self, *, town_key: str | None = None, year: int | None = None) -> int:
        """Live (not deleted) visits, from the counts the triggers keep."""
        conditions: builtins.list[str] = []
        parameters: builtins.list[Any] = []
        if town_key is not None:
            conditions.append("town_key = ?")
            parameters.append(town_key)
        if year is not None:
            conditions.append("year = ?")
            parameters.append(year)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        row = await self.db.fetchone(f"SELECT coalesce(sum(visits), 0) FROM visit_counts{where}", parameters)
        return int(row[0]) if row else 0

    def batches(
        self, *, town_key: str | None = None, year: int | None = None, size: int = 5000
    ) -> Iterator[builtins.list[Visit]]:
        """Live visits oldest first (by start date, then id), `size` at a time: for a worker thread.

        Reads through a connection of its own, opened read-only on the file, in one read transaction:
        one snapshot from the first batch to the last, whatever is written meanwhile (WAL readers block
        no writer). A database in memory has no file to open again: use :meth:`list` there."""
        where, parameters = self._filter(town_key, year, False)
        sql = f"SELECT {_COLUMNS} FROM visits{where} ORDER BY start_date, id"
        with self._snapshot() as connection:
            connection.row_factory = sqlite3.Row
            cursor = connection.execute(sql, parameters)
            while rows := cursor.fetchmany(size):
                yield read_participants_on(connection, [_visit(row) for row in rows])

    def register(
        self, *, town_key: str | None = None, year: int | None = None, size: int = REGISTER_BATCH
    ) -> Iterator[RegisterBatch]:
        """The register export's source: live visits oldest first (by start date, then id) as plain
        tuples (REGISTER_COLUMNS), `size` at a time with their participants, for a worker thread.

        The same snapshot as :meth:`batches`, without a Visit per row: at 100,000 visits the objects
        (enums, dates, a frozen dataclass, then the copy with the participants) cost more than SQLite's
        reading, and the export only turns them into labels again (bot/exports/register.py)."""
        sql, parameters = self._register_sql(town_key, year)
        with self._snapshot() as connection:
            cursor = connection.execute(sql, parameters)
            while records := cursor.fetchmany(size):
                yield RegisterBatch(records, _register_participants(connection, records))

    async def register_in_memory(
        self, *, town_key: str | None = None, year: int | None = None
    ) -> RegisterBatch:
        """What :meth:`register` yields, in one batch read on the event loop's connection: for a database
        in memory (the tests), which has no file for a second connection."""
        sql, parameters = self._register_sql(town_key, year)
        records: builtins.list[RegisterRecord] = [
            tuple(row) for row in await self.db.fetchall(sql, parameters)
        ]
        people = await read_participants(self.db, [record[0] for record in records])
        return RegisterBatch(
            records,
            {
                visit_id: [(person.name, person.role, person.head) for person in persons]
                for visit_id, persons in people.items()
            },
        )

    def _register_sql(self, town_key: str | None, year: int | None) -> tuple[str, builtins.list[Any]]:
        where, parameters = self._filter(town_key, year, False)
        # the whole register reads every row: one pass over the table and a sort costs ~25% less CPU
        # than walking the date index, which sends each row back to the table (100,000: 0.33 / 0.45 s)
        source = "visits NOT INDEXED" if town_key is None and year is None else "visits"
        return f"SELECT {REGISTER_COLUMNS} FROM {source}{where} ORDER BY start_date, id", parameters

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own on the file, inside one read transaction (BEGIN; the
        snapshot is taken by the first read and kept to the end), closed afterwards."""
        if str(self.db.path) == ":memory:":
            raise ValueError("a database in memory cannot be read from another thread")
        connection = sqlite3.connect(f"{Path(self.db.path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            connection.execute("BEGIN")
            yield connection
        finally:
            connection.close()

    async def get(self, visit_id: int) -> Visit | None:
        """A visit by number, deleted ones included (check `deleted`), with its participants and files."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM visits WHERE id = ?", (visit_id,))
        return await with_details(self.db, _visit(row)) if row else None

    async def participants_of(self, visit_ids: Sequence[int]) -> dict[int, tuple[Participant, ...]]:
        """The participants of many visits at once (the exports); visits without any are absent."""
        return await read_participants(self.db, visit_ids)

    async def yearly_counts(self, town_key: str | None = None) -> builtins.list[tuple[int, Direction, int]]:
        """(year, direction, live visits) for every year with visits, oldest year first."""
        if town_key is None:
            rows = await self.db.fetchall(
                "SELECT year, direction, sum(visits) AS n FROM visit_counts "
                "GROUP BY year, direction HAVING n > 0 ORDER BY year, direction"
            )
        else:
            rows = await self.db.fetchall(
                "SELECT year, direction, visits AS n FROM visit_counts "
                "WHERE town_key = ? AND visits > 0 ORDER BY year, direction",
                (town_key,),
            )
        return [(int(row["year"]), Direction(row["direction"]), int(row["n"])) for row in rows]

    async def town_counts(self, year: int | None = None) -> builtins.list[tuple[str, int]]:
        """(town key, live visits), most visits first, then by key."""
        if year is None:
            rows = await self.db.fetchall(
                "SELECT town_key, sum(visits) AS n FROM visit_counts GROUP BY town_key HAVING n > 0 "
                "ORDER BY n DESC, town_key"
            )
        else:
            rows = await self.db.fetchall(
                "SELECT town_key, sum(visits) AS n FROM visit_counts WHERE year = ? GROUP BY town_key "
                "HAVING n > 0 ORDER BY n DESC, town_key",
                (year,),
            )
        return [(str(row["town_key"]), int(row["n"])) for row in rows]

    async def planned(self, today: date, *, year: int | None = None) -> builtins.list[Visit]:
        """Live visits that start after `today` (planned, not held yet), newest first."""
        where, parameters = self._filter(None, year, False)
        sql = f"SELECT {_COLUMNS} FROM visits{where} AND start_date > ? ORDER BY start_date DESC, id DESC"
        return [_visit(row) for row in await self.db.fetchall(sql, [*parameters, today.isoformat()])]

    async def totals(self, first: date, last: date) -> tuple[int, int, int]:
        """(live visits, their headcount, how many have none) of the visits starting first..last."""
        # a long stretch reads most of the table: one pass over it is ~6x faster than the date index
        # (which sends every row back to the table for its headcount: 114 ms against 17 ms at 100,000)
        source = "visits NOT INDEXED" if (last - first).days > LONG_STRETCH_DAYS else "visits"
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(people), 0), coalesce(sum(people IS NULL), 0) "
            f"FROM {source} WHERE deleted_at IS NULL AND start_date >= ? AND start_date <= ?",
            (first.isoformat(), last.isoformat()),
        )
        return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)

    async def generation(self) -> int:
        """A number that grows with every change to the register."""
        row = await self.db.fetchone("SELECT generation FROM visit_register WHERE id = 1")
        return int(row[0]) if row else 0

    async def find_by_key(self, idempotency_key: str) -> Visit | None:
        """The visit an idempotency key created, if that write happened."""
        row = await self.db.fetchone(
            "SELECT entity_id FROM idempotency_keys WHERE key = ? AND entity = ?", (idempotency_key, ENTITY)
        )
        return await self.get(int(row[0])) if row else None

    async def history(self, visit_id: int, limit: int = 50) -> builtins.list[AuditEntry]:
        """The audit log of one visit, newest first."""
        return await self.audit.history(ENTITY, visit_id, limit)

    # ---- writing -------------------------------------------------------------------------------

    async def record(
        self, draft: VisitDraft, actor_id: int, idempotency_key: str, *, allow_similar: bool = False
    ) -> Recording:
        """Write a new visit, once per key, and say what happened (one transaction, nothing to check first).

        - the key wrote a visit before (a retry, a double tap): ALREADY_RECORDED with that visit;
        - else, unless `allow_similar` ("save anyway"), a live visit with the same town, direction and
          start date: SIMILAR_EXISTS with it, and nothing is written;
        - else RECORDED: the visit, its key and its audit entry commit together before this returns.
        """
        errors = validate(draft)
        if errors:
            raise VisitInputError(errors)
        # every look-up runs under the write lock: on the shared connection a read outside it could
        # see another coroutine's key before that transaction commits (or rolls back)
        try:
            async with self.db.transaction() as conn:
                recording = await self._record_locked(conn, draft, actor_id, idempotency_key, allow_similar)
        except sqlite3.IntegrityError:
            # the key was taken by another connection between our look-up and our insert
            existing = await self.find_by_key(idempotency_key)
            if existing is None:
                raise
            return Recording(Outcome.ALREADY_RECORDED, existing)
        if recording.outcome is Outcome.RECORDED:
            self._changed()
            await self._reload_public(recording.visit.town_key)
        return recording

    async def _record_locked(
        self,
        conn: aiosqlite.Connection,
        draft: VisitDraft,
        actor_id: int,
        idempotency_key: str,
        allow_similar: bool,
    ) -> Recording:
        # a key seen here was committed: by an earlier call, or by another process
        async with conn.execute(
            "SELECT entity_id FROM idempotency_keys WHERE key = ?", (idempotency_key,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return Recording(Outcome.ALREADY_RECORDED, await self._locked_get(conn, int(row[0])))
        if not allow_similar:
            # another place is "the same" by its name
            same = "town_key = ?" if draft.place is None else "town_key IS NULL AND place_name = ?"
            async with conn.execute(
                f"SELECT {_COLUMNS} FROM visits WHERE deleted_at IS NULL AND {same} AND direction = ? "
                "AND start_date = ? ORDER BY id LIMIT 1",
                (
                    draft.town_key if draft.place is None else draft.place.name,
                    draft.direction.value,
                    draft.start.isoformat(),
                ),
            ) as cursor:
                similar = await cursor.fetchone()
            if similar is not None:
                return Recording(Outcome.SIMILAR_EXISTS, _visit(similar))
        fields = _fields(draft)
        cursor = await conn.execute(
            "INSERT INTO visits (town_key, direction, start_date, end_date, kind, people, "
            "purpose, notes, place_name, place_country, created_by, updated_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, clock_now(), clock_now())",
            (*(_column(name, fields[name]) for name in _FIELD_COLUMNS), actor_id, actor_id),
        )
        if cursor.lastrowid is None:
            raise RuntimeError("SQLite gave no row id for the new visit")
        visit_id = int(cursor.lastrowid)
        await cursor.close()
        await conn.execute(
            "INSERT INTO idempotency_keys (key, entity, entity_id, created_at) VALUES (?, ?, ?, clock_now())",
            (idempotency_key, ENTITY, str(visit_id)),
        )
        await write_audit(conn, ENTITY, visit_id, "create", actor_id, after=fields)
        # read back in the same transaction: what was written, not what another writer made of it since
        return Recording(Outcome.RECORDED, await self._locked_get(conn, visit_id))

    async def update(
        self,
        visit_id: int,
        changes: Mapping[str, Any],
        actor_id: int,
        *,
        expected_revision: int | None = None,
    ) -> Visit:
        """Change some fields (names as in VisitDraft); the audit entry holds only what changed."""
        async with self.db.transaction() as conn:
            current = await self._locked_get(conn, visit_id)
            if expected_revision is not None and current.revision != expected_revision:
                raise StaleVisitError(current)
            if current.deleted:
                raise StaleVisitError(current)
            updated = apply_changes(current.draft, changes)
            errors = validate(updated)
            if errors:
                raise VisitInputError(errors)
            before_all, after_all = _fields(current.draft), _fields(updated)
            changed = [name for name in after_all if after_all[name] != before_all[name]]
            if not changed:
                return current
            assignments = ", ".join(f"{_FIELD_COLUMNS[name]} = ?" for name in changed)
            await conn.execute(
                f"UPDATE visits SET {assignments}, revision = revision + 1, updated_by = ?, "
                "updated_at = clock_now() WHERE id = ?",
                (*(_column(name, after_all[name]) for name in changed), actor_id, visit_id),
            )
            await write_audit(
                conn,
                ENTITY,
                visit_id,
                "update",
                actor_id,
                before={name: before_all[name] for name in changed},
                after={name: after_all[name] for name in changed},
            )
            visit = await self._locked_get(conn, visit_id)
        self._changed()
        await self._reload_public(current.town_key, visit.town_key)
        return visit

    async def delete(self, visit_id: int, actor_id: int, *, expected_revision: int | None = None) -> Visit:
        """Soft delete: the visit stays in the file, hidden everywhere, and can be restored."""
        return await self._set_deleted(visit_id, actor_id, True, expected_revision)

    async def restore(self, visit_id: int, actor_id: int, *, expected_revision: int | None = None) -> Visit:
        return await self._set_deleted(visit_id, actor_id, False, expected_revision)

    async def _set_deleted(
        self, visit_id: int, actor_id: int, deleted: bool, expected_revision: int | None
    ) -> Visit:
        async with self.db.transaction() as conn:
            current = await self._locked_get(conn, visit_id)
            if expected_revision is not None and current.revision != expected_revision:
                raise StaleVisitError(current)
            if current.deleted == deleted:
                raise StaleVisitError(current)
            await conn.execute(
                "UPDATE visits SET deleted_at = CASE WHEN ? THEN clock_now() END, "
                "deleted_by = CASE WHEN ? THEN ? END, revision = revision + 1, updated_by = ?, "
                "updated_at = clock_now() WHERE id = ?",
                (deleted, deleted, actor_id, actor_id, visit_id),
            )
            await write_audit(
                conn,
                ENTITY,
                visit_id,
                "delete" if deleted else "restore",
                actor_id,
                before={"deleted": current.deleted},
                after={"deleted": deleted},
            )
            visit = await self._locked_get(conn, visit_id)
        self._changed()
        await self._reload_public(visit.town_key)
        return visit

    async def set_participants(
        self,
        visit_id: int,
        participants: Sequence[Participant],
        actor_id: int,
        *,
        expected_revision: int | None = None,
    ) -> Visit:
        """Replace the participants (the head among them) whole; the audit entry holds both lists."""
        errors = check_participants(participants)
        if errors:
            raise VisitInputError(errors)
        async with self.db.transaction() as conn:
            current = await self._live_at(conn, visit_id, expected_revision)
            before, after = participants_json(current.participants), participants_json(participants)
            if before == after:
                return current
            await write_participants(conn, visit_id, participants)
            await self._touch(conn, visit_id, actor_id)
            await write_audit(
                conn,
                ENTITY,
                visit_id,
                "update",
                actor_id,
                before={"participants": before},
                after={"participants": after},
            )
            return await self._locked_get(conn, visit_id)

    async def attach(self, visit_id: int, offer: FileOffer, actor_id: int) -> tuple[Visit, VisitFile, bool]:
        """Keep a file with a visit: (the visit, the file, whether it was new). The same Telegram file
        sent again is kept once. Raises VisitInputError for a file that cannot be kept, or too many."""
        check_offer(offer)
        assert offer.kind is not None
        async with self.db.transaction() as conn:
            current = await self._live_at(conn, visit_id, None)
            existing = await find_file(conn, visit_id, offer.file_unique_id)
            if existing is not None:
                return current, existing, False
            if len(current.files) >= MAX_FILES:
                raise VisitInputError.one("file", "files_too_many", limit=MAX_FILES)
            name = clean_name(offer.name, offer.kind, f"photo-{visit_id}-{len(current.files) + 1}.jpg")
            values = {
                "kind": offer.kind.value,
                "file_id": offer.file_id,
                "file_unique_id": offer.file_unique_id,
                "name": name,
                "mime": offer.mime[:100],
                "size": offer.size,
            }
            file_row = await insert_file(conn, visit_id, values, actor_id)
            await self._touch(conn, visit_id, actor_id)
            after = {"file": name, "kind": offer.kind.value, "size": offer.size}
            await write_audit(conn, ENTITY, visit_id, "attach", actor_id, after=after)
            visit = await self._locked_get(conn, visit_id)
        kept = next(item for item in visit.files if item.id == file_row)
        return visit, kept, True

    async def remove_file(self, visit_id: int, file_row: int, actor_id: int) -> Visit:
        """Take a file off the visit (kept in the file for the history, shown nowhere)."""
        async with self.db.transaction() as conn:
            current = await self._live_at(conn, visit_id, None)
            kept = next((item for item in current.files if item.id == file_row), None)
            if kept is None:
                raise VisitInputError.one("file", "file_not_found", number=file_row)
            await conn.execute(
                "UPDATE visit_files SET removed_at = clock_now(), removed_by = ? WHERE id = ?",
                (actor_id, file_row),
            )
            await self._touch(conn, visit_id, actor_id)
            await write_audit(conn, ENTITY, visit_id, "detach", actor_id, before={"file": kept.name})
            return await self._locked_get(conn, visit_id)

    async def _live_at(
        self, conn: aiosqlite.Connection, visit_id: int, expected_revision: int | None
    ) -> Visit:
        current = await self._locked_get(conn, visit_id)
        if current.deleted or (expected_revision is not None and current.revision != expected_revision):
            raise StaleVisitError(current)
        return current

    @staticmethod
    async def _touch(conn: aiosqlite.Connection, visit_id: int, actor_id: int) -> None:
        """A change beside the row: the revision moves on, so an older card's buttons are noticed."""
        await conn.execute(
            "UPDATE visits SET revision = revision + 1, updated_by = ?, updated_at = clock_now() WHERE id = ?",
            (actor_id, visit_id),
        )

    async def _locked_get(self, conn: aiosqlite.Connection, visit_id: int) -> Visit:
        async with conn.execute(f"SELECT {_COLUMNS} FROM visits WHERE id = ?", (visit_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise VisitNotFoundError(visit_id)
        return await with_details(self.db, _visit(row))

    @staticmethod
    def _filter(
        town_key: str | None, year: int | None, include_deleted: bool
    ) -> tuple[str, builtins.list[Any]]:
        conditions: builtins.list[str] = []
        parameters: builtins.list[Any] = []
        if not include_deleted:
            conditions.append("deleted_at IS NULL")
        if town_key == OTHER_TOWN:
            conditions.append("town_key IS NULL")
        elif town_key is not None:
            conditions.append("town_key = ?")
            parameters.append(town_key)
        if year is not None:
            low, high = _year_bounds(year)
            conditions.append("start_date >= ? AND start_date < ?")
            parameters.extend([low, high])
        return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), parameters

    # ---- what residents see --------------------------------------------------------------------

    async def load_public(self, today: date) -> None:
        """Fill the residents' view for every town with visits (at start; cheap with the indexes)."""
        self._public_day = today
        self._public = {}
        self.public_version += 1
        rows = await self.db.fetchall("SELECT DISTINCT town_key FROM visit_counts WHERE visits > 0")
        for row in rows:
            await self._reload_public(str(row[0]))

    async def _reload_public(self, *town_keys: str) -> None:
        if self._public_day is None:
            return  # nobody asked for the residents' view in this process
        day = self._public_day.isoformat()
        for town_key in dict.fromkeys(town_keys):
            # planned visits as of _public_day are kept too: they turn into past ones as days go by
            planned = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM visits WHERE town_key = ? AND deleted_at IS NULL AND start_date > ? "
                "ORDER BY start_date DESC, id DESC",
                (town_key, day),
            )
            past = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM visits WHERE town_key = ? AND deleted_at IS NULL AND start_date <= ? "
                "ORDER BY start_date DESC, id DESC LIMIT ?",
                (town_key, day, PUBLIC_PER_TOWN),
            )
            visits = [_visit(row) for row in (*planned, *past)]
            self.public_version += 1
            if visits:
                self._public[town_key] = visits
            else:
                self._public.pop(town_key, None)

    def public_recent(self, town_key: str, today: date, limit: int = PUBLIC_PER_TOWN) -> Sequence[Visit]:
        """The latest visits of a town that began on or before `today`, newest first (no planned ones)."""
        return [visit for visit in self._public.get(town_key, ()) if visit.start <= today][:limit]

    def public_towns(self) -> builtins.list[str]:
        return builtins.list(self._public)
