"""Who may use the staff commands and buttons, and where staff data may be shown
(bot/handlers/staff_gate.py), through the visit register's commands and buttons.
"""

from __future__ import annotations

from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.visits.conftest import (
    GROUP,
    PRIVATE_ONLY_EN,
    PRIVATE_ONLY_RU,
    RESIDENT,
    bot,
    buttons,
    card_button,
    form_id,
    office_chat,
    press,
    record,
    rt,
    staff,
    texts,
)

__all__ = ["bot"]  # the fixture, imported for these tests


async def test_residents_are_refused_politely_and_nothing_is_written(bot: Harness) -> None:
    for command in (
        "/visit",
        "/visit Нарва; 05.06.2024; приезд; молодёжная; 5; лагерь",
        "/visits",
        "/history 1",
    ):
        calls = await bot.say(command, chat_id=RESIDENT)
        assert "для сотрудников отдела международных связей" in texts(calls), command
    # in the language of what was typed
    assert "staff of the international-relations office" in texts(
        await bot.say("/visits Narva", chat_id=RESIDENT)
    )
    assert await rt(bot).visits.count() == 0
    visit_id = await record(bot)
    # a resident pressing a (forwarded or forged) card button gets an alert, and nothing changes
    calls = await bot.press(f"vc:{visit_id}:1:dy", chat_id=RESIDENT)
    assert [c.method for c in calls] == ["answerCallbackQuery"] and calls[0].params["show_alert"] is True
    assert not (await rt(bot).visits.get(visit_id)).deleted  # type: ignore[union-attr]


async def test_anonymous_group_admins_are_not_staff(bot: Harness) -> None:
    calls = await bot.say(
        "/visit",
        chat_id=GROUP,
        user_id=ADMIN_ID,
        sender_chat={"id": GROUP, "type": "supergroup", "title": "G"},
    )
    # the shared staff-only refusal, in its version for messages sent on behalf of a chat
    assert "анонимные администраторы" in texts(calls)
    assert await rt(bot).visits.count() == 0


async def test_staff_added_in_chat_may_record(bot: Harness) -> None:
    await rt(bot).staff.add(777, "Борис", ADMIN_ID)
    calls = await bot.say("/visit Raisio; 5 June 2024; out; sports; 20; Football", chat_id=777)
    assert "Visit #1 recorded" in texts(calls) or "Визит #1 записан" in texts(calls)


async def test_the_register_stays_out_of_public_groups(bot: Harness) -> None:
    """Staff asking in a group (residents may be in it) get a pointer to the private chat, nothing else."""
    visit_id = await record(bot, purpose="Визит мэра", notes="секрет")
    before = await rt(bot).visits.count()
    for command in (
        "/visits",
        "/visits Нарва 2024",
        f"/history {visit_id}",
        "/visit",
        "/visit Нарва",
        "/visit Нарва; 05.06.2024; приезд; молодёжная; 5; Публичный лагерь",
        "/staff",
        "/staff list",
    ):
        calls = await staff(bot, command, GROUP)
        assert [call.method for call in calls] == ["sendMessage"], command
        text = texts(calls)
        assert PRIVATE_ONLY_RU in text and "@" in text, command
        assert "секрет" not in text and "Визит мэра" not in text and f"#{visit_id}" not in text, command
        assert buttons(calls) == [], command
    assert await rt(bot).visits.count() == before  # the one-line record was not written
    # in the chat's language (staff commands never follow the script of the arguments)
    assert PRIVATE_ONLY_RU in texts(await staff(bot, "/visits Narva", GROUP))
    await rt(bot).preferences.set_language(GROUP, "en")
    assert PRIVATE_ONLY_EN in texts(await staff(bot, "/visits Нарва", GROUP))
    await rt(bot).preferences.set_language(GROUP, "ru")
    # no form was opened: a text in the group is not taken for a form answer
    assert "шаг" not in texts(await staff(bot, "05.06.2024", GROUP))
    # buttons of a card or a list (forwarded, or shown before) answer with an alert and show nothing
    for data in (f"vc:{visit_id}:1:o", f"vc:{visit_id}:1:h", f"vc:{visit_id}:1:ef:notes", "vl:1:1:-:-"):
        calls = await press(bot, data, GROUP)
        assert [call.method for call in calls] == ["answerCallbackQuery"], data
        assert PRIVATE_ONLY_RU in calls[0].params["text"] and calls[0].params["show_alert"] is True
        assert "<" not in calls[0].params["text"]  # plain text: an alert shows no HTML
    # residents are refused as before, before any word about private chats
    calls = await bot.say("/visits", chat_id=GROUP, user_id=RESIDENT)
    assert "для сотрудников" in texts(calls) and PRIVATE_ONLY_RU not in texts(calls)


async def test_the_staff_chat_sees_the_register_and_its_notes(bot: Harness) -> None:
    office_chat(bot, GROUP)
    visit_id = await record(bot, notes="секрет")
    assert f"#{visit_id}" in texts(await staff(bot, "/visits", GROUP))
    assert "секрет" in texts(await staff(bot, f"/history {visit_id}", GROUP))
    opened = await press(bot, f"vc:{visit_id}:1:o", GROUP)
    assert "секрет" in texts(opened)
    card = await staff(bot, "/visit Нарвик; 06.06.2024; in; official; 3; Переговоры", GROUP)
    assert "записан" in texts(card) and card_button(card, "e").startswith("vc:")
    # a form opened in the staff chat is closed when that chat stops being the staff chat
    form_id(await staff(bot, "/visit", GROUP))
    office_chat(bot, 0)
    calls = await staff(bot, "Нарва", GROUP)
    assert PRIVATE_ONLY_RU in texts(calls)
    assert "шаг" not in texts(await staff(bot, "Нарва", GROUP))
