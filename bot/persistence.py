"""PTB persistence in the bot's one SQLite file (storage/chat_state.py), as JSON, never pickle.

Stored: conversation states (the /visit form is `persistent=True, name="visit_form"`) and, of user
data, only the keys a feature registers in PERSISTENT_USER_KEYS (the form's drafts live under
"visit_forms"), as JSON. Everything else in user data, chat data and bot data stays in memory as
before: bot data holds the live runtime, and other features keep values there (tuples, int-keyed
dicts) that JSON would not give back unchanged.

The persistence opens its own connection to the file when the Application initialises (before
post_init opens the runtime's) and closes it in flush(), which Application.shutdown() calls; `twinbot run`
lends it the service's open database instead (:meth:`SqlitePersistence.borrow`), so that a running bot
has one set of connections, each with its thread and page cache, not two.
Besides PTB's periodic updates, handlers can save a conversation step at once with
:meth:`SqlitePersistence.save_now`, so a step acknowledged to the user is on disk before the reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.chat_state import ChatStateStore
from storage.database import Database, open_database

log = logging.getLogger(__name__)

Data = dict[Any, Any]
# user_data keys that survive a restart; their values must be JSON (str keys, lists, no tuples)
PERSISTENT_USER_KEYS = frozenset({"visit_forms", "visit_pending"})
# as telegram.ext._utils.types spells them (a private module)
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
UPDATE_INTERVAL_SECONDS = 30.0


class SqlitePersistence(BasePersistence[Data, Data, Data]):
    def __init__(self, path: Path, update_interval: float = UPDATE_INTERVAL_SECONDS) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.path = path
        self._store: ChatStateStore | None = None
        self._opening: asyncio.Lock | None = None
        self._borrowed: Database | None = None

    def borrow(self, database: Database) -> None:
        """Use this open, migrated database rather than opening one; flush() leaves it open (its owner,
        bot.service, closes it after the application has shut down)."""
        self._borrowed = database

    async def store(self) -> ChatStateStore:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._store is None:
                database = self._borrowed or await open_database(self.path)
                self._store = ChatStateStore(database)
            return self._store

    # ---- conversations ---------------------------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        return await (await self.store()).load_conversations(name)

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        await (await self.store()).save_conversation(name, tuple(key), new_state)

    async def save_now(
        self, name: str, key: ConversationKey, state: object | None, user_id: int, user_data: Data
    ) -> None:
        """Write a conversation's next state and the user's data now (before the reply is sent), in one
        transaction: a crash leaves both as they were or both as they are now."""
        store = await self.store()
        await store.save_step(name, tuple(key), state, "user", user_id, _persistent(user_data))

    # ---- user and chat data ----------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, Data]:
        loaded = await (await self.store()).load_data("user")
        return {user_id: _persistent(data) for user_id, data in loaded.items() if isinstance(data, dict)}

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await (await self.store()).save_data("user", user_id, _persistent(data))

    async def drop_user_data(self, user_id: int) -> None:
        await (await self.store()).drop_data("user", user_id)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None  # this process is the only writer

    # ---- not stored ------------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, Data]:
        return {}

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def get_bot_data(self) -> Data:
        return {}

    async def update_bot_data(self, data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def flush(self) -> None:
        if self._store is not None:
            store, self._store = self._store, None
            if store.db is not self._borrowed:
                await store.close()


def _persistent(data: Data) -> Data:
    return {key: value for key, value in data.items() if key in PERSISTENT_USER_KEYS}
