"""Chats subscribed to reminders: what they chose, for which towns, in which language, and whether active."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import aiosqlite

from bot.core.calendar import EventKind, Subscriber
from bot.core.model import Language
from storage.audit import write_audit
from storage.database import Database

Kinds = Literal["anniversaries", "town_days", "all"]
KINDS: tuple[Kinds, ...] = ("anniversaries", "town_days", "all")
_EVENT_KINDS: dict[str, frozenset[EventKind]] = {
    "anniversaries": frozenset({EventKind.ANNIVERSARY}),
    "town_days": frozenset({EventKind.TOWN_DAY}),
    "all": frozenset({EventKind.ANNIVERSARY, EventKind.TOWN_DAY}),
}


@dataclass(frozen=True, slots=True)
class Subscription:
    chat_id: int
    chat_type: str
    kinds: Kinds
    language: Language
    active: bool
    towns: tuple[str, ...] = ()  # empty: every town
    title: str = ""
    inactive_reason: str = ""

    @property
    def event_kinds(self) -> frozenset[EventKind]:
        return _EVENT_KINDS[self.kinds]

    def subscriber(self, language: Language | None = None) -> Subscriber:
        return Subscriber(
            chat_id=self.chat_id,
            language=language or self.language,
            kinds=self.event_kinds,
            towns=frozenset(self.towns),
        )

    def snapshot(self) -> dict[str, object]:
        return {
            "kinds": self.kinds,
            "towns": list(self.towns),
            "language": self.language,
            "active": self.active,
            "inactive_reason": self.inactive_reason,
        }


class SubscriptionRepository:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def get(self, chat_id: int) -> Subscription | None:
        row = await self.db.fetchone("SELECT * FROM subscriptions WHERE chat_id = ?", (chat_id,))
        if row is None:
            return None
        towns = [
            r[0]
            for r in await self.db.fetchall(
                "SELECT town_key FROM subscription_towns WHERE chat_id = ? ORDER BY town_key", (chat_id,)
            )
        ]
        return _subscription(row, towns)

    async def active_subscribers(self) -> list[Subscriber]:
        """Every active subscription with the language the chat uses now (its /lang choice wins)."""
        towns: dict[int, list[str]] = {}
        for row in await self.db.fetchall(
            "SELECT st.chat_id, st.town_key FROM subscription_towns st "
            "JOIN subscriptions s ON s.chat_id = st.chat_id WHERE s.active = 1"
        ):
            towns.setdefault(row[0], []).append(row[1])
        rows = await self.db.fetchall(
            "SELECT s.chat_id, s.kinds, coalesce(p.language, s.language) AS language "
            "FROM subscriptions s LEFT JOIN chat_preferences p ON p.chat_id = s.chat_id "
            "WHERE s.active = 1 ORDER BY s.chat_id"
        )
        return [
            Subscriber(
                chat_id=row[0],
                language=row[2],
                kinds=_EVENT_KINDS[row[1]],
                towns=frozenset(towns.get(row[0], ())),
            )
            for row in rows
        ]

    async def count_active(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM subscriptions WHERE active = 1")
        return int(row[0]) if row else 0

    async def subscribe(
        self,
        chat_id: int,
        chat_type: str,
        kinds: Kinds,
        language: Language,
        actor_id: int,
        title: str = "",
    ) -> Subscription:
        """Subscribe (or change what is received); the chosen towns are kept. Asking for what the chat
        already has changes (and audits) nothing."""
        if kinds not in KINDS:
            raise ValueError(f"unknown kinds {kinds!r}")
        async with self.db.transaction() as conn:
            before = await _locked_get(conn, chat_id)
            if (
                before is not None
                and before.active
                and (
                    before.chat_type,
                    before.kinds,
                    before.language,
                    before.title,
                )
                == (chat_type, kinds, language, title[:200])
            ):
                return before
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, chat_type, kinds, language, active, title, changed_by, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, clock_now(), clock_now()) ON CONFLICT (chat_id) DO UPDATE SET "
                "chat_type = excluded.chat_type, kinds = excluded.kinds, language = excluded.language, "
                "active = 1, title = excluded.title, changed_by = excluded.changed_by, inactive_reason = '', "
                "updated_at = clock_now()",
                (chat_id, chat_type, kinds, language, title[:200], actor_id),
            )
            after = await _locked_get(conn, chat_id)
            assert after is not None
            await _audit(conn, chat_id, "subscribe", actor_id, before, after)
        return after

    async def set_town(self, chat_id: int, town_key: str, chosen: bool, actor_id: int) -> Subscription | None:
        """Put the town into the chat's choice (chosen) or take it out; the same press twice changes
        nothing the second time. None when the chat has no subscription."""
        async with self.db.transaction() as conn:
            before = await _locked_get(conn, chat_id)
            if before is None:
                return None
            if (town_key in before.towns) == chosen:
                return before
            if chosen:
                await conn.execute(
                    "INSERT INTO subscription_towns (chat_id, town_key) VALUES (?, ?)", (chat_id, town_key)
                )
            else:
                await conn.execute(
                    "DELETE FROM subscription_towns WHERE chat_id = ? AND town_key = ?", (chat_id, town_key)
                )
            await conn.execute(
                "UPDATE subscriptions SET changed_by = ?, updated_at = clock_now() WHERE chat_id = ?",
                (actor_id, chat_id),
            )
            after = await _locked_get(conn, chat_id)
            assert after is not None
            await _audit(conn, chat_id, "towns", actor_id, before, after)
        return after

    async def unsubscribe(self, chat_id: int, actor_id: int) -> bool:
        """True when the chat was subscribed (it is kept, inactive, with its choice)."""
        async with self.db.transaction() as conn:
            return await deactivate_chat(conn, chat_id, "unsubscribed", actor_id, action="unsubscribe")


# ---- changes made inside another transaction (the delivery ledger's), audited there -----------------------

SYSTEM_ACTOR = 0  # Telegram told us, nobody in the chat did it


async def deactivate_chat(
    conn: aiosqlite.Connection,
    chat_id: int,
    reason: str,
    actor_id: int = SYSTEM_ACTOR,
    *,
    action: str = "unreachable",
) -> bool:
    """Switch the chat's subscription off: the user unsubscribed, or (actor 0) Telegram said the chat
    cannot be reached. Call inside the caller's transaction; False when there was nothing active."""
    before = await _locked_get(conn, chat_id)
    if before is None or not before.active:
        return False
    await conn.execute(
        "UPDATE subscriptions SET active = 0, inactive_reason = ?, changed_by = ?, "
        "updated_at = clock_now() WHERE chat_id = ?",
        (reason[:200], actor_id, chat_id),
    )
    after = await _locked_get(conn, chat_id)
    await _audit(conn, chat_id, action, actor_id, before, after)
    return True


