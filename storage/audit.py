"""The audit log: every staff change, written in the same transaction as the change itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.database import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    entity: str
    entity_id: str
    action: str
    actor_id: int
    at: str  # ISO 8601 UTC
    before: dict[str, Any] | None
    after: dict[str, Any] | None


async def write_audit(
    conn: aiosqlite.Connection,
    entity: str,
    entity_id: str | int,
    action: str,
    actor_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Call inside the transaction that makes the change, so both commit or neither does."""
    await conn.execute(
        "INSERT INTO audit_log (entity, entity_id, action, actor_id, before_json, after_json, at) "
        "VALUES (?, ?, ?, ?, ?, ?, clock_now())",
        (
            entity,
            str(entity_id),
            action,
            actor_id,
            None if before is None else json.dumps(before, ensure_ascii=False, default=str),
            None if after is None else json.dumps(after, ensure_ascii=False, default=str),
        ),
    )


class AuditLog:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def history(self, entity: str, entity_id: str | int, limit: int = 50) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT ?",
            (entity, str(entity_id), limit),
        )
        return [
            AuditEntry(
                id=row["id"],
                entity=row["entity"],
                entity_id=row["entity_id"],
                action=row["action"],
                actor_id=row["actor_id"],
                at=row["at"],
                before=json.loads(row["before_json"]) if row["before_json"] else None,
                after=json.loads(row["after_json"]) if row["after_json"] else None,
            )
            for row in rows
        ]
