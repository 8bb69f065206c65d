"""One module per feature; each exposes handlers() -> list of (group, handler)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.handlers import (
    calendar,
    dedup,
    fallback,
    inline,
    knowledge,
    language,
    maps,
    reports,
    residents,
    staff,
    status,
    subscriptions,
    visits,
)

HandlerList = list[tuple[int, BaseHandler]]  # type: ignore[type-arg]


def all_handlers() -> HandlerList:
    collected: HandlerList = []
    # visits before residents: text typed into an open /visit form must reach the form, not the questions
    for module in (
        dedup,
        language,
        visits,
        residents,
        knowledge,
        inline,
        maps,
        staff,
        reports,
        calendar,
        subscriptions,
        status,
        fallback,
    ):
        collected.extend(module.handlers())
    return collected
