"""Self-tests of the spec-validating fake Telegram Bot API server (no asyncio plugin needed)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from .fake_bot_api import BOT_ID, FakeBotApi, parse_telegram_html, utf16_len

TOKEN = "123:ABC"
CHAT = 42


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def client(api: FakeBotApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{api.base_url}{TOKEN}/", timeout=10) as http:
        yield http


def call(client: httpx.Client, method: str, **params: Any) -> httpx.Response:
    """POST a JSON body, like most Bot API clients do."""
    return client.post(method, json=params)


def assert_rejected(api: FakeBotApi, response: httpx.Response, fragment: str, code: int = 400) -> None:
    """The request must be answered like Telegram rejects it and be recorded as a violation."""
    body = response.json()
    assert response.status_code == code, body
    assert body["ok"] is False and body["error_code"] == code
    assert any(fragment in v["message"] for v in api.violations), api.violations
    if code == 400:
        assert body["description"].startswith("Bad Request: ")


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


# ---- valid requests ------------------------------------------------------------------------------


def test_valid_html_send_message_returns_spec_valid_message(api: FakeBotApi, client: httpx.Client) -> None:
    text = (
        '<b>Hi</b> &amp; <i>welcome</i> to <a href="https://example.org/?a=1&amp;b=2">Kingisepp</a> &#128512;'
    )
    markup = keyboard({"text": "Go", "callback_data": "go"}, {"text": "Site", "url": "https://example.org"})
    first = call(client, "sendMessage", chat_id=CHAT, text=text, parse_mode="HTML", reply_markup=markup)
    second = call(client, "sendMessage", chat_id=CHAT, text="plain")

    assert first.status_code == 200, first.json()
    result = first.json()["result"]
    assert result["text"] == "Hi & welcome to Kingisepp 😀"
    assert [e["type"] for e in result["entities"]] == ["bold", "italic", "text_link"]
    assert result["from"]["id"] == BOT_ID and result["chat"] == {
        "id": CHAT,
        "type": "private",
        "first_name": "User42",
    }
    assert result["reply_markup"] == markup
    assert api.validator.check_value(result, "Message") == []
    assert (result["message_id"], second.json()["result"]["message_id"]) == (1, 2)
    assert [m["_params"]["text"] for m in api.sent_messages(CHAT)] == [text, "plain"]
    api.assert_no_violations()


def test_text_of_4096_characters_plus_tags_passes(api: FakeBotApi, client: httpx.Client) -> None:
    assert call(
        client, "sendMessage", chat_id=CHAT, text=f"<b>{'x' * 4096}</b>", parse_mode="HTML"
    ).is_success
    # 2048 emoji = 4096 UTF-16 code units (the unit Telegram counts) ...
    assert call(client, "sendMessage", chat_id=CHAT, text="😀" * 2048).is_success
    api.assert_no_violations()
    # ... while 2049 emoji are 4098 units although only 2049 code points.
    assert_rejected(api, call(client, "sendMessage", chat_id=CHAT, text="😀" * 2049), "got 4098")


def test_form_encoded_and_case_insensitive_method_and_get(api: FakeBotApi, client: httpx.Client) -> None:
    form = {
        "chat_id": "-1001234",
        "text": "hi",
        "disable_notification": "true",
        "reply_markup": json.dumps({"remove_keyboard": True}),
    }
    response = client.post("SENDMESSAGE", data=form)
    assert response.status_code == 200, response.json()
    assert response.json()["result"]["chat"]["type"] == "supergroup"
    decoded = {"chat_id": -1001234, "disable_notification": True, "reply_markup": {"remove_keyboard": True}}
    assert api.requests[-1] == ("sendMessage", {**form, **decoded})
    assert client.get("getMe").json()["result"]["username"] == "twin_towns_test_bot"
    assert call(client, "sendMessage", chat_id="@kingisepp_news", text="news").is_success
    api.assert_no_violations()


def test_ptb_defaults_extras_are_tolerated_unless_disabled(api: FakeBotApi, client: httpx.Client) -> None:
    location = {"chat_id": CHAT, "latitude": 59.37, "longitude": 28.6, "parse_mode": "HTML"}
    assert call(client, "sendLocation", **location).is_success  # PTB Defaults(parse_mode=...) does this
    api.assert_no_violations()
    with (
        FakeBotApi(tolerate_ptb_defaults=False) as strict,
        httpx.Client(base_url=f"{strict.base_url}{TOKEN}/") as http,
    ):
        assert_rejected(strict, call(http, "sendLocation", **location), "unknown parameter 'parse_mode'")


# ---- structural violations -----------------------------------------------------------------------


def test_unknown_method(api: FakeBotApi, client: httpx.Client) -> None:
    assert_rejected(api, call(client, "sendMesage", chat_id=CHAT, text="x"), "unknown method", code=404)


def test_unknown_parameter(api: FakeBotApi, client: httpx.Client) -> None:
    response = call(client, "sendMessage", chat_id=CHAT, text="x", disable_web_page_preview=True)
    assert_rejected(api, response, "unknown parameter 'disable_web_page_preview'")


def test_missing_chat_id(api: FakeBotApi, client: httpx.Client) -> None:
    assert_rejected(api, call(client, "sendMessage", text="x"), "missing required parameter 'chat_id'")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"chat_id": "kingisepp"}, "'@username'"),
        ({"chat_id": True}, "'@username'"),
        ({"disable_notification": "yes"}, "expected Boolean"),
        ({"message_thread_id": 1.5}, "expected Integer"),
        ({"reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": 1}]]}}, "expected String"),
        ({"reply_markup": {"keyboard": "nope"}}, "matches none of"),
        ({"reply_parameters": "{not json"}, "can't parse JSON"),
        ({"entities": [{"type": "bold", "offset": 0, "length": 5}]}, "beyond the end of text"),
        ({"entities": [{"type": "blink", "offset": 0, "length": 1}]}, "unknown entity type"),
    ],
)
def test_type_violations(
    api: FakeBotApi, client: httpx.Client, params: dict[str, Any], fragment: str
) -> None:
    assert_rejected(api, call(client, "sendMessage", **{"chat_id": CHAT, "text": "x", **params}), fragment)


# ---- text and HTML rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "got 0"),
        ("  \n ", "got 0"),
        ("<b> </b>", "got 0"),
        ("x" * 4097, "got 4097"),
        ("a < b", "unescaped '<'"),
        ("a > b", "unescaped '>'"),
        ("Tom & Jerry", "unescaped '&'"),
        ("a&nbsp;b", "unsupported HTML entity '&nbsp;'"),
        ("<b>bold", "can't find end tag"),
        ("<b><i>x</b></i>", "expected </i>, found </b>"),
        ("x</b>", "unexpected end tag"),
        ("<script>alert(1)</script>", "unsupported start tag <script>"),
        ("<br/>", "unescaped '<' or malformed tag"),
        ("<span>x</span>", 'class="tg-spoiler"'),
        ("<a>x</a>", "href"),
        ('<b class="x">x</b>', "unsupported attribute"),
        ("<code><b>x</b></code>", "nested in <code>"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "nested in another blockquote"),
    ],
)
def test_invalid_html_text_is_rejected(
    api: FakeBotApi, client: httpx.Client, text: str, fragment: str
) -> None:
    response = call(client, "sendMessage", chat_id=CHAT, text=text, parse_mode="HTML")
    assert_rejected(api, response, fragment)
    assert api.sent_messages() == []


def test_markdown_parse_modes_are_flagged(api: FakeBotApi, client: httpx.Client) -> None:
    assert_rejected(
        api, call(client, "sendMessage", chat_id=CHAT, text="*x*", parse_mode="MarkdownV2"), "HTML"
    )
    assert_rejected(
        api, call(client, "sendMessage", chat_id=CHAT, text="x", parse_mode="BBCode"), "unsupported"
    )


def test_caption_limit_counts_parsed_text(api: FakeBotApi, client: httpx.Client) -> None:
    doc = api.register_file(b"%PDF", "a.pdf")["file_id"]
    ok = call(
        client, "sendDocument", chat_id=CHAT, document=doc, caption=f"<i>{'c' * 1024}</i>", parse_mode="HTML"
    )
    assert ok.is_success, ok.json()
    too_long = call(client, "sendDocument", chat_id=CHAT, document=doc, caption="c" * 1025)
    assert_rejected(api, too_long, "got 1025")


def test_html_parser_entities_use_utf16_offsets() -> None:
    parsed = parse_telegram_html(
        '😀 <b>жирный</b> <pre><code class="language-python">x &lt; 1</code></pre>'
        "<tg-spoiler>s</tg-spoiler><blockquote expandable>q</blockquote>"
        '<tg-time unix="1700000000">t</tg-time>'
    )
    assert parsed.error is None
    assert parsed.text == "😀 жирный x < 1sqt"
    by_type = {e["type"]: e for e in parsed.entities}
    assert (by_type["bold"]["offset"], by_type["bold"]["length"]) == (3, 6)  # the emoji counts as 2
    assert by_type["pre"] == {"type": "pre", "offset": 10, "length": 5, "language": "python"}
    assert {"spoiler", "expandable_blockquote", "date_time"} <= by_type.keys()
    assert utf16_len(parsed.text) == 18


# ---- keyboards, commands, callback and inline answers ---------------------------------------------


@pytest.mark.parametrize(
    ("button", "fragment"),
    [
        ({"text": "x", "callback_data": "a" * 65}, "got 65"),
        ({"text": "x", "callback_data": "я" * 33}, "got 66"),
        ({"text": "x", "callback_data": ""}, "got 0"),
        ({"text": "", "callback_data": "a"}, "non-empty"),
        ({"text": "x"}, "exactly one of"),
        ({"text": "x", "callback_data": "a", "url": "https://example.org"}, "exactly one of"),
        ({"text": "x", "url": "not a url"}, "invalid button URL"),
        ({"text": "x", "callback_data": "a", "colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_invalid_inline_buttons(
    api: FakeBotApi, client: httpx.Client, button: dict[str, Any], fragment: str
) -> None:
    response = call(client, "sendMessage", chat_id=CHAT, text="x", reply_markup=keyboard(button))
    assert_rejected(api, response, fragment)


def test_callback_data_of_64_cyrillic_bytes_passes(api: FakeBotApi, client: httpx.Client) -> None:
    data = "я" * 32
    assert len(data.encode()) == 64
    response = call(
        client,
        "sendMessage",
        chat_id=CHAT,
        text="x",
        reply_markup=keyboard({"text": "я", "callback_data": data}),
    )
    assert response.is_success, response.json()
    api.assert_no_violations()


def test_set_my_commands(api: FakeBotApi, client: httpx.Client) -> None:
    commands = [
        {"command": "start", "description": "Начать"},
        {"command": "towns_2", "description": "Города"},
    ]
    assert call(client, "setMyCommands", commands=commands, language_code="ru").is_success
    assert call(client, "getMyCommands", language_code="ru").json()["result"] == commands
    assert api.commands(language_code="ru") == commands
    api.assert_no_violations()

    bad = call(client, "setMyCommands", commands=[{"command": "Start", "description": "x"}])
    assert_rejected(api, bad, "lowercase English letters")
    assert_rejected(api, call(client, "setMyCommands", commands=commands, language_code="rus"), "two-letter")
    empty = call(client, "setMyCommands", commands=[{"command": "start", "description": ""}])
    assert_rejected(api, empty, "got 0")
    many = [{"command": f"c{i}", "description": "d"} for i in range(101)]
    assert_rejected(api, call(client, "setMyCommands", commands=many), "at most 100")


def test_answer_callback_query(api: FakeBotApi, client: httpx.Client) -> None:
    query_id = api.push_callback(CHAT, CHAT, "go", message_id=7)["callback_query"]["id"]
    assert_rejected(
        api, call(client, "answerCallbackQuery", callback_query_id=query_id, text="x" * 201), "got 201"
    )
    assert call(client, "answerCallbackQuery", callback_query_id=query_id, text="x" * 200).is_success
    assert api.callback_answers[-1]["text"] == "x" * 200
    again = call(client, "answerCallbackQuery", callback_query_id=query_id)
    assert_rejected(api, again, "already answered")
    assert_rejected(api, call(client, "answerCallbackQuery", callback_query_id="999"), "query ID is invalid")


def article(result_id: str, text: str = "<b>Нарва</b>") -> dict[str, Any]:
    content = {"message_text": text, "parse_mode": "HTML"}
    return {"type": "article", "id": result_id, "title": "Town", "input_message_content": content}


def test_answer_inline_query(api: FakeBotApi, client: httpx.Client) -> None:
    def answer(results: list[dict[str, Any]]) -> httpx.Response:
        query_id = api.push_inline_query(7, "нар")["inline_query"]["id"]
        return call(client, "answerInlineQuery", inline_query_id=query_id, results=results, cache_time=0)

    assert answer([article("1"), article("2")]).is_success
    api.assert_no_violations()
    assert_rejected(api, answer([article("1"), article("1")]), "must be unique")
    assert_rejected(api, answer([article(str(i)) for i in range(51)]), "no more than 50")
    assert_rejected(api, answer([article("x" * 65)]), "got 65")
    assert_rejected(api, answer([article("1", "a < b")]), "unescaped '<'")
    assert_rejected(api, answer([article("1", "")]), "got 0")
    wrong_type = {**article("1"), "type": "articel"}
    assert_rejected(api, answer([wrong_type]), "unsupported type 'articel'")


def test_reply_markup_union_picks_the_matching_variant(api: FakeBotApi, client: httpx.Client) -> None:
    for markup in (
        {"remove_keyboard": True},
        {"force_reply": True, "input_field_placeholder": "Город"},
        {
            "keyboard": [[{"text": "Нарва"}, {"text": "Share", "request_contact": True}]],
            "resize_keyboard": True,
        },
    ):
        assert call(client, "sendMessage", chat_id=CHAT, text="x", reply_markup=markup).is_success
    api.assert_no_violations()
    bad_inline = keyboard({"text": "x", "callback_data": "a" * 65})
    response = call(client, "sendMessage", chat_id=CHAT, text="x", reply_markup=bad_inline)
    assert_rejected(api, response, "as InlineKeyboardMarkup")


# ---- state-dependent rules -----------------------------------------------------------------------


def test_edit_delete_and_reply_state(api: FakeBotApi, client: httpx.Client) -> None:
    sent = call(
        client,
        "sendMessage",
        chat_id=CHAT,
        text="a",
        reply_markup=keyboard({"text": "b", "callback_data": "b"}),
    )
    message_id = sent.json()["result"]["message_id"]
    edited = call(
        client, "editMessageText", chat_id=CHAT, message_id=message_id, text="<b>a</b>", parse_mode="HTML"
    )
    assert edited.is_success
    assert "reply_markup" not in edited.json()["result"]  # an edit without reply_markup drops the keyboard
    same = call(
        client, "editMessageText", chat_id=CHAT, message_id=message_id, text="<b>a</b>", parse_mode="HTML"
    )
    assert_rejected(api, same, "message is not modified")
    assert_rejected(api, call(client, "editMessageText", chat_id=CHAT, message_id=99, text="x"), "not found")
    assert_rejected(api, call(client, "editMessageText", chat_id=CHAT, text="x"), "message_id are required")
    user_message = api.push_message(CHAT, "hello")["message"]["message_id"]
    foreign = call(client, "editMessageText", chat_id=CHAT, message_id=user_message, text="x")
    assert_rejected(api, foreign, "can't be edited")
    reply = call(client, "sendMessage", chat_id=CHAT, text="r", reply_parameters={"message_id": user_message})
    assert reply.json()["result"]["reply_to_message"]["text"] == "hello"
    missing = call(client, "sendMessage", chat_id=CHAT, text="r", reply_parameters={"message_id": 999})
    assert_rejected(api, missing, "message to be replied not found")
    assert call(client, "deleteMessage", chat_id=CHAT, message_id=message_id).is_success
    assert_rejected(api, call(client, "deleteMessage", chat_id=CHAT, message_id=message_id), "not found")
    assert [m["text"] for m in api.sent_messages(CHAT, include_deleted=True) if m["_deleted"]] == ["a"]
    assert_rejected(
        api, call(client, "sendDocument", chat_id=CHAT, document="made-up-id"), "wrong file identifier"
    )


def test_chat_members(api: FakeBotApi, client: httpx.Client) -> None:
    api.set_chat_admins(-100, [5], owner_id=6)
    member = call(client, "getChatMember", chat_id=-100, user_id=7).json()["result"]
    admin = call(client, "getChatMember", chat_id=-100, user_id=5).json()["result"]
    admins = call(client, "getChatAdministrators", chat_id=-100).json()["result"]
    assert (member["status"], admin["status"]) == ("member", "administrator")
    assert sorted(m["status"] for m in admins) == ["administrator", "creator"]
    for value in (member, admin, *admins):
        assert api.validator.check_value(value, "ChatMember") == []
    api.assert_no_violations()


def test_push_update_validates_what_the_test_builds(api: FakeBotApi) -> None:
    with pytest.raises(ValueError, match="missing required field 'chat'"):
        api.push_update({"message": {"message_id": 1, "date": 0}})
    with pytest.raises(ValueError, match="exactly one payload"):
        api.push_update({})
    with pytest.raises(ValueError, match="needs user_id"):
        api.push_message(-100, "hi")


# ---- multipart -----------------------------------------------------------------------------------


def test_multipart_uploads_and_attach_references(api: FakeBotApi, client: httpx.Client) -> None:
    response = client.post(
        "sendDocument", data={"chat_id": str(CHAT)}, files={"document": ("t.csv", b"a;b\n", "text/csv")}
    )
    assert response.is_success, response.json()
    document = response.json()["result"]["document"]
    assert (document["file_name"], api.file_content(document["file_id"])) == ("t.csv", b"a;b\n")

    media = json.dumps([{"type": "photo", "media": "attach://p1"}, {"type": "photo", "media": "attach://p2"}])
    files = {"p1": ("1.jpg", b"1", "image/jpeg"), "p2": ("2.jpg", b"2", "image/jpeg")}
    group = client.post("sendMediaGroup", data={"chat_id": str(CHAT), "media": media}, files=files)
    assert group.is_success and len(group.json()["result"]) == 2
    api.assert_no_violations()

    dangling = client.post(
        "sendMediaGroup", data={"chat_id": str(CHAT), "media": media}, files={"p1": files["p1"]}
    )
    assert_rejected(api, dangling, "'attach://p2' does not name a multipart file part")
    assert_rejected(api, call(client, "sendDocument", chat_id=CHAT), "missing required parameter 'document'")
    empty = client.post(
        "sendDocument", data={"chat_id": str(CHAT)}, files={"document": ("e.txt", b"", "text/plain")}
    )
    assert_rejected(api, empty, "is empty")


# ---- getUpdates ----------------------------------------------------------------------------------


def test_get_updates_long_poll_and_offset(api: FakeBotApi, client: httpx.Client) -> None:
    timer = threading.Timer(0.2, api.push_message, args=(CHAT, "/start"))
    timer.start()
    started = time.monotonic()
    updates = call(client, "getUpdates", timeout=5).json()["result"]
    assert time.monotonic() - started < 2, "long poll must return as soon as an update is queued"
    assert [u["message"]["text"] for u in updates] == ["/start"]
    assert updates[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    first_id = updates[0]["update_id"]

    # Not confirmed yet -> delivered again; confirmed via offset -> gone.
    assert call(client, "getUpdates", timeout=0).json()["result"][0]["update_id"] == first_id
    api.push_message(CHAT, "two")
    api.push_message(CHAT, "three")
    batch = call(client, "getUpdates", offset=first_id + 1, limit=1).json()["result"]
    assert [u["message"]["text"] for u in batch] == ["two"]
    rest = call(client, "getUpdates", offset=batch[0]["update_id"] + 1).json()["result"]
    assert [u["message"]["text"] for u in rest] == ["three"]
    assert call(client, "getUpdates", offset=rest[0]["update_id"] + 1, timeout=0).json()["result"] == []
    assert api.pending_updates() == []
    api.assert_no_violations()


def test_stop_releases_long_poll() -> None:
    api = FakeBotApi().start()
    result: list[httpx.Response] = []
    worker = threading.Thread(
        target=lambda: result.append(
            httpx.post(f"{api.base_url}{TOKEN}/getUpdates", json={"timeout": 30}, timeout=10)
        )
    )
    worker.start()
    api.wait_for_request("getUpdates", timeout=5)
    started = time.monotonic()
    api.stop()
    worker.join(5)
    assert time.monotonic() - started < 2
    assert result and result[0].json() == {"ok": True, "result": []}


# ---- fault injection and flood limits ------------------------------------------------------------


def test_fail_next_and_block_chat(api: FakeBotApi, client: httpx.Client) -> None:
    api.fail_next("sendMessage", error_code=429, retry_after=7)
    limited = call(client, "sendMessage", chat_id=CHAT, text="x")
    assert limited.status_code == 429
    assert limited.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert call(client, "sendMessage", chat_id=CHAT, text="x").is_success  # only the next call failed

    api.fail_next("sendMessage", error_code=500, times=2, chat_id=-5)
    assert call(client, "sendMessage", chat_id=CHAT, text="x").is_success  # other chat unaffected
    assert [call(client, "sendMessage", chat_id=-5, text="x").status_code for _ in range(3)] == [
        500,
        500,
        200,
    ]

    api.block_chat(55)
    blocked = call(client, "sendMessage", chat_id=55, text="x")
    assert blocked.status_code == 403
    assert blocked.json()["description"] == "Forbidden: bot was blocked by the user"
    assert api.injected_failures == [("sendMessage", 429), ("sendMessage", 500), ("sendMessage", 500)]
    api.assert_no_violations()  # injected errors are not violations


def test_rate_limit_enforcement() -> None:
    with (
        FakeBotApi(enforce_limits=True, global_per_second=3, group_per_minute=2) as api,
        httpx.Client(base_url=f"{api.base_url}{TOKEN}/") as http,
    ):
        group = [call(http, "sendMessage", chat_id=-77, text="x") for _ in range(3)]
        assert [r.status_code for r in group] == [200, 200, 429]
        assert group[-1].json()["parameters"]["retry_after"] > 50  # the group window is one minute
        # Rejected calls don't count: the global window holds 2 sends, so one more fits this second.
        codes = [call(http, "sendMessage", chat_id=1000 + i, text="x").status_code for i in range(2)]
        assert codes == [200, 429]
        assert call(http, "getMe").is_success  # only message-sending methods are limited
        assert api.rate_limit_hits == 2
        assert len(api.sent_messages()) == 3
        api.assert_no_violations()


# ---- waiting helpers -----------------------------------------------------------------------------


def test_wait_for_messages_and_timeout_dump(api: FakeBotApi, client: httpx.Client) -> None:
    threading.Timer(0.1, lambda: call(client, "sendMessage", chat_id=CHAT, text="late")).start()
    assert [m["text"] for m in api.wait_for_messages(CHAT, 1, timeout=5)] == ["late"]
    with pytest.raises(AssertionError, match=r"(?s)timed out after 0.1s.*sendMessage"):
        api.wait_for(lambda: False, timeout=0.1, description="never")


def test_assert_no_violations_lists_violations(api: FakeBotApi, client: httpx.Client) -> None:
    call(client, "sendMessage", chat_id=CHAT, text="a < b", parse_mode="HTML")
    with pytest.raises(AssertionError, match=r"(?s)1 Telegram Bot API violation.*sendMessage: text: invalid"):
        api.assert_no_violations()


# ---- the real python-telegram-bot client ---------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter.retry_after
def test_real_ptb_bot_against_fake(api: FakeBotApi) -> None:
    async def scenario() -> None:
        async with telegram.Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
            me = await bot.get_me()
            assert (me.id, me.username, me.supports_inline_queries) == (BOT_ID, "twin_towns_test_bot", True)

            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Нарва", callback_data="town:narva")]])
            sent = await bot.send_message(
                CHAT, "<b>Города-побратимы</b>", parse_mode="HTML", reply_markup=markup
            )
            assert sent.text == "Города-побратимы" and sent.entities[0].type == "bold"

            doc = await bot.send_document(
                CHAT,
                document=b"town;country\nNarva;EE\n",
                filename="towns.csv",
                caption="<i>Export</i>",
                parse_mode="HTML",
            )
            assert (
                doc.document is not None and doc.document.file_name == "towns.csv" and doc.caption == "Export"
            )
            file = await bot.get_file(doc.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"town;country\nNarva;EE\n"

            api.push_callback(CHAT, CHAT, "town:narva")
            (update,) = await bot.get_updates(timeout=5)
            assert update.callback_query is not None and update.callback_query.data == "town:narva"
            await update.callback_query.answer("OK")
            await bot.edit_message_text("Нарва", CHAT, sent.message_id)

            with pytest.raises(telegram.error.BadRequest, match="unescaped"):
                await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
            api.violations.clear()

            api.fail_next("sendMessage", retry_after=2)
            with pytest.raises(telegram.error.RetryAfter, match="Retry in 2"):
                await bot.send_message(CHAT, "x")
            api.block_chat(99)
            with pytest.raises(telegram.error.Forbidden, match="blocked"):
                await bot.send_message(99, "x")

    asyncio.run(scenario())
    assert [m["_method"] for m in api.sent_messages(CHAT)] == ["sendMessage", "sendDocument"]
    assert api.sent_texts(CHAT) == ["Нарва", "Export"]
    api.assert_no_violations()
