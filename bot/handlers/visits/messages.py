"""How the register's answers reach the chat (a new message, or the pressed one turned into the next),
and the texts every part of the register shares."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.core.model import Language
from bot.core.visits import Visit
from bot.handlers.chat import Context, send
from bot.replies import Reply
from bot.replies.visits import VisitReplies
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def views(rt: Runtime) -> VisitReplies:
    return VisitReplies(rt.replies())


def text_of(rt: Runtime, lang: Language, key: str, **params: object) -> str:
    return rt.replies().t(lang, f"visits.{key}", **params)


def similar_warning(rt: Runtime, lang: Language, similar: Visit) -> str:
    """ "A similar visit is already recorded: #N · town · dates · direction. Save anyway?" """
    view = views(rt)
    return text_of(
        rt,
        lang,
        "similar_found",
        id=similar.id,
        town=view.town(lang, similar.town_key),
        dates=view.dates(lang, similar.start, similar.end),
        direction=view.direction(lang, similar.direction),
    )


async def reply(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send into the update's chat (and forum topic); HTML without link previews is the bot's default."""
    message = update.effective_message
    if isinstance(message, Message):
        return await send(message, Reply(text), reply_markup=markup)
    chat = update.effective_chat  # a press on a message too old to be seen: a new message
    if chat is None:
        return None
    return await context.bot.send_message(
        chat_id=chat.id,
        text=text,
        reply_markup=markup,
    )


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Replace the pressed message with `text`; False when that message cannot be edited."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True
        log.info("could not edit message: %s", error.message)
        return False
    return True


async def edit_or_send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message with `text` (or send it when that message cannot be edited)."""
    if not await edit(update, text, markup):
        await reply(update, context, text, markup)
