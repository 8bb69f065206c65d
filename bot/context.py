"""The CallbackContext every handler receives: PTB's, with the bot's Runtime as a typed property."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.runtime import Runtime


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Registered in app.py through ContextTypes, so `context.runtime` is typed in every callback."""

    @property
    def runtime(self) -> Runtime:
        value: Runtime = self.bot_data["runtime"]
        return value


CONTEXT_TYPES: ContextTypes[BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]] = ContextTypes(
    context=BotContext
)
