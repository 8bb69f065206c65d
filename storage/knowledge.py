"""The office's FAQ entries and the log of residents' questions (migration 0007).

FAQ writes are one BEGIN IMMEDIATE transaction with their audit entry (entity "faq"), as visits are.
The question log keeps no resident id: the text, its language, the time, the kind of chat, how the bot
answered, the answer message's id (so a helpful/not-helpful press is checked against the message it
came from) and the first mark only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import aiosqlite

from bot.core.questions.faq import FaqEntry
from storage.audit import write_audit
from storage.database import Database

ENTITY = "faq"
Outcome = Literal["answered", "fallback", "unanswered"]
_SELECT_FAQ = "SELECT id, question_ru, question_en, answer_ru, answer_en FROM faq_entries"


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    id: int
    asked_at: str
    text: str
    language: str
    chat_type: str
    outcome: str
    helpful: int | None


def _entry(row: aiosqlite.Row) -> FaqEntry:
    return FaqEntry(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]))


def _fields(entry: FaqEntry) -> dict[str, Any]:
    return {
        "question_ru": entry.question_ru,
        "question_en": entry.question_en,
        "answer_ru": entry.answer_ru,
        "answer_en": entry.answer_en,
    }


class KnowledgeRepository:
    def __init__(self, database: Database) -> None:
        self.db = database

    # -- FAQ -------------------------------------------------------------------------------------

    async def faq(self) -> list[FaqEntry]:
        rows = await self.db.fetchall(_SELECT_FAQ + " ORDER BY id")
        return [_entry(row) for row in rows]

    async def faq_entry(self, number: int) -> FaqEntry | None:
        row = await self.db.fetchone(_SELECT_FAQ + " WHERE id = ?", (number,))
        return _entry(row) if row else None

    async def add_faq(self, entry: FaqEntry, actor: int, question_ids: Sequence[int] = ()) -> FaqEntry:
        """Stores a new entry (its number is given here) and its audit entry in one transaction; the
        logged questions it answers (`question_ids`: the similar ones of /unanswered) leave that list."""
        async with self.db.transaction() as conn:
            stamp = self.db.stamp()
            cursor = await conn.execute(
                "INSERT INTO faq_entries (question_ru, question_en, answer_ru, answer_en, created_by, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry.question_ru, entry.question_en, entry.answer_ru, entry.answer_en, actor, stamp, stamp),
            )
            number = int(cursor.lastrowid or 0)
            stored = replace(entry, number=number)
            after = _fields(stored)
            if question_ids:
                await conn.executemany(
                    "UPDATE question_log SET answered_by_faq = ? WHERE id = ?",
                    [(number, question_id) for question_id in question_ids],
                )
                after["for_questions"] = list(question_ids)
            await write_audit(conn, ENTITY, number, "create", actor, after=after)
        return stored

    async def edit_faq(self, entry: FaqEntry, actor: int) -> FaqEntry | None:
        async with self.db.transaction() as conn:
            row = await (await conn.execute(_SELECT_FAQ + " WHERE id = ?", (entry.number,))).fetchone()
            if row is None:
                return None
            before = _entry(row)
            await conn.execute(
                "UPDATE faq_entries SET question_ru = ?, question_en = ?, answer_ru = ?, answer_en = ?, "
                "updated_at = ? WHERE id = ?",
                (
                    entry.question_ru,
                    entry.question_en,
                    entry.answer_ru,
                    entry.answer_en,
                    self.db.stamp(),
                    entry.number,
                ),
            )
            await write_audit(
                conn, ENTITY, entry.number, "update", actor, before=_fields(before), after=_fields(entry)
            )
        return entry

    async def remove_faq(self, number: int, actor: int) -> FaqEntry | None:
        async with self.db.transaction() as conn:
            row = await (await conn.execute(_SELECT_FAQ + " WHERE id = ?", (number,))).fetchone()
            if row is None:
                return None
            before = _entry(row)
            await conn.execute(
                "UPDATE question_log SET answered_by_faq = NULL WHERE answered_by_faq = ?", (number,)
            )
            await conn.execute("DELETE FROM faq_entries WHERE id = ?", (number,))
            await write_audit(conn, ENTITY, number, "delete", actor, before=_fields(before))
        return before

    async def replace_faq(self, entries: list[FaqEntry], actor: int) -> int:
        """`twinbot import-faq`: the file's entries become the FAQ (numbers as the file gives), audited."""
        async with self.db.transaction() as conn:
            old = [_entry(row) for row in await (await conn.execute(_SELECT_FAQ)).fetchall()]
            await conn.execute("UPDATE question_log SET answered_by_faq = NULL")
            await conn.execute("DELETE FROM faq_entries")
            stamp = self.db.stamp()
            for entry in entries:
                await conn.execute(
                    "INSERT INTO faq_entries (id, question_ru, question_en, answer_ru, answer_en, created_by, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        entry.number,
                        entry.question_ru,
                        entry.question_en,
                        entry.answer_ru,
                        entry.answer_en,
                        actor,
                        stamp,
                        stamp,
                    ),
                )
            await write_audit(
                conn,
                ENTITY,
                "all",
                "import",
                actor,
                before={"entries": [_fields(e) | {"number": e.number} for e in old]},
                after={"entries": [_fields(e) | {"number": e.number} for e in entries]},
            )
        return len(entries)

    # -- the question log ------------------------------------------------------------------------

    async def log_question(
        self, text: str, language: str, chat_type: str, outcome: Outcome, intent: str
    ) -> int:
        # for every question a resident asks: one statement, not waiting for the disk (Database.write)
        row_id, _ = await self.db.write(
            "INSERT INTO question_log (asked_at, text, language, chat_type, outcome, intent) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self.db.stamp(), text, language, chat_type, outcome, intent),
            durable=False,
        )
        return row_id

    async def answer_sent(self, question_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE question_log SET message_id = ? WHERE id = ?", (message_id, question_id), durable=False
        )

    async def mark(self, question_id: int, message_id: int, helpful: bool) -> bool | None:
        """The first mark of an answer: True when stored, False when one was already there (the second
        press changes nothing), None when no such answer came from that message (forged or stale)."""
        async with self.db.transaction() as conn:
            row = await (
                await conn.execute(
                    "SELECT message_id, helpful FROM question_log WHERE id = ?", (question_id,)
                )
            ).fetchone()
            if row is None or row[0] is None or int(row[0]) != message_id:
                return None
            if row[1] is not None:
                return False
            await conn.execute(
                "UPDATE question_log SET helpful = ? WHERE id = ?", (int(helpful), question_id)
            )
            return True

    async def to_answer(self, since: datetime) -> list[LoggedQuestion]:
        """Questions of the period the bot could not answer, answered with a fallback, or marked not
        helpful, that no FAQ entry answers yet: newest first."""
        start = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        rows = await self.db.fetchall(
            "SELECT id, asked_at, text, language, chat_type, outcome, helpful FROM question_log "
            "WHERE asked_at >= ? AND answered_by_faq IS NULL AND (outcome <> 'answered' OR helpful = 0) "
            "ORDER BY asked_at DESC, id DESC LIMIT 2000",
            (start,),
        )
        return [
            LoggedQuestion(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), r[6])
            for r in rows
        ]

    async def forget_before(self, cutoff: datetime) -> int:
        """Deletes the logged questions asked before `cutoff` (the retention of [knowledge]
        keep_unanswered_days): their texts, marks and links to FAQ entries. Returns how many."""
        start = cutoff.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM question_log WHERE asked_at < ?", (start,))
            return max(cursor.rowcount, 0)

    async def logged(self, question_id: int) -> LoggedQuestion | None:
        row = await self.db.fetchone(
            "SELECT id, asked_at, text, language, chat_type, outcome, helpful FROM question_log WHERE id = ?",
            (question_id,),
        )
        if row is None:
            return None
        return LoggedQuestion(
            int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]), row[6]
        )
