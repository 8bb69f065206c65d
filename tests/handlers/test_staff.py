"""/staff: admins add staff by id, by reply and by forward; staff list; everyone else is refused."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from msgspec.structs import replace

from bot.runtime import Runtime
from tests.handlers.conftest import ADMIN_ID, Harness

RESIDENT = 10
GROUP = -100_500


def rt(harness: Harness) -> Runtime:
    runtime: Runtime = harness.app.bot_data["runtime"]
    return runtime


def person(user_id: int, first: str = "Olga", last: str | None = "Ivanova") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first}
    if last:
        user["last_name"] = last
    return user


def texts(calls: list[Any]) -> list[str]:
    return [str(call.params.get("text")) for call in calls if call.method == "sendMessage"]


async def test_admin_adds_staff_by_id_and_lists_them(harness: Harness) -> None:
    (reply,) = texts(await harness.say("/staff add 12345 Ольга <Петрова>", chat_id=ADMIN_ID))
    assert "Ольга &lt;Петрова&gt;" in reply and "12345" in reply and "сотрудник" in reply
    assert await rt(harness).staff.contains(12345)
    (again,) = texts(await harness.say("/staff add 12345", chat_id=ADMIN_ID))
    assert "уже сотрудник" in again
    (unnamed,) = texts(await harness.say("/staff add 2002", chat_id=ADMIN_ID))
    assert unnamed == "✅ id <code>2002</code> теперь сотрудник."  # not "2002 (id 2002)"
    (listing,) = texts(await harness.say("/staff list", chat_id=ADMIN_ID))
    # the admin's name is remembered from acting (table people): "Anna (900)", never "id 900" alone
    assert f"• Anna (<code>{ADMIN_ID}</code>) — администратор (из файла настроек)" in listing
    # the day of the bot's clock (the harness stands at 26 November 2026), not of the machine's
    assert "• Ольга &lt;Петрова&gt; (<code>12345</code>) — добавил(а) Anna (900), 26 ноября 2026" in listing
    assert "• <code>2002</code> — добавил(а)" in listing and "  " not in listing
    assert listing.count("Сотрудники") == 1
    assert "/staff add" in listing  # admins see how to manage the list
    history = await rt(harness).audit.history("staff", 12345)
    assert [entry.action for entry in history] == ["create"] and history[0].actor_id == ADMIN_ID


async def test_admin_adds_staff_by_replying_to_their_message(harness: Harness) -> None:
    original = harness.message("I am the new colleague", chat_id=GROUP, user_id=4242)
    original["from"] = person(4242, "Pavel", "Smirnov")
    calls = await harness.say("/staff add", chat_id=GROUP, user_id=ADMIN_ID, reply_to_message=original)
    (reply,) = texts(calls)
    assert "Pavel Smirnov" in reply and "4242" in reply
    assert await rt(harness).staff.contains(4242)
    (member,) = await rt(harness).staff.all()
    assert (member.name, member.added_by) == ("Pavel Smirnov", ADMIN_ID)


async def test_admin_adds_staff_by_forwarding_their_message(harness: Harness) -> None:
    origin = {"type": "user", "date": int(time.time()), "sender_user": person(5151, "Irina", None)}
    forward = harness.message("Когда приезжает делегация?", chat_id=ADMIN_ID, forward_origin=origin)
    calls = await harness.feed({"message": forward})
    # the bot offers to add the person instead of answering the forwarded text as a question
    assert [call.method for call in calls] == ["sendMessage"]
    assert "Irina" in calls[0].params["text"] and "5151" in calls[0].params["text"]
    buttons = calls[0].params["reply_markup"]["inline_keyboard"]
    assert buttons[0][0]["callback_data"] == "staff:add:5151"
    (reply,) = texts(await harness.say("/staff add", chat_id=ADMIN_ID, reply_to_message=forward))
    assert "Irina" in reply and "теперь сотрудник" in reply
    (member,) = await rt(harness).staff.all()
    assert (member.user_id, member.name) == (5151, "Irina")


async def test_the_forward_button_adds_and_checks_the_presser(harness: Harness) -> None:
    origin = {"type": "user", "date": int(time.time()), "sender_user": person(6161, "Oleg", None)}
    await harness.feed({"message": harness.message("hello", chat_id=ADMIN_ID, forward_origin=origin)})
    # a resident pressing a (forwarded or forged) button is refused, nothing is written
    refused = await harness.press("staff:add:6161", chat_id=RESIDENT)
    assert [call.method for call in refused] == ["answerCallbackQuery"]
    assert refused[0].params.get("show_alert") is True
    assert not await rt(harness).staff.contains(6161)
    calls = await harness.press("staff:add:6161", chat_id=ADMIN_ID)
    assert [call.method for call in calls] == ["answerCallbackQuery", "sendMessage"]
    assert "Oleg" in calls[1].params["text"]
    assert await rt(harness).staff.contains(6161)
    for data in (
        "staff:add:abc",
        "staff:add:0",
        "staff:add:06161",
        "staff:add:-6161",
        f"staff:add:{'9' * 50}",
    ):
        forged = await harness.press(data, chat_id=ADMIN_ID)
        assert [call.method for call in forged] == ["answerCallbackQuery"], data
    assert [member.user_id for member in await rt(harness).staff.all()] == [6161]


async def test_hidden_and_channel_forwards_are_explained(harness: Harness) -> None:
    hidden = {"type": "hidden_user", "date": int(time.time()), "sender_user_name": "Secret Person"}
    forward = harness.message("hi", chat_id=ADMIN_ID, forward_origin=hidden)
    (hint,) = texts(await harness.feed({"message": forward}))
    assert "скрывает свой аккаунт" in hint
    (reply,) = texts(await harness.say("/staff add", chat_id=ADMIN_ID, reply_to_message=forward))
    assert "скрывает свой аккаунт" in reply
    channel = {
        "type": "channel",
        "date": int(time.time()),
        "chat": {"id": -1001, "type": "channel", "title": "News"},
        "message_id": 7,
    }
    post = harness.message("news", chat_id=ADMIN_ID, forward_origin=channel)
    (reply,) = texts(await harness.say("/staff add", chat_id=ADMIN_ID, reply_to_message=post))
    assert "чата или канала" in reply
    assert await rt(harness).staff.all() == []


async def test_bad_targets(harness: Harness) -> None:
    (no_target,) = texts(await harness.say("/staff add", chat_id=ADMIN_ID))
    assert "Кого добавить?" in no_target
    (bad,) = texts(await harness.say("/staff add @olga", chat_id=ADMIN_ID))
    assert "Не понимаю id «@olga»" in bad
    (huge,) = texts(await harness.say("/staff add 99999999999999999999", chat_id=ADMIN_ID))
    assert "Не понимаю id" in huge
    bot_message = harness.message("beep", chat_id=GROUP, user_id=77)
    bot_message["from"] = {"id": 77, "is_bot": True, "first_name": "Robot"}
    (robot,) = texts(
        await harness.say("/staff add", chat_id=GROUP, user_id=ADMIN_ID, reply_to_message=bot_message)
    )
    assert "Боты не могут" in robot
    (admin,) = texts(await harness.say(f"/staff add {ADMIN_ID}", chat_id=ADMIN_ID))
    assert "администратор бота" in admin
    topic = harness.message(
        chat_id=GROUP, user_id=4242, forum_topic_created={"name": "Visits", "icon_color": 7322096}
    )
    calls = await harness.say(
        "/staff add",
        chat_id=GROUP,
        user_id=ADMIN_ID,
        reply_to_message=topic,
        message_thread_id=5,
        is_topic_message=True,
    )
    assert "Кого добавить?" in texts(calls)[0]  # a message in a topic is not a reply to its creator
    (unknown,) = texts(await harness.say("/staff promote 5", chat_id=ADMIN_ID))
    assert "«promote»" in unknown
    assert await rt(harness).staff.all() == []


async def test_admin_removes_staff(harness: Harness) -> None:
    await harness.say("/staff add 12345", chat_id=ADMIN_ID)
    (removed,) = texts(await harness.say("/staff remove 12345", chat_id=ADMIN_ID))
    assert "больше не сотрудник" in removed
    assert not await rt(harness).staff.contains(12345)
    (missing,) = texts(await harness.say("/staff remove 12345", chat_id=ADMIN_ID))
    assert "нет среди сотрудников" in missing
    (config,) = texts(await harness.say(f"/staff удалить {ADMIN_ID}", chat_id=ADMIN_ID))
    assert "файле настроек" in config
    (nobody,) = texts(await harness.say("/staff remove", chat_id=ADMIN_ID))
    assert "Кого удалить?" in nobody
    actions = [entry.action for entry in await rt(harness).audit.history("staff", 12345)]
    assert actions == ["delete", "create"]


async def test_staff_may_list_but_not_add(harness: Harness) -> None:
    await harness.say("/staff add 12345 Olga", chat_id=ADMIN_ID)
    (listing,) = texts(await harness.say("/staff", chat_id=12345))
    assert "Olga" in listing and "/staff add" not in listing
    (refused,) = texts(await harness.say("/staff add 777", chat_id=12345))
    assert "только администраторы" in refused
    (refused,) = texts(await harness.say("/staff remove 12345", chat_id=12345))
    assert "только администраторы" in refused
    assert [member.user_id for member in await rt(harness).staff.all()] == [12345]


@pytest.mark.parametrize("command", ["/staff", "/staff list", "/staff add 10", "/staff remove 900"])
async def test_residents_are_refused_politely_and_logged(
    harness: Harness, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.access"):
        (reply,) = texts(await harness.say(command, chat_id=RESIDENT))
    assert "только для сотрудников" in reply
    assert any("refused" in record.getMessage() for record in caplog.records)
    assert await rt(harness).staff.all() == []


async def test_refusal_speaks_english_after_lang(harness: Harness) -> None:
    await harness.press("lang:en", chat_id=RESIDENT)
    (reply,) = texts(await harness.say("/staff", chat_id=RESIDENT))
    assert "only for the staff" in reply


async def test_anonymous_admins_and_channels_are_not_staff(harness: Harness) -> None:
    anonymous = {"id": GROUP, "type": "supergroup", "title": "Office"}
    calls = await harness.say(
        "/staff add 12345",
        chat_id=GROUP,
        user_id=1087968824,  # GroupAnonymousBot
        sender_chat=anonymous,
    )
    (reply,) = texts(calls)
    assert "личного аккаунта" in reply
    # even when the id behind it were an admin's: a message on behalf of a chat is never staff
    calls = await harness.say("/export", chat_id=GROUP, user_id=ADMIN_ID, sender_chat=anonymous)
    assert "личного аккаунта" in texts(calls)[0]
    assert await rt(harness).staff.all() == []


async def test_forwards_from_residents_are_still_answered_as_questions(harness: Harness) -> None:
    origin = {"type": "user", "date": int(time.time()), "sender_user": person(5151, "Irina", None)}
    forward = harness.message("Нарва", chat_id=RESIDENT, forward_origin=origin)
    (answer,) = texts(await harness.feed({"message": forward}))
    assert "Нарва" in answer and "staff" not in answer


async def test_the_staff_list_stays_out_of_public_groups(harness: Harness) -> None:
    await harness.say("/staff add 12345 Olga", chat_id=ADMIN_ID)
    for command in ("/staff", "/staff list"):
        (reply,) = texts(await harness.say(command, chat_id=GROUP, user_id=ADMIN_ID))
        assert "только в личном чате со мной" in reply and "Olga" not in reply and "12345" not in reply
    # the office's staff chat may see it
    runtime = rt(harness)
    reminders = replace(runtime.settings.reminders, staff_chat=GROUP)
    runtime.settings = replace(runtime.settings, reminders=reminders)
    (listing,) = texts(await harness.say("/staff list", chat_id=GROUP, user_id=ADMIN_ID))
    assert "Olga" in listing and "12345" in listing


async def test_alerts_are_plain_text() -> None:
    """answerCallbackQuery shows no HTML: a catalogue text loses its tags and entities, within 200."""
    from bot.handlers.chat import alert

    answered: list[dict[str, Any]] = []

    class Query:
        async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
            answered.append({"text": text, "show_alert": show_alert})

    await alert(Query(), "<b>Визит</b> «Tom &amp; Jerry» &lt;3 " + "x" * 300, show_alert=True)  # type: ignore[arg-type]
    await alert(Query())  # type: ignore[arg-type]
    assert answered[0]["text"].startswith("Визит «Tom & Jerry» <3 x") and len(answered[0]["text"]) == 200
    assert answered[0]["show_alert"] is True and answered[1] == {"text": None, "show_alert": False}


async def test_the_staff_list_shows_local_dates_in_the_language(harness: Harness) -> None:
    await harness.say("/staff add 12345 Olga", chat_id=ADMIN_ID)
    await harness.press("lang:en", chat_id=ADMIN_ID)
    (listing,) = texts(await harness.say("/staff list", chat_id=ADMIN_ID))
    assert re.search(
        r"Olga \(<code>12345</code>\) — added by Anna \(900\), \d{1,2} [A-Z][a-z]+ \d{4}", listing
    )
