"""twinbot export csv|xlsx|ics PATH: the same files /export and /calendar send, written to disk."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings


async def _export_register(settings: Settings, args: argparse.Namespace, extension: str) -> int:
    """`twinbot export csv|xlsx PATH [--year Y] [--town NAME]`: the same files /export sends."""
    from bot.core.text import words
    from bot.core.visits import MAX_YEARS_AHEAD, MIN_YEAR
    from bot.exports.files import write_files
    from bot.exports.register import PUBLIC_COLUMNS, register_batches
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, say

    lang = cli_language(settings, args.lang)
    runtime = await open_runtime(settings)
    try:
        high = runtime.today().year + MAX_YEARS_AHEAD
        if args.year is not None and not MIN_YEAR <= args.year <= high:
            print(say(lang, "export.bad_year", low=MIN_YEAR, high=high), file=sys.stderr)
            return 2
        town_key = None
        if args.town:
            found = [match.town for match in runtime.directory.find(words(args.town))]
            if len(found) != 1:
                options = found or runtime.directory.suggest(words(args.town))
                names = ", ".join(town.name(lang) for town in options)
                problem = say(
                    lang,
                    "export.several_towns" if found else "export.unknown_town",
                    town=args.town,
                    names=names,
                )
                if names and not found:
                    problem += say(lang, "export.try_towns", names=names)
                print(problem, file=sys.stderr)
                return 2
            town_key = found[0].key
        # streamed: a batch of visits at a time, read in one snapshot and written as it comes
        columns = PUBLIC_COLUMNS  # the command line has no staff notes: /export ... notes is the way
        batches = await register_batches(runtime, lang, columns=columns, year=args.year, town_key=town_key)
        files, count = write_files(batches, lang, (extension,), columns)
    finally:
        await runtime.close()
    if not count:
        print(say(lang, "export.nothing"), file=sys.stderr)
        return 1
    ((_, data),) = files
    path: Path = args.path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)  # never a half-written file under the real name
    print(say(lang, "export.written", count=count, path=path))
    return 0


async def _export_csv(settings: Settings, args: argparse.Namespace) -> int:
    return await _export_register(settings, args, "csv")


async def _export_xlsx(settings: Settings, args: argparse.Namespace) -> int:
    return await _export_register(settings, args, "xlsx")


async def _export_ics(settings: Settings, args: argparse.Namespace) -> int:
    """`twinbot export ics PATH`: the calendar /calendar sends, with the planned visits."""
    from bot.ics import build_ics
    from bot.reminders import load_calendar
    from bot.replies.calendar import CalendarReplies
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, say

    language = cli_language(settings, args.lang)
    runtime = await open_runtime(settings)
    try:
        today = runtime.today()
        calendar = await load_calendar(runtime, today, today + timedelta(days=366))
        data = build_ics(
            calendar,
            CalendarReplies(runtime.replies()),
            language,
            today,
            include_visits=args.staff,  # planned visits are staff data: only when asked for
            zone=settings.reminders.timezone,
        )
    finally:
        await runtime.close()
    path: Path = args.path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)
    print(say(language, "export.calendar_written", path=path))
    if not args.staff:
        print(say(language, "export.calendar_staff"))
    return 0


# `twinbot export FORMAT PATH`: one entry per format, each a coroutine (settings, parsed arguments) -> exit code
EXPORTERS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "csv": _export_csv,
    "xlsx": _export_xlsx,
    "ics": _export_ics,
}
