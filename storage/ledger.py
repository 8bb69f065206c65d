"""The delivery ledger (one row per reminder that is due, unique per event, occurrence, chat and lead) and
the bookkeeping of the daily reminder passes. The protocol that uses them is described in bot/reminders/.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from storage import subscriptions
from storage.database import Database

Status = Literal["pending", "sending", "sent", "in_doubt", "failed", "blocked", "expired"]
FINAL: frozenset[str] = frozenset({"sent", "in_doubt", "failed", "blocked", "expired"})
PassStatus = Literal["running", "done", "skipped"]


@dataclass(frozen=True, slots=True)
class LedgerKey:
    event_key: str
    occurrence: str
    chat_id: int
    lead_days: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    event_key: str
    occurrence: str
    chat_id: int
    lead_days: int
    due_date: date
    status: Status
    delayed: bool
    attempts: int
    message_id: int | None
    error: str

    @property
    def key(self) -> LedgerKey:
        return LedgerKey(self.event_key, self.occurrence, self.chat_id, self.lead_days)


@dataclass(frozen=True, slots=True)
class PassState:
    day: date
    status: PassStatus
    delayed: bool
    runs: int
    planned: int
    sent: int
    note: str


@dataclass(frozen=True, slots=True)
class Migrated:
    """The reminders of a chat that moved (DeliveryLedger.migrate)."""

    pending: list[int]  # the new chat's rows for them that are still to be sent
    complete: bool  # every one of them is pending: the message can go out as it was
    move: subscriptions.ChatMove


class ClaimLostError(Exception):
    """The rows were not all 'pending' any more: another pass (or process) has them."""


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class DeliveryLedger:
    def __init__(self, database: Database, wall: Callable[[], float] = time.time) -> None:
        self.db = database
        self.wall = wall  # unix time, for claim leases

    # ---- rows ------------------------------------------------------------------------------------

    async def plan(self, due_date: date, keys: Iterable[LedgerKey], *, delayed: bool = False) -> int:
        """Record what is due on `due_date` (rows that exist already are left as they are); returns
        how many rows are new. A delayed pass marks the rows still pending as delayed."""
        rows = [
            (k.event_key, k.occurrence, k.chat_id, k.lead_days, due_date.isoformat(), int(delayed))
            for k in keys
        ]
        async with self.db.transaction() as conn:
            before = conn.total_changes
            await conn.executemany(
                "INSERT OR IGNORE INTO delivery_ledger "
                "(event_key, occurrence, chat_id, lead_days, due_date, delayed, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, clock_now())",
                rows,
            )
            added = conn.total_changes - before
            if delayed:
                await conn.execute(
                    "UPDATE delivery_ledger SET delayed = 1 WHERE due_date = ? AND status = 'pending'",
                    (due_date.isoformat(),),
                )
        return added

    async def entries(self, due_date: date | None = None, chat_id: int | None = None) -> list[LedgerEntry]:
        conditions, parameters = [], []
        if due_date is not None:
            conditions.append("due_date = ?")
            parameters.append(due_date.isoformat())
        if chat_id is not None:
            conditions.append("chat_id = ?")
            parameters.append(str(chat_id))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await self.db.fetchall(f"SELECT * FROM delivery_ledger{where} ORDER BY id", parameters)
        return [
            LedgerEntry(
                id=row["id"],
                event_key=row["event_key"],
                occurrence=row["occurrence"],
                chat_id=row["chat_id"],
                lead_days=row["lead_days"],
                due_date=date.fromisoformat(row["due_date"]),
                status=cast(Status, row["status"]),
                delayed=bool(row["delayed"]),
                attempts=row["attempts"],
                message_id=row["message_id"],
                error=row["error"],
            )
            for row in rows
        ]

    async def pending_dates(self) -> list[date]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT due_date FROM delivery_ledger WHERE status = 'pending' ORDER BY due_date"
        )
        return [date.fromisoformat(row[0]) for row in rows]

    async def claim(self, ids: Sequence[int], token: str) -> None:
        """Take the rows for one send attempt: all of them 'pending' -> 'sending', or none (ClaimLostError).

        Committed before the request goes out, so a crash after this point leaves a visible claim.
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE delivery_ledger SET status = 'sending', claim = ?, claimed_at = ?, "
                f"attempts = attempts + 1 WHERE status = 'pending' AND id IN ({_marks(len(ids))})",
                (token, self.wall(), *ids),
            )
            taken = cursor.rowcount
            await cursor.close()
            if taken != len(ids):
                raise ClaimLostError(f"{len(ids) - taken} of {len(ids)} rows are no longer pending")

    async def finish(
        self,
        ids: Sequence[int],
        token: str,
        status: Status,
        *,
        message_id: int | None = None,
        error: str = "",
        deactivate_chat: int | None = None,
    ) -> int:
        """Settle a claimed attempt (only the rows this claim still holds); with `deactivate_chat`, the
        chat's subscription is switched off in the same transaction (Telegram said it is unreachable),
        through storage.subscriptions.deactivate_chat, which writes the audit entry."""
        sent_at = self.db.stamp() if status == "sent" else None
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE delivery_ledger SET status = ?, claim = CASE WHEN ? = 'pending' THEN NULL ELSE claim END, "
                f"sent_at = coalesce(?, sent_at), message_id = coalesce(?, message_id), error = ? "
                f"WHERE status = 'sending' AND claim = ? AND id IN ({_marks(len(ids))})",
                (status, status, sent_at, message_id, error[:500], token, *ids),
            )
            settled = cursor.rowcount
            await cursor.close()
            if deactivate_chat is not None:
                await subscriptions.deactivate_chat(conn, deactivate_chat, error[:200] or status)
        return settled

    async def migrate(
        self, ids: Sequence[int], token: str, old_chat_id: int, new_chat_id: int, *, error: str
    ) -> Migrated:
        """Telegram answered that the chat became a supergroup (nothing was delivered). In one transaction:
        the claimed rows become 'failed' for the old id, the subscription and the /lang choice move to the
        new id (audited), and the same reminders are recorded for the new id. Returns the new rows still
        pending, to be sent in this same pass."""
        async with self.db.transaction() as conn:
            marks = _marks(len(ids))
            async with conn.execute(
                f"SELECT event_key, occurrence, lead_days, due_date, delayed FROM delivery_ledger "
                f"WHERE status = 'sending' AND claim = ? AND id IN ({marks})",
                (token, *ids),
            ) as cursor:
                rows = [tuple(row) for row in await cursor.fetchall()]
            await conn.execute(
                f"UPDATE delivery_ledger SET status = 'failed', error = ? "
                f"WHERE status = 'sending' AND claim = ? AND id IN ({marks})",
                (error[:500], token, *ids),
            )
            move = await subscriptions.migrate_chat(conn, old_chat_id, new_chat_id)
            await conn.executemany(
                "INSERT OR IGNORE INTO delivery_ledger "
                "(event_key, occurrence, chat_id, lead_days, due_date, delayed, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, clock_now())",
                [
                    (key, occurrence, new_chat_id, lead, due, delayed)
                    for key, occurrence, lead, due, delayed in rows
                ],
            )
            pending: list[int] = []
            for key, occurrence, lead, _, _ in rows:
                async with conn.execute(
                    "SELECT id, status FROM delivery_ledger "
                    "WHERE event_key = ? AND occurrence = ? AND chat_id = ? AND lead_days = ?",
                    (key, occurrence, new_chat_id, lead),
                ) as cursor:
                    row = await cursor.fetchone()
                if row is not None and row["status"] == "pending":
                    pending.append(int(row["id"]))
        return Migrated(pending, complete=bool(rows) and len(pending) == len(rows), move=move)

    async def expire(self, due_before: date) -> int:
        """Pending rows of passes older than `due_before`: too late now, never sent."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE delivery_ledger SET status = 'expired', error = 'catch-up window closed' "
                "WHERE status = 'pending' AND due_date < ?",
                (due_before.isoformat(),),
            )
            expired = cursor.rowcount
            await cursor.close()
        return expired

    async def recover_stale_claims(self, older_than_seconds: float) -> int:
        """'sending' rows whose attempt ended without a verdict (the process died mid-request): the
        message may have been delivered, so they become 'in_doubt' and are never sent again."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE delivery_ledger SET status = 'in_doubt', "
                "error = 'the attempt ended without an answer (restart or crash mid-request)' "
                "WHERE status = 'sending' AND claimed_at < ?",
                (self.wall() - older_than_seconds,),
            )
            recovered = cursor.rowcount
            await cursor.close()
        return recovered

    async def status_counts(self, due_date: date | None = None) -> dict[str, int]:
        where, parameters = ("WHERE due_date = ?", [due_date.isoformat()]) if due_date else ("", [])
        rows = await self.db.fetchall(
            f"SELECT status, count(*) FROM delivery_ledger {where} GROUP BY status", parameters
        )
        return {row[0]: int(row[1]) for row in rows}

    # ---- passes ----------------------------------------------------------------------------------

    async def passes(self, since: date | None = None) -> dict[date, PassState]:
        where, parameters = ("WHERE pass_date >= ?", [since.isoformat()]) if since else ("", [])
        rows = await self.db.fetchall(f"SELECT * FROM reminder_passes {where} ORDER BY pass_date", parameters)
        return {
            date.fromisoformat(row["pass_date"]): PassState(
                day=date.fromisoformat(row["pass_date"]),
                status=cast(PassStatus, row["status"]),
                delayed=bool(row["delayed"]),
                runs=row["runs"],
                planned=row["planned"],
                sent=row["sent"],
                note=row["note"],
            )
            for row in rows
        }

    async def last_pass(self) -> date | None:
        row = await self.db.fetchone("SELECT max(pass_date) FROM reminder_passes")
        return date.fromisoformat(row[0]) if row and row[0] else None

    async def start_pass(self, day: date, *, delayed: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO reminder_passes (pass_date, status, delayed, runs, started_at) "
                "VALUES (?, 'running', ?, 1, ?) ON CONFLICT (pass_date) DO UPDATE SET "
                "status = CASE WHEN status = 'skipped' THEN 'running' ELSE status END, "
                "delayed = max(delayed, excluded.delayed), runs = runs + 1, started_at = excluded.started_at",
                (day.isoformat(), int(delayed), self.db.stamp()),
            )

    async def finish_pass(self, day: date, *, planned: int, sent: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE reminder_passes SET status = 'done', planned = ?, sent = sent + ?, finished_at = ? "
                "WHERE pass_date = ?",
                (planned, sent, self.db.stamp(), day.isoformat()),
            )

    async def skip_pass(self, day: date, note: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO reminder_passes (pass_date, status, note, finished_at) VALUES (?, 'skipped', ?, ?) "
                "ON CONFLICT (pass_date) DO UPDATE SET status = 'skipped', note = excluded.note, "
                "finished_at = excluded.finished_at WHERE status <> 'done'",
                (day.isoformat(), note[:500], self.db.stamp()),
            )
