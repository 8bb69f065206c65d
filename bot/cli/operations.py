"""twinbot import-towns | backup | restore | status: looking after the database and the running bot."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.model import Language
from bot.core.townfile import load_town_file

if TYPE_CHECKING:
    from storage.backup import CopyCheck


async def import_towns(settings: Settings, path: Path, lang: str | None = None) -> int:
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, say

    language = cli_language(settings, lang)
    towns = load_town_file(path)
    runtime = await open_runtime(settings)
    try:
        report = await runtime.towns.import_towns(towns)
    finally:
        await runtime.close()

    def keys(found: list[str]) -> str:
        return f" ({', '.join(found)})" if found else ""

    print(say(language, "towns.added", count=len(report.added), keys=keys(report.added)))
    print(say(language, "towns.updated", count=len(report.updated), keys=keys(report.updated)))
    print(say(language, "towns.unchanged", count=len(report.unchanged)))
    if report.kept_staff_fields:
        print(say(language, "towns.kept_staff", fields=", ".join(report.kept_staff_fields)))
    if report.only_in_database:
        print(say(language, "towns.only_in_database", keys=", ".join(report.only_in_database)))
    return 0


def _check(language: Language, check: CopyCheck) -> str:
    """'целостность: в порядке, схема 10, строк 29 в 9 таблицах' (SQLite's own complaint stays as is)."""
    from bot.terminal import say

    integrity = say(language, "backup.integrity_ok") if check.ok else check.integrity
    return say(
        language,
        "backup.check",
        integrity=integrity,
        schema=check.schema_version,
        rows=sum(check.counts.values()),
        tables=len(check.counts),
    )


async def backup(settings: Settings, path: Path | None, lang: str | None = None) -> int:
    import time
    from datetime import datetime

    from bot.terminal import cli_language, say
    from storage import open_database
    from storage.backup import BackupError, BackupLog, backup_name, copy_checked

    language = cli_language(settings, lang)
    database = await open_database(settings.storage.database)  # migrated: the copy has today's schema
    try:
        if path is None:
            path = settings.backup.directory
        if path.is_dir() or path == settings.backup.directory:
            path = path / backup_name(datetime.now().astimezone())
        started = time.time()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            result = await asyncio.to_thread(copy_checked, settings.storage.database, path)
        except (BackupError, OSError) as exc:
            await BackupLog(database).record(started, "", ok=False, size_bytes=0, detail=str(exc))
            print(say(language, "backup.failed", error=exc), file=sys.stderr)
            return 1
        summary = result.check.summary()
        await BackupLog(database).record(
            started, str(result.path), ok=True, size_bytes=result.size_bytes, detail=summary
        )
    finally:
        await database.close()
    print(say(language, "backup.written", path=result.path, check=_check(language, result.check)))
    return 0


async def restore(settings: Settings, copy: Path, lang: str | None = None) -> int:
    from datetime import datetime

    from bot.terminal import cli_language, say
    from storage.backup import BackupError, check_restorable, restore

    language = cli_language(settings, lang)
    live = settings.storage.database
    try:
        check = check_restorable(copy)
    except BackupError as exc:
        print(say(language, "restore.refused", error=exc), file=sys.stderr)
        return 1
    if live.exists():
        holder = await _running_bot(settings)
        if holder is not None:
            print(say(language, "restore.running", database=live, holder=holder), file=sys.stderr)
            return 1
    try:
        aside = restore(live, copy, datetime.now().astimezone())
    except (BackupError, OSError) as exc:
        print(say(language, "restore.refused", error=exc), file=sys.stderr)
        return 1
    if aside is not None:
        print(say(language, "restore.kept_aside", path=aside))
    print(say(language, "restore.done", copy=copy, database=live, check=_check(language, check)))
    return 0


async def _running_bot(settings: Settings) -> str | None:
    """'pid N on HOST' of a live bot on this database, read without migrating anything; a database
    too damaged to read has no live bot on it (it could not run)."""
    import sqlite3

    from storage import open_database
    from storage.lease import InstanceLease

    try:
        database = await open_database(settings.storage.database, migrate=False)
    except sqlite3.Error:
        return None
    try:
        holder = await InstanceLease(database).running_elsewhere()
    except sqlite3.Error:
        return None  # no lease table (an old schema) or an unreadable file
    finally:
        await database.close()
    return f"pid {holder.pid} on {holder.host}" if holder else None


async def status(settings: Settings, lang: str | None = None) -> int:
    from telegram.error import TelegramError
    from telegram.ext import ExtBot

    from bot.replies.reply import plain_text
    from bot.runtime import open_runtime
    from bot.status import gather, lease_holder, render
    from bot.terminal import cli_language

    runtime = await open_runtime(settings)
    try:
        reachable: bool | None = None
        chat = settings.reminders.staff_chat
        if chat and settings.token:
            bot: ExtBot[None] = ExtBot(
                settings.token,
                base_url=settings.telegram.base_url,
                base_file_url=settings.telegram.base_file_url,
            )
            try:
                async with bot:
                    await bot.get_chat(chat)
                reachable = True
            except TelegramError:
                reachable = False
        holder = await lease_holder(runtime)
        report = await gather(
            runtime, running_mode=None, started_at=None, holder=holder, staff_chat_reachable=reachable
        )
        print(plain_text(render(report, runtime, cli_language(settings, lang))))
    finally:
        await runtime.close()
    return 0
