"""Who may use staff commands and buttons, and where staff data may be shown: the one gate of every
staff feature (visits, reports, calendar, /staff).

Staff are checked again on every command and every button press (`bot.access.staff_user`, which logs
refused attempts). Staff data (the visit register, notes, staff lists, exports) is shown only where
`bot.access.register_visible` allows: a private chat or the office's staff chat; elsewhere the bot
points to the private chat and shows nothing.

Refusals are answered politely, in `lang` when the caller knows it, else in the language of what the
refused person typed (a command's argument), as residents' questions are answered.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.access import register_visible, staff_user
from bot.core.model import Language
from bot.handlers.chat import Context, alert, command_language, language_of, send, staff_language
from bot.replies.reply import Reply
from bot.runtime import Runtime


@dataclass(frozen=True, slots=True)
class StaffHere:
    """A staff member acting where staff data may be shown, and the language to answer in."""

    actor: int
    lang: Language


async def refusal_language(update: Update, context: Context) -> Language:
    """The refused are residents: for a command, the language of its argument (after a /lang choice)."""
    message = update.effective_message
    if update.callback_query is None and message is not None:
        parts = (message.text or "").split(maxsplit=1)
        return await command_language(update, context, parts[1] if len(parts) > 1 else "")
    return await language_of(update, context)


async def refuse_staff_only(update: Update, context: Context, lang: Language | None = None) -> None:
    """The one polite "staff only" answer: an alert for a button press, a message for a command (a
    special one for anonymous group admins and channels). In `lang`, else the chat's language."""
    replies = context.runtime.replies()
    lang = lang or await language_of(update, context)
    if update.callback_query is not None:
        await alert(update.callback_query, replies.t(lang, "reports.access.refused"), show_alert=True)
        return
    message = update.effective_message
    if message is None:
        return
    key = "reports.access.anonymous" if message.sender_chat is not None else "reports.access.refused"
    await send(message, Reply(replies.t(lang, key)))


async def staff_only(
    update: Update, context: Context, action: str, lang: Language | None = None
) -> int | None:
    """The acting staff member's id, or None once refused (in `lang`, else in the language they typed)."""
    actor = await staff_user(context.runtime, update, action)
    if actor is None:
        await refuse_staff_only(update, context, lang or await refusal_language(update, context))
    return actor


async def note_actor(rt: Runtime, update: Update) -> None:
    """Remember the display name of staff who act (table `people`), for /history, exports, /staff list."""
    user = update.effective_user
    if user is not None and not user.is_bot:
        await rt.staff.remember(user.id, user.full_name)


def register_here(update: Update, context: Context) -> bool:
    """Whether staff data may be shown in the update's chat (`bot.access.register_visible`)."""
    chat = update.effective_chat
    return chat is not None and register_visible(context.runtime, chat.id, chat.type)


async def ask_for_private_chat(update: Update, context: Context, lang: Language | None = None) -> None:
    """Staff data is not shown here (a group may have residents in it): point to the private chat."""
    rt = context.runtime
    lang = lang or await language_of(update, context)
    text = rt.replies().t(lang, "reports.access.private_only", bot=rt.bot_username)
    if update.callback_query is not None:
        await alert(update.callback_query, text, show_alert=True)
        return
    message = update.effective_message
    if message is not None:
        await send(message, Reply(text))


async def staff_here(
    update: Update,
    context: Context,
    action: str,
    lang: Language | None = None,
    *,
    remember_actor: bool = False,
) -> StaffHere | None:
    """The gate of staff commands and buttons that show staff data: (staff id, answer language), or None
    once the update has been answered (not staff: refused; not a place for staff data: pointed to the
    private chat). `remember_actor`: note the staff member's name for /history (they are about to act)."""
    actor = await staff_only(update, context, action, lang)
    if actor is None:
        return None
    if remember_actor:
        await note_actor(context.runtime, update)
    lang = lang or await staff_language(update, context)
    if not register_here(update, context):
        await ask_for_private_chat(update, context, lang)
        return None
    return StaffHere(actor, lang)


Handler = Callable[[Update, Context], Coroutine[Any, Any, Any]]
GatedHandler = Callable[[Update, Context, StaffHere], Coroutine[Any, Any, Any]]


def staff_data(
    action: str, *, remember_actor: bool = False, refused: object = None
) -> Callable[[GatedHandler], Handler]:
    """A handler that shows staff data runs behind :func:`staff_here` and gets its StaffHere; an update
    it answered instead returns `refused` (a conversation's entry point: ConversationHandler.END)."""

    def wrap(handler: GatedHandler) -> Handler:
        @functools.wraps(handler)
        async def gated(update: Update, context: Context) -> Any:
            gate = await staff_here(update, context, action, remember_actor=remember_actor)
            if gate is None:
                return refused
            return await handler(update, context, gate)

        return gated

    return wrap
