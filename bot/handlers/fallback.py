"""Whatever no feature handled: unknown commands and non-text messages get a polite word in private chats,
unknown buttons an answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.handlers.calendar import CALLBACK_AGREEMENT
from bot.handlers.chat import Context, is_private, language_of, send
from bot.handlers.language import CALLBACK_LANG
from bot.handlers.reports import CALLBACK_EXPORT
from bot.handlers.staff import CALLBACK_ADD
from bot.handlers.subscriptions import CALLBACK as CALLBACK_SUBSCRIPTION
from bot.handlers.visits.callback_data import CB_CARD, CB_DUPLICATE, CB_FORM, CB_FOUND, CB_LIST
from bot.replies.reply import Reply
from bot.replies.wording import CALLBACK_CARD

# the command that shows a fresh keyboard for each kind of button (by its callback data's prefix)
FRESH_COMMANDS = (
    (CALLBACK_CARD, "/towns"),
    (CALLBACK_SUBSCRIPTION, "/subscribe"),
    (CALLBACK_LANG, "/lang"),
    (CALLBACK_EXPORT, "/export"),
    (CALLBACK_ADD, "/staff"),
    (CALLBACK_AGREEMENT, "/agreement"),
    (f"{CB_FORM}:", "/visit"),
    (f"{CB_DUPLICATE}:", "/visit"),
    (f"{CB_CARD}:", "/visits"),
    (f"{CB_LIST}:", "/visits"),
    (f"{CB_FOUND}:", "/visits"),
)


def fresh_command(data: str) -> str:
    """The command that makes a fresh button like the pressed one (/start when it is not ours at all)."""
    return next((command for prefix, command in FRESH_COMMANDS if data.startswith(prefix)), "/start")


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
    command = fresh_command(query.data or "")
    await query.answer(context.runtime.replies().t(lang, "input.stale_button", command=command))


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
