"""Drop an update delivered twice (a retried getUpdates, a replayed webhook) before any handler sees it."""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.handlers.chat import Context
from bot.metrics import mark_update

REMEMBERED = 10_000


async def drop_repeated_update(update: Update, context: Context) -> None:
    seen: OrderedDict[int, None] = context.bot_data.setdefault("seen_update_ids", OrderedDict())
    if update.update_id in seen:
        mark_update("duplicate")
        raise ApplicationHandlerStop
    seen[update.update_id] = None
    if len(seen) > REMEMBERED:
        seen.popitem(last=False)


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    # blocking (PTB's default) and in the first group: it has finished before any feature handler starts,
    # including those that run concurrently (block=False); ApplicationHandlerStop only works blocking
    return [(-100, TypeHandler(Update, drop_repeated_update))]
