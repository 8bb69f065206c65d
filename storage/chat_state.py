"""What python-telegram-bot keeps between updates, stored as JSON in the bot's one SQLite file.

Conversation states (by handler name and conversation key) and user/chat/bot data. The PTB side is
bot/persistence.py; this module knows nothing of telegram. Values must be JSON: a value that is not
is logged and left out rather than pickled.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from storage.database import Database

log = logging.getLogger(__name__)

DataKind = Literal["user", "chat", "bot", "callback"]
SINGLETON_ID = 0  # the id under which bot data and callback data are stored


def _encode(value: Any) -> str | None:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        log.warning("not stored (not JSON): %s", error)
        return None


@dataclass(frozen=True, slots=True)
class _Write:
    """One statement to run in a transaction, and what the cache holds once it committed."""

    sql: str
    parameters: tuple[Any, ...]
    cache: dict[Any, str]
    slot: Any
    value: str | None  # None: the row is gone


_UPSERT_DATA = (
    "INSERT INTO ptb_data (kind, id, data, updated_at) VALUES (?, ?, ?, clock_now()) ON CONFLICT (kind, id) DO UPDATE "
    "SET data = excluded.data, updated_at = clock_now()"
)
_DELETE_DATA = "DELETE FROM ptb_data WHERE kind = ? AND id = ?"
_UPSERT_STATE = (
    "INSERT INTO ptb_conversations (name, key, state, updated_at) VALUES (?, ?, ?, clock_now()) "
    "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, "
    "updated_at = clock_now()"
)
_DELETE_STATE = "DELETE FROM ptb_conversations WHERE name = ? AND key = ?"


class ChatStateStore:
    def __init__(self, database: Database) -> None:
        self.db = database
        # what each row holds now, so that unchanged data is not written again
        self._data_written: dict[tuple[str, int], str] = {}
        self._states_written: dict[tuple[str, str], str] = {}

    async def _commit(self, *writes: _Write | None) -> None:
        """Run the writes in one transaction (all or none), then remember what the rows hold."""
        pending = [write for write in writes if write is not None]
        if not pending:
            return
        async with self.db.transaction() as conn:
            for write in pending:
                await conn.execute(write.sql, write.parameters)
        for write in pending:
            if write.value is None:
                write.cache.pop(write.slot, None)
            else:
                write.cache[write.slot] = write.value

    # ---- user / chat / bot / callback data ---------------------------------------------------------

    async def load_data(self, kind: DataKind) -> dict[int, Any]:
        rows = await self.db.fetchall("SELECT id, data FROM ptb_data WHERE kind = ?", (kind,))
        loaded: dict[int, Any] = {}
        for row in rows:
            self._data_written[(kind, int(row["id"]))] = row["data"]
            try:
                loaded[int(row["id"])] = json.loads(row["data"])
            except json.JSONDecodeError:
                log.error("skipping unreadable %s data for %s", kind, row["id"])
        return loaded

    def _data_write(self, kind: DataKind, item_id: int, data: Any) -> _Write | None:
        """Store (or, for empty data, forget) one item; None when there is nothing to write."""
        encoded = _encode(data)
        if encoded is None:
            return None
        slot = (kind, item_id)
        if self._data_written.get(slot) == encoded:
            return None
        if not data:
            if slot not in self._data_written:
                return None
            return _Write(_DELETE_DATA, (kind, item_id), self._data_written, slot, None)
        return _Write(_UPSERT_DATA, (kind, item_id, encoded), self._data_written, slot, encoded)

    async def save_data(self, kind: DataKind, item_id: int, data: Any) -> None:
        """Store (or, for empty data, forget) one item; nothing is written when it did not change."""
        await self._commit(self._data_write(kind, item_id, data))

    async def drop_data(self, kind: DataKind, item_id: int) -> None:
        slot = (kind, item_id)
        await self._commit(_Write(_DELETE_DATA, slot, self._data_written, slot, None))

    # ---- conversations -----------------------------------------------------------------------------

    async def load_conversations(self, name: str) -> dict[tuple[Any, ...], Any]:
        rows = await self.db.fetchall("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
        states: dict[tuple[Any, ...], Any] = {}
        for row in rows:
            self._states_written[(name, row["key"])] = row["state"]
            try:
                states[tuple(json.loads(row["key"]))] = json.loads(row["state"])
            except (json.JSONDecodeError, TypeError):
                log.error("skipping unreadable %s conversation %s", name, row["key"])
        return states

    def _conversation_write(self, name: str, key: tuple[Any, ...], state: Any | None) -> _Write | None:
        encoded_key = _encode(list(key))
        if encoded_key is None:
            return None
        slot = (name, encoded_key)
        if state is None:
            if slot not in self._states_written:
                return None
            return _Write(_DELETE_STATE, slot, self._states_written, slot, None)
        encoded_state = _encode(state)
        if encoded_state is None or self._states_written.get(slot) == encoded_state:
            return None
        return _Write(
            _UPSERT_STATE, (name, encoded_key, encoded_state), self._states_written, slot, encoded_state
        )

    async def save_conversation(self, name: str, key: tuple[Any, ...], state: Any | None) -> None:
        """Store a conversation's state; None (the conversation ended) removes it."""
        await self._commit(self._conversation_write(name, key, state))

    async def save_step(
        self, name: str, key: tuple[Any, ...], state: Any | None, kind: DataKind, item_id: int, data: Any
    ) -> None:
        """A conversation's state and the data it works on, in one transaction: after a crash both
        are the old ones or both the new ones, never a new state with an old draft."""
        await self._commit(self._data_write(kind, item_id, data), self._conversation_write(name, key, state))

    async def close(self) -> None:
        await self.db.close()
