"""twinbot import-faq | export-faq: the office's FAQ answers kept as a TOML file."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.core.faqfile import dump_faq_file, parse_faq_file
from bot.core.questions.faq import FaqEntry
from bot.terminal import cli_language, say

# the actor recorded in the audit log for changes made from the command line (no Telegram user)
CLI_ACTOR = 0


def import_faq(settings: Settings, path: Path, lang: str | None = None) -> int:
    """`twinbot import-faq FILE`: the file's entries replace the FAQ; every problem is named first."""
    language = cli_language(settings, lang)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(say(language, "faq.cannot_read", path=path, error=exc), file=sys.stderr)
        return 2
    entries = parse_faq_file(text, str(path))
    count = asyncio.run(_replace_faq(settings, entries))
    print(say(language, "faq.imported", count=count))
    return 0


async def _replace_faq(settings: Settings, entries: list[FaqEntry]) -> int:
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        return await runtime.knowledge.replace_faq(entries, CLI_ACTOR)
    finally:
        await runtime.close()


def export_faq(settings: Settings, path: Path, lang: str | None = None) -> int:
    """`twinbot export-faq FILE`: the FAQ as TOML that import-faq reads back."""
    language = cli_language(settings, lang)
    entries = asyncio.run(_faq_entries(settings))
    try:
        path.write_text(dump_faq_file(entries), encoding="utf-8")
    except OSError as exc:
        print(say(language, "faq.cannot_write", path=path, error=exc), file=sys.stderr)
        return 2
    print(say(language, "faq.exported", count=len(entries), path=path))
    return 0


async def _faq_entries(settings: Settings) -> list[FaqEntry]:
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        return await runtime.knowledge.faq()
    finally:
        await runtime.close()
