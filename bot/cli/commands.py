"""twinbot: run | console | ask | towns | import-towns | upcoming | remind | digest | export | report | backup |
restore |
status. Every command takes --config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.cli import calendar, chat, exports, faq, logs, operations
from bot.cli.logs import configure_logging
from bot.config import ConfigError, load_settings
from bot.core.faqfile import FaqFileError
from bot.core.townfile import TownFileError
from bot.logmask import install_masking_excepthook, mask_token_in_logs


def _common(*, defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. Only the main parser has defaults: a
    subcommand's parser that had them too would overwrite `twinbot --lang en status` with its own None."""
    common = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    common.add_argument(
        "--config", type=Path, default=default(None), help="TOML settings file (default: ./config.toml)"
    )
    common.add_argument(
        "--verbose",
        action="store_true",
        default=default(False),
        help="debug logging (the console: also on screen)",
    )
    common.add_argument(
        "--lang",
        choices=["ru", "en"],
        default=default(None),
        help="language of the output (default: [bot] default_language); ask: when the question has no letters",
    )
    common.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=default("text"),
        help="json: one JSON object per log line, for servers (default: text)",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)
    parser = argparse.ArgumentParser(
        prog="twinbot",
        parents=[_common(defaults=True)],
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
        help="write data to a file: " + ", ".join(sorted(exports.EXPORTERS)),
        description="csv, xlsx: the visit register (deleted visits left out); prints how many visits were "
        "written, exits with 1 and writes nothing when no visit matches. ics: the calendar of anniversaries, "
        "Town Days and planned visits (RFC 5545, yearly recurrences), as /calendar sends it.",
    )
    exporter.add_argument("format", choices=sorted(exports.EXPORTERS))
    exporter.add_argument("path", type=Path)
    exporter.add_argument("--year", type=int, default=None, help="only visits that start in this year")
    exporter.add_argument("--town", default=None, help="only visits of this town (any spelling)")
    exporter.add_argument(
        "--staff",
        action="store_true",
        help="ics: include the planned visits (staff data, left out by default)",
    )
    reporter = commands.add_parser(
        "report",
        parents=[common],
        help="the annual report of a year: .xlsx and a print-ready PDF",
        description="The year's report as /report sends it: totals of visits, people and days by direction, "
        "town, country and delegation type, the previous year compared, a chart, the visits held and the "
        "planned ones apart. PATH: an .xlsx or .pdf file, or a folder for both (report-YEAR.xlsx, "
        "report-YEAR.pdf). Exits with 1 and writes nothing for a year without visits or not begun.",
    )
    reporter.add_argument("year", type=int)
    reporter.add_argument("path", type=Path)
    reporter.add_argument("--notes", action="store_true", help="include staff notes and who recorded")
    upcoming = commands.add_parser(
        "upcoming", parents=[common], help="print the coming anniversaries, Town Days and planned visits"
    )
    upcoming.add_argument(
        "--from", dest="start", type=_iso_date, default=None, help="YYYY-MM-DD (default: today)"
    )
    upcoming.add_argument("--days", type=int, default=30, help="how many days ahead, 1..3660 (default 30)")
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
    digest = commands.add_parser(
        "digest",
        parents=[common],
        help="send the monthly digest now (exactly once per month and chat, like the scheduled one)",
        description="Sends the digest of MONTH (default: this month): last month's visits and this month's "
        "anniversaries and Town Days, to the staff chat and the subscribers who opted in. Chats that already "
        "got it, from the bot or an earlier run, never get it twice.",
    )
    digest.add_argument(
        "--month", type=calendar.month_argument, default=None, help="YYYY-MM (default: this month)"
    )
    digest.add_argument(
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
        log_file = settings.storage.database.resolve().parent / logs.CONSOLE_LOG
        with contextlib.suppress(OSError):
            log_file.parent.mkdir(parents=True, exist_ok=True)
            configure_logging(args.verbose, json_lines=args.log_format == "json", file=log_file)
    elif args.log_format == "json":
        configure_logging(args.verbose, quiet=command not in (None, "run"), json_lines=True)
    mask_token_in_logs(settings.token)
    mask_token_in_logs(settings.webhook.secret)
    install_masking_excepthook(settings.token, settings.webhook.secret)
    try:
        if command is None:
            if settings.token:
                return chat.run_bot(settings)
            print(chat.catalogue_text(settings, "console.no_token", args.lang), file=sys.stderr)
            print(file=sys.stderr)
            return asyncio.run(chat.console(settings))
        if command == "run":
            if not settings.token:
                print(chat.catalogue_text(settings, "console.no_token", args.lang), file=sys.stderr)
                return 2
            return chat.run_bot(settings)
        if command == "console":
            return asyncio.run(chat.console(settings))
        if command == "ask":
            return asyncio.run(chat.ask(settings, " ".join(args.question), args.lang))
        if command == "towns":
            return asyncio.run(chat.towns(settings, args.lang))
        if command == "import-towns":
            return asyncio.run(operations.import_towns(settings, args.file, args.lang))
        if command == "import-faq":
            return faq.import_faq(settings, args.file, args.lang)
        if command == "export-faq":
            return faq.export_faq(settings, args.file, args.lang)
        if command == "export":
            return asyncio.run(exports.EXPORTERS[args.format](settings, args))
        if command == "report":
            from bot.cli_report import write_report

            return asyncio.run(write_report(settings, args.year, args.path, args.lang, notes=args.notes))
        if command == "backup":
            return asyncio.run(operations.backup(settings, args.path, args.lang))
        if command == "restore":
            return asyncio.run(operations.restore(settings, args.file, args.lang))
        if command == "status":
            return asyncio.run(operations.status(settings, args.lang))
        if command == "upcoming":
            return asyncio.run(calendar.upcoming(settings, args.start, args.days, args.lang))
        if command == "remind":
            return asyncio.run(calendar.remind(settings, args.date, args.dry_run, args.lang))
        if command == "digest":
            return asyncio.run(calendar.digest(settings, args.month, args.dry_run, args.lang))
    except (TownFileError, ConfigError, FaqFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None
