"""twinbot: run | console | ask | towns | import-towns | upcoming | remind | export | backup | restore |
status. Every command takes --config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.core.faqfile import FaqFileError, dump_faq_file, parse_faq_file
from bot.core.model import Language
from bot.core.questions.faq import FaqEntry
from bot.core.townfile import TownFileError, load_town_file
from bot.logmask import SecretMaskingFormatter, mask_token_in_logs

log = logging.getLogger("bot")
# the masking formatter lives in bot.logmask (build_application installs it too); re-exported here
__all__ = ["SecretMaskingFormatter", "configure_logging", "main", "mask_token_in_logs"]


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONSOLE_LOG = "twinbot-console.log"


def configure_logging(
    verbose: bool = False, quiet: bool = False, json_lines: bool = False, file: Path | None = None
) -> None:
    """Log lines to stderr; with `file`, to that file instead (and to stderr too only when verbose),
    so that the terminal chat is never interleaved with them."""
    from bot.logformat import JsonLineFormatter

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    formatter = JsonLineFormatter() if json_lines else logging.Formatter(LOG_FORMAT)
    handlers: list[logging.Handler] = []
    if file is not None:
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    if file is None or verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet and file is None else logging.INFO)
    # httpx logs every request URL, and the URL carries the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=None, help="TOML settings file (default: ./config.toml)"
    )
    common.add_argument("--verbose", action="store_true", help="debug logging (the console: also on screen)")
    common.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="json: one JSON object per log line, for servers (default: text)",
    )
    parser = argparse.ArgumentParser(
        prog="twinbot",
        parents=[common],
        description="Twin Towns Bot of Kingisepp district. Without a command: the real bot when a token is "
        "configured, otherwise a chat in the terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", parents=[common], help="start the Telegram bot (long polling, or webhook with [webhook])"
    )
    commands.add_parser("console", parents=[common], help="chat with the bot in this terminal")
    ask = commands.add_parser("ask", parents=[common], help="print the answer the bot would give")
    ask.add_argument("question", nargs="+")
    ask.add_argument(
        "--lang", choices=["ru", "en"], default=None, help="language when the question has no letters"
    )
    commands.add_parser("towns", parents=[common], help="list the partner towns")
    importer = commands.add_parser(
        "import-towns", parents=[common], help="update towns from an edited TOML file"
    )
    importer.add_argument("file", type=Path)
    faq_importer = commands.add_parser(
        "import-faq", parents=[common], help="replace the office's FAQ answers with a TOML file's (audited)"
    )
    faq_importer.add_argument("file", type=Path)
    faq_exporter = commands.add_parser("export-faq", parents=[common], help="write the FAQ answers as TOML")
    faq_exporter.add_argument("file", type=Path)
    exporter = commands.add_parser(
        "export",
        parents=[common],
        help="write data to a file: " + ", ".join(sorted(EXPORTERS)),
        description="csv, xlsx: the visit register (deleted visits left out); prints how many visits were "
        "written, exits with 1 and writes nothing when no visit matches. ics: the calendar of anniversaries, "
        "Town Days and planned visits (RFC 5545, yearly recurrences), as /calendar sends it.",
    )
    exporter.add_argument("format", choices=sorted(EXPORTERS))
    exporter.add_argument("path", type=Path)
    exporter.add_argument("--year", type=int, default=None, help="only visits that start in this year")
    exporter.add_argument("--town", default=None, help="only visits of this town (any spelling)")
    exporter.add_argument(
        "--lang", choices=["ru", "en"], default=None, help="language of headers and labels (default: [bot])"
    )
    upcoming = commands.add_parser(
        "upcoming", parents=[common], help="print the coming anniversaries, Town Days and planned visits"
    )
    upcoming.add_argument(
        "--from", dest="start", type=_iso_date, default=None, help="YYYY-MM-DD (default: today)"
    )
    upcoming.add_argument("--days", type=int, default=30, help="how many days ahead, 1..3660 (default 30)")
    upcoming.add_argument(
        "--lang", choices=["ru", "en"], default=None, help="default: [bot] default_language"
    )
    remind = commands.add_parser(
        "remind",
        parents=[common],
        help="run one reminder pass now (exactly-once, like the scheduled one)",
        description="Runs the reminder pass of DATE (default: today) and sends what is still due through the "
        "Bot API. Reminders already sent, by the bot or an earlier run, are never sent again. A date in the "
        "past sends marked as delayed; a future date can only be previewed with --dry-run.",
    )
    remind.add_argument("--date", type=_iso_date, default=None, help="YYYY-MM-DD (default: today)")
    remind.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send and record nothing"
    )
    backup = commands.add_parser(
        "backup",
        parents=[common],
        help="checked copy of the database (safe while the bot runs)",
        description="An online copy (SQLite's backup API), checked before it is kept: PRAGMA integrity_check "
        "and the row counts of the main tables against the database at copy time. PATH is a file, or a "
        "directory for a copy named after the time. Without PATH: into [backup] directory.",
    )
    backup.add_argument("path", type=Path, nargs="?", default=None)
    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="put a backup in place of the database (the bot must be stopped)",
        description="Checks the copy (an SQLite file, integrity_check, a schema this version knows), keeps "
        "the current database aside as <database>.before-restore-<time>, then puts the copy in place. "
        "Refuses while the bot runs on this database.",
    )
    restore.add_argument("file", type=Path)
    commands.add_parser(
        "status", parents=[common], help="what /status shows: running or not, backups, reminders, errors"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # the terminal chat and one-shot commands print their own output; the service logs what it does
    configure_logging(args.verbose, quiet=args.command not in (None, "run"))
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    command = args.command
    if command == "console" or (command is None and not settings.token):
        # the terminal chat: log lines go to a file beside the database, never between the messages
        log_file = settings.storage.database.resolve().parent / CONSOLE_LOG
        with contextlib.suppress(OSError):
            log_file.parent.mkdir(parents=True, exist_ok=True)
            configure_logging(args.verbose, json_lines=args.log_format == "json", file=log_file)
    elif args.log_format == "json":
        configure_logging(args.verbose, quiet=command not in (None, "run"), json_lines=True)
    mask_token_in_logs(settings.token)
    mask_token_in_logs(settings.webhook.secret)
    try:
        if command is None:
            if settings.token:
                return run_bot(settings)
            print(_text(settings, "console.no_token"), file=sys.stderr)
            print(file=sys.stderr)
            return asyncio.run(_console(settings))
        if command == "run":
            if not settings.token:
                print(_text(settings, "console.no_token"), file=sys.stderr)
                return 2
            return run_bot(settings)
        if command == "console":
            return asyncio.run(_console(settings))
        if command == "ask":
            return asyncio.run(_ask(settings, " ".join(args.question), args.lang))
        if command == "towns":
            return asyncio.run(_towns(settings))
        if command == "import-towns":
            return asyncio.run(_import_towns(settings, args.file))
        if command == "export":
            return asyncio.run(EXPORTERS[args.format](settings, args))
        if command == "import-faq":
            return import_faq(settings, args.file)
        if command == "export-faq":
            return export_faq(settings, args.file)
        if command == "backup":
            return asyncio.run(_backup(settings, args.path))
        if command == "restore":
            return asyncio.run(_restore(settings, args.file))
        if command == "status":
            return asyncio.run(_status(settings))
        if command == "upcoming":
            return asyncio.run(_upcoming(settings, args.start, args.days, args.lang))
        if command == "remind":
            return asyncio.run(_remind(settings, args.date, args.dry_run))
    except (TownFileError, ConfigError, FaqFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _text(settings: Settings, key: str) -> str:
    from bot.locale import catalogue

    return str(catalogue().raw(settings.bot.default_language, key))


def run_bot(settings: Settings) -> int:
    from bot.service import run_service

    return run_service(settings)


async def _console(settings: Settings) -> int:
    from bot.app import build_application
    from bot.console import run_console

    await run_console(settings, lambda s, request: build_application(s, request=request))
    return 0


async def _ask(settings: Settings, question: str, lang: str | None) -> int:
    from bot.replies.answers import Answers
    from bot.replies.reply import plain_text
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        fallback = lang if lang in ("ru", "en") else settings.bot.default_language
        answer = runtime.engine.answer(question, fallback, runtime.today())  # type: ignore[arg-type]
        reply = Answers(runtime.replies()).answer(answer)
        print(plain_text(reply.text))
        labels = [button.label for row in reply.buttons for button in row]
        if labels:  # the buttons the bot would show under the answer (some answers refer to them)
            print("\n" + "   ".join(f"[{label}]" for label in labels))
    finally:
        await runtime.close()
    return 0


async def _towns(settings: Settings) -> int:
    from bot.replies.reply import plain_text
    from bot.replies.towns import TownCards
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        print(plain_text(TownCards(runtime.replies()).towns_list(settings.bot.default_language).text))
    finally:
        await runtime.close()
    return 0


async def _import_towns(settings: Settings, path: Path) -> int:
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


# the actor recorded in the audit log for changes made from the command line (no Telegram user)
CLI_ACTOR = 0


def import_faq(settings: Settings, path: Path) -> int:
    """`twinbot import-faq FILE`: the file's entries replace the FAQ; every problem is named first."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return 2
    entries = parse_faq_file(text, str(path))
    count = asyncio.run(_replace_faq(settings, entries))
    print(f"FAQ entries: {count}")
    return 0


