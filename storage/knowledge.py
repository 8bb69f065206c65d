"""The office's FAQ entries and the log of residents' questions (migration 0007).

FAQ writes are one BEGIN IMMEDIATE transaction with their audit entry (entity "faq"), as visits are.
The question log keeps no resident id: the text, its language, the time, the kind of chat, how the bot
answered, the answer message's id (so a helpful/not-helpful press is checked against the message it
came from) and the first mark only.

The log is written behind the answers (:class:`KnowledgeRepository.log_question`): a row waits in
memory for at most FLUSH_DELAY seconds and is written together with the others of that time, in one
statement; before that the answer has gone out with its id in the feedback buttons. Every method here
that reads or changes logged rows writes the waiting ones first, and `twinbot run`'s inbox writes them
before it marks their updates done (bot.intake): a process killed with rows in memory has not marked
those updates done, so they are handled, answered and logged again at the next start, as any update
that was being handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import aiosqlite

from bot.core.questions.faq import FaqEntry
from storage.audit import write_audit
from storage.database import Database

log = logging.getLogger("storage.knowledge")

ENTITY = "faq"
FLUSH_DELAY = 0.05  # seconds from the first logged question in memory to the write of all of them
# A logged question's id is given here, before its row is written (the feedback buttons carry it): the
# bot's clock in milliseconds times 2**ID_SPREAD_BITS plus a random part, and always above the last
# one given. Another process logging at the same moment (`twinbot console` on the same file) gets
# other ids but for a 1 in 2**ID_SPREAD_BITS chance within one millisecond; a row whose id was taken
# meanwhile is still written, under a new id (see _write). 2**63 is reached in the year 287,000.
ID_SPREAD_BITS = 10
LARGEST_ID = 2**63 - 1  # SQLite's INTEGER
_LOG_COLUMNS = "(id, asked_at, text, language, chat_type, outcome, intent, message_id)"
_LOG_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)"
LOG_CHUNK = 100  # rows per INSERT: 800 parameters, well under SQLite's 32,766
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
        # the question log written behind (see the module's docstring): id -> the row's values, its
        # message_id last (None until answer_sent), and the message ids of rows written meanwhile
        self._unwritten: dict[int, list[Any]] = {}
        self._unwritten_answers: dict[int, int] = {}
        self._last_id: int | None = None  # the largest id given or found in the file
        self._writing = asyncio.Lock()  # one write of the log at a time: a second waits for the first
        self._timer: asyncio.TimerHandle | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self.flush_delay = FLUSH_DELAY

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
        await self.flush_log()
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
        await self.flush_log()
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
        await self.flush_log()
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
        """The question's id at once; its row is written within flush_delay seconds (see the module)."""
        if self._last_id is None:  # once per process: ids above every one in the file
            row = await self.db.fetchone("SELECT max(id) FROM question_log")
            found = int(row[0] or 0) if row else 0
            self._last_id = max(found, self._last_id or 0)  # another first question may have gone ahead
        moment = self.db.clock()
        spread = (int(moment.timestamp() * 1000) << ID_SPREAD_BITS) | random.getrandbits(ID_SPREAD_BITS)
        question_id = self._last_id = max(self._last_id + 1, spread)
        self._unwritten[question_id] = [
            question_id,
            self.db.stamp(moment),
            text,
            language,
            chat_type,
            outcome,
            intent,
            None,
        ]
        self._write_soon()
        return question_id

    async def answer_sent(self, question_id: int, message_id: int) -> None:
        """The answer's message id, which a feedback press must come from; written with the row."""
        unwritten = self._unwritten.get(question_id)
        if unwritten is not None:
            unwritten[-1] = message_id
        else:  # the row went to the file while the answer was on its way
            self._unwritten_answers[question_id] = message_id
        self._write_soon()

    def _write_soon(self) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.flush_delay, self._start_flush)

    def _start_flush(self) -> None:
        self._timer = None
        self._flush_task = asyncio.get_running_loop().create_task(self._flush_logging(), name="question-log")

    async def _flush_logging(self) -> None:
        try:
            await self.flush_log()
        except Exception as exc:  # noqa: BLE001 - kept in memory, written with the next flush
            log.warning("could not write the question log: %s", type(exc).__name__)
            self._write_soon()

    async def flush_log(self) -> None:
        """Write the logged questions waiting in memory (raises when that failed: the rest wait on)."""
        async with self._writing:
            rows, self._unwritten = self._unwritten, {}
            answers, self._unwritten_answers = self._unwritten_answers, {}
            try:
                # one statement per LOG_CHUNK rows, not waiting for the disk (Database.write): a power
                # cut may take back the last ones, never a killed process (the inbox hands their updates
                # over again)
                while rows:
                    chunk = list(rows.values())[:LOG_CHUNK]
                    await self._write(chunk)
                    for row in chunk:
                        del rows[row[0]]
                for question_id, message_id in list(answers.items()):
                    await self.db.write(
                        "UPDATE question_log SET message_id = ? WHERE id = ?",
                        (message_id, question_id),
                        durable=False,
                    )
                    del answers[question_id]
            except BaseException:
                # back in the queue, before what was logged meanwhile
                self._unwritten = rows | self._unwritten
                self._unwritten_answers = answers | self._unwritten_answers
                raise

    async def _write(self, rows: list[list[Any]]) -> None:
        values = ", ".join([_LOG_ROW] * len(rows))
        try:
            await self.db.write(
                f"INSERT INTO question_log {_LOG_COLUMNS} VALUES {values}",  # noqa: S608 - only placeholders
                [value for row in rows for value in row],
                durable=False,
            )
        except sqlite3.IntegrityError:  # the statement wrote none of them
            for row in rows:
                await self._write_one(row)

    async def _write_one(self, row: list[Any]) -> None:
        """A row whose id may be taken: by itself (a write that was interrupted after its commit), or by
        another process's question (see ID_SPREAD_BITS). Then it goes in under a new id, without its
        message id, so that its feedback buttons are refused as stale rather than mark the other row."""
        insert = f"INSERT INTO question_log {_LOG_COLUMNS} VALUES {_LOG_ROW}"  # noqa: S608 - only placeholders
        try:
            await self.db.write(insert, row, durable=False)
            return
        except sqlite3.IntegrityError:
            pass
        there = await self.db.fetchone("SELECT asked_at, text FROM question_log WHERE id = ?", (row[0],))
        if there is not None and (there[0], there[1]) == (row[1], row[2]):  # itself, written before
            if row[-1] is not None:
                await self.db.write(
                    "UPDATE question_log SET message_id = ? WHERE id = ?", (row[-1], row[0]), durable=False
                )
            return
        log.warning("question log: id %d was taken by another process, written under a new one", row[0])
        await self.db.write(insert, [None, *row[1:-1], None], durable=False)

    async def close_log(self) -> None:
        """Write what waits in memory and stop the timer (before the database closes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flush_task is not None:
            with contextlib.suppress(Exception):
                await self._flush_task
        await self.flush_log()

    async def mark(self, question_id: int, message_id: int, helpful: bool) -> bool | None:
        """The first mark of an answer: True when stored, False when one was already there (the second
        press changes nothing), None when no such answer came from that message (forged or stale)."""
        if not 0 < question_id <= LARGEST_ID:
            return None
        await self.flush_log()
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
        await self.flush_log()
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
        await self.flush_log()
        start = cutoff.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM question_log WHERE asked_at < ?", (start,))
            return max(cursor.rowcount, 0)

    async def logged(self, question_id: int) -> LoggedQuestion | None:
        if not 0 < question_id <= LARGEST_ID:
            return None
        await self.flush_log()
        row = await self.db.fetchone(
            "SELECT id, asked_at, text, language, chat_type, outcome, helpful FROM question_log WHERE id = ?",
            (question_id,),
        )
        if row is None:
            return None
        return LoggedQuestion(
            int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]), row[6]
        )
