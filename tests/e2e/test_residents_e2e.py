"""The residents' side end to end: the real bot process against the spec-validating fake Bot API.

Most tests share one process (module-scoped `bot`, checked after each test by `clean`); each test
talks in its own chats. The lifecycle tests start their own processes.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import pytest

from bot.app import MENU_COMMANDS

from .conftest import (
    ADMIN_ID,
    BOT_USERNAME,
    RunningBot,
    finish,
    message_update,
)
from .fake_bot_api import FakeBotApi

pytestmark = pytest.mark.e2e

MENU = list(MENU_COMMANDS)
PARTNER_KEYS = {
    "narvik",
    "raisio",
    "narva_joesuu",
    "johvi",
    "kohtla_jarve",
    "narva",
    "renhuai",
    "sassnitz",
    "svetlahorsk",
}


def buttons(message: dict[str, Any]) -> list[str]:
    return [button["callback_data"] for button in FakeBotApi.inline_buttons(message)]


def raw_html(message: dict[str, Any]) -> str:
    return str(message["_params"]["text"])


# ---- start-up --------------------------------------------------------------------------------------


def test_menu_commands_are_set_for_every_language(clean: RunningBot) -> None:
    server = clean.server
    for language in ("", "ru", "en"):
        commands = server.commands(language_code=language)
        assert [c["command"] for c in commands] == MENU, (language, commands)
        assert all(c["description"].strip() for c in commands)
    towns = {c["command"]: c["description"] for c in server.commands(language_code="ru")}["towns"]
    assert towns == "Все города-партнёры"
    towns = {c["command"]: c["description"] for c in server.commands(language_code="en")}["towns"]
    assert towns == "All partner towns"
    # the default scope speaks the configured default language
    assert server.commands() == server.commands(language_code="ru")


# ---- private chat: commands and the reply keyboard -------------------------------------------------


def test_start_greets_in_russian_with_the_reply_keyboard(clean: RunningBot) -> None:
    chat = 1001
    reply = clean.reply(chat, "/start")
    assert reply["text"].startswith("Здравствуйте, User1001!")
    assert "Кингисеппского района" in reply["text"]
    keyboard = reply["_params"]["reply_markup"]["keyboard"]
    labels = [button["text"] for row in keyboard for button in row]
    assert labels[:3] == ["Все города-партнёры", "Города в Эстонии", "Самое давнее партнёрство"]

    towns = clean.reply(chat, "Все города-партнёры")
    assert "(9 городов)" in towns["text"]
    assert set(buttons(towns)) == {f"card:{key}" for key in PARTNER_KEYS}

    estonia = clean.reply(chat, "Города в Эстонии")
    assert "(4 города)" in estonia["text"]
    for name in ("Нарва-Йыэсуу", "Йыхви", "Кохтла-Ярве", "Нарва"):
        assert name in estonia["text"]
    assert "Нарвик" not in estonia["text"]
    assert set(buttons(estonia)) == {"card:narva_joesuu", "card:johvi", "card:kohtla_jarve", "card:narva"}

    oldest = clean.ask(chat, "Самое давнее партнёрство")
    assert "Нарвик" in oldest and "1972" in oldest


def test_start_escapes_the_users_name(clean: RunningBot) -> None:
    chat = 1008
    clean.server.add_user(chat, first_name="<Tom & Jerry>")
    reply = clean.reply(chat, "/start")
    assert reply["text"].startswith("Здравствуйте, <Tom & Jerry>!")
    assert raw_html(reply).startswith("Здравствуйте, &lt;Tom &amp; Jerry&gt;!")


def test_help_lists_commands_and_the_bot_username(clean: RunningBot) -> None:
    text = clean.ask(1002, "/help")
    for command in ("/towns", "/town", "/lang"):
        assert command in text
    assert f"@{BOT_USERNAME}" in text


def test_towns_buttons_open_town_cards(clean: RunningBot) -> None:
    chat = 1003
    listing = clean.reply(chat, "/towns")
    assert "(9 городов)" in listing["text"]
    assert len(listing["text"].splitlines()) >= 11  # header, 9 towns, footer
    assert "card:narvik" in buttons(listing)

    sent = len(clean.server.sent_messages(chat))
    answer = clean.callback(chat, chat, "card:narvik", listing["message_id"])
    assert "text" not in answer  # the button stops spinning, no toast
    card = clean.server.wait_for_messages(chat, sent + 1)[-1]
    assert card["text"].startswith("🇳🇴 Нарвик\n")
    assert "1972" in card["text"]
    assert clean.shown(chat, listing["message_id"]) == listing["text"]  # list kept


def test_town_command(clean: RunningBot) -> None:
    chat = 1004
    card = clean.ask(chat, "/town Нарва")
    assert card.startswith("🇪🇪 Нарва\n")
    assert "2000" in card and "Ида-Вирумаа" in card

    usage = clean.ask(chat, "/town")
    assert "/town Нарва" in usage

    unknown = clean.ask(chat, "/town unknownplace")
    assert "unknownplace" in unknown
    assert "/towns" in unknown

    suggested = clean.reply(chat, "/town Нарвиксбург")
    assert "«Нарвиксбург»" in suggested["text"]  # not found, but
    assert "• Нарвик" in suggested["text"]  # a suggestion, with its button
    assert "card:narvik" in buttons(suggested)


# ---- free-text questions ---------------------------------------------------------------------------


def test_free_text_questions_in_russian_and_english(clean: RunningBot) -> None:
    chat = 1005
    since = clean.ask(chat, "С какого года дружим с Нарвой?")
    assert "Нарва" in since and "2000" in since

    far = clean.ask(chat, "how far is Raisio")
    assert far.startswith("🇫🇮 Raisio") and "380 km" in far and "Finland" in far  # in English

    typo = clean.ask(chat, "Sassnits")
    assert typo.startswith("🇩🇪 Sassnitz")

    estonia = clean.ask(chat, "Какие города в Эстонии?")
    assert "(4 города)" in estonia and "Нарва" in estonia

    signed = clean.ask(chat, "what was signed in 2000")
    assert "Partnerships that began in 2000" in signed  # year-precision agreements
    assert "Narva" in signed and "Kohtla-Järve" in signed


def test_a_button_answers_in_the_language_of_its_message(clean: RunningBot) -> None:
    chat = 1007
    signed = clean.reply(chat, "what was signed in 2000")
    assert "card:narva" in buttons(signed)
    [card] = clean.push_and_wait(
        chat, lambda: clean.server.push_callback(chat, chat, "card:narva", signed["message_id"])
    )
    assert card["text"].startswith("🇪🇪 Narva\n"), card["text"]


def test_sentences_start_with_a_capital_letter(clean: RunningBot) -> None:
    """Composed answers must not glue a lower-case sentence after a full stop."""
    answer = clean.ask(1006, "С какого года дружим с Нарвой?")
    assert ". в " not in answer, answer


# ---- /lang -----------------------------------------------------------------------------------------


def test_lang_switches_the_answer_language_and_back(clean: RunningBot) -> None:
    chat = 1010
    assert clean.ask(chat, "🙂🙂").startswith("Напишите вопрос")

    prompt = clean.reply(chat, "/lang")
    assert set(buttons(prompt)) == {"lang:ru", "lang:en"}
    clean.callback(chat, chat, "lang:en", prompt["message_id"])
    clean.settle()
    assert clean.shown(chat, prompt["message_id"]) == "Done: I will answer in English."

    assert clean.ask(chat, "🙂🙂").startswith("Type a question")
    # digits only: the chosen language
    assert clean.ask(chat, "1972").startswith("Partnerships that began in 1972")
    assert "What I can do" in clean.ask(chat, "/help")
    # the script of a question still wins over the chosen language
    assert "Нарва" in clean.ask(chat, "где Нарва")

    prompt = clean.reply(chat, "/lang")
    assert prompt["text"] == "Choose the answer language:"
    clean.callback(chat, chat, "lang:ru", prompt["message_id"])
    clean.settle()
    assert clean.shown(chat, prompt["message_id"]) == "Готово: отвечаю по-русски."
    assert clean.ask(chat, "🙂🙂").startswith("Напишите вопрос")


def test_lang_button_pressed_twice(clean: RunningBot) -> None:
    """A double tap delivers two callback queries for one message: both answered, no API error."""
    chat = 1011
    prompt = clean.reply(chat, "/lang")
    first = clean.server.push_callback(chat, chat, "lang:en", prompt["message_id"])
    second = clean.server.push_callback(chat, chat, "lang:en", prompt["message_id"], check_button=False)
    clean.answer_to(first)
    clean.answer_to(second)
    clean.settle()
    assert clean.server.sent_texts(chat)[-1] == "Done: I will answer in English."


# ---- groups ----------------------------------------------------------------------------------------


def test_group_answers_only_what_is_addressed_to_the_bot(clean: RunningBot) -> None:
    group, user = -100_500_001, 3001
    server = clean.server

    def say(text: str, **kwargs: Any) -> dict[str, Any]:
        return server.push_message(group, text, user_id=user, chat_type="supergroup", **kwargs)

    clean.assert_silent(lambda: say("Кто-нибудь едет в Нарву в субботу?"))
    clean.assert_silent(lambda: say("/foo"))
    clean.assert_silent(lambda: say("/towns@some_other_bot"))

    clean.assert_silent(lambda: say(f"@{BOT_USERNAME}_fans где Нарвик?"))

    mention = f"@{BOT_USERNAME}"
    entities = [{"type": "mention", "offset": 0, "length": len(mention)}]
    [answer] = clean.push_and_wait(group, lambda: say(f"{mention} где Нарвик", entities=entities))
    assert "Нарвик" in answer["text"] and "км" in answer["text"]
    assert answer["reply_to_message"]["from"]["id"] == user  # quoted: the group sees whom it answers

    [follow_up] = clean.push_and_wait(
        group, lambda: say("а сколько лет дружим с Райсио?", reply_to_message_id=answer["message_id"])
    )
    assert "Райсио" in follow_up["text"]

    [listing] = clean.push_and_wait(group, lambda: say(f"/towns@{BOT_USERNAME}"))
    assert "(9 городов)" in listing["text"]

    [unknown] = clean.push_and_wait(group, lambda: say(f"/foo@{BOT_USERNAME}"))
    assert "/help" in unknown["text"]

    # a button pressed in the group sends the card into the group
    [card] = clean.push_and_wait(
        group, lambda: server.push_callback(group, user, "card:raisio", listing["message_id"])
    )
    assert card["text"].startswith("🇫🇮 Райсио")

    # non-text messages in a group are none of the bot's business
    sticker = {
        "file_id": "CAACAgIAAxkBAAEfake",
        "file_unique_id": "AgADfake1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    clean.assert_silent(
        lambda: server.push_update(
            {"message": message_update(group, user, 900, "supergroup", sticker=sticker)}
        )
    )


# ---- inline mode -----------------------------------------------------------------------------------


def test_inline_mode(clean: RunningBot) -> None:
    user = 4001
    narva = clean.inline(user, "narva")
    ids = [result["id"] for result in narva["results"]]
    assert ids[0] == "card:narva", ids
    card = narva["results"][0]
    assert card["type"] == "article" and "Narva" in card["title"]
    assert card["input_message_content"]["message_text"].startswith("🇪🇪 <b>Narva</b>")

    everyone = clean.inline(user, "")
    assert {result["id"] for result in everyone["results"]} == {f"card:{key}" for key in PARTNER_KEYS}

    # the chosen result, posted via the bot into a chat with it, is not a question
    posted = card["input_message_content"]["message_text"]
    clean.assert_silent(lambda: clean.server.push_message(user, posted, via_bot=clean.server.bot_user))

    question = clean.inline(user, "since when narvik")
    assert question["results"][0]["id"] == "answer:since"
    assert "1972" in question["results"][0]["input_message_content"]["message_text"]
    assert "card:narvik" in [result["id"] for result in question["results"]]


def test_inline_results_follow_the_users_language_choice(clean: RunningBot) -> None:
    """Results chosen by a per-user preference must not be cached for everyone."""
    user = 4002
    prompt = clean.reply(user, "/lang")
    clean.callback(user, user, "lang:en", prompt["message_id"])
    answer = clean.inline(user, "")
    assert "Narvik" in " ".join(result["title"] for result in answer["results"])
    assert answer.get("is_personal") is True


# ---- bad input -------------------------------------------------------------------------------------


def test_emoji_and_overlong_messages_get_a_polite_answer(clean: RunningBot) -> None:
    chat = 1020
    assert clean.ask(chat, "🙂🙂").startswith("Напишите вопрос о городе-партнёре")

    long_text = ("Где находится Нарва? " * 200)[:4096]
    assert len(long_text) == 4096
    too_long = clean.ask(chat, long_text)
    assert "слишком длинное" in too_long and "4096" in too_long


def test_html_specials_are_escaped(clean: RunningBot) -> None:
    chat = 1021
    reply = clean.reply(chat, "/town <b>Таллин</b> & Co *_[")
    assert "«<b>Таллин</b> & Co *_[»" in reply["text"]  # what the user sees
    assert "&lt;b&gt;Таллин&lt;/b&gt; &amp; Co *_[" in raw_html(reply)  # what the bot sent

    reply = clean.reply(chat, "</i><a href='x'>&amp; where is Narva?")
    assert "Narva" in reply["text"]


def test_sql_looking_text_changes_nothing(clean: RunningBot) -> None:
    chat = 1022
    for text in ("'; DROP TABLE towns; --", "Narva' OR '1'='1", "/town x'); DELETE FROM towns; --"):
        assert clean.ask(chat, text)
    assert "(9 городов)" in clean.ask(chat, "/towns")


def test_non_text_messages_in_private(clean: RunningBot) -> None:
    chat = 1023
    file = {"file_id": "AgACAgIAAxkBAAEfake", "file_unique_id": "AgADfake2"}
    contents: list[dict[str, Any]] = [
        {
            "sticker": {
                **file,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🙂",
            }
        },
        {"photo": [{**file, "width": 90, "height": 90}, {**file, "width": 800, "height": 600}]},
        {"photo": [{**file, "width": 800, "height": 600}], "caption": "Нарва?"},
        {"voice": {**file, "duration": 3, "mime_type": "audio/ogg"}},
        {"location": {"latitude": 59.377, "longitude": 28.19}},
    ]
    for number, content in enumerate(contents, start=1):
        update = {"message": message_update(chat, chat, 100 + number, "private", **content)}
        [reply] = clean.push_and_wait(chat, partial(clean.server.push_update, update))
        assert reply["text"].startswith("Я понимаю только текст"), (content, reply["text"])


def test_edited_messages(clean: RunningBot) -> None:
    chat = 1024
    server = clean.server
    original = server.push_message(chat, "где Нарвак")["message"]
    clean.settle()
    edited = {**original, "text": "где Нарвик", "edit_date": original["date"] + 5}
    [answer] = clean.push_and_wait(chat, lambda: server.push_update({"edited_message": edited}))
    assert "Нарвик" in answer["text"]  # the corrected question is answered

    # a live location is a stream of edited messages: no answer to each of them
    live = message_update(
        chat, chat, 500, "private", location={"latitude": 59.37, "longitude": 28.6, "live_period": 900}
    )
    [_] = clean.push_and_wait(chat, lambda: server.push_update({"message": live}))
    for step in range(3):
        moved = {
            **live,
            "edit_date": live["date"] + 30 * (step + 1),
            "location": {**live["location"], "latitude": 59.37 + step / 1000},
        }
        clean.assert_silent(partial(server.push_update, {"edited_message": moved}))


def test_town_with_junk_arguments(clean: RunningBot) -> None:
    chat = 1025
    rng = random.Random(20240601)
    alphabet = "<>&\"'`*_[]()~#+-=|{}.!\\/@$%^;:?,абвЯЁ zqx🙂🇪🇪\u200d\u00a0"
    junk = "".join(rng.choice(alphabet) for _ in range(500))
    reply = clean.reply(chat, f"/town {junk}")
    assert reply["text"].startswith(("Не знаю города «", "I do not know a town called “")), reply["text"]
    assert len(reply["text"]) < 1000  # the query is echoed shortened
    assert "&lt;" in raw_html(reply) or "&gt;" in raw_html(reply) or "&amp;" in raw_html(reply)


def test_unknown_command(clean: RunningBot) -> None:
    assert "/help" in clean.ask(1026, "/foo")
    assert "/help" in clean.ask(1026, "/foo bar baz")


def test_forged_callback_data(clean: RunningBot) -> None:
    chat = 1027
    listing = clean.reply(chat, "/towns")
    sent = len(clean.server.sent_messages(chat))

    stale = clean.callback(chat, chat, "card:nonexistent", listing["message_id"], check_button=False)
    assert "устарела" in stale["text"]

    bad_lang = clean.callback(chat, chat, "lang:xx", listing["message_id"], check_button=False)
    assert "устарела" in bad_lang["text"]

    unknown = clean.callback(chat, chat, "zz:" + "x" * 61, listing["message_id"], check_button=False)
    assert unknown.get("text")

    clean.settle()
    assert len(clean.server.sent_messages(chat)) == sent  # nothing sent, nothing edited
    assert clean.shown(chat, listing["message_id"]) == listing["text"]
    assert clean.ask(chat, "🙂🙂").startswith("Напишите вопрос")  # the language did not change


# ---- lifecycle: own processes ----------------------------------------------------------------------


def test_sigterm_exits_cleanly_and_settings_survive_a_restart(
    fresh_server: FakeBotApi, tmp_path: Any
) -> None:
    chat = 2001
    first = RunningBot(fresh_server, tmp_path).start()
    try:
        assert fresh_server.requests_for("getMe")
        assert first.ask(chat, "🙂🙂").startswith("Напишите вопрос")
        prompt = first.reply(chat, "/lang")
        first.callback(chat, chat, "lang:en", prompt["message_id"])
        first.settle()
    finally:
        finish(first)
    assert first.database.exists()

    second = RunningBot(fresh_server, tmp_path).start()
    try:
        assert second.ask(chat, "🙂🙂").startswith("Type a question")
        assert "(9 towns)" in second.ask(chat, "/towns")  # the shipped towns were not loaded twice
        second.assert_clean_log()
    finally:
        finish(second)


def test_a_failed_send_is_reported_politely_without_leaking_the_token(
    fresh_server: FakeBotApi, tmp_path: Any
) -> None:
    chat = 2002
    running = RunningBot(fresh_server, tmp_path).start("--verbose")  # debug logs must not leak it either
    try:
        fresh_server.fail_next("sendMessage", 502, chat_id=chat)
        [reply] = running.push_and_wait(chat, lambda: fresh_server.push_message(chat, "где Нарва"))
        assert reply["text"].startswith("Что-то пошло не так")
        [report] = fresh_server.wait_for_messages(ADMIN_ID, 1)
        assert "Ошибка" in report["text"]
        assert "E2E-SECRET-TOKEN" not in report["text"]
        assert fresh_server.injected_failures == [("sendMessage", 502)]
        # the bot keeps working
        assert "Нарва" in running.ask(chat, "где Нарва")
    finally:
        finish(running)
