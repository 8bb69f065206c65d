"""Question cases (public_questions.toml, held_out_questions.toml): loading and checking one case.

A case is one question as residents type it with the answer the bot must give; `problem` runs it through
the engine and the renderer and says what is wrong, or None. The renderer runs with a fixed today, so
year counts in `contains` are stable.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot.core.directory import TownDirectory
from bot.core.model import LANGUAGES, Language
from bot.core.questions import Answer, Intent, QuestionEngine
from bot.replies.answers import Answers
from bot.replies.reply import MESSAGE_LIMIT, plain_text, visible_length

TODAY = date(2026, 11, 26)
FIELDS = {
    "q",
    "lang",
    "intent",
    "fallback",
    "towns",
    "country",
    "topic",
    "when",
    "suggestions",
    "contains",
    "absent",
}
# Tags Telegram's HTML parse mode accepts (the ones the bot uses are a subset).
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote"}


@dataclass(frozen=True)
class Case:
    q: str
    lang: Language
    intent: str  # an Intent value; kept as text so a case may name an intent the engine lacks (a miss)
    fallback: Language = "ru"
    towns: frozenset[str] | None = None
    country: str | None = None
    topic: str | None = None
    when: str | None = None
    suggestions: frozenset[str] | None = None
    contains: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.q if self.fallback == "ru" else f"{self.q} [{self.fallback}]"


def _language(value: Any, where: str) -> Language:
    for lang in LANGUAGES:
        if value == lang:
            return lang
    raise ValueError(f"{where}: language must be ru or en, not {value!r}")


def _keys(value: Any) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def load_cases(path: Path) -> list[Case]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for number, entry in enumerate(raw["case"], start=1):
        where = f"{path.name} case {number} ({entry.get('q')!r})"
        unknown = set(entry) - FIELDS
        if unknown:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
        cases.append(
            Case(
                q=entry["q"],
                lang=_language(entry["lang"], where),
                intent=str(entry["intent"]),
                fallback=_language(entry.get("fallback", "ru"), where),
                towns=_keys(entry.get("towns")),
                country=entry.get("country"),
                topic=entry.get("topic"),
                when=entry.get("when"),
                suggestions=_keys(entry.get("suggestions")),
                contains=tuple(entry.get("contains", ())),
                absent=tuple(entry.get("absent", ())),
            )
        )
    return cases


class _TagChecker(HTMLParser):
    """Fails on tags Telegram would reject and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")


def html_problems(text: str) -> list[str]:
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    return [*checker.problems, *(f"unclosed <{tag}>" for tag in checker.stack)]


def describe(answer: Answer) -> str:
    return (
        f"intent={answer.intent.value} lang={answer.language} towns={[t.key for t in answer.towns]} "
        f"country={answer.country} topic={answer.topic} when={answer.when} "
        f"suggestions={[t.key for t in answer.suggestions]}"
    )


def problem(case: Case, engine: QuestionEngine, replies: Answers, directory: TownDirectory) -> str | None:
    """What is wrong with the bot's answer to the case, or None when it is the expected one."""
    answer = engine.answer(case.q, case.fallback, TODAY)
    got = describe(answer)
    if answer.intent.value != case.intent:
        return f"intent {answer.intent.value}, expected {case.intent}: {got}"
    if answer.language != case.lang:
        return f"language {answer.language}, expected {case.lang}"
    towns = {town.key for town in answer.towns}
    if case.towns is not None and towns != case.towns:
        return f"towns {sorted(towns)}, expected {sorted(case.towns)}: {got}"
    if case.country is not None and answer.country != case.country:
        return f"country {answer.country}, expected {case.country}"
    if case.topic is not None and answer.topic != case.topic:
        return f"topic {answer.topic}, expected {case.topic}"
    if case.when is not None and (answer.when is None or answer.when.iso() != case.when):
        return f"when {answer.when}, expected {case.when}"
    suggested = {town.key for town in answer.suggestions}
    if case.suggestions is not None and suggested != case.suggestions:
        return f"suggestions {sorted(suggested)}, expected {sorted(case.suggestions)}"

    reply = replies.answer(answer)
    text = plain_text(reply.text)
    if not text.strip():
        return "empty reply"
    if visible_length(reply.text) > MESSAGE_LIMIT:
        return "reply over the message limit"
    bad_html = html_problems(reply.text)
    if bad_html:
        return f"HTML Telegram rejects: {bad_html}"
    for button in (button for row in reply.buttons for button in row):
        if len(button.data.encode()) > 64:
            return f"callback data over 64 bytes: {button.data!r}"
    for fragment in case.contains:
        if fragment not in text:
            return f"{fragment!r} not in:\n{text}"
    for fragment in case.absent:
        if fragment in text:
            return f"{fragment!r} in:\n{text}"

    if answer.intent is Intent.NO_MATCH:
        # Never invent a town: no answer towns, and no town named in the reply except suggestions.
        if towns:
            return "no_match with towns"
        for town in directory.towns:
            if town.key not in suggested and town.name(answer.language) in text:
                return f"no_match names {town.key}:\n{text}"
    if answer.intent is Intent.OFF_TOPIC:
        # Not the bot's subject: nothing in the text looks like an answer about a town; the towns the
        # question named are offered as card buttons only.
        for town in directory.towns:
            if town.name(answer.language) in text:
                return f"off_topic names {town.key}:\n{text}"
        pressed = {button.data for row in reply.buttons for button in row}
        if pressed != {f"card:{town.key}" for town in answer.towns}:
            return f"off_topic buttons {pressed}"
    if answer.intent is Intent.NOT_PARTNER and towns:
        # Never presented as a partner: the answer carries no town
        return "not_partner with towns"
    return None
