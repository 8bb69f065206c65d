"""Whatever no feature handled: unknown commands and non-text messages get a polite word in private chats,
unknown buttons an answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.handlers.chat import Context, is_private, language_of, send
from bot.replies.reply import Reply


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = message.text.split()[0]
    if not is_private(update) and "@" not in command:
        return  # in groups, only commands addressed to us explicitly (/cmd@ourbot) are ours
    if "@" in command and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return
    lang = await language_of(update, context)
    await send(message, Reply(context.runtime.replies().t(lang, "input.unknown_command")))


async def not_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not is_private(update):
        return
    lang = await language_of(update, context)
    await send(message, Reply(context.runtime.replies().t(lang, "input.not_text")))


async def unknown_button(update: Update, context: Context) -> None:
    """A button no feature knows (an old keyboard, forged data): answer it, or the client spins."""
    query = update.callback_query
    if query is None:
        return
    lang = await language_of(update, context)
    await query.answer(context.runtime.replies().t(lang, "input.stale_button"))


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    # registered last in group 0, so they only see what no feature handler took;
    # block=False: a polite word waits for nobody (see residents.handlers)
    return [
        (0, MessageHandler(filters.COMMAND, unknown_command, block=False)),
        (
            0,
            MessageHandler(
                # new messages only: an edited one (a live location moving, a changed caption)
                # must not get the same "text only" answer again and again
                filters.UpdateType.MESSAGE
                & ~filters.TEXT
                & ~filters.StatusUpdate.ALL
                & ~filters.VIA_BOT
                & filters.ChatType.PRIVATE,
                not_text,
                block=False,
            ),
        ),
        (0, CallbackQueryHandler(unknown_button, block=False)),
    ]
