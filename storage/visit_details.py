"""The parts of a visit kept beside its row (migration 0010): the participants with the head of the
delegation (``visit_participants``) and the files kept with it (``visit_files``).

Reading and writing here take the caller's transaction; :class:`storage.visits.VisitRepository` holds
the writes that bump the visit's revision and write the audit entry with them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import aiosqlite

from bot.core.visits import Visit
from bot.core.visits.files import FileKind, VisitFile
from bot.core.visits.people import Participant
from storage.database import Database

_FILE_COLUMNS = "id, visit_id, kind, file_id, name, mime, size, added_by, added_at"


def participants_json(participants: Iterable[Participant]) -> list[dict[str, object]]:
    """The list as the audit log keeps it."""
    return [person.to_json() for person in participants]


def _file(row: aiosqlite.Row) -> VisitFile:
    return VisitFile(
        id=row["id"],
        visit_id=row["visit_id"],
        kind=FileKind(row["kind"]),
        file_id=row["file_id"],
        name=row["name"],
        mime=row["mime"],
        size=row["size"],
        added_by=row["added_by"],
        added_at=row["added_at"],
    )


PARTICIPANTS_SQL = (
    "SELECT visit_id, name, role, head FROM visit_participants WHERE visit_id IN ({marks}) "
    "ORDER BY visit_id, position"
)
PARTICIPANTS_CHUNK = 500  # SQLite's parameter limit is far above; rows stay small


def _gather(found: dict[int, list[Participant]], rows: Iterable[Any]) -> None:
    for row in rows:
        found.setdefault(int(row["visit_id"]), []).append(
            Participant(row["name"], row["role"], bool(row["head"]))
        )


async def read_participants(db: Database, visit_ids: Sequence[int]) -> dict[int, tuple[Participant, ...]]:
    """The participants of some visits in the order staff typed them (a visit without any is absent)."""
    found: dict[int, list[Participant]] = {}
    for first in range(0, len(visit_ids), PARTICIPANTS_CHUNK):
        chunk = list(visit_ids[first : first + PARTICIPANTS_CHUNK])
        _gather(found, await db.fetchall(PARTICIPANTS_SQL.format(marks=", ".join("?" * len(chunk))), chunk))
    return {visit_id: tuple(people) for visit_id, people in found.items()}


def read_participants_on(connection: sqlite3.Connection, visits: list[Visit]) -> list[Visit]:
    """The same for a batch read on a connection of its own (the streamed export, in a worker thread)."""
    found: dict[int, list[Participant]] = {}
    ids = [visit.id for visit in visits]
    for first in range(0, len(ids), PARTICIPANTS_CHUNK):
        chunk = ids[first : first + PARTICIPANTS_CHUNK]
        _gather(found, connection.execute(PARTICIPANTS_SQL.format(marks=", ".join("?" * len(chunk))), chunk))
    if not found:
        return visits
    return [
        replace(visit, participants=tuple(found[visit.id])) if visit.id in found else visit
        for visit in visits
    ]


async def read_files(db: Database, visit_id: int) -> tuple[VisitFile, ...]:
    rows = await db.fetchall(
        f"SELECT {_FILE_COLUMNS} FROM visit_files WHERE visit_id = ? AND removed_at IS NULL ORDER BY id",
        (visit_id,),
    )
    return tuple(_file(row) for row in rows)


async def with_details(db: Database, visit: Visit) -> Visit:
    """The visit with its participants and files (inside a transaction: as that transaction sees them)."""
    people = await read_participants(db, [visit.id])
    return replace(visit, participants=people.get(visit.id, ()), files=await read_files(db, visit.id))


async def write_participants(
    conn: aiosqlite.Connection, visit_id: int, participants: Sequence[Participant]
) -> None:
    """Replace the list whole (inside the caller's transaction)."""
    await conn.execute("DELETE FROM visit_participants WHERE visit_id = ?", (visit_id,))
    await conn.executemany(
        "INSERT INTO visit_participants (visit_id, position, name, role, head) VALUES (?, ?, ?, ?, ?)",
        [
            (visit_id, position, person.name, person.role, int(person.head))
            for position, person in enumerate(participants, 1)
        ],
    )


async def find_file(conn: aiosqlite.Connection, visit_id: int, unique_id: str) -> VisitFile | None:
    """A kept (not removed) file of the visit with this Telegram unique id: the same file sent again."""
    if not unique_id:
        return None
    async with conn.execute(
        f"SELECT {_FILE_COLUMNS} FROM visit_files WHERE visit_id = ? AND file_unique_id = ? "
        "AND removed_at IS NULL ORDER BY id LIMIT 1",
        (visit_id, unique_id),
    ) as cursor:
        row = await cursor.fetchone()
    return _file(row) if row is not None else None


async def insert_file(
    conn: aiosqlite.Connection, visit_id: int, values: dict[str, Any], actor_id: int
) -> int:
    cursor = await conn.execute(
        "INSERT INTO visit_files (visit_id, kind, file_id, file_unique_id, name, mime, size, added_by, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, clock_now())",
        (
            visit_id,
            values["kind"],
            values["file_id"],
            values["file_unique_id"],
            values["name"],
            values["mime"],
            values["size"],
            actor_id,
        ),
    )
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite gave no row id for the new file")
    file_row = int(cursor.lastrowid)
    await cursor.close()
    return file_row
