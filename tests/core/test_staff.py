"""Who can be made staff in chat, and who can be removed there (bot/core/staff.py)."""

from __future__ import annotations

import pytest

from bot.core.staff import MAX_USER_ID, Refusal, add_refusal, parse_user_id, remove_refusal

ADMINS = (900,)
CONFIG_STAFF = (901, 900)


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("123456789", 123456789), ("7" * 15, int("7" * 15))])
def test_user_ids(text: str, value: int) -> None:
    assert parse_user_id(text) == value


@pytest.mark.parametrize(
    "text", ["", "0", "0123", "-5", "+5", "1.5", "12a", "²", "١٢", "9" * 16, str(MAX_USER_ID), "9" * 60]
)
def test_what_is_not_a_user_id(text: str) -> None:
    assert parse_user_id(text) is None


def test_who_can_be_added() -> None:
    assert add_refusal(12345, admins=ADMINS, config_staff=CONFIG_STAFF) is None
    assert add_refusal(900, admins=ADMINS, config_staff=CONFIG_STAFF) is Refusal.ALREADY_ADMIN
    assert add_refusal(901, admins=ADMINS, config_staff=CONFIG_STAFF) is Refusal.ALREADY_CONFIG
    assert add_refusal(12345, admins=ADMINS, config_staff=(), is_bot=True) is Refusal.IS_BOT
    assert add_refusal(900, admins=ADMINS, config_staff=(), is_bot=True) is Refusal.IS_BOT


def test_who_can_be_removed_in_chat() -> None:
    assert remove_refusal(12345, admins=ADMINS, config_staff=CONFIG_STAFF) is None
    assert remove_refusal(900, admins=ADMINS, config_staff=()) is Refusal.CONFIG_REMOVE
    assert remove_refusal(901, admins=(), config_staff=CONFIG_STAFF) is Refusal.CONFIG_REMOVE


def test_every_refusal_has_a_text() -> None:
    from bot.locale import catalogue

    for refusal in Refusal:
        for lang in ("ru", "en"):
            assert catalogue().has(lang, f"reports.staff.{refusal.value}"), refusal  # type: ignore[arg-type]
