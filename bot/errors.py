"""The one error handler: log with the traceback, tell the user politely, tell the admins briefly."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger("bot.errors")


def mask_secret(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.handlers.chat import language_of, runtime

    rt = runtime(context) if "runtime" in context.bot_data else None
    token = rt.settings.token if rt else ""
    error = context.error
    description = mask_secret(f"{type(error).__name__}: {error}", token)
    log.error("error while handling an update: %s", description, exc_info=error)
    if rt is None:
        return
    lang = rt.default_language()
    if isinstance(update, Update):
        try:
            lang = await language_of(update, context)
            message = update.effective_message
            if update.callback_query is not None:
                await update.callback_query.answer(rt.replies().t(lang, "error.user")[:200])
            elif message is not None and update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id, rt.replies().t(lang, "error.user"))
        except TelegramError as notify_error:
            log.warning("could not tell the user about the error: %s", mask_secret(str(notify_error), token))
    for admin in rt.settings.access.admins:
        try:
            await context.bot.send_message(
                admin,
                rt.replies().t(lang, "error.admin", error=html.unescape(description)[:3000]),
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as notify_error:
            log.warning("could not notify admin %s: %s", admin, mask_secret(str(notify_error), token))
