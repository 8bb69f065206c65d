"""/subscribe, /unsubscribe, /mysubscriptions (offline, spec-validated). Groups: admins only, asked from
Telegram (getChatMember) on every command and every button press; forged buttons change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.runtime import Runtime
from tests.handlers.conftest import Harness

GROUP = -100_200
ADMIN = 31
MEMBER = 32


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


def buttons(call: Any) -> list[str]:
    return [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


# ---- private chats ------------------------------------------------------------------------------------


async def test_menus_are_html_without_link_previews(harness: Harness) -> None:
    """bot.app.DEFAULTS reaches the sent menu and the edits a button makes (no parse_mode by hand)."""
    (menu,) = await harness.say("/subscribe")
    _, edit = await harness.press("sub:k:all")
    for call in (menu, edit):
        assert call.params["parse_mode"] == "HTML"
        assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_subscribe_menu_then_choices(harness: Harness) -> None:
    (menu,) = await harness.say("/subscribe")
    assert "Напоминания" in menu.params["text"] and "за 7 дней, за 1 день, в сам день" in menu.params["text"]
    # no subscription yet: only what to send is offered (towns narrow a subscription, so they come after)
    assert buttons(menu) == ["sub:k:a", "sub:k:t", "sub:k:all"]
    answer, edit = await harness.press("sub:k:all")
    assert answer.method == "answerCallbackQuery" and edit.method == "editMessageText"
    assert "Подписка: годовщины и Дни города; все города" in edit.params["text"]
    assert "sub:off" in buttons(edit) and "sub:towns" in buttons(edit)
    subscription = await rt(harness).subscriptions.get(10)
    assert subscription is not None and subscription.active and subscription.kinds == "all"
    _, towns = await harness.press("sub:towns")
    assert "sub:t:narva:1" in buttons(towns) and "sub:done" in buttons(towns)
    assert all(len(data.encode()) <= 64 for data in buttons(towns))
    _, toggled = await harness.press("sub:t:narva:1")
    assert "✅ 🇪🇪 Нарва" in [
        b["text"] for row in toggled.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert "sub:t:narva:0" in buttons(toggled)  # pressing it again would take Narva out
    _, done = await harness.press("sub:done")
    assert "города: Нарва" in done.params["text"]
    (mine,) = await harness.texts("/mysubscriptions")
    assert "годовщины и Дни города" in mine and "Города: Нарва\n" in mine and "русский" in mine
    assert "города: города" not in mine.lower()
    (off,) = await harness.texts("/unsubscribe")
    assert "отключены" in off
    (mine,) = await harness.texts("/mysubscriptions")
    assert "отключены (командой /unsubscribe)" in mine and "(отключены" not in mine
    (again,) = await harness.texts("/unsubscribe")
    assert "напоминаний нет" in again
    history = await rt(harness).audit.history("subscription", 10)
    assert [entry.action for entry in reversed(history)] == ["subscribe", "towns", "unsubscribe"]


async def test_kinds_switch_and_the_language_follows_the_chat(harness: Harness) -> None:
    await harness.press("lang:en")
    await harness.press("sub:k:t")
    (subscriber,) = await rt(harness).subscriptions.active_subscribers()
    assert subscriber.language == "en"
    _, edit = await harness.press("sub:k:a")
    assert "Subscribed: anniversaries; all towns" in edit.params["text"]


async def test_a_repeated_town_press_does_not_undo_itself(harness: Harness) -> None:
    """The same press delivered again (a retry, a restart that lost the in-memory dedup) asks for the
    same state, so it changes nothing the second time."""
    await harness.press("sub:k:all")
    for _ in range(3):
        await harness.press("sub:t:narva:1")
    subscription = await rt(harness).subscriptions.get(10)
    assert subscription is not None and subscription.towns == ("narva",)
    for _ in range(2):
        await harness.press("sub:t:narva:0")
    subscription = await rt(harness).subscriptions.get(10)
    assert subscription is not None and subscription.towns == ()
    history = await rt(harness).audit.history("subscription", 10)
    assert [entry.action for entry in reversed(history)] == ["subscribe", "towns", "towns"]


async def test_alerts_are_plain_text(harness: Harness) -> None:
    await harness.press("lang:en")
    (answer,) = await harness.press("sub:t:narva:1")  # not subscribed yet
    assert answer.params["show_alert"] is True
    assert "<" not in answer.params["text"] and "&" not in answer.params["text"]


@pytest.mark.parametrize(
    "data",
    ["sub:k:zzz", "sub:t:atlantis:1", "sub:t:", "sub:hack", "sub:k:a:extra", "sub:t:narva", "sub:t:narva:2"],
)
async def test_forged_buttons_are_answered_and_change_nothing(harness: Harness, data: str) -> None:
    calls = await harness.press(data)
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    assert "устарело" in calls[0].params["text"]
    assert await rt(harness).subscriptions.get(10) is None


async def test_choosing_towns_needs_a_subscription_first(harness: Harness) -> None:
    calls = await harness.press("sub:t:narva:1")
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    assert "Сначала выберите" in calls[0].params["text"]
    assert await rt(harness).subscriptions.get(10) is None


# ---- groups -------------------------------------------------------------------------------------------


async def test_in_groups_only_admins_change_the_subscription(
    harness: Harness, members: dict[tuple[int, int], str]
) -> None:
    members[(GROUP, ADMIN)] = "administrator"
    (refused,) = [
        c for c in await harness.say("/subscribe", chat_id=GROUP, user_id=MEMBER) if c.method == "sendMessage"
    ]
    assert "только её администраторы" in refused.params["text"]
    (refused,) = [
        c
        for c in await harness.say("/unsubscribe", chat_id=GROUP, user_id=MEMBER)
        if c.method == "sendMessage"
    ]
    assert "только её администраторы" in refused.params["text"]
    assert await rt(harness).subscriptions.get(GROUP) is None
    calls = await harness.say("/subscribe", chat_id=GROUP, user_id=ADMIN)
    assert [c.method for c in calls] == ["getChatMember", "sendMessage"]
    # the member presses the admin's menu: checked again, refused
    calls = await harness.press("sub:k:all", chat_id=GROUP, user_id=MEMBER)
    assert [c.method for c in calls] == ["getChatMember", "answerCallbackQuery"]
    assert calls[1].params["show_alert"] is True and "администраторы" in calls[1].params["text"]
    assert await rt(harness).subscriptions.get(GROUP) is None
    calls = await harness.press("sub:k:all", chat_id=GROUP, user_id=ADMIN)
    assert [c.method for c in calls] == ["getChatMember", "answerCallbackQuery", "editMessageText"]
    subscription = await rt(harness).subscriptions.get(GROUP)
    assert subscription is not None and subscription.active and subscription.chat_type == "supergroup"
    # an admin who lost the rights meanwhile is refused too
    members[(GROUP, ADMIN)] = "member"
    calls = await harness.press("sub:off", chat_id=GROUP, user_id=ADMIN)
    assert [c.method for c in calls] == ["getChatMember", "answerCallbackQuery"]
    assert (await rt(harness).subscriptions.get(GROUP)).active  # type: ignore[union-attr]
    members[(GROUP, MEMBER)] = "creator"
    calls = await harness.press("sub:off", chat_id=GROUP, user_id=MEMBER)
    assert not (await rt(harness).subscriptions.get(GROUP)).active  # type: ignore[union-attr]


async def test_anonymous_group_admin_may_subscribe(
    harness: Harness, members: dict[tuple[int, int], str]
) -> None:
    chat = {"id": GROUP, "type": "supergroup", "title": "Kingisepp residents"}
    calls = await harness.say("/subscribe", chat_id=GROUP, user_id=1087968824, sender_chat=chat)
    assert [c.method for c in calls] == ["sendMessage"]  # no getChatMember: it is the group itself
    assert "sub:k:all" in buttons(calls[0])


async def test_anyone_in_a_group_can_see_its_subscription(
    harness: Harness, members: dict[tuple[int, int], str]
) -> None:
    await rt(harness).subscriptions.subscribe(GROUP, "supergroup", "town_days", "ru", actor_id=ADMIN)
    (mine,) = [
        c
        for c in await harness.say("/mysubscriptions", chat_id=GROUP, user_id=MEMBER)
        if c.method == "sendMessage"
    ]
    assert "Дни города" in mine.params["text"]
