"""Who can be made staff in chat, and who can be removed there. Pure Python (no telegram).

Admins and staff listed in the config file are staff already and can only be changed in that file;
bots are never staff; a Telegram user id is a positive number below 2**52.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import Enum

MAX_USER_ID = 2**52  # Telegram user ids fit in 52 bits
_USER_ID = re.compile(r"[1-9][0-9]{0,15}")  # ASCII digits, no sign, no leading zero


class Refusal(Enum):
    """Why a person cannot be added or removed in chat (the value names the catalogue text)."""

    IS_BOT = "is_bot"
    ALREADY_ADMIN = "already_admin"
    ALREADY_CONFIG = "already_config"
    CONFIG_REMOVE = "config_remove"


def parse_user_id(text: str) -> int | None:
    """A Telegram user id exactly as typed (or as a button of the bot carries it), else None."""
    if not _USER_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value < MAX_USER_ID else None


def add_refusal(
    user_id: int, *, admins: Collection[int], config_staff: Collection[int], is_bot: bool = False
) -> Refusal | None:
    """None when `user_id` may be added as staff in chat; otherwise why not."""
    if is_bot:
        return Refusal.IS_BOT
    if user_id in admins:
        return Refusal.ALREADY_ADMIN
    if user_id in config_staff:
        return Refusal.ALREADY_CONFIG
    return None


def remove_refusal(user_id: int, *, admins: Collection[int], config_staff: Collection[int]) -> Refusal | None:
    """None when `user_id` may be removed in chat; people from the config file are removed there."""
    if user_id in admins or user_id in config_staff:
        return Refusal.CONFIG_REMOVE
    return None
