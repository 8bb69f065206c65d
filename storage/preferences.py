"""Per-chat settings chosen in the bot (for now, the answer language)."""

from __future__ import annotations

from typing import cast

from bot.core.model import LANGUAGES, Language
from storage.database import Database


class ChatPreferences:
    def __init__(self, database: Database) -> None:
        self.db = database
        self._languages: dict[int, Language | None] = {}

    async def language(self, chat_id: int) -> Language | None:
        if chat_id not in self._languages:
            row = await self.db.fetchone(
                "SELECT language FROM chat_preferences WHERE chat_id = ?", (chat_id,)
            )
            # setdefault: a set_language() that finished while this read was on its way wins over it
            self._languages.setdefault(chat_id, cast(Language, row[0]) if row else None)
        return self._languages[chat_id]

    async def set_language(self, chat_id: int, language: Language) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chat_preferences (chat_id, language, updated_at) VALUES (?, ?, clock_now()) "
                "ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language, "
                "updated_at = clock_now()",
                (chat_id, language),
            )
        self._languages[chat_id] = language
