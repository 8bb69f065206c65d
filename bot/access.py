"""Who may do what: admins and staff from the config, plus staff that admins added in chat."""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.runtime import Runtime

log = logging.getLogger("bot.access")


def is_admin(runtime: Runtime, user_id: int) -> bool:
    return user_id in runtime.settings.access.admins


async def is_staff(runtime: Runtime, user_id: int) -> bool:
    if is_admin(runtime, user_id) or user_id in runtime.settings.access.staff:
        return True
    return await runtime.staff.contains(user_id)


def acting_user_id(update: Update) -> int | None:
    """The real person behind an update; None for anonymous group admins and channels (sender_chat)."""
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return None
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return user.id


async def staff_user(runtime: Runtime, update: Update, action: str) -> int | None:
    """The acting user's id when they are staff, else None (and the refused attempt is logged)."""
    user_id = acting_user_id(update)
    if user_id is not None and await is_staff(runtime, user_id):
        return user_id
    log.warning(
        "refused %s to user %s in chat %s",
        action,
        user_id,
        update.effective_chat.id if update.effective_chat else None,
    )
    return None


async def admin_user(runtime: Runtime, update: Update, action: str) -> int | None:
    user_id = acting_user_id(update)
    if user_id is not None and is_admin(runtime, user_id):
        return user_id
    log.warning("refused %s (admin only) to user %s", action, user_id)
    return None


def register_visible(runtime: Runtime, chat_id: int, chat_type: str) -> bool:
    """Where staff data (the visit register, planned visits, notes, staff lists) may be shown: a private
    chat or the office's staff chat. A group may have residents in it. The one rule for every feature."""
    staff_chat = runtime.settings.reminders.staff_chat
    return chat_type == ChatType.PRIVATE or (staff_chat != 0 and chat_id == staff_chat)


async def may_change_chat_settings(update: Update, bot: Bot) -> bool:
    """Private chats: the user. Groups: their admins only (asked from Telegram each time), or an anonymous
    admin posting as the group itself. Used for a chat's language and its subscriptions."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = update.callback_query.from_user if update.callback_query else update.effective_user
    if user is None or user.is_bot:
        return False
    try:
        member = await bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("could not check whether %s is an admin of %s: %s", user.id, chat.id, error)
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
