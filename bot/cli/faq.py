"""twinbot import-faq | export-faq: the office's FAQ answers kept as a TOML file."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.core.faqfile import dump_faq_file, parse_faq_file
from bot.core.questions.faq import FaqEntry

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
