"""What every handler needs: the runtime, the answer language, sending a core Reply, answering a press."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.context import BotContext
from bot.core.model import Language
from bot.core.text import script_language
from bot.replies.reply import Button, Reply, plain_text

Context = BotContext
ALERT_LIMIT = 200  # what answerCallbackQuery shows
log = logging.getLogger(__name__)


async def chosen_language(update: Update, context: Context) -> Language | None:
    """The chat's /lang choice, if it made one."""
    chat = update.effective_chat
    return await context.runtime.preferences.language(chat.id) if chat is not None else None


async def language_of(update: Update, context: Context, question: str | None = None) -> Language:
    """Script of the question first, then the chat's /lang choice, then the configured default."""
    by_script = script_language(question) if question else None
    return by_script or await chosen_language(update, context) or context.runtime.default_language()


async def command_language(update: Update, context: Context, argument: str) -> Language:
    """For a command with an argument: an explicit /lang choice wins, then the argument's script."""
    chosen = await chosen_language(update, context)
    return chosen or script_language(argument) or context.runtime.default_language()


async def staff_language(update: Update, context: Context) -> Language:
    """Staff commands answer in the chat's /lang choice, else the configured default language — never in
    the script of the arguments (town names and dates are often typed in Latin in a Russian chat)."""
    return await chosen_language(update, context) or context.runtime.default_language()


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    return keyboard_of(reply.buttons) if reply.buttons else None


@lru_cache(maxsize=1024)
def keyboard_of(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    """One markup per distinct keyboard: PTB freezes its objects once made, so the one made for a town
    card serves every resident asking about that town (a new one each time was ~5% of an answer)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.label, callback_data=button.data) for button in row] for row in rows]
    )


async def send(message: Message, reply: Reply, **extra: Any) -> Message:
    """Reply in the message's chat (and topic): HTML without link previews, as bot.app.DEFAULTS says.

    In a group the answer quotes the question, unless the question was deleted meanwhile: then it is
    sent anyway (allow_sending_without_reply) rather than rejected by Telegram."""
    keyboard = extra.pop("reply_markup", None) or markup(reply)
    if message.chat.type != ChatType.PRIVATE:
        extra.setdefault(
            "reply_parameters",
            ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True),
        )
    return await message.reply_text(
        reply.text,
        reply_markup=keyboard,
        do_quote=False,
        **extra,
    )


async def edit(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> bool:
    """Turn the pressed message into `text` with `keyboard`. True when it shows that now ("not modified"
    included); False when it cannot: gone, too old, not the bot's, an inline message, a blocked chat.
    Never raises a BadRequest: the caller has answered the press already, the error handler must not."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True
        log.info("could not edit message %s: %s", query.message.message_id, error.message)
        return False
    except Forbidden as error:  # the user blocked the bot meanwhile: nothing to show anywhere
        log.info("could not edit message %s: %s", query.message.message_id, error.message)
        return False
    return True


async def edit_or_send(
    update: Update, context: Context, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """The one way a handler shows its answer to a press: the pressed message becomes `text`, or, when it
    cannot be edited, a fresh message in the chat carries it. A command (no press) gets a fresh message."""
    if update.callback_query is not None and await edit(update, text, keyboard):
        return
    chat = update.effective_chat
    if chat is None:
        return
    message = update.effective_message
    try:
        if isinstance(message, Message):
            await send(message, Reply(text), reply_markup=keyboard)
        else:  # a press on a message too old to be seen
            await context.bot.send_message(chat_id=chat.id, text=text, reply_markup=keyboard)
    except Forbidden as error:  # blocked meanwhile: nobody to tell
        log.info("could not send to chat %s: %s", chat.id, error.message)


async def alert(query: CallbackQuery, text: str | None = None, show_alert: bool = False) -> None:
    """Answer a button press; a catalogue text becomes plain text (an alert shows no HTML)."""
    if text is None:
        await query.answer()
        return
    await query.answer(plain_text(text)[:ALERT_LIMIT], show_alert=show_alert)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def addressed_text(update: Update, bot_username: str, bot_id: int) -> str | None:
    """The question in a group message meant for the bot (mention or reply to it), without the mention."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    text = message.text
    if is_private(update):
        return text
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    # the whole username: "@ourbot_fans" is somebody else
    mention = re.search(rf"@{re.escape(bot_username)}(?!\w)", text, re.IGNORECASE)
    if mention is not None:
        return (text[: mention.start()] + text[mention.end() :]).strip(" ,:")
    return None