async def _replace_faq(settings: Settings, entries: list[FaqEntry]) -> int:
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        return await runtime.knowledge.replace_faq(entries, CLI_ACTOR)
    finally:
        await runtime.close()


def export_faq(settings: Settings, path: Path) -> int:
    """`twinbot export-faq FILE`: the FAQ as TOML that import-faq reads back."""
    entries = asyncio.run(_faq_entries(settings))
    try:
        path.write_text(dump_faq_file(entries), encoding="utf-8")
    except OSError as exc:
        print(f"{path}: cannot write: {exc}", file=sys.stderr)
        return 2
    print(f"FAQ entries: {len(entries)} written to {path}")
    return 0


async def _faq_entries(settings: Settings) -> list[FaqEntry]:
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        return await runtime.knowledge.faq()
    finally:
        await runtime.close()


async def _backup(settings: Settings, path: Path | None) -> int:
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


async def _restore(settings: Settings, copy: Path) -> int:
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


async def _status(settings: Settings) -> int:
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


async def _export_register(settings: Settings, args: argparse.Namespace, extension: str) -> int:
    """`twinbot export csv|xlsx PATH [--year Y] [--town NAME]`: the same files /export sends."""
    from bot.core.text import words
    from bot.core.visits import MAX_YEARS_AHEAD, MIN_YEAR
    from bot.exports.files import WRITERS
    from bot.exports.register import load_register
    from bot.runtime import open_runtime

    lang: Language = args.lang or settings.bot.default_language
    runtime = await open_runtime(settings)
    try:
        high = runtime.today().year + MAX_YEARS_AHEAD
        if args.year is not None and not MIN_YEAR <= args.year <= high:
            print(f"--year must be between {MIN_YEAR} and {high}", file=sys.stderr)
            return 2
        town_key = None
        if args.town:
            found = [match.town for match in runtime.directory.find(words(args.town))]
            if len(found) != 1:
                options = found or runtime.directory.suggest(words(args.town))
                names = ", ".join(town.name(lang) for town in options)
                problem = "matches several towns" if found else "is not a known town"
                print(
                    f"--town {args.town!r} {problem}" + (f"; try: {names}" if names else ""), file=sys.stderr
                )
                return 2
            town_key = found[0].key
        rows = await load_register(runtime, lang, year=args.year, town_key=town_key)
    finally:
        await runtime.close()
    if not rows:
        print("no visits match: nothing written", file=sys.stderr)
        return 1
    data = WRITERS[extension](rows, lang)
    path: Path = args.path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)  # never a half-written file under the real name
    print(f"{len(rows)} visits written to {path}")
    return 0


