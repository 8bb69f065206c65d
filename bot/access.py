"""Who may do what: admins and staff from the config, plus staff that admins added in chat."""

from __future__ import annotations

import logging

from telegram import Update

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
