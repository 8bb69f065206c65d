"""One module per feature; each exposes handlers() -> list of (group, handler)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.handlers import dedup, fallback, inline, language, residents

HandlerList = list[tuple[int, BaseHandler]]  # type: ignore[type-arg]


def all_handlers() -> HandlerList:
    collected: HandlerList = []
    for module in (dedup, language, residents, inline, fallback):
        collected.extend(module.handlers())
    return collected
