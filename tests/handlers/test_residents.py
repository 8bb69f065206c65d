import asyncio
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ConversationHandler, TypeHandler

from bot.app import MENU_COMMANDS, settle
from bot.handlers import dedup, fallback, inline, residents, visits
from bot.locale import catalogue
from tests.handlers.conftest import ADMIN_ID, Harness


async def test_start_greets_in_russian_with_keyboard(harness: Harness) -> None:
    calls = await harness.say("/start")
    assert len(calls) == 1
    params = calls[0].params
    assert "Кингисеппского района" in params["text"]
    labels = [button["text"] for row in params["reply_markup"]["keyboard"] for button in row]
    assert "Города в Эстонии" in labels


async def test_keyboard_questions_are_answered(harness: Harness) -> None:
    (estonia,) = await harness.texts("Города в Эстонии")
    for name in ("Нарва", "Йыхви", "Кохтла-Ярве", "Нарва-Йыэсуу"):
        assert name in estonia
    assert "Засниц" not in estonia
    (oldest,) = await harness.texts("Самое давнее партнёрство")
    assert "Нарвик" in oldest and "1972" in oldest


async def test_start_in_group_has_no_reply_keyboard(harness: Harness) -> None:
    (call,) = await harness.say("/start", chat_id=-100500, user_id=11)
    assert "reply_markup" not in call.params
    assert call.params["chat_id"] == -100500


async def test_menu_is_registered_in_both_languages(harness: Harness) -> None:
    registered = harness.calls("setMyCommands")
    languages = sorted(str(call.params.get("language_code", "")) for call in registered)
    assert languages == ["", "en", "ru"]
    for call in registered:
        commands = [command["command"] for command in call.params["commands"]]
        # the residents' commands first; later features add theirs (bot.app.MENU_COMMANDS), /lang last
        assert commands[:4] == ["start", "help", "towns", "town"] and commands[-1] == "lang"
        assert commands == list(MENU_COMMANDS)