@dataclass(frozen=True, slots=True)
class ChatMove:
    """What followed a group to its new supergroup id."""

    subscription: bool  # the subscription moved (False: there was none, or the new id already had one)
    language: Language | None  # the language the new chat uses now, if the old one had chosen one


async def migrate_chat(conn: aiosqlite.Connection, old_chat_id: int, new_chat_id: int) -> ChatMove:
    """A group became a supergroup (Telegram's ChatMigrated): its subscription, with the chosen towns, and
    its /lang choice follow it to the new id. Settings the new id already has are kept. Audited (actor 0);
    call inside the caller's transaction."""
    moved = False
    before = await _locked_get(conn, old_chat_id)
    if before is not None and await _locked_get(conn, new_chat_id) is None:
        await conn.execute(  # subscription_towns follow by ON UPDATE CASCADE
            "UPDATE subscriptions SET chat_id = ?, chat_type = 'supergroup', "
            "updated_at = clock_now() WHERE chat_id = ?",
            (new_chat_id, old_chat_id),
        )
        after = await _locked_get(conn, new_chat_id)
        await write_audit(
            conn,
            "subscription",
            new_chat_id,
            "migrate",
            SYSTEM_ACTOR,
            before={"chat_id": old_chat_id, **before.snapshot()},
            after={"chat_id": new_chat_id, **(after.snapshot() if after else {})},
        )
        moved = True
    language = await _move_language(conn, old_chat_id, new_chat_id)
    return ChatMove(moved, language)


async def _move_language(conn: aiosqlite.Connection, old_chat_id: int, new_chat_id: int) -> Language | None:
    async with conn.execute(
        "SELECT language FROM chat_preferences WHERE chat_id = ?", (old_chat_id,)
    ) as cursor:
        old = await cursor.fetchone()
    async with conn.execute(
        "SELECT language FROM chat_preferences WHERE chat_id = ?", (new_chat_id,)
    ) as cursor:
        new = await cursor.fetchone()
    if old is None:
        return cast(Language, new[0]) if new else None
    if new is None:
        await conn.execute(
            "INSERT INTO chat_preferences (chat_id, language, updated_at) VALUES (?, ?, clock_now())",
            (new_chat_id, old[0]),
        )
    await conn.execute("DELETE FROM chat_preferences WHERE chat_id = ?", (old_chat_id,))
    language = cast(Language, new[0] if new else old[0])
    await write_audit(
        conn,
        "chat_preferences",
        new_chat_id,
        "migrate",
        SYSTEM_ACTOR,
        before={"chat_id": old_chat_id, "language": old[0]},
        after={"chat_id": new_chat_id, "language": language},
    )
    return language


async def _locked_get(conn: aiosqlite.Connection, chat_id: int) -> Subscription | None:
    async with conn.execute("SELECT * FROM subscriptions WHERE chat_id = ?", (chat_id,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    async with conn.execute(
        "SELECT town_key FROM subscription_towns WHERE chat_id = ? ORDER BY town_key", (chat_id,)
    ) as cursor:
        towns = [r[0] for r in await cursor.fetchall()]
    return _subscription(row, towns)


async def _audit(
    conn: aiosqlite.Connection,
    chat_id: int,
    action: str,
    actor_id: int,
    before: Subscription | None,
    after: Subscription | None,
) -> None:
    await write_audit(
        conn,
        "subscription",
        chat_id,
        action,
        actor_id,
        before=before.snapshot() if before else None,
        after=after.snapshot() if after else None,
    )


def _subscription(row: aiosqlite.Row, towns: list[str]) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"],
        chat_type=row["chat_type"],
        kinds=cast(Kinds, row["kinds"]),
        language=cast(Language, row["language"]),
        active=bool(row["active"]),
        towns=tuple(towns),
        title=row["title"],
        inactive_reason=row["inactive_reason"],
    )
