"""What python-telegram-bot keeps between updates, stored as JSON in the bot's one SQLite file.

Conversation states (by handler name and conversation key) and user/chat/bot data. The PTB side is
bot/persistence.py; this module knows nothing of telegram. Values must be JSON: a value that is not
is logged and left out rather than pickled.
"""

from __future__ import annotations

import json
import logging
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


class ChatStateStore:
    def __init__(self, database: Database) -> None:
        self.db = database
        # what each row holds now, so that unchanged data is not written again
        self._data_written: dict[tuple[str, int], str] = {}
        self._states_written: dict[tuple[str, str], str] = {}

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

    async def save_data(self, kind: DataKind, item_id: int, data: Any) -> None:
        """Store (or, for empty data, forget) one item; nothing is written when it did not change."""
        encoded = _encode(data)
        if encoded is None:
            return
        slot = (kind, item_id)
        empty = not data
        if self._data_written.get(slot) == encoded or (empty and slot not in self._data_written):
            return
        async with self.db.transaction() as conn:
            if empty:
                await conn.execute("DELETE FROM ptb_data WHERE kind = ? AND id = ?", (kind, item_id))
            else:
                await conn.execute(
                    "INSERT INTO ptb_data (kind, id, data) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE "
                    "SET data = excluded.data, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                    (kind, item_id, encoded),
                )
        if empty:
            self._data_written.pop(slot, None)
        else:
            self._data_written[slot] = encoded

    async def drop_data(self, kind: DataKind, item_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM ptb_data WHERE kind = ? AND id = ?", (kind, item_id))
        self._data_written.pop((kind, item_id), None)

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

    async def save_conversation(self, name: str, key: tuple[Any, ...], state: Any | None) -> None:
        """Store a conversation's state; None (the conversation ended) removes it."""
        encoded_key = _encode(list(key))
        if encoded_key is None:
            return
        slot = (name, encoded_key)
        if state is None:
            if slot not in self._states_written:
                return
            async with self.db.transaction() as conn:
                await conn.execute(
                    "DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, encoded_key)
                )
            self._states_written.pop(slot, None)
            return
        encoded_state = _encode(state)
        if encoded_state is None or self._states_written.get(slot) == encoded_state:
            return
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                (name, encoded_key, encoded_state),
            )
        self._states_written[slot] = encoded_state

    async def close(self) -> None:
        await self.db.close()
