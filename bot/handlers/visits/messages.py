"""How the register's answers reach the chat (a new message, or the pressed one turned into the next),
and the texts every part of the register shares."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.core.model import Language
from bot.core.visits import Visit
from bot.handlers.chat import Context, edit, edit_or_send, send
from bot.replies import Reply
from bot.replies.visits import VisitReplies
from bot.runtime import Runtime


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
        town=view.town(lang, similar.town_key, similar.place),
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


# the register edits the pressed message as every handler does (bot.handlers.chat)
__all__ = ["edit", "edit_or_send", "reply", "similar_warning", "text_of", "views"]
