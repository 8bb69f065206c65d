"""Spec-validating fake Telegram Bot API server for end-to-end tests.

:class:`FakeBotApi` is a small HTTP server (stdlib only, runs in a background thread) that speaks
enough of the Telegram Bot API for the real python-telegram-bot ``Application`` to run against it,
and that validates **every** request against the official Bot API specification stored in
``spec/api.json`` (Bot API 10.1; MIT licensed, see ``spec/LICENSE`` and ``spec/SOURCE``).

Whatever real Telegram would reject is appended to :attr:`FakeBotApi.violations` and answered with
the error envelope Telegram uses (HTTP 400 ``{"ok": false, "error_code": 400, "description":
"Bad Request: ..."}``), so the bot sees a ``telegram.error.BadRequest`` and the test fails on
:meth:`FakeBotApi.assert_no_violations`.

Typical use (async test; the bot's event loop must stay free, hence the ``async_wait_*`` helpers)::

    with FakeBotApi() as api:
        app = (
            Application.builder().token("123:ABC")
            .base_url(api.base_url).base_file_url(api.base_file_url).build()
        )
        ...  # add the bot's handlers
        async with app:
            await app.start()
            await app.updater.start_polling(timeout=10)
            api.push_message(42, "/start")
            [reply] = await api.async_wait_for_messages(42, 1)
            await app.updater.stop()
            await app.stop()      # stop the bot before the server
        api.assert_no_violations()

Unknown methods are answered 404 "Not Found" (as Telegram does); other violations 400.  The
fake also validates its own results against the spec (a mismatch is recorded as a violation
"FakeBotApi bug: ...") and reports methods it does not implement as violations, so a test never
passes silently on an unsupported call.

Deliberate strictness (where the fake is stricter than the real server, because the request is
almost certainly a bug in the bot even though Telegram would silently mangle it):

* Only ``parse_mode="HTML"`` is validated.  ``Markdown``/``MarkdownV2`` are reported as
  violations: the bot is supposed to use HTML only.
* HTML: every ``<``, ``>`` and ``&`` that is not markup must be escaped; only ``&lt; &gt; &amp;
  &quot;`` and numeric character references are allowed (Telegram shows other entities such as
  ``&nbsp;`` literally); attributes other than the documented ones are rejected; ``<a>`` needs an
  ``href``; no tags inside ``<code>``/``<pre>`` (except ``<pre><code class="language-x">``), no
  ``<a>``/``<code>``/``<pre>``/``<tg-emoji>``/``<tg-time>`` inside each other and no nested
  ``<blockquote>`` (Telegram would drop those entities).
* Unknown parameters and unknown object fields are violations (Telegram ignores them silently).
* Values inside JSON are type-checked strictly (an ``Integer`` must be a JSON integer, a
  ``String`` a JSON string, ...).  Top-level values of form-urlencoded/multipart bodies are
  strings and are coerced the way Telegram does ("42" -> 42, "true" -> True, JSON for objects).
* With ``strict_state=True`` (default) state-dependent errors are reproduced as violations too:
  editing/deleting/copying/replying to unknown messages, "message is not modified", editing
  someone else's message, answering unknown or already answered callback/inline queries and
  unknown ``file_id`` values (use :meth:`FakeBotApi.register_file` for files the test invents).

Lengths are counted like Telegram does: "characters" in UTF-16 code units, measured on the text
*after* entity parsing and trimming of surrounding whitespace; "bytes" in UTF-8.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import itertools
import json
import math
import re
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "BOT_ID",
    "BOT_USER",
    "PTB_DEFAULT_PARAMS",
    "SPEC_PATH",
    "ApiSpec",
    "FakeBotApi",
    "HtmlParseResult",
    "SpecValidator",
    "UploadedFile",
    "parse_telegram_html",
    "utf16_len",
]

JsonDict = dict[str, Any]
T = TypeVar("T")

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "api.json"

BOT_ID = 100000001
BOT_USER: JsonDict = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Twin Towns Test Bot",
    "username": "twin_towns_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

_PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "String"})
# python-telegram-bot's Bot._send_message adds these to *every* send/edit endpoint when they are
# set via telegram.ext.Defaults (e.g. parse_mode for sendLocation).  Telegram ignores unknown
# parameters, so they are tolerated by default instead of being reported as unknown.
PTB_DEFAULT_PARAMS = frozenset(
    {"parse_mode", "link_preview_options", "disable_notification", "protect_content", "allow_paid_broadcast"}
)
_INT_RE = re.compile(r"-?\d+")
_CHAT_USERNAME_RE = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_HTTP_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
_BUTTON_URL_RE = re.compile(r"(?:(?:https?|tg)://\S+|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#]\S*)?)", re.I)
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE_RE = re.compile(r"[a-z]{2}")
_INCOMING_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_API_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?")
_FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update kinds Telegram does not deliver unless explicitly requested via allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Keys of a Message that carry its content (copied by copyMessage/forwardMessage).
_CONTENT_KEYS = (
    "text",
    "entities",
    "link_preview_options",
    "caption",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
    "document",
    "photo",
    "audio",
    "video",
    "voice",
    "video_note",
    "animation",
    "sticker",
    "location",
    "contact",
    "venue",
    "dice",
    "poll",
)
# send* method -> Message key holding the sent file.
_MEDIA_KIND = {
    "sendDocument": "document",
    "sendPhoto": "photo",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVoice": "voice",
    "sendVideoNote": "video_note",
    "sendSticker": "sticker",
}
_MEDIA_GROUP_KIND = {"photo": "photo", "video": "video", "audio": "audio", "document": "document"}


# --------------------------------------------------------------------------------------------
# Text helpers and the Telegram HTML parser
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units -- the unit Telegram uses for limits and entities."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class HtmlParseResult:
    """Outcome of :func:`parse_telegram_html`: plain text, entities and the first error (if any)."""

    text: str
    entities: list[JsonDict]
    error: str | None = None


class _HtmlError(Exception):
    """Raised inside the HTML parser; Telegram also stops at the first error."""


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the output where the tag content starts
    position: int  # character index of the tag in the source
    language: str | None = None  # for <pre>, set by a nested <code class="language-...">


# Supported tags and the attributes each one may carry (https://core.telegram.org/bots/api#html-style).
_HTML_TAG_ATTRS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-time": frozenset({"unix", "format"}),
}
_SIMPLE_ENTITY_BY_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
# Entities that can neither contain nor be contained in each other.
_EXCLUSIVE_TAGS = frozenset({"a", "tg-emoji", "tg-time", "code", "pre"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = r"[A-Za-z][A-Za-z0-9-]*"
_ATTR = r"""[^\s=>/"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
_START_TAG_RE = re.compile(rf"<({_TAG_NAME})((?:\s+{_ATTR})*)\s*>")
_ATTR_RE = re.compile(r"""([^\s=>/"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_END_TAG_RE = re.compile(rf"</({_TAG_NAME})\s*>")
_CHAR_REF_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});")
_PLAIN_RE = re.compile(r"[^&<>]+")


def _decode_char_ref(body: str) -> str | None:
    """Decode the inside of ``&...;``; ``None`` if Telegram does not support the reference."""
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code)
    return _NAMED_ENTITIES.get(body)


class _HtmlParser:
    """Re-implementation of Telegram's HTML parse mode (plus the strictness documented above)."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JsonDict] = []

    def parse(self) -> HtmlParseResult:
        try:
            self._run()
        except _HtmlError as exc:
            return HtmlParseResult("".join(self.out), self.entities, str(exc))
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return HtmlParseResult("".join(self.out), entities)

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.offset += utf16_len(text)

    def _run(self) -> None:
        src, i = self.src, 0
        while i < len(src):
            ch = src[i]
            if ch == "&":
                i = self._char_ref(i)
            elif ch == "<":
                i = self._end_tag(i) if src.startswith("</", i) else self._start_tag(i)
            elif ch == ">":
                raise _HtmlError(f"unescaped '>' at position {i}; write &gt;")
            else:
                match = _PLAIN_RE.match(src, i)
                assert match is not None
                self._emit(match.group())
                i = match.end()
        if self.stack:
            tag = self.stack[-1]
            raise _HtmlError(
                f"can't find end tag corresponding to start tag <{tag.name}> at position {tag.position}"
            )

    def _char_ref(self, i: int) -> int:
        match = _CHAR_REF_RE.match(self.src, i)
        if match is None:
            raise _HtmlError(f"unescaped '&' at position {i}; write &amp;")
        decoded = _decode_char_ref(match.group(1))
        if decoded is None:
            raise _HtmlError(
                f"unsupported HTML entity '{match.group()}' at position {i}: only &lt; &gt; &amp; &quot; "
                "and numeric character references are supported (Telegram would show it literally)"
            )
        self._emit(decoded)
        return match.end()

    def _start_tag(self, i: int) -> int:
        match = _START_TAG_RE.match(self.src, i)
        if match is None:
            raise _HtmlError(f"unescaped '<' or malformed tag at position {i}; write &lt; for a literal '<'")
        name = match.group(1).lower()
        if name not in _HTML_TAG_ATTRS:
            raise _HtmlError(f"unsupported start tag <{name}> at position {i}")
        attrs: dict[str, str] = {}
        for attr in _ATTR_RE.finditer(match.group(2)):
            raw = attr.group(2)
            value = "" if raw is None else raw[1:-1] if raw[:1] in ("'", '"') else raw
            attrs[attr.group(1).lower()] = _CHAR_REF_RE.sub(
                lambda m: _decode_char_ref(m.group(1)) or m.group(), value
            )
        unknown = sorted(set(attrs) - _HTML_TAG_ATTRS[name])
        if unknown:
            raise _HtmlError(f"unsupported attribute(s) {unknown} of <{name}> at position {i}")
        self._check_attributes(name, attrs, i)
        self._check_nesting(name, i)
        self.stack.append(_OpenTag(name, attrs, self.offset, i))
        return match.end()

    @staticmethod
    def _check_attributes(name: str, attrs: dict[str, str], i: int) -> None:
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _HtmlError(f'<span> at position {i} is only supported as <span class="tg-spoiler">')
        if name == "a" and not attrs.get("href", "").strip():
            raise _HtmlError(f"<a> at position {i} needs a non-empty href attribute")
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise _HtmlError(f"<tg-emoji> at position {i} needs a numeric emoji-id attribute")
        if name == "tg-time" and not _INT_RE.fullmatch(attrs.get("unix", "")):
            raise _HtmlError(f"<tg-time> at position {i} needs a numeric unix attribute")
        if name == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
            raise _HtmlError(f'<code> at position {i}: class must look like "language-python"')

    def _check_nesting(self, name: str, i: int) -> None:
        parent = self.stack[-1] if self.stack else None
        if parent is not None and parent.name == "pre" and name == "code":
            return  # <pre><code class="language-x"> is the documented way to set the language
        for open_tag in self.stack:
            if open_tag.name in ("code", "pre"):
                raise _HtmlError(
                    f"<{name}> at position {i} is nested in <{open_tag.name}>, which can't contain entities"
                )
            if name in _EXCLUSIVE_TAGS and open_tag.name in _EXCLUSIVE_TAGS:
                raise _HtmlError(f"<{name}> at position {i} can't be nested in <{open_tag.name}>")
            if name == "blockquote" and open_tag.name == "blockquote":
                raise _HtmlError(f"<blockquote> at position {i} can't be nested in another blockquote")

    def _end_tag(self, i: int) -> int:
        match = _END_TAG_RE.match(self.src, i)
        if match is None:
            raise _HtmlError(f"malformed end tag at position {i}")
        name = match.group(1).lower()
        if not self.stack:
            raise _HtmlError(f"unexpected end tag </{name}> at position {i}")
        top = self.stack[-1]
        if top.name != name:
            raise _HtmlError(f"unmatched end tag at position {i}: expected </{top.name}>, found </{name}>")
        self.stack.pop()
        self._close(top)
        return match.end()

    def _close(self, tag: _OpenTag) -> None:
        length = self.offset - tag.offset
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            language = tag.attrs.get("class", "")
            if language.startswith("language-"):
                self.stack[-1].language = language[len("language-") :]
            return  # merged into the enclosing pre entity
        if length == 0:
            return  # Telegram drops empty entities
        entity: JsonDict = {"offset": tag.offset, "length": length}
        if tag.name in _SIMPLE_ENTITY_BY_TAG:
            entity["type"] = _SIMPLE_ENTITY_BY_TAG[tag.name]
        elif tag.name == "a":
            href = tag.attrs["href"]
            user = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if user:
                entity["type"] = "text_mention"
                entity["user"] = {"id": int(user.group(1)), "is_bot": False, "first_name": "User"}
            else:
                entity.update(type="text_link", url=href)
        elif tag.name == "code":
            entity["type"] = "code"
        elif tag.name == "pre":
            entity["type"] = "pre"
            if tag.language:
                entity["language"] = tag.language
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        elif tag.name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=tag.attrs["emoji-id"])
        elif tag.name == "tg-time":
            entity.update(type="date_time", unix_time=int(tag.attrs["unix"]))
            if tag.attrs.get("format"):
                entity["date_time_format"] = tag.attrs["format"]
        self.entities.append(entity)


def parse_telegram_html(source: str) -> HtmlParseResult:
    """Parse ``source`` like Telegram's ``parse_mode="HTML"``.

    Returns the plain text (entities decoded, tags removed -- *not* trimmed), the resulting
    MessageEntity dicts (UTF-16 offsets) and the first error, if any.
    """
    return _HtmlParser(source).parse()


def _trim_formatted(text: str, entities: Sequence[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Strip surrounding whitespace like Telegram does and shift/clip the entities accordingly."""
    stripped = text.strip()
    if not stripped:
        return "", []
    left = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result: list[JsonDict] = []
    for entity in entities:
        start = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


# --------------------------------------------------------------------------------------------
# The specification
# --------------------------------------------------------------------------------------------

_DISCRIMINATOR_RE = re.compile(r'(?:always|must be) "?([A-Za-z0-9_]+)"?')
_LIMIT_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)", re.IGNORECASE)


@dataclass(frozen=True)
class LengthLimit:
    """A "N-M characters/bytes" limit found in a field description of the spec."""

    minimum: int
    maximum: int
    unit: str  # "characters" (counted in UTF-16 code units) or "bytes" (UTF-8)
    after_parsing: bool  # "... after entities parsing"


class ApiSpec:
    """Indexed view of ``spec/api.json`` (methods, types, discriminators, length limits)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data.get("version", "unknown")
        self.methods: dict[str, JsonDict] = data["methods"]
        self.types: dict[str, JsonDict] = data["types"]
        self._methods_by_lower = {name.lower(): name for name in self.methods}
        self._fields: dict[str, dict[str, JsonDict]] = {
            name: {f["name"]: f for f in obj.get("fields", [])}
            for name, obj in itertools.chain(self.methods.items(), self.types.items())
        }
        # Concrete type -> (discriminator field, constant), e.g. InlineQueryResultArticle -> (type, article)
        self.discriminators: dict[str, tuple[str, str]] = {}
        for name, obj in self.types.items():
            fields = obj.get("fields") or []
            if (
                fields
                and fields[0]["name"] in ("type", "status", "source")
                and fields[0]["types"] == ["String"]
            ):
                match = _DISCRIMINATOR_RE.search(fields[0].get("description", ""))
                if match:
                    self.discriminators[name] = (fields[0]["name"], match.group(1))
        # (method or type, field) -> LengthLimit parsed from the field description
        self.limits: dict[tuple[str, str], LengthLimit] = {}
        # (Input* type, field) holding a file reference (file_id / URL / attach://<name>)
        self.file_reference_fields: set[tuple[str, str]] = set()
        for owner, fields_by_name in self._fields.items():
            for fname, spec_field in fields_by_name.items():
                description = spec_field.get("description", "")
                match = _LIMIT_RE.search(description)
                if match and spec_field["types"] == ["String"]:
                    self.limits[(owner, fname)] = LengthLimit(
                        int(match.group(1)),
                        int(match.group(2)),
                        match.group(3).lower(),
                        "after entit" in description,
                    )
                if (
                    owner.startswith("Input")
                    and spec_field["types"] == ["String"]
                    and ("attach://" in description or "file_id" in description)
                ):
                    self.file_reference_fields.add((owner, fname))
        entity_type = self._fields.get("MessageEntity", {}).get("type", {}).get("description", "")
        self.entity_types = frozenset(re.findall(r'"([a-z_]+)" \(', entity_type))
        self.update_types = frozenset(self._fields.get("Update", {})) - {"update_id"}

    @classmethod
    def load(cls, path: Path | str = SPEC_PATH) -> ApiSpec:
        """Load (and cache) the spec file."""
        return _load_spec(str(path))

    def canonical_method(self, name: str) -> str | None:
        """Spec spelling of a method name (Telegram matches method names case-insensitively)."""
        return self._methods_by_lower.get(name.lower())

    def fields(self, owner: str) -> dict[str, JsonDict]:
        """Fields of a method or type by name (empty for placeholder types)."""
        return self._fields.get(owner, {})

    def returns(self, method: str) -> list[str]:
        return list(self.methods[method].get("returns", []))


@functools.lru_cache(maxsize=4)
def _load_spec(path: str) -> ApiSpec:
    with open(path, encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart/form-data request."""

    field_name: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"UploadedFile({self.field_name!r}, {self.filename!r}, {len(self.data)} bytes)"


@dataclass
class _Run:
    """Per-request validation context."""

    files: Mapping[str, UploadedFile]


def _describe(value: Any) -> str:
    """Short human readable rendering of a value for error messages."""
    if isinstance(value, UploadedFile):
        return repr(value)
    kind = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "object"}
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{kind.get(type(value), type(value).__name__)} {text}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class SpecValidator:
    """Validates Bot API requests (and any JSON value) against :class:`ApiSpec`.

    ``is_known_file_id`` (optional) is asked about every string file reference that is neither a
    URL nor ``attach://``; return ``False`` to report it as a "wrong file identifier".
    ``tolerated_unknown_params`` are parameter names not reported when a method lacks them.
    """

    def __init__(
        self,
        spec: ApiSpec,
        *,
        is_known_file_id: Callable[[str], bool] | None = None,
        tolerated_unknown_params: Iterable[str] = (),
    ) -> None:
        self.spec = spec
        self._is_known_file_id = is_known_file_id
        self._tolerated_unknown = frozenset(tolerated_unknown_params)

    # ---- public API -------------------------------------------------------------------------

    def validate_request(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
        coerce: Iterable[str] = (),
    ) -> tuple[JsonDict, list[str]]:
        """Validate the parameters of one call of ``method`` (spec spelling).

        ``params`` are the raw parameters (JSON values, or strings for the keys listed in
        ``coerce`` that came from a form/multipart body or the query string); ``files`` the
        multipart file parts.  Returns the decoded parameters and a list of error messages.
        """
        coerce = frozenset(coerce)
        run = _Run(files or {})
        fields = self.spec.fields(method)
        decoded: JsonDict = {}
        errors: list[str] = []
        for key, raw in params.items():
            spec_field = fields.get(key)
            if spec_field is None:
                if key not in self._tolerated_unknown:
                    errors.append(f"unknown parameter '{key}' for {method}")
                decoded[key] = raw
                continue
            if raw is None:
                continue  # JSON null == not passed
            value, error = self._decode_top_level(raw, spec_field["types"], key in coerce)
            decoded[key] = value
            if error:
                errors.append(f"{key}: {error}")
            else:
                errors.extend(self._check(value, spec_field["types"], key, run))
        for name, spec_field in fields.items():
            if spec_field["required"] and decoded.get(name) is None:
                errors.append(f"missing required parameter '{name}'")
        errors.extend(self._method_semantics(method, fields, decoded, run))
        return decoded, errors

    def check_value(self, value: Any, types: str | Sequence[str], path: str = "value") -> list[str]:
        """Strictly validate a JSON value against spec type(s), e.g. ``check_value(msg, "Message")``."""
        return self._check(value, [types] if isinstance(types, str) else list(types), path, _Run({}))

    # ---- decoding ----------------------------------------------------------------------------

    @staticmethod
    def _decode_top_level(raw: Any, types: Sequence[str], coerce: bool) -> tuple[Any, str | None]:
        """Decode a top-level parameter the way the Bot API server does."""
        if not isinstance(raw, str):
            return raw, None
        is_complex = any(t not in _PRIMITIVES and t != "InputFile" for t in types)
        if is_complex and "String" not in types:
            # Objects and arrays are passed as JSON-serialized strings (always in form bodies,
            # optionally in JSON bodies).
            try:
                return json.loads(raw), None
            except ValueError as exc:
                return raw, f"can't parse JSON-serialized {' or '.join(types)} ({exc})"
        if coerce:
            if "Integer" in types and _INT_RE.fullmatch(raw):
                return int(raw), None
            if list(types) == ["Float"]:
                try:
                    return float(raw), None
                except ValueError:
                    return raw, None
            if list(types) == ["Boolean"] and raw.lower() in ("true", "false", "1", "0"):
                return raw.lower() in ("true", "1"), None
        return raw, None

    # ---- structural checks -----------------------------------------------------------------

    def _check(self, value: Any, types: Sequence[str], path: str, run: _Run) -> list[str]:
        types = list(types)
        if types == ["Integer", "String"]:
            return self._check_chat_id(value, path)
        if "InputFile" in types:
            return self._check_input_file(value, path, run)
        if isinstance(value, UploadedFile):
            return [f"{path}: a file upload is not allowed here (expected {' or '.join(types)})"]
        if len(types) > 1 and all(t.startswith("Array of ") for t in types):
            # e.g. sendMediaGroup.media: an array whose items may be any of the element types
            return self._check_array(value, [t[len("Array of ") :] for t in types], path, run)
        if len(types) == 1:
            return self._check_single(value, types[0], path, run)
        return self._check_union(value, types, path, run)

    def _check_single(self, value: Any, type_name: str, path: str, run: _Run) -> list[str]:
        if type_name == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif type_name == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        elif type_name == "Boolean":
            ok = isinstance(value, bool)
        elif type_name == "String":
            ok = isinstance(value, str)
        elif type_name.startswith("Array of "):
            return self._check_array(value, [type_name[len("Array of ") :]], path, run)
        else:
            return self._check_type(value, type_name, path, run)
        return [] if ok else [f"{path}: expected {type_name}, got {_describe(value)}"]

    def _check_array(self, value: Any, item_types: Sequence[str], path: str, run: _Run) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: expected Array of {' or '.join(item_types)}, got {_describe(value)}"]
        errors: list[str] = []
        for index, item in enumerate(value):
            errors.extend(self._check(item, item_types, f"{path}[{index}]", run))
        return errors

    def _check_type(self, value: Any, type_name: str, path: str, run: _Run) -> list[str]:
        spec_type = self.spec.types.get(type_name)
        if spec_type is None:
            return [f"{path}: type {type_name} is not in the spec"]
        if spec_type.get("subtypes"):
            return self._check_abstract(value, type_name, spec_type["subtypes"], path, run)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object, got {_describe(value)}"]
        fields = self.spec.fields(type_name)
        if not fields:
            return []  # placeholder types such as CallbackGame hold no information
        errors = [f"{path}: unknown field '{key}' for {type_name}" for key in value if key not in fields]
        for name, spec_field in fields.items():
            if value.get(name) is None:
                if spec_field["required"]:
                    errors.append(f"{path}: missing required field '{name}' of {type_name}")
                continue
            errors.extend(self._check(value[name], spec_field["types"], _join(path, name), run))
        errors.extend(self._type_semantics(type_name, fields, value, path, run))
        return errors

    def _check_abstract(
        self, value: Any, type_name: str, subtypes: Sequence[str], path: str, run: _Run
    ) -> list[str]:
        """Abstract types (InlineQueryResult, InputMedia, ChatMember, ...): pick the subtype."""
        candidates = list(subtypes)
        pairs = [(s, self.spec.discriminators.get(s)) for s in subtypes]
        if isinstance(value, dict) and all(d is not None for _, d in pairs):
            key = next(d[0] for _, d in pairs if d is not None)
            candidates = [s for s, d in pairs if d is not None and value.get(key) == d[1]]
            if not candidates:
                allowed = sorted({d[1] for _, d in pairs if d is not None})
                got = value.get(key)
                return [f"{path}: {type_name} with unsupported {key} {got!r}; expected one of {allowed}"]
        return self._check_union(value, candidates, path, run)

    def _fit(self, value: Any, type_name: str) -> tuple[int, int]:
        """How well ``value`` fits ``type_name`` (lower is better), used to order union candidates."""
        if isinstance(value, dict):
            spec_type = self.spec.types.get(type_name)
            if spec_type is None:
                return (10_000, 0)
            if spec_type.get("subtypes"):
                return (0, 0)
            discriminator = self.spec.discriminators.get(type_name)
            if discriminator and value.get(discriminator[0]) != discriminator[1]:
                return (1_000, 0)
            fields = self.spec.fields(type_name)
            unknown = sum(1 for key in value if key not in fields)
            missing = sum(1 for n, f in fields.items() if f["required"] and n not in value)
            return (unknown, missing)
        if isinstance(value, list):
            return (0, 0) if type_name.startswith("Array of ") else (10_000, 0)
        return (0, 0) if type_name in _PRIMITIVES else (10_000, 0)

    def _check_union(self, value: Any, types: Sequence[str], path: str, run: _Run) -> list[str]:
        ranked = sorted(types, key=lambda t: self._fit(value, t))
        closest: tuple[str, list[str]] | None = None
        for type_name in ranked:
            errors = self._check(value, [type_name], path, run)
            if not errors:
                return []
            if closest is None:
                closest = (type_name, errors)
        assert closest is not None
        if len(types) == 1:
            return closest[1]
        return [f"{path}: matches none of {' | '.join(types)}; as {closest[0]}: {'; '.join(closest[1])}"]

    @staticmethod
    def _check_chat_id(value: Any, path: str) -> list[str]:
        if isinstance(value, int) and not isinstance(value, bool):
            return []
        if isinstance(value, str) and (_INT_RE.fullmatch(value) or _CHAT_USERNAME_RE.fullmatch(value)):
            return []
        return [f"{path}: must be an Integer chat id or an '@username' string, got {_describe(value)}"]

    def _check_input_file(self, value: Any, path: str, run: _Run) -> list[str]:
        if isinstance(value, UploadedFile):
            if not value.data:
                return [
                    f"{path}: uploaded file {value.filename!r} is empty (Telegram: file must be non-empty)"
                ]
            return []
        if not isinstance(value, str):
            return [f"{path}: expected InputFile (multipart upload) or String, got {_describe(value)}"]
        return self._check_file_reference(value, path, run)

    def _check_file_reference(self, value: Any, path: str, run: _Run) -> list[str]:
        """A String naming a file: file_id, HTTP(S) URL or attach://<multipart part>."""
        if not isinstance(value, str):
            return []  # the structural check already reported it
        if not value.strip():
            return [f"{path}: empty file reference (Telegram: wrong file identifier/HTTP URL specified)"]
        if value.startswith("attach://"):
            part = run.files.get(value[len("attach://") :])
            if part is None:
                return [f"{path}: {value!r} does not name a multipart file part (parts: {sorted(run.files)})"]
            return [] if part.data else [f"{path}: uploaded file {part.filename!r} is empty"]
        if _HTTP_URL_RE.fullmatch(value):
            return []
        if self._is_known_file_id is not None and not self._is_known_file_id(value):
            return [
                f"{path}: unknown file_id {value!r} (Telegram: wrong file identifier/HTTP URL specified); "
                "register test files with FakeBotApi.register_file()"
            ]
        return []

    # ---- semantic checks ---------------------------------------------------------------------

    def _parse_mode_field(self, owner: str, fields: Mapping[str, JsonDict], name: str) -> str | None:
        """Name of the parse-mode parameter that applies to the text field ``name``."""
        if f"{name}_parse_mode" in fields:
            return f"{name}_parse_mode"
        if "parse_mode" in fields:
            limit = self.spec.limits.get((owner, name))
            if name in ("text", "caption", "message_text") or (limit and limit.after_parsing):
                return "parse_mode"
        return None

    @staticmethod
    def _check_parse_mode_value(value: str, path: str) -> list[str]:
        mode = value.lower()
        if mode in ("", "html"):
            return []
        if mode in ("markdown", "markdownv2"):
            return [f"{path}: parse mode {value!r} is not validated by FakeBotApi; the bot must use 'HTML'"]
        return [f"{path}: unsupported parse_mode {value!r}"]

    def _check_text_fields(
        self, owner: str, fields: Mapping[str, JsonDict], values: Mapping[str, Any], path: str
    ) -> list[str]:
        """Parse modes, Telegram HTML, documented length limits and entity bounds."""
        errors: list[str] = []
        for name, value in values.items():
            spec_field = fields.get(name)
            if not isinstance(value, str) or spec_field is None or spec_field["types"] != ["String"]:
                continue
            where = _join(path, name)
            if name == "parse_mode" or name.endswith("_parse_mode"):
                errors.extend(self._check_parse_mode_value(value, where))
                continue
            limit = self.spec.limits.get((owner, name))
            mode_field = self._parse_mode_field(owner, fields, name)
            if limit is None and mode_field is None:
                continue
            mode = values.get(mode_field) if mode_field else None
            measured = value
            if isinstance(mode, str) and mode.lower() == "html":
                parsed = parse_telegram_html(value)
                if parsed.error:
                    errors.append(f"{where}: invalid Telegram HTML: {parsed.error}")
                    continue
                measured = parsed.text
            elif mode_field and not mode:
                errors.extend(self._check_entity_bounds(values, name, value, path))
            if limit is None:
                continue
            after = limit.after_parsing or mode_field is not None
            if after:
                measured = measured.strip()  # Telegram trims surrounding whitespace
            if limit.unit == "bytes":
                size, unit = len(measured.encode("utf-8")), "bytes (UTF-8)"
            else:
                size, unit = utf16_len(measured), "characters (UTF-16 code units)"
            if not limit.minimum <= size <= limit.maximum:
                suffix = " after entities parsing and trimming" if after else ""
                errors.append(f"{where}: must be {limit.minimum}-{limit.maximum} {unit}{suffix}, got {size}")
        return errors

    @staticmethod
    def _check_entity_bounds(values: Mapping[str, Any], name: str, text: str, path: str) -> list[str]:
        entity_field = {"text": "entities", "message_text": "entities", "caption": "caption_entities"}.get(
            name, f"{name}_entities"
        )
        entities = values.get(entity_field)
        if not isinstance(entities, list):
            return []
        size = utf16_len(text)
        errors = []
        for index, entity in enumerate(entities):
            if isinstance(entity, dict):
                offset, length = entity.get("offset"), entity.get("length")
                if isinstance(offset, int) and isinstance(length, int) and offset + length > size:
                    errors.append(
                        f"{_join(path, entity_field)}[{index}]: entity ends at {offset + length}, "
                        f"beyond the end of {name} ({size} UTF-16 code units)"
                    )
        return errors

    def _type_semantics(
        self, type_name: str, fields: Mapping[str, JsonDict], value: Mapping[str, Any], path: str, run: _Run
    ) -> list[str]:
        errors = self._check_text_fields(type_name, fields, value, path)
        for name, item in value.items():
            if (type_name, name) in self.spec.file_reference_fields:
                errors.extend(self._check_file_reference(item, _join(path, name), run))
        if type_name == "InlineKeyboardButton":
            errors.extend(self._check_button(value, fields, path, inline=True))
        elif type_name == "KeyboardButton":
            errors.extend(self._check_button(value, fields, path, inline=False))
        elif type_name == "BotCommand":
            command = value.get("command")
            if isinstance(command, str) and not _BOT_COMMAND_RE.fullmatch(command):
                errors.append(
                    f"{path}.command: {command!r} must be 1-32 characters of lowercase English letters, "
                    "digits and underscores"
                )
        elif type_name == "MessageEntity":
            errors.extend(self._check_message_entity(value, path))
        return errors

    @staticmethod
    def _check_button(
        value: Mapping[str, Any], fields: Mapping[str, JsonDict], path: str, *, inline: bool
    ) -> list[str]:
        errors: list[str] = []
        text = value.get("text")
        if isinstance(text, str) and not text.strip():
            errors.append(f"{path}.text: button text must be non-empty")
        actions = [n for n in fields if n not in ("text", "icon_custom_emoji_id", "style")]
        used = [n for n in actions if value.get(n) is not None]
        if inline and len(used) != 1:
            errors.append(
                f"{path}: an InlineKeyboardButton must use exactly one of {actions}, got {used or 'none'}"
            )
        elif not inline and len(used) > 1:
            errors.append(f"{path}: a KeyboardButton may use at most one of {actions}, got {used}")
        style = value.get("style")
        if isinstance(style, str) and style not in ("danger", "success", "primary"):
            errors.append(f"{path}.style: must be 'danger', 'success' or 'primary', got {style!r}")
        url = value.get("url")
        if inline and isinstance(url, str) and not _BUTTON_URL_RE.fullmatch(url):
            errors.append(f"{path}.url: invalid button URL {url!r}")
        return errors

    def _check_message_entity(self, value: Mapping[str, Any], path: str) -> list[str]:
        errors: list[str] = []
        kind = value.get("type")
        if isinstance(kind, str) and self.spec.entity_types and kind not in self.spec.entity_types:
            errors.append(f"{path}.type: unknown entity type {kind!r}")
        if isinstance(value.get("offset"), int) and value["offset"] < 0:
            errors.append(f"{path}.offset: must be >= 0")
        if isinstance(value.get("length"), int) and value["length"] < 1:
            errors.append(f"{path}.length: must be >= 1")
        required = {"text_link": "url", "text_mention": "user", "custom_emoji": "custom_emoji_id"}
        if kind in required and value.get(required[kind]) is None:
            errors.append(f"{path}: a {kind} entity needs '{required[kind]}'")
        return errors

    def _method_semantics(
        self, method: str, fields: Mapping[str, JsonDict], params: Mapping[str, Any], run: _Run
    ) -> list[str]:
        errors = self._check_text_fields(method, fields, params, "")
        language = params.get("language_code")
        if (
            "language_code" in fields
            and isinstance(language, str)
            and language
            and not _LANGUAGE_CODE_RE.fullmatch(language)
        ):
            errors.append(f"language_code: must be a two-letter ISO 639-1 code or empty, got {language!r}")
        # edit*/stop* methods: either inline_message_id or chat_id + message_id
        targets_message = {"chat_id", "message_id", "inline_message_id"} <= fields.keys()
        if (
            targets_message
            and not fields["chat_id"]["required"]
            and params.get("inline_message_id") is None
            and (params.get("chat_id") is None or params.get("message_id") is None)
        ):
            errors.append("chat_id and message_id are required if inline_message_id is not specified")
        if method == "editMessageText" and params.get("text") is None and params.get("rich_message") is None:
            errors.append(
                "text is required if rich_message isn't specified (Telegram: message text is empty)"
            )
        allowed = params.get("allowed_updates")
        if "allowed_updates" in fields and isinstance(allowed, list):
            unknown = [u for u in allowed if u not in self.spec.update_types]
            if unknown:
                errors.append(f"allowed_updates: unknown update types {unknown}")
        errors.extend(self._method_specific(method, params))
        return errors

    @staticmethod
    def _method_specific(method: str, params: Mapping[str, Any]) -> list[str]:
        errors: list[str] = []
        if method == "setMyCommands" and isinstance(params.get("commands"), list):
            if len(params["commands"]) > 100:
                errors.append(
                    f"commands: at most 100 commands can be specified, got {len(params['commands'])}"
                )
        elif method == "answerInlineQuery" and isinstance(params.get("results"), list):
            results = params["results"]
            if len(results) > 50:
                errors.append(f"results: no more than 50 results per query are allowed, got {len(results)}")
            ids = [r.get("id") for r in results if isinstance(r, dict)]
            duplicates = sorted({i for i in ids if ids.count(i) > 1}, key=str)
            if duplicates:
                errors.append(f"results: result ids must be unique, duplicated {duplicates}")
        elif method == "sendChatAction":
            action = params.get("action")
            if isinstance(action, str) and action not in _CHAT_ACTIONS:
                errors.append(
                    f"action: unsupported chat action {action!r}; expected one of {sorted(_CHAT_ACTIONS)}"
                )
        elif method == "sendMediaGroup" and isinstance(params.get("media"), list):
            media = params["media"]
            if not 2 <= len(media) <= 10:
                errors.append(f"media: must include 2-10 items, got {len(media)}")
            kinds = {m.get("type") for m in media if isinstance(m, dict)}
            for exclusive in ("audio", "document"):
                if exclusive in kinds and len(kinds) > 1:
                    errors.append(
                        f"media: {exclusive}s can only be grouped with {exclusive}s, "
                        f"got {sorted(map(str, kinds))}"
                    )
        elif (
            method == "sendPaidMedia" and isinstance(params.get("media"), list) and len(params["media"]) > 10
        ):
            errors.append(f"media: up to 10 items, got {len(params['media'])}")
        return errors


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _BodyError(Exception):
    """The request body could not be decoded."""


_HEADER_PARAM_RE = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``'form-data; name="x"'`` into ``("form-data", {"name": "x"})``."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _HEADER_PARAM_RE.finditer(";" + rest):
        raw = match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[match.group(1).lower()] = raw
    return main.strip().lower(), params


def _parse_multipart(body: bytes, boundary: str | None) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Minimal multipart/form-data parser: text parts -> fields, parts with a filename -> files."""
    if not boundary:
        raise _BodyError("multipart/form-data without a boundary")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    if len(chunks) < 2:
        raise _BodyError("malformed multipart body (boundary not found)")
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # closing delimiter
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise _BodyError("malformed multipart part (no header/body separator)")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                key, _, val = line.partition(":")
                headers[key.strip().lower()] = val.strip()
        _, disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            raise _BodyError("multipart part without a name")
        if "filename" in disposition:
            content_type = headers.get("content-type", "application/octet-stream")
            files[name] = UploadedFile(name, disposition["filename"], content_type, content)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def _parse_body(
    content_type_header: str, body: bytes, query: str
) -> tuple[JsonDict, dict[str, UploadedFile], set[str]]:
    """Decode query string + body into (params, files, names of params that are form strings)."""
    params: JsonDict = {}
    coerce: set[str] = set()
    files: dict[str, UploadedFile] = {}
    for key, val in parse_qsl(query, keep_blank_values=True):
        params[key] = val
        coerce.add(key)
    if not body:
        return params, files, coerce
    content_type, ct_params = _header_params(content_type_header)
    if content_type == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError as exc:
            raise _BodyError(f"can't parse JSON body: {exc}") from exc
        if not isinstance(data, dict):
            raise _BodyError("JSON body must be an object")
        params.update(data)
        coerce -= data.keys()
    elif content_type == "application/x-www-form-urlencoded":
        for key, val in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            params[key] = val
            coerce.add(key)
    elif content_type == "multipart/form-data":
        fields, files = _parse_multipart(body, ct_params.get("boundary"))
        params.update(fields)
        coerce |= fields.keys()
    else:
        raise _BodyError(f"unsupported Content-Type {content_type_header!r}")
    return params, files, coerce


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeBotApi) -> None:
        super().__init__(address, _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        # Headers and body are written separately: without TCP_NODELAY, Nagle's algorithm plus
        # delayed ACKs add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, add=False)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        fake = self.server.fake
        fake._request_started()
        try:
            body = self._read_body()
            status, payload, content_type = fake._handle_http(
                self.path, self.headers.get("Content-Type", ""), body
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # client went away (e.g. an abandoned long poll)
        finally:
            fake._request_finished()


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answer; ``violations`` are recorded in FakeBotApi.violations."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        parameters: JsonDict | None = None,
        violations: Sequence[str] = (),
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.violations = list(violations)

    @classmethod
    def bad_request(cls, message: str) -> _ApiError:
        return cls(400, f"Bad Request: {message}", violations=[message])

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _FailRule:
    method: str  # lower-case method name or "*"
    error_code: int
    description: str
    retry_after: int
    remaining: int
    chat_id: int | None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str
    mime_type: str


@dataclass
class _OutboxRecord:
    message: JsonDict  # live dict, updated by edits
    method: str
    params: JsonDict


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _is_message_sending(method: str) -> bool:
    """Methods that count as "sending a message" for flood limits and blocked chats."""
    return (method.startswith("send") and method != "sendChatAction") or method in (
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    )


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class FakeBotApi:
    """Spec-validating fake Telegram Bot API server (see the module docstring).

    Args:
        host, port: where to listen (port 0 = pick a free port).
        enforce_limits: answer 429 when the flood limits below are exceeded (sliding windows over
            message-sending methods: send*, copy*, forward*).
        global_per_second: messages per second over all chats.
        group_per_minute: messages per minute into one group/supergroup (chat id < 0).
        strict_state: also reproduce state-dependent errors (unknown messages/queries/file_ids,
            "message is not modified", ...) as violations.
        tolerate_ptb_defaults: don't report :data:`PTB_DEFAULT_PARAMS` (which PTB sends to every
            send method when set in ``Defaults``) as unknown parameters where a method lacks them.
        max_poll_timeout: upper bound for getUpdates long polling, seconds.
        spec_path: alternative spec file.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        global_per_second: int = 30,
        group_per_minute: int = 20,
        strict_state: bool = True,
        tolerate_ptb_defaults: bool = True,
        max_poll_timeout: float = 30.0,
        spec_path: Path | str = SPEC_PATH,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.enforce_limits = enforce_limits
        self.global_per_second = global_per_second
        self.group_per_minute = group_per_minute
        self.strict_state = strict_state
        self.max_poll_timeout = max_poll_timeout
        self.spec = ApiSpec.load(spec_path)
        self.validator = SpecValidator(
            self.spec,
            is_known_file_id=self._is_known_file_id if strict_state else None,
            tolerated_unknown_params=PTB_DEFAULT_PARAMS if tolerate_ptb_defaults else (),
        )
        self.bot_user: JsonDict = dict(BOT_USER)

        # Public records (append-only; read them directly or via the helpers below).
        self.requests: list[tuple[str, JsonDict]] = []
        self.violations: list[JsonDict] = []
        self.rate_limit_hits = 0
        self.injected_failures: list[tuple[str, int]] = []

        self._cond = threading.Condition(threading.RLock())
        self._stopping = False
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._active_requests = 0

        # Updates / long polling
        self._updates: list[JsonDict] = []
        self._next_update_id = 1
        self._delivered_update_id = 0
        self._allowed_updates = self.spec.update_types - _OPT_IN_UPDATES
        self._poll_generation = 0

        # Chats, users, messages, files
        self._users: dict[int, JsonDict] = {}
        self._chats: dict[int, JsonDict] = {}
        self._username_chats: dict[str, int] = {}
        self._message_counters: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._outbox: list[_OutboxRecord] = []
        self._files: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._members: dict[tuple[int, int], JsonDict] = {}

        # Queries and bot settings
        self._query_counter = itertools.count(1)
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._inline_queries: dict[str, bool] = {}
        self.callback_answers: list[JsonDict] = []
        self.inline_answers: list[JsonDict] = []
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}  # (kind, language) -> text
        self._menu_buttons: dict[int | None, JsonDict] = {}

        # Webhook (setWebhook): a delivery thread POSTs the queued updates to it, one at a time and in
        # order as Telegram does, with the secret header; an update leaves the queue on a 200 only
        self.webhook: JsonDict | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status or 0 for no answer)
        self._webhook_thread: threading.Thread | None = None

        # Fault injection / flood limits
        self._fail_rules: list[_FailRule] = []
        self._blocked: set[int] = set()
        self._global_window: deque[float] = deque()
        self._group_windows: dict[int, deque[float]] = {}

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Start serving in a background thread; returns ``self``."""
        if self._httpd is not None:
            raise RuntimeError("FakeBotApi already started")
        self._httpd = _HttpServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="FakeBotApi", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server; pending long polls return immediately with no updates."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        with self._cond:
            # Let in-flight requests (e.g. long polls that were just released) send their answer.
            self._cond.wait_for(lambda: self._active_requests == 0, timeout=5)
            connections = list(self._connections)
        for conn in connections:  # wake handler threads blocked on idle keep-alive connections
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=15)
            self._webhook_thread = None
        self._httpd = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeBotApi is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """Bot API base URL for PTB (``Bot(token, base_url=...)``), e.g. http://127.0.0.1:PORT/bot"""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """File download base URL for PTB (``base_file_url=...``)."""
        return f"http://{self.host}:{self.port}/file/bot"

    def _request_started(self) -> None:
        with self._cond:
            self._active_requests += 1

    def _request_finished(self) -> None:
        with self._cond:
            self._active_requests -= 1
            self._cond.notify_all()

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._cond:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ---- test-side setup ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> JsonDict:
        """Register (or update) a user; returns the User dict used in updates."""
        with self._cond:
            user = self._user(user_id)
            user["is_bot"] = is_bot
            optional = {"last_name": last_name, "username": username, "language_code": language_code}
            user.update({k: v for k, v in optional.items() if v is not None})
            if first_name is not None:
                user["first_name"] = first_name
            return copy.deepcopy(user)

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """Register (or update) a chat; ``chat_type`` defaults to private (id > 0) / supergroup."""
        with self._cond:
            chat = self._chat(chat_id, chat_type)
            if title is not None and chat["type"] != "private":
                chat["title"] = title
            if username is not None:
                chat["username"] = username.lstrip("@")
                self._username_chats[username.lstrip("@").lower()] = chat_id
            return copy.deepcopy(chat)

    def register_file(
        self, data: bytes, file_name: str = "file.bin", mime_type: str = "application/octet-stream"
    ) -> JsonDict:
        """Store a file as if it were on Telegram's servers; returns a Document dict (with file_id)."""
        with self._cond:
            stored = self._store_file(data, file_name, mime_type)
            return self._document(stored)

    def file_content(self, file_id: str) -> bytes:
        """Bytes of an uploaded or registered file."""
        with self._cond:
            return self._files[file_id].data

    def set_chat_member(self, chat_id: int, user_id: int, status: str = "member", **fields: Any) -> JsonDict:
        """Set what getChatMember returns for (chat, user).

        ``status`` is one of creator, administrator, member, restricted, left, kicked; missing
        required fields get defaults (administrators get the usual moderation rights).
        """
        subtype = {
            "creator": "ChatMemberOwner",
            "administrator": "ChatMemberAdministrator",
            "member": "ChatMemberMember",
            "restricted": "ChatMemberRestricted",
            "left": "ChatMemberLeft",
            "kicked": "ChatMemberBanned",
        }[status]
        with self._cond:
            member: JsonDict = {"status": status, "user": copy.deepcopy(self._user(user_id))}
            for name, spec_field in self.spec.fields(subtype).items():
                if spec_field["required"] and name not in member:
                    member[name] = 0 if spec_field["types"] == ["Integer"] else False
            if status == "administrator":
                member.update(
                    can_manage_chat=True,
                    can_delete_messages=True,
                    can_restrict_members=True,
                    can_invite_users=True,
                    can_change_info=True,
                    can_pin_messages=True,
                )
            if status == "restricted":
                member["is_member"] = True
            member.update(fields)
            errors = self.validator.check_value(member, "ChatMember", "member")
            if errors:
                raise ValueError(f"invalid chat member: {errors}")
            self._chat(chat_id)
            self._members[(chat_id, user_id)] = member
            return copy.deepcopy(member)

    def set_chat_admins(self, chat_id: int, admin_ids: Iterable[int], owner_id: int | None = None) -> None:
        """Make ``admin_ids`` administrators (and ``owner_id`` the creator) of ``chat_id``."""
        for user_id in admin_ids:
            self.set_chat_member(chat_id, user_id, "administrator")
        if owner_id is not None:
            self.set_chat_member(chat_id, owner_id, "creator")

    # ---- pushing updates ---------------------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> JsonDict:
        """Queue an update (without update_id) for getUpdates; returns it with its update_id.

        The update is validated against the spec (``ValueError`` if the test built it wrong).
        """
        with self._cond:
            payload = {k: v for k, v in update.items() if k != "update_id"}
            if len(payload) != 1:
                raise ValueError(f"an update must carry exactly one payload field, got {sorted(payload)}")
            full = {"update_id": self._next_update_id, **copy.deepcopy(payload)}
            errors = self.validator.check_value(full, "Update", "update")
            if errors:
                raise ValueError("invalid update pushed by the test:\n  " + "\n  ".join(errors))
            self._next_update_id += 1
            self._remember_update_messages(full)
            self._updates.append(full)
            self._cond.notify_all()
            return copy.deepcopy(full)

    def push_message(
        self,
        chat_id: int,
        text: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        *,
        reply_to_message_id: int | None = None,
        **extra: Any,
    ) -> JsonDict:
        """Queue a "message" update from a user; returns the update.

        ``user_id`` defaults to ``chat_id`` in private chats (required for groups).  A leading
        ``/command`` gets its bot_command entity like Telegram adds it.  ``extra`` is merged into
        the Message (e.g. ``document=api.register_file(b"...")``, ``entities=[...]``).
        """
        with self._cond:
            chat = self._chat(chat_id, chat_type)
            if user_id is None:
                if chat["type"] != "private":
                    raise ValueError("push_message into a group needs user_id")
                user_id = chat_id
            message: JsonDict = {
                "message_id": self._next_message_id(chat_id),
                "from": copy.deepcopy(self._user(user_id)),
                "chat": copy.deepcopy(chat),
                "date": int(time.time()),
            }
            if text is not None:
                message["text"] = text
                command = _INCOMING_COMMAND_RE.match(text)
                if command:
                    message["entities"] = [
                        {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
                    ]
            if reply_to_message_id is not None:
                target = self._messages.get((chat_id, reply_to_message_id))
                if target is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
                message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
            message.update(extra)
            return self.push_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int | None = None,
        *,
        check_button: bool = True,
    ) -> JsonDict:
        """Queue a "callback_query" update as if ``user_id`` pressed a button; returns the update.

        ``message_id`` defaults to the bot's latest message in the chat.  With ``check_button``
        the message (if known and carrying an inline keyboard) must have a button with
        ``callback_data == data``.  Unknown message ids get a stub bot message.
        """
        with self._cond:
            chat_key = self._chat_key(chat_id)
            if message_id is None:
                own = [r.message for r in self._outbox if r.message["chat"]["id"] == chat_key]
                if not own:
                    raise ValueError(f"the bot has sent no message to chat {chat_id} yet; pass message_id")
                message_id = own[-1]["message_id"]
            key = (chat_key, message_id)
            message: JsonDict
            if key in self._deleted:
                message = {"chat": copy.deepcopy(self._chat(chat_key)), "message_id": message_id, "date": 0}
            else:
                if key not in self._messages:
                    self._messages[key] = {
                        "message_id": message_id,
                        "from": copy.deepcopy(self.bot_user),
                        "chat": copy.deepcopy(self._chat(chat_key)),
                        "date": int(time.time()),
                        "text": "(stub message created by push_callback)",
                    }
                    self._message_counters[chat_key] = max(
                        self._message_counters.get(chat_key, 0), message_id
                    )
                message = copy.deepcopy(self._messages[key])
                datas = [b["callback_data"] for b in self.inline_buttons(message) if "callback_data" in b]
                if check_button and datas and data not in datas:
                    raise ValueError(
                        f"message {message_id} has no button with callback_data {data!r}: {datas}"
                    )
            query_id = str(next(self._query_counter))
            self._callback_queries[query_id] = False
            callback = {
                "id": query_id,
                "from": copy.deepcopy(self._user(user_id)),
                "message": message,
                "chat_instance": str(abs(chat_key) * 7 + 1),
                "data": data,
            }
            return self.push_update({"callback_query": callback})

    def push_inline_query(
        self, user_id: int, query: str, offset: str = "", chat_type: str | None = None
    ) -> JsonDict:
        """Queue an "inline_query" update; returns the update (its id is update["inline_query"]["id"])."""
        with self._cond:
            query_id = str(next(self._query_counter))
            self._inline_queries[query_id] = False
            inline: JsonDict = {
                "id": query_id,
                "from": copy.deepcopy(self._user(user_id)),
                "query": query,
                "offset": offset,
            }
            if chat_type is not None:
                inline["chat_type"] = chat_type
            return self.push_update({"inline_query": inline})

    # ---- fault injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int = 3,
        description: str | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any) with an error.

        429 answers carry ``parameters.retry_after``.  ``chat_id`` restricts the rule to calls
        targeting that chat.  Injected errors are not violations.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: injected failure",
                409: "Conflict: terminated by other getUpdates request",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}: injected failure")
        with self._cond:
            self._fail_rules.append(
                _FailRule(
                    method.lower(),
                    error_code,
                    description,
                    retry_after,
                    times,
                    None if chat_id is None else self._chat_key(chat_id),
                )
            )

    def block_chat(self, chat_id: int) -> None:
        """Make message sends/edits to ``chat_id`` fail with 403 (user blocked the bot / bot kicked)."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    # ---- inspection --------------------------------------------------------------------------

    def sent_messages(
        self, chat_id: int | str | None = None, *, include_deleted: bool = False
    ) -> list[JsonDict]:
        """The bot's outgoing messages in send order (current state, i.e. after edits).

        Each is a spec-shaped Message dict plus ``_method`` (e.g. "sendDocument") and ``_params``
        (the decoded request, e.g. the raw HTML in ``_params["text"]``) and ``_deleted``.
        """
        with self._cond:
            chat_key = None if chat_id is None else self._chat_key(chat_id)
            result = []
            for record in self._outbox:
                msg = record.message
                key = (msg["chat"]["id"], msg["message_id"])
                if chat_key is not None and key[0] != chat_key:
                    continue
                if key in self._deleted and not include_deleted:
                    continue
                item = copy.deepcopy(msg)
                item.update(
                    _method=record.method, _params=copy.deepcopy(record.params), _deleted=key in self._deleted
                )
                result.append(item)
            return result

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Text (or caption) of each outgoing message, see :meth:`sent_messages`."""
        return [str(m.get("text") or m.get("caption") or "") for m in self.sent_messages(chat_id)]

    def last_message(self, chat_id: int | str) -> JsonDict:
        """The bot's latest (not deleted) message in a chat; AssertionError if there is none."""
        messages = self.sent_messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {chat_id}\n{self.dump()}")
        return messages[-1]

    def message(self, chat_id: int | str, message_id: int) -> JsonDict | None:
        """Current state of any known message (sent by the bot or pushed by the test)."""
        with self._cond:
            found = self._messages.get((self._chat_key(chat_id), message_id))
            return copy.deepcopy(found)

    @staticmethod
    def inline_buttons(message: Mapping[str, Any]) -> list[JsonDict]:
        """Flat list of the inline keyboard buttons of a Message dict."""
        markup = message.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def requests_for(self, method: str) -> list[JsonDict]:
        """Decoded parameters of every call of ``method`` (case-insensitive), in order."""
        with self._cond:
            return [copy.deepcopy(p) for m, p in self.requests if m.lower() == method.lower()]

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands set via setMyCommands for a scope (default scope by default)."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def bot_text(self, kind: str, language_code: str = "") -> str | None:
        """Text set via setMyDescription / setMyShortDescription / setMyName.

        ``kind`` is "description", "short_description" or "name".
        """
        with self._cond:
            return self._bot_texts.get((kind, language_code))

    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via getUpdates offset)."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def clear_records(self) -> None:
        """Forget recorded requests, violations, outgoing messages, answers and rate-limit hits."""
        with self._cond:
            self.requests.clear()
            self.violations.clear()
            self._outbox.clear()
            self.callback_answers.clear()
            self.inline_answers.clear()
            self.injected_failures.clear()
            self.rate_limit_hits = 0

    def dump(self, last: int = 20) -> str:
        """Readable summary of recent traffic, for assertion messages."""
        with self._cond:
            lines = [f"FakeBotApi ({self.spec.version}); last {last} of {len(self.requests)} requests:"]
            lines += [f"  {method} {_short(params, 200)}" for method, params in self.requests[-last:]]
            lines.append(f"violations ({len(self.violations)}):")
            lines += [f"  {v['method']}: {v['message']}" for v in self.violations[-last:]]
            lines.append(f"pending updates: {[u['update_id'] for u in self._updates]}")
            lines.append("outgoing messages (chat_id, message_id, text/caption):")
            lines += [
                f"  {r.message['chat']['id']} #{r.message['message_id']}: "
                f"{_short(r.message.get('text', r.message.get('caption', '')), 120)}"
                for r in self._outbox[-last:]
            ]
            return "\n".join(lines)

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every recorded violation."""
        with self._cond:
            violations = list(self.violations)
        if violations:
            lines = [f"{len(violations)} Telegram Bot API violation(s):"]
            for number, v in enumerate(violations, 1):
                lines.append(f"  {number}. {v['method']}: {v['message']}")
                lines.append(f"     params: {_short(v['params'])}")
            raise AssertionError("\n".join(lines))

    # ---- waiting -----------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0, description: str = "") -> T:
        """Block until ``predicate()`` is truthy (re-checked on every state change); return its value.

        Raises AssertionError with :meth:`dump` on timeout.  Do not call this from the event loop
        that runs the bot -- use :meth:`async_wait_for` there.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    what = description or getattr(predicate, "__name__", "predicate")
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{self.dump()}")
                self._cond.wait(remaining)

    def wait_for_messages(self, chat_id: int | str, count: int, timeout: float = 10.0) -> list[JsonDict]:
        """Wait until the bot has >= ``count`` (non-deleted) messages in the chat; return them all."""

        self.wait_for(
            lambda: len(self.sent_messages(chat_id)) >= count,
            timeout,
            f"{count} outgoing message(s) in chat {chat_id}",
        )
        return self.sent_messages(chat_id)

    def wait_for_request(
        self, method: str, predicate: Callable[[JsonDict], bool] | None = None, timeout: float = 10.0
    ) -> JsonDict:
        """Wait for a call of ``method`` (whose params satisfy ``predicate``); return its params."""

        def find() -> tuple[JsonDict] | None:  # a tuple, because params may be an empty (falsy) dict
            for params in self.requests_for(method):
                if predicate is None or predicate(params):
                    return (params,)
            return None

        return self.wait_for(find, timeout, f"a {method} request")[0]

    def wait_for_updates_consumed(self, timeout: float = 10.0) -> None:
        """Wait until every pushed update has been delivered to the bot by getUpdates."""
        self.wait_for(
            lambda: self._delivered_update_id >= self._next_update_id - 1, timeout, "all updates delivered"
        )

    # The async variants mirror the blocking API, so they take ``timeout`` too (enforced by the
    # worker thread's wait_for, hence noqa: ASYNC109).

    async def async_wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,  # noqa: ASYNC109
        description: str = "",
    ) -> T:
        """:meth:`wait_for` for async tests (waits in a worker thread, keeping the loop free)."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, description)

    async def async_wait_for_messages(
        self,
        chat_id: int | str,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[JsonDict]:
        """:meth:`wait_for_messages` for async tests."""
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)

    async def async_wait_for_request(
        self,
        method: str,
        predicate: Callable[[JsonDict], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JsonDict:
        """:meth:`wait_for_request` for async tests."""
        return await asyncio.to_thread(self.wait_for_request, method, predicate, timeout)

    # ---- request handling --------------------------------------------------------------------

    def _handle_http(self, raw_path: str, content_type: str, body: bytes) -> tuple[int, bytes, str]:
        """Entry point from the HTTP handler thread: returns (status, body, content type)."""
        split = urlsplit(raw_path)
        file_match = _FILE_PATH_RE.fullmatch(split.path)
        if file_match:
            return self._serve_file(file_match.group("path"))
        method = "?"
        params: JsonDict = {}
        recorded = False
        try:
            path_match = _API_PATH_RE.fullmatch(split.path)
            if path_match is None:
                raise _ApiError(404, "Not Found", violations=[f"unexpected URL path {split.path!r}"])
            method = path_match.group("method")
            try:
                params, files, coerce = _parse_body(content_type, body, split.query)
            except _BodyError as exc:
                raise _ApiError.bad_request(str(exc)) from exc
            canonical = self.spec.canonical_method(method)
            if canonical is None:
                raise _ApiError(404, "Not Found", violations=[f"unknown method {method!r}"])
            method = canonical
            if not _TOKEN_RE.fullmatch(path_match.group("token")):
                raise _ApiError(401, "Unauthorized", violations=["malformed bot token in the URL"])
            method_fields = self.spec.fields(method)
            for name, part in files.items():  # top-level file uploads, e.g. sendDocument.document
                if name in method_fields and name not in params:
                    params[name] = part
            params, errors = self.validator.validate_request(method, params, files, coerce)
            with self._cond:
                self.requests.append((method, params))
                recorded = True
                self._cond.notify_all()  # wake wait_for_request() even if the call blocks (long poll)
                try:
                    if errors:
                        raise _ApiError(400, "Bad Request: " + "; ".join(errors), violations=errors)
                    self._apply_faults(method, params)
                    result = self._call(method, params, files)
                finally:
                    self._cond.notify_all()
            # Self-check: the fake must only ever answer with spec-shaped results.
            result_errors = self.validator.check_value(result, self.spec.returns(method), "result")
            if result_errors:
                self._record_violations(
                    method, params, [f"FakeBotApi bug: invalid {method} result: {'; '.join(result_errors)}"]
                )
            status, response = 200, {"ok": True, "result": result}
        except _ApiError as exc:
            status, response = exc.code, exc.payload()
            if not recorded:
                with self._cond:
                    self.requests.append((method, params))
            self._record_violations(method, params, exc.violations)
        except Exception:  # a bug in the fake itself: make the test fail loudly
            details = traceback.format_exc()
            status = 500
            response = {
                "ok": False,
                "error_code": 500,
                "description": "Internal Server Error (FakeBotApi bug)",
            }
            self._record_violations(method, params, [f"FakeBotApi internal error:\n{details}"])
        return status, json.dumps(response, ensure_ascii=False).encode("utf-8"), "application/json"

    def _record_violations(self, method: str, params: JsonDict, messages: Sequence[str]) -> None:
        if not messages:
            return
        with self._cond:
            for message in messages:
                self.violations.append({"method": method, "message": message, "params": params})
            self._cond.notify_all()

    def _serve_file(self, file_path: str) -> tuple[int, bytes, str]:
        with self._cond:
            for stored in self._files.values():
                if self._file_path(stored) == file_path:
                    return 200, stored.data, stored.mime_type
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return 404, json.dumps(body).encode(), "application/json"

    def _apply_faults(self, method: str, params: JsonDict) -> None:
        """Injected failures, blocked chats and flood limits (called with the lock held)."""
        chat = params.get("chat_id")
        chat_key = None if chat is None else self._chat_key(chat)
        for rule in self._fail_rules:
            if rule.method in ("*", method.lower()) and rule.chat_id in (None, chat_key):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._fail_rules.remove(rule)
                self.injected_failures.append((method, rule.error_code))
                parameters = {"retry_after": rule.retry_after} if rule.error_code == 429 else None
                raise _ApiError(rule.error_code, rule.description, parameters=parameters)
        if chat_key in self._blocked and (_is_message_sending(method) or method.startswith("editMessage")):
            reason = (
                "bot was blocked by the user" if chat_key > 0 else "bot was kicked from the supergroup chat"
            )
            raise _ApiError(403, f"Forbidden: {reason}")
        if self.enforce_limits and _is_message_sending(method):
            self._check_flood_limits(chat_key)

    def _check_flood_limits(self, chat_key: int | None) -> None:
        now = time.monotonic()
        windows: list[tuple[deque[float], float, int]] = [(self._global_window, 1.0, self.global_per_second)]
        if chat_key is not None and chat_key < 0:
            windows.append((self._group_windows.setdefault(chat_key, deque()), 60.0, self.group_per_minute))
        for window, span, limit in windows:
            while window and now - window[0] >= span:
                window.popleft()
            if len(window) >= limit:
                retry_after = max(1, math.ceil(span - (now - window[0])))
                self.rate_limit_hits += 1
                raise _ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    parameters={"retry_after": retry_after},
                )
        for window, _, _ in windows:
            window.append(now)

    def _call(self, method: str, params: JsonDict, files: Mapping[str, UploadedFile]) -> Any:
        handler = getattr(self, f"_api_{_snake(method)}", None)
        if handler is not None:
            return handler(params, files)
        returns = self.spec.returns(method)
        if returns == ["Boolean"]:
            return True
        if returns == ["Message"] and method.startswith("send"):
            return self._send(method, params, files)
        raise _ApiError.bad_request(
            f"FakeBotApi does not implement {method} (returns {returns}); extend tests/e2e/fake_bot_api.py"
        )

    # ---- state helpers (lock held) -------------------------------------------------------------

    def _is_known_file_id(self, file_id: str) -> bool:
        with self._cond:
            return file_id in self._files

    def _user(self, user_id: int) -> JsonDict:
        if user_id == BOT_ID:
            return self.bot_user
        return self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )

    def _chat_key(self, chat_id: int | str) -> int:
        if isinstance(chat_id, int):
            return chat_id
        if _INT_RE.fullmatch(chat_id):
            return int(chat_id)
        name = chat_id.lstrip("@").lower()
        if name not in self._username_chats:
            self._username_chats[name] = -1001000000000 - len(self._username_chats)
            chat = self._chat(self._username_chats[name], "channel")
            chat["username"] = chat_id.lstrip("@")
        return self._username_chats[name]

    def _chat(self, chat_id: int | str, chat_type: str | None = None) -> JsonDict:
        key = self._chat_key(chat_id)
        chat = self._chats.get(key)
        if chat is None:
            chat_type = chat_type or ("private" if key > 0 else "supergroup")
            chat = {"id": key, "type": chat_type}
            self._chats[key] = chat
        elif chat_type is not None:
            chat["type"] = chat_type
        if chat["type"] == "private":
            chat.pop("title", None)
            user = self._user(key)
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        else:
            chat.pop("first_name", None)
            chat.setdefault("title", f"Chat {key}")
        return chat

    def _next_message_id(self, chat_key: int) -> int:
        self._message_counters[chat_key] = self._message_counters.get(chat_key, 0) + 1
        return self._message_counters[chat_key]

    def _remember_update_messages(self, update: JsonDict) -> None:
        """Store messages carried by pushed updates so the bot can reply to/edit/copy them."""
        for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(kind)
            if isinstance(message, dict):
                key = (message["chat"]["id"], message["message_id"])
                self._messages[key] = copy.deepcopy(message)
                self._chats.setdefault(key[0], copy.deepcopy(message["chat"]))
                self._message_counters[key[0]] = max(self._message_counters.get(key[0], 0), key[1])

    def _store_file(self, data: bytes, file_name: str, mime_type: str) -> _StoredFile:
        number = next(self._file_counter)
        stored = _StoredFile(f"FILE{number:06d}AgADfake", f"UNIQ{number:06d}", data, file_name, mime_type)
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _file_path(stored: _StoredFile) -> str:
        return f"files/{stored.file_unique_id}/{stored.file_name}"

    @staticmethod
    def _document(stored: _StoredFile) -> JsonDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }

    def _resolve_file(self, value: Any, files: Mapping[str, UploadedFile], default_name: str) -> _StoredFile:
        """Turn an upload / attach:// / file_id / URL into a stored file."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = files[value[len("attach://") :]]
        if isinstance(value, UploadedFile):
            return self._store_file(value.data, value.filename, value.content_type)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        name = value.rstrip("/").rsplit("/", 1)[-1] if isinstance(value, str) and value else default_name
        return self._store_file(b"", name or default_name, "application/octet-stream")

    def _media_object(self, kind: str, value: Any, files: Mapping[str, UploadedFile]) -> Any:
        """Spec-shaped Document/PhotoSize[]/Audio/... for a sent file."""
        stored = self._resolve_file(value, files, f"{kind}.bin")
        base = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if kind == "document":
            return self._document(stored)
        if kind == "photo":
            return [{**base, "width": 90, "height": 90}, {**base, "width": 800, "height": 800}]
        extras: dict[str, JsonDict] = {
            "audio": {"duration": 1, "file_name": stored.file_name, "mime_type": stored.mime_type},
            "voice": {"duration": 1},
            "video": {"width": 640, "height": 360, "duration": 1},
            "animation": {"width": 320, "height": 240, "duration": 1},
            "video_note": {"length": 240, "duration": 1},
            "sticker": {
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        }
        return {**base, **extras.get(kind, {})}

    def _render(self, text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
        """Text + entities of the resulting message (HTML parsed, whitespace trimmed)."""
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            parsed = parse_telegram_html(text)
            return _trim_formatted(parsed.text, parsed.entities)
        return _trim_formatted(text, list(entities or []))

    def _new_message(self, chat_id: int | str, content: JsonDict, params: JsonDict | None = None) -> JsonDict:
        """Create and store a message from the bot (with reply/thread/markup taken from ``params``)."""
        chat_key = self._chat_key(chat_id)
        params = params or {}
        target = None
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            target_chat = self._chat_key(reply.get("chat_id", chat_key))
            target = self._messages.get((target_chat, reply["message_id"]))
            if target is None and self.strict_state and not reply.get("allow_sending_without_reply"):
                raise _ApiError.bad_request(
                    f"message to be replied not found (message_id {reply['message_id']})"
                )
        message: JsonDict = {
            "message_id": self._next_message_id(chat_key),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(self._chat(chat_key)),
            "date": int(time.time()),
        }
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
        if target is not None:
            message["reply_to_message"] = {
                k: copy.deepcopy(v) for k, v in target.items() if k != "reply_to_message"
            }
        message.update(content)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = copy.deepcopy(markup)
        if params.get("protect_content"):
            message["has_protected_content"] = True
        self._messages[(chat_key, message["message_id"])] = message
        return message

    def _record_outgoing(self, message: JsonDict, method: str, params: JsonDict) -> None:
        self._outbox.append(_OutboxRecord(message, method, params))

    def _editable(self, params: JsonDict, what: str) -> JsonDict | None:
        """The bot message targeted by an edit (None for inline messages)."""
        if params.get("inline_message_id") is not None:
            return None
        key = (self._chat_key(params["chat_id"]), params["message_id"])
        message = self._messages.get(key)
        if message is None:
            if self.strict_state:
                raise _ApiError.bad_request(f"message to {what} not found")
            message = {
                "message_id": key[1],
                "from": copy.deepcopy(self.bot_user),
                "chat": copy.deepcopy(self._chat(key[0])),
                "date": int(time.time()),
                "text": "(unknown message)",
            }
            self._messages[key] = message
        if self.strict_state and message.get("from", {}).get("id") != BOT_ID:
            raise _ApiError.bad_request("message can't be edited (it was not sent by the bot)")
        return message

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    # ---- method handlers (called with the lock held) -----------------------------------------------

    def _api_get_me(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        return copy.deepcopy(self.bot_user)

    def _api_get_updates(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> list[JsonDict]:
        if self.webhook is not None:
            message = "getUpdates while a webhook is set"
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
                violations=[message],
            )
        offset = params.get("offset")
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = max(params.get("timeout", 0), 0)
        if "allowed_updates" in params:
            requested = params["allowed_updates"]
            self._allowed_updates = (
                frozenset(requested) if requested else self.spec.update_types - _OPT_IN_UPDATES
            )
        if offset is not None:  # confirm everything before offset
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + min(timeout, self.max_poll_timeout)
        while True:
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._updates = [
                u for u in self._updates if not (u.keys() - {"update_id"}).isdisjoint(self._allowed_updates)
            ]
            batch = self._updates[:limit]
            remaining = deadline - time.monotonic()
            if batch or self._stopping or remaining <= 0:
                break
            self._cond.wait(remaining)
        if batch:
            self._delivered_update_id = max(self._delivered_update_id, batch[-1]["update_id"])
        return copy.deepcopy(batch)

    def _api_get_webhook_info(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _api_set_webhook(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        if not params.get("url"):
            return self._api_delete_webhook(params, files)
        if not str(params["url"]).startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise _ApiError.bad_request("bad webhook: an HTTPS URL must be provided for webhook")
        secret = params.get("secret_token", "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _ApiError.bad_request("secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if "allowed_updates" in params:
            requested = params["allowed_updates"]
            self._allowed_updates = (
                frozenset(requested) if requested else self.spec.update_types - _OPT_IN_UPDATES
            )
        if params.get("drop_pending_updates"):
            self._updates = []
        self.webhook = {
            "url": str(params["url"]),
            "secret_token": secret,
            "max_connections": params.get("max_connections", 40),
        }
        self._poll_generation += 1  # a long poll still waiting is ended (it gets 409)
        if self._webhook_thread is None:
            self._webhook_thread = threading.Thread(
                target=self._deliver_webhooks, name="FakeBotApi-webhook", daemon=True
            )
            self._webhook_thread.start()
        self._cond.notify_all()
        return True

    def _api_delete_webhook(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates = []
        return True

    def _next_for_webhook(self) -> tuple[JsonDict, str, str] | None:
        """(update, url, secret) to deliver now, or None; lock held."""
        if self.webhook is None:
            return None
        for update in self._updates:
            if not (update.keys() - {"update_id"}).isdisjoint(self._allowed_updates):
                return copy.deepcopy(update), self.webhook["url"], self.webhook["secret_token"]
        return None

    def _deliver_webhooks(self) -> None:

        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or self._next_for_webhook() is not None)
                if self._stopping:
                    return
                found = self._next_for_webhook()
            if found is None:
                continue
            update, url, secret = found
            status = self.post_webhook(update, url=url, secret=secret)
            with self._cond:
                self.webhook_deliveries.append((update["update_id"], status))
                if status == 200:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                    self._delivered_update_id = max(self._delivered_update_id, update["update_id"])
                else:  # Telegram retries later; here a short pause (the bot is starting or stopping)
                    self._cond.wait(0.2)
                self._cond.notify_all()

    def post_webhook(
        self, update: Mapping[str, Any], url: str | None = None, secret: str | None = None
    ) -> int:
        """POST one update to the webhook as Telegram does (also to redeliver one, as after a timeout);
        returns the HTTP status (0: no answer)."""
        import urllib.error
        import urllib.request

        if url is None or secret is None:
            with self._cond:
                if self.webhook is None:
                    raise RuntimeError("no webhook is set")
                url = url or self.webhook["url"]
                secret = self.webhook["secret_token"] if secret is None else secret
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            return 0

    def _api_set_my_commands(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = copy.deepcopy(params["commands"])
        return True

    def _api_delete_my_commands(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _api_get_my_commands(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> list[JsonDict]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _set_bot_text(self, kind: str, params: JsonDict) -> bool:
        self._bot_texts[(kind, params.get("language_code") or "")] = params.get(kind) or ""
        return True

    def _api_set_my_description(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        return self._set_bot_text("description", params)

    def _api_set_my_short_description(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        return self._set_bot_text("short_description", params)

    def _api_set_my_name(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        return self._set_bot_text("name", params)

    def _api_get_my_description(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        return {"description": self._bot_texts.get(("description", params.get("language_code") or ""), "")}

    def _api_get_my_short_description(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        language = params.get("language_code") or ""
        return {"short_description": self._bot_texts.get(("short_description", language), "")}

    def _api_get_my_name(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        language = params.get("language_code") or ""
        return {"name": self._bot_texts.get(("name", language)) or self.bot_user["first_name"]}

    def _api_set_chat_menu_button(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        self._menu_buttons[params.get("chat_id")] = copy.deepcopy(
            params.get("menu_button") or {"type": "default"}
        )
        return True

    def _api_get_chat_menu_button(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        button = self._menu_buttons.get(params.get("chat_id")) or self._menu_buttons.get(None)
        return copy.deepcopy(button or {"type": "commands"})

    def _answer_query(self, registry: dict[str, bool], query_id: str) -> None:
        if not self.strict_state:
            return
        if query_id not in registry or registry[query_id]:
            raise _ApiError.bad_request(
                "query is too old and response timeout expired or query ID is invalid "
                f"(id {query_id!r} {'already answered' if registry.get(query_id) else 'unknown'})"
            )
        registry[query_id] = True

    def _api_answer_callback_query(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        self._answer_query(self._callback_queries, params["callback_query_id"])
        self.callback_answers.append(copy.deepcopy(params))
        return True

    def _api_answer_inline_query(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        self._answer_query(self._inline_queries, params["inline_query_id"])
        self.inline_answers.append(copy.deepcopy(params))
        return True

    def _send(self, method: str, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        """Generic send* handler returning a Message."""
        content: JsonDict = {}
        if method == "sendMessage":
            text, entities = self._render(params["text"], params.get("parse_mode"), params.get("entities"))
            content["text"] = text
            if entities:
                content["entities"] = entities
            if params.get("link_preview_options"):
                content["link_preview_options"] = copy.deepcopy(params["link_preview_options"])
        kind = _MEDIA_KIND.get(method)
        if kind is not None:
            content[kind] = self._media_object(kind, params[kind], files)
            if kind == "animation":
                content["document"] = self._media_object("document", params[kind], files)
        if params.get("caption"):
            caption, entities = self._render(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
            if caption:
                content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        if method in ("sendLocation", "sendVenue"):
            location = {"latitude": params["latitude"], "longitude": params["longitude"]}
            if method == "sendLocation":
                content["location"] = location
            else:
                content["venue"] = {
                    "location": location,
                    "title": params["title"],
                    "address": params["address"],
                }
        elif method == "sendContact":
            content["contact"] = {"phone_number": params["phone_number"], "first_name": params["first_name"]}
        elif method == "sendDice":
            content["dice"] = {"emoji": params.get("emoji", "🎲"), "value": 1}
        message = self._new_message(params["chat_id"], content, params)
        self._record_outgoing(message, method, params)
        return copy.deepcopy(message)

    def _api_send_media_group(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> list[JsonDict]:
        group_id = f"group{next(self._file_counter)}"
        sent = []
        for item in params["media"]:
            kind = _MEDIA_GROUP_KIND.get(item["type"], "document")
            content: JsonDict = {
                "media_group_id": group_id,
                kind: self._media_object(kind, item["media"], files),
            }
            if item.get("caption"):
                caption, entities = self._render(
                    item["caption"], item.get("parse_mode"), item.get("caption_entities")
                )
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
            message = self._new_message(params["chat_id"], content, params)
            self._record_outgoing(message, "sendMediaGroup", params)
            sent.append(copy.deepcopy(message))
        return sent

    def _source_message(self, params: JsonDict, message_id: int, what: str) -> JsonDict:
        key = (self._chat_key(params["from_chat_id"]), message_id)
        source = self._messages.get(key)
        if source is None:
            if self.strict_state:
                raise _ApiError.bad_request(f"message to {what} not found (message_id {message_id})")
            return {"text": "(unknown message)"}
        return source

    def _copy(self, params: JsonDict, message_id: int, *, forward: bool) -> JsonDict:
        source = self._source_message(params, message_id, "forward" if forward else "copy")
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        if forward:
            sender = source.get("from") or self.bot_user
            content["forward_origin"] = {"type": "user", "date": source.get("date", 0), "sender_user": sender}
        elif "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            caption, entities = self._render(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
            if caption:
                content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        message = self._new_message(params["chat_id"], content, params)
        self._record_outgoing(message, "forwardMessage" if forward else "copyMessage", params)
        return message

    def _api_copy_message(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        return {"message_id": self._copy(params, params["message_id"], forward=False)["message_id"]}

    def _api_copy_messages(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> list[JsonDict]:
        return [
            {"message_id": self._copy(params, mid, forward=False)["message_id"]}
            for mid in params["message_ids"]
        ]

    def _api_forward_message(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        return copy.deepcopy(self._copy(params, params["message_id"], forward=True))

    def _api_forward_messages(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> list[JsonDict]:
        return [
            {"message_id": self._copy(params, mid, forward=True)["message_id"]}
            for mid in params["message_ids"]
        ]

    def _finish_edit(self, message: JsonDict, changes: JsonDict, removed: Sequence[str]) -> JsonDict:
        new = {**message, **changes}
        for key in removed:
            new.pop(key, None)
        if self.strict_state and new == message:
            raise _ApiError.bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.clear()
        message.update(new, edit_date=int(time.time()))
        return copy.deepcopy(message)

    def _markup_change(self, params: JsonDict) -> tuple[JsonDict, list[str]]:
        """Edits without reply_markup remove the inline keyboard, like on Telegram."""
        markup = params.get("reply_markup")
        if markup:
            return {"reply_markup": copy.deepcopy(markup)}, []
        return {}, ["reply_markup"]

    def _api_edit_message_text(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict | bool:
        message = self._editable(params, "edit")
        if message is None:
            return True
        if self.strict_state and "text" not in message:
            raise _ApiError.bad_request("there is no text in the message to edit")
        text, entities = self._render(
            params.get("text") or "", params.get("parse_mode"), params.get("entities")
        )
        changes, removed = self._markup_change(params)
        changes["text"] = text
        if entities:
            changes["entities"] = entities
        else:
            removed.append("entities")
        if params.get("link_preview_options"):
            changes["link_preview_options"] = copy.deepcopy(params["link_preview_options"])
        return self._finish_edit(message, changes, removed)

    def _api_edit_message_caption(
        self, params: JsonDict, files: Mapping[str, UploadedFile]
    ) -> JsonDict | bool:
        message = self._editable(params, "edit")
        if message is None:
            return True
        if self.strict_state and "text" in message:
            raise _ApiError.bad_request("there is no caption in the message to edit")
        caption, entities = self._render(
            params.get("caption") or "", params.get("parse_mode"), params.get("caption_entities")
        )
        changes, removed = self._markup_change(params)
        for key, value in (("caption", caption), ("caption_entities", entities)):
            if value:
                changes[key] = value
            else:
                removed.append(key)
        return self._finish_edit(message, changes, removed)

    def _api_edit_message_reply_markup(
        self, params: JsonDict, files: Mapping[str, UploadedFile]
    ) -> JsonDict | bool:
        message = self._editable(params, "edit")
        if message is None:
            return True
        changes, removed = self._markup_change(params)
        return self._finish_edit(message, changes, removed)

    def _api_delete_message(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        key = (self._chat_key(params["chat_id"]), params["message_id"])
        if key not in self._messages:
            if self.strict_state:
                raise _ApiError.bad_request("message to delete not found")
            return True
        del self._messages[key]
        self._deleted.add(key)
        return True

    def _api_delete_messages(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        chat_key = self._chat_key(params["chat_id"])
        for message_id in params["message_ids"]:
            if self._messages.pop((chat_key, message_id), None) is not None:
                self._deleted.add((chat_key, message_id))
        return True

    def _api_get_chat_member(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        key = (self._chat_key(params["chat_id"]), params["user_id"])
        member = self._members.get(key) or {"status": "member", "user": self._user(params["user_id"])}
        return copy.deepcopy(member)

    def _api_get_chat_administrators(
        self, params: JsonDict, files: Mapping[str, UploadedFile]
    ) -> list[JsonDict]:
        chat_key = self._chat_key(params["chat_id"])
        return [
            copy.deepcopy(member)
            for (chat, _), member in self._members.items()
            if chat == chat_key and member["status"] in ("creator", "administrator")
        ]

    def _api_get_chat_member_count(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> int:
        chat_key = self._chat_key(params["chat_id"])
        return max(2, sum(1 for chat, _ in self._members if chat == chat_key))

    def _api_get_chat(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        chat = copy.deepcopy(self._chat(params["chat_id"]))
        gift_types = {name: False for name in self.spec.fields("AcceptedGiftTypes")}
        chat.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types=gift_types)
        return chat

    def _api_get_file(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        stored = self._files.get(params["file_id"])
        if stored is None:
            raise _ApiError.bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": self._file_path(stored),
        }
