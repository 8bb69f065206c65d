"""twinbot run's start-up guards: the backup before a migration, the lock on the token."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.config import Settings, parse_settings
from bot.service import InstanceRefusedError, TokenLock, backup_before_migrating
from storage import open_database
from storage.backup import backups_in, inspect_copy
from storage.database import migrations


def settings_for(tmp_path: Path) -> Settings:
    return parse_settings(
        {
            "storage": {"database": str(tmp_path / "bot.sqlite3")},
            "backup": {"directory": str(tmp_path / "backups")},
        }
    )


async def make_database(path: Path) -> None:
    db = await open_database(path)
    await db.close()


def test_an_older_schema_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    asyncio.run(make_database(settings.storage.database))
    assert backup_before_migrating(settings) is None  # up to date: nothing to do
    connection = sqlite3.connect(settings.storage.database)
    connection.execute(f"PRAGMA user_version = {len(migrations()) - 1}")  # as if one migration were new
    connection.close()
    copy = backup_before_migrating(settings)
    assert copy is not None and [path for _, path in backups_in(tmp_path / "backups")] == [copy]
    assert inspect_copy(copy).schema_version == len(migrations()) - 1


def test_no_database_yet_means_no_backup(tmp_path: Path) -> None:
    assert backup_before_migrating(settings_for(tmp_path)) is None
    assert not (tmp_path / "backups").exists()


def test_the_token_lock_admits_one_holder_per_token_and_bot_api(tmp_path: Path) -> None:
    first = TokenLock("123:AAA", "https://api.telegram.org/bot", directory=tmp_path)
    first.acquire(tmp_path / "one.sqlite3")
    try:
        second = TokenLock("123:AAA", "https://api.telegram.org/bot", directory=tmp_path)
        with pytest.raises(
            InstanceRefusedError, match=r"this bot token on this machine \(pid \d+, database "
        ):
            second.acquire(tmp_path / "two.sqlite3")
        other_token = TokenLock("456:BBB", "https://api.telegram.org/bot", directory=tmp_path)
        other_token.acquire(tmp_path / "three.sqlite3")  # another bot: no conflict
        other_token.release()
        assert "123:AAA" not in first.path.name  # the file is named after a hash, never the token
    finally:
        first.release()
    again = TokenLock("123:AAA", "https://api.telegram.org/bot", directory=tmp_path)
    again.acquire(tmp_path / "two.sqlite3")  # released: free again
    again.release()


def test_the_web_server_parses_http_with_httptools() -> None:
    """uvicorn falls back to the pure-Python h11 silently when httptools is missing: a slower webhook."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from bot.service import web_server

    async def app(_scope: object, _receive: object, _send: object) -> None:
        return None

    server = web_server(app)
    server.config.load()
    assert server.config.http_protocol_class is HttpToolsProtocol
