"""`twinbot report YEAR PATH [--notes] [--lang]`: the annual report /report sends, written to files.

PATH ending in .xlsx or .pdf writes that file; any other PATH is a folder that gets both. Files are
written under a temporary name and renamed, after both are built: never a half-written report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Settings
from bot.core.model import Language
from bot.core.visits import MIN_YEAR
from bot.terminal import cli_language, say

EXTENSIONS = ("xlsx", "pdf")


def _say(lang: Language, key: str, **values: object) -> str:
    return say(lang, f"report.{key}", **values)


def report_paths(path: Path, year: int) -> list[tuple[str, Path]]:
    """(format, file) pairs for PATH: one file when it names one, else both inside the folder."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in EXTENSIONS:
        return [(suffix, path)]
    from bot.exports.annual import report_filename

    return [(extension, path / report_filename(year, extension)) for extension in EXTENSIONS]


async def write_report(
    settings: Settings, year: int, path: Path, lang: str | None, *, notes: bool = False
) -> int:
    from bot.exports.annual import ReportYearError, load_report
    from bot.exports.annual_pdf import write_report_pdf
    from bot.exports.annual_xlsx import write_report_xlsx
    from bot.runtime import open_runtime

    language = cli_language(settings, lang)
    runtime = await open_runtime(settings)
    try:
        today = runtime.today()
        if year < MIN_YEAR:
            print(_say(language, "bad_year", low=MIN_YEAR, high=today.year), file=sys.stderr)
            return 2
        try:
            report = await load_report(runtime, language, year, notes=notes)
        except ReportYearError as error:
            print(_say(language, error.code, year=year), file=sys.stderr)
            return 1
    finally:
        await runtime.close()
    writers = {"xlsx": write_report_xlsx, "pdf": write_report_pdf}
    targets = report_paths(path, year)
    built = [(target, writers[extension](report)) for extension, target in targets]
    for target, data in built:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".part")
        temporary.write_bytes(data)
        temporary.replace(target)
    print(
        _say(
            language,
            "written",
            year=year,
            count=report.total.visits,
            people=report.total.people,
            planned=len(report.planned),
        )
    )
    for target, _ in built:
        print(_say(language, "file", path=target))
    return 0
