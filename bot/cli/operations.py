"""twinbot import-towns | backup | restore | status: looking after the database and the running bot."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.core.townfile import load_town_file


async def import_towns(settings: Settings, path: Path) -> int:
    from bot.runtime import open_runtime

    towns = load_town_file(path)
    runtime = await open_runtime(settings)
    try:
        report = await runtime.towns.import_towns(towns)
    finally:
        await runtime.close()
    print(f"added: {len(report.added)} {' '.join(report.added)}".rstrip())
    print(f"updated: {len(report.updated)} {' '.join(report.updated)}".rstrip())
    print(f"unchanged: {len(report.unchanged)}")
    if report.kept_staff_fields:
        print(f"kept staff edits: {', '.join(report.kept_staff_fields)}")
    if report.only_in_database:
        print(f"kept, not in the file: {', '.join(report.only_in_database)}")
    return 0


async def backup(settings: Settings, path: Path | None) -> int:
    import time
    from datetime import datetime

    from storage import open_database
    from storage.backup import BackupError, BackupLog, backup_name, copy_checked

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
            print(f"backup failed, the database is untouched: {exc}", file=sys.stderr)
            return 1
        summary = result.check.summary()
        await BackupLog(database).record(
            started, str(result.path), ok=True, size_bytes=result.size_bytes, detail=summary
        )
    finally:
        await database.close()
    print(f"backup written to {result.path}: {summary}")
    return 0


async def restore(settings: Settings, copy: Path) -> int:
    from datetime import datetime

    from storage.backup import BackupError, check_restorable, restore

    live = settings.storage.database
    try:
        check = check_restorable(copy)
    except BackupError as exc:
        print(f"not restored, the database is untouched: {exc}", file=sys.stderr)
        return 1
    if live.exists():
        holder = await _running_bot(settings)
        if holder is not None:
            print(f"not restored: the bot is running on {live} ({holder}); stop it first", file=sys.stderr)
            return 1
    try:
        aside = restore(live, copy, datetime.now().astimezone())
    except (BackupError, OSError) as exc:
        print(f"not restored, the database is untouched: {exc}", file=sys.stderr)
        return 1
    if aside is not None:
        print(f"the previous database was kept as {aside}")
    print(f"restored {copy} to {live}: {check.summary()}")
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


async def status(settings: Settings) -> int:
    from telegram.error import TelegramError
    from telegram.ext import ExtBot

    from bot.replies.reply import plain_text
    from bot.runtime import open_runtime
    from bot.status import gather, lease_holder, render

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
        print(plain_text(render(report, runtime, settings.bot.default_language)))
    finally:
        await runtime.close()
    return 0