async def _export_csv(settings: Settings, args: argparse.Namespace) -> int:
    return await _export_register(settings, args, "csv")


async def _export_xlsx(settings: Settings, args: argparse.Namespace) -> int:
    return await _export_register(settings, args, "xlsx")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


async def _upcoming(settings: Settings, start: date | None, days: int, lang: str | None) -> int:
    """`twinbot upcoming --from DATE --days N`: what /upcoming shows, planned visits included."""
    from bot.reminders import load_calendar
    from bot.replies.calendar import CalendarReplies
    from bot.replies.reply import plain_text
    from bot.runtime import open_runtime

    if not 1 <= days <= 3660:
        print("--days must be between 1 and 3660", file=sys.stderr)
        return 2
    language: Language = "en" if lang == "en" else "ru" if lang == "ru" else settings.bot.default_language
    runtime = await open_runtime(settings)
    try:
        first = start or runtime.today()
        last = first + timedelta(days=days)
        calendar = await load_calendar(runtime, first, last)
        reply = CalendarReplies(runtime.replies()).upcoming(
            language, calendar, first, last, include_visits=True
        )
        print(plain_text(reply.text))
    finally:
        await runtime.close()
    return 0


async def _remind(settings: Settings, day: date | None, dry_run: bool) -> int:
    """`twinbot remind [--date DATE] [--dry-run]`: one pass, exactly-once like the bot's own."""
    from telegram.ext import ExtBot

    from bot.app import DEFAULTS
    from bot.ratelimit import BroadcastRateLimiter
    from bot.reminders import ReminderService, TelegramSender, describe_pass
    from bot.replies.reply import plain_text
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        today = runtime.today()
        day = day or today
        if day > today and not dry_run:
            print(f"{day} is in the future: its pass can only be previewed (--dry-run)", file=sys.stderr)
            return 2
        if not dry_run and not settings.token:
            print(_text(settings, "console.no_token"), file=sys.stderr)
            print("Nothing was sent or recorded; --dry-run shows what would be sent.", file=sys.stderr)
            return 2
        if dry_run:
            report = await ReminderService(runtime, sender=None).run_pass(day, dry_run=True)
        else:
            bot: ExtBot[int] = ExtBot(
                settings.token,
                base_url=settings.telegram.base_url,
                base_file_url=settings.telegram.base_file_url,
                rate_limiter=BroadcastRateLimiter(max_retries=3),
                defaults=DEFAULTS,
            )
            async with bot:
                service = ReminderService(runtime, TelegramSender(bot))
                report = await service.run_pass(day, delayed=day < today)
        for line in describe_pass(report):
            print(line)
        for delivery in report.deliveries:
            print()
            print(f"-> chat {delivery.chat_id} ({delivery.language}):")
            print(plain_text(delivery.text))
    finally:
        await runtime.close()
    return 0


async def _export_ics(settings: Settings, args: argparse.Namespace) -> int:
    """`twinbot export ics PATH`: the calendar /calendar sends, with the planned visits."""
    from bot.ics import build_ics
    from bot.reminders import load_calendar
    from bot.replies.calendar import CalendarReplies
    from bot.runtime import open_runtime

    language: Language = args.lang or settings.bot.default_language
    runtime = await open_runtime(settings)
    try:
        today = runtime.today()
        calendar = await load_calendar(runtime, today, today + timedelta(days=366))
        data = build_ics(
            calendar,
            CalendarReplies(runtime.replies()),
            language,
            today,
            include_visits=True,
            zone=settings.reminders.timezone,
        )
    finally:
        await runtime.close()
    path: Path = args.path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)
    print(f"calendar written to {path}")
    return 0


# `twinbot export FORMAT PATH`: one entry per format, each a coroutine (settings, parsed arguments) -> exit code
EXPORTERS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "csv": _export_csv,
    "xlsx": _export_xlsx,
    "ics": _export_ics,
}