async def test_towns_lists_nine_partners_with_buttons(harness: Harness) -> None:
    (call,) = await harness.say("/towns")
    assert "(9 городов)" in call.params["text"]
    data = [
        button["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for button in row
    ]
    assert "card:narvik" in data and len(data) == 9
    assert "card:kingisepp" not in data


async def test_card_button_sends_the_card(harness: Harness) -> None:
    calls = await harness.press("card:raisio")
    answered = [call for call in calls if call.method == "answerCallbackQuery"]
    sent = [call for call in calls if call.method == "sendMessage"]
    assert len(answered) == 1 and "text" not in answered[0].params
    assert "Райсио" in sent[0].params["text"] and "1975" in sent[0].params["text"]


async def test_forged_card_button_is_refused_politely(harness: Harness) -> None:
    calls = await harness.press("card:../../etc/passwd")
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    assert "устарела" in calls[0].params["text"]


async def test_town_command(harness: Harness) -> None:
    (card,) = await harness.texts("/town Нарвой")
    assert "Нарва" in card and "24 км" in card
    (usage,) = await harness.texts("/town")
    assert "/town Нарва" in usage
    (missing,) = await harness.texts("/town Атлантида")
    assert "Атлантида" in missing and "/towns" in missing


async def test_town_not_found_says_so_once_with_suggestions(harness: Harness) -> None:
    (missing,) = await harness.say("/town москва")
    text = missing.params["text"]
    assert text.startswith("Не знаю города «москва».")
    assert "Не нашёл ответа" not in text  # not a second "not found" sentence
    assert text.count("Не знаю") == 1 and text.rstrip().endswith("справка — /help.")
    (typo,) = await harness.say("/town Нарвакк")
    text = typo.params["text"]
    assert text.count("Не знаю") == 1 and "Может быть, вы имели в виду:" in text and "• Нарв" in text
    assert typo.params["reply_markup"]["inline_keyboard"]  # the suggestions as card buttons


async def test_free_text_language_follows_the_script(harness: Harness) -> None:
    (ru,) = await harness.texts("С какого года дружим с Нарвой?")
    assert "2000" in ru and "соглашение о сотрудничестве" in ru
    (en,) = await harness.texts("how far is Raisio")
    assert "380 km" in en


async def test_html_specials_are_escaped(harness: Harness) -> None:
    (reply,) = await harness.texts("/town <b>&Narva*_[")
    assert "<b>&" not in reply.replace("<b>Narva</b>", "")
    (reply,) = await harness.texts("<script>alert(1)</script> & co")
    assert "<script>" not in reply


async def test_long_text_gets_a_limit_message(harness: Harness) -> None:
    (reply,) = await harness.texts("Нарва " * 682)
    assert "слишком длинное" in reply


async def test_sticker_in_private_gets_a_hint_and_in_group_silence(harness: Harness) -> None:
    sticker = {
        "file_id": "CAAC",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    calls = await harness.feed({"message": harness.message(None, 10, sticker=sticker)})
    assert len(calls) == 1 and "только текст" in calls[0].params["text"]
    calls = await harness.feed({"message": harness.message(None, -100500, user_id=11, sticker=sticker)})
    assert calls == []


async def test_group_messages_need_addressing(harness: Harness) -> None:
    assert await harness.say("где Нарвик", chat_id=-100500, user_id=11) == []
    (call,) = await harness.say("@twin_towns_console_bot где Нарвик", chat_id=-100500, user_id=11)
    assert "Нарвик" in call.params["text"]
    quoted = call.params.get("reply_parameters", {})
    assert quoted.get("message_id")  # quotes the question in a group
    # ...and is still sent if the question was deleted meanwhile
    assert quoted.get("allow_sending_without_reply") is True
    (private,) = await harness.say("где Нарвик", chat_id=11, user_id=11)
    assert "reply_parameters" not in private.params  # no quote in a private chat


async def test_unknown_command(harness: Harness) -> None:
    (reply,) = await harness.texts("/foo bar")
    assert "/help" in reply
    assert await harness.say("/foo", chat_id=-100500, user_id=11) == []


async def test_same_update_twice_is_answered_once(harness: Harness) -> None:
    payload = {"update_id": 777, "message": harness.message("Нарва")}
    first = await harness.feed(dict(payload))
    second = await harness.feed(dict(payload))
    assert len(first) == 1 and second == []


async def test_edited_message_is_answered(harness: Harness) -> None:
    calls = await harness.feed({"edited_message": {**harness.message("Нарвик"), "edit_date": 1}})
    assert len(calls) == 1 and "Нарвик" in calls[0].params["text"]


async def test_the_same_update_twice_before_the_first_is_answered_is_dropped(harness: Harness) -> None:
    """The residents' handlers run concurrently; the duplicate filter (group -100) still runs first."""
    payload = {"update_id": 778, "message": harness.message("Нарва")}
    start = len(harness.request.calls)
    for _ in range(2):
        await harness.app.process_update(Update.de_json(dict(payload), harness.app.bot))
    await settle(harness.app)
    assert len(harness.calls("sendMessage", since=start)) == 1


def test_residents_handlers_do_not_block_but_the_filter_and_the_visit_form_do() -> None:
    for module in (residents, inline, fallback):
        for _group, handler in module.handlers():
            assert handler.block is False, handler
    ((group, dedup_handler),) = dedup.handlers()
    assert group < 0 and isinstance(dedup_handler, TypeHandler) and dedup_handler.block
    forms = [handler for _, handler in visits.handlers() if isinstance(handler, ConversationHandler)]
    assert forms and all(form.block for form in forms)


async def test_a_slow_chat_does_not_hold_up_the_others(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy group waiting for its rate-limit window (here: a send that hangs) while a private chat asks."""
    busy, other = -100_777, 20
    gate, other_answered = asyncio.Event(), asyncio.Event()
    original = harness.request.do_request

    async def do_request(url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        chat = request_data.parameters.get("chat_id") if request_data else None
        if url.endswith("/sendMessage") and chat == busy:
            await gate.wait()
        answer = await original(url, method, request_data, *args, **kwargs)
        if chat == other:
            other_answered.set()
        return answer

    monkeypatch.setattr(harness.request, "do_request", do_request)
    for chat_id, text in ((busy, "/towns"), (other, "/towns")):
        update = {"update_id": next(harness.update_ids), "message": harness.message(text, chat_id=chat_id)}
        # with blocking handlers the first of these would wait for the gate
        await asyncio.wait_for(harness.app.process_update(Update.de_json(update, harness.app.bot)), 5)
    await asyncio.wait_for(other_answered.wait(), timeout=5)
    assert [call.params["chat_id"] for call in harness.calls("sendMessage")] == [other]
    gate.set()
    await settle(harness.app)
    assert [call.params["chat_id"] for call in harness.calls("sendMessage")] == [other, busy]


async def test_help_lists_staff_commands_to_staff_where_staff_data_may_be_shown(harness: Harness) -> None:
    staff_commands = ("/visit ", "/visits", "/history", "/export", "/stats", "/staff", "/townday")
    staff_commands += ("/events", "/agreement")
    (resident,) = await harness.texts("/help", chat_id=10)
    assert "/towns" in resident and "Для сотрудников" not in resident and "/export" not in resident

    (admin,) = await harness.texts("/help", chat_id=ADMIN_ID)  # an admin, in the private chat
    assert admin.startswith(resident.split("\n")[0]) and "/towns" in admin
    assert "Для сотрудников" in admin and all(command in admin for command in staff_commands)

    # a group may have residents in it: no staff section there, even for an admin
    (group,) = await harness.texts("/help", chat_id=-100500, user_id=ADMIN_ID)
    assert "/towns" in group and "Для сотрудников" not in group

    await harness.texts("/lang", chat_id=ADMIN_ID)  # and in English
    await harness.press("lang:en", chat_id=ADMIN_ID)
    (english,) = await harness.texts("/help", chat_id=ADMIN_ID)
    assert "For staff" in english and "/agreement" in english


def test_help_staff_section_in_both_languages() -> None:
    texts = catalogue()
    for lang in ("ru", "en"):
        section = texts.text(lang, "help.staff")
        for command in ("visit", "visits", "history", "export", "stats", "staff", "townday", "events"):
            assert f"/{command} " in section, (lang, command)
        assert "/agreement" in section
