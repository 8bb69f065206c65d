"""twinbot: run | console | ask | towns | import-towns | backup. Every command takes --config."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.core.townfile import TownFileError, load_town_file

log = logging.getLogger("bot")


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL, and the URL carries the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=None, help="TOML settings file (default: ./config.toml)"
    )
    common.add_argument("--verbose", action="store_true", help="debug logging")
    parser = argparse.ArgumentParser(
        prog="twinbot",
        parents=[common],
        description="Twin Towns Bot of Kingisepp district. Without a command: the real bot when a token is "
        "configured, otherwise a chat in the terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", parents=[common], help="start the Telegram bot (long polling)")
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
    backup = commands.add_parser("backup", parents=[common], help="consistent copy of the database")
    backup.add_argument("path", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    command = args.command
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
        if command == "backup":
            return asyncio.run(_backup(settings, args.path))
    except (TownFileError, ConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _text(settings: Settings, key: str) -> str:
    from bot.locale import catalogue

    return str(catalogue().raw(settings.bot.default_language, key))


def run_bot(settings: Settings) -> int:
    from telegram import Update

    from bot.app import build_application

    application = build_application(settings)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _console(settings: Settings) -> int:
    from bot.app import build_application
    from bot.console import run_console

    await run_console(settings, lambda s, request: build_application(s, request=request))
    return 0


async def _ask(settings: Settings, question: str, lang: str | None) -> int:
    from bot.replies import plain_text
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        fallback = lang if lang in ("ru", "en") else settings.bot.default_language
        answer = runtime.engine.answer(question, fallback)  # type: ignore[arg-type]
        print(plain_text(runtime.replies().answer(answer).text))
    finally:
        await runtime.close()
    return 0


async def _towns(settings: Settings) -> int:
    from bot.replies import plain_text
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        print(plain_text(runtime.replies().towns_list(settings.bot.default_language).text))
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


async def _backup(settings: Settings, path: Path) -> int:
    from storage import open_database

    database = await open_database(settings.storage.database)
    try:
        await database.backup(path)
    finally:
        await database.close()
    print(f"backup written to {path}")
    return 0
