"""The public pages against the real ASGI app (the bot's web server with the public routes), on a fresh
database with the shipped towns, the clock standing still unless a test moves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from bot.config import parse_settings
from bot.public import public_routes
from bot.runtime import Runtime, open_runtime

FIXED_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@dataclass
class Site:
    runtime: Runtime
    client: httpx.AsyncClient
    now: datetime

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def add_visit(
        self,
        town_key: str,
        start: date,
        purpose: str = "Визит",
        *,
        direction: str = "in",
        kind: str = "official",
        end: date | None = None,
        notes: str = "",
        people: int | None = None,
        actor: int = 555,
    ) -> None:
        async with self.runtime.database.transaction() as conn:
            await conn.execute(
                "INSERT INTO visits (town_key, direction, start_date, end_date, kind, people, purpose, notes, "
                "created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    town_key,
                    direction,
                    start.isoformat(),
                    end.isoformat() if end else None,
                    kind,
                    people,
                    purpose,
                    notes,
                    actor,
                    actor,
                ),
            )

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)


def public_settings(database: Path) -> Any:
    return parse_settings({"storage": {"database": str(database)}, "http": {"enabled": True, "public": True}})


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    holder: dict[str, datetime] = {"now": FIXED_NOW}
    runtime = await open_runtime(public_settings(tmp_path / "bot.sqlite3"), clock=lambda: holder["now"])
    app = Starlette(routes=public_routes(runtime))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://twins.test"
        ) as client:
            opened = Site(runtime, client, FIXED_NOW)

            def clock() -> datetime:
                return opened.now

            runtime.clock = clock
            yield opened
    finally:
        await runtime.close()
