"""The public question set (public_questions.toml), run through the engine and the renderer.

Each case is one question as residents type it, with the answer the bot must give. The renderer runs
with a fixed today, so year counts in `contains` are stable.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.core.directory import TownDirectory
from bot.core.model import LANGUAGES, Language
from bot.core.questions import Answer, Intent, QuestionEngine
from bot.core.townfile import shipped_towns
from bot.replies.answers import Answers
from bot.replies.reply import MESSAGE_LIMIT, plain_text, visible_length
from bot.replies.wording import Replies, VisitLine

TODAY = date(2026, 11, 26)
QUESTIONS_FILE = Path(__file__).with_name("public_questions.toml")
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
    intent: Intent
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


def load_cases() -> list[Case]:
    raw = tomllib.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for number, entry in enumerate(raw["case"], start=1):
        where = f"{QUESTIONS_FILE.name} case {number} ({entry.get('q')!r})"
        unknown = set(entry) - FIELDS
        if unknown:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
        cases.append(
            Case(
                q=entry["q"],
                lang=_language(entry["lang"], where),
                intent=Intent(entry["intent"]),
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


CASES = load_cases()
DIRECTORY = TownDirectory(shipped_towns())
ENGINE = QuestionEngine(DIRECTORY)
REPLIES = Answers(Replies(DIRECTORY, TODAY))


class _TagChecker(HTMLParser):
    """Fails on tags Telegram would reject and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")


def check_telegram_html(text: str) -> None:
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.problems and not checker.stack, (checker.problems, checker.stack, text)


def test_the_set_is_big_and_covers_every_intent() -> None:
    assert len(CASES) >= 100
    assert {case.intent for case in CASES} == set(Intent)
    assert {case.lang for case in CASES} == set(LANGUAGES)
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "duplicate questions"
    known = set(DIRECTORY.by_key)
    for case in CASES:
        assert (case.towns or frozenset()) <= known, case.q
        assert (case.suggestions or frozenset()) <= known, case.q


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_question(case: Case) -> None:
    answer = ENGINE.answer(case.q, case.fallback)
    assert answer.intent is case.intent, describe(answer)
    assert answer.language == case.lang
    towns = {town.key for town in answer.towns}
    if case.towns is not None:
        assert towns == case.towns, describe(answer)
    if case.country is not None:
        assert answer.country == case.country
    if case.topic is not None:
        assert answer.topic == case.topic
    if case.when is not None:
        assert answer.when is not None and answer.when.iso() == case.when
    suggested = {town.key for town in answer.suggestions}
    if case.suggestions is not None:
        assert suggested == case.suggestions, describe(answer)

    reply = REPLIES.answer(answer)
    text = plain_text(reply.text)
    assert text.strip(), "empty reply"
    assert visible_length(reply.text) <= MESSAGE_LIMIT
    check_telegram_html(reply.text)
    for button in (button for row in reply.buttons for button in row):
        assert len(button.data.encode()) <= 64
    for fragment in case.contains:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    for fragment in case.absent:
        assert fragment not in text, f"{fragment!r} in:\n{text}"

    if answer.intent is Intent.NO_MATCH:
        # Never invent a town: no answer towns, and no town named in the reply except suggestions.
        assert not towns
        for town in DIRECTORY.towns:
            if town.key not in suggested:
                assert town.name(answer.language) not in text, text
    if answer.intent is Intent.OFF_TOPIC:
        # Not the bot's subject: nothing in the text looks like an answer about a town; the towns the
        # question named are offered as card buttons only.
        for town in DIRECTORY.towns:
            assert town.name(answer.language) not in text, text
        pressed = {button.data for row in reply.buttons for button in row}
        assert pressed == {f"card:{town.key}" for town in answer.towns}
    if answer.intent is Intent.NOT_PARTNER:
        # Never presented as a partner: the answer carries no town, and says the name is not on the list.
        assert not towns


def describe(answer: Answer) -> str:
    return (
        f"intent={answer.intent.value} lang={answer.language} towns={[t.key for t in answer.towns]} "
        f"country={answer.country} topic={answer.topic} when={answer.when} "
        f"suggestions={[t.key for t in answer.suggestions]}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_intent_renders_in_both_languages(lang: Language) -> None:
    """Even intents the engine rarely produces render without placeholders left over."""
    for case in CASES:
        answer = ENGINE.answer(case.q, case.fallback)
        swapped = Answer(
            answer.intent,
            lang,
            towns=answer.towns,
            country=answer.country,
            when=answer.when,
            topic=answer.topic,
            suggestions=answer.suggestions,
            extra=answer.extra,
            mention=answer.mention,
        )
        reply = REPLIES.answer(swapped)
        assert "{" not in reply.text and "}" not in reply.text, reply.text
        assert 0 < visible_length(reply.text) <= MESSAGE_LIMIT
        # ...and without the question's details (superlative, year bounds, names) too
        bare = Answer(answer.intent, lang, towns=answer.towns, country=answer.country, topic=answer.topic)
        reply = REPLIES.answer(bare)
        assert "{" not in reply.text and "}" not in reply.text, reply.text
        assert 0 < visible_length(reply.text) <= MESSAGE_LIMIT


VISITS = {
    "narva": [
        VisitLine(
            date(2024, 6, 5), "visits.public.direction_in", "visits.public.kind_official", "Дни города"
        ),
        VisitLine(date(2023, 9, 1), "visits.public.direction_out", "visits.public.kind_youth", ""),
    ],
    "raisio": [
        VisitLine(date(2027, 1, 10), "visits.public.direction_out", "visits.public.kind_cultural", "")
    ],
}
WITH_VISITS = Answers(Replies(DIRECTORY, TODAY, visits=VISITS))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("визиты нарва", "Последний записанный визит: 🇪🇪 Нарва, 5 июня 2024 — приезд в Кингисепп"),
        ("делегации из Нарвы", "Последний записанный визит: 🇪🇪 Нарва, 5 июня 2024"),
        ("visits narva", "The latest recorded visit: 🇪🇪 Narva, 5 June 2024 — a visit to Kingisepp"),
        ("delegations from narva", "The latest recorded visit: 🇪🇪 Narva, 5 June 2024"),
        ("Narva visits", "The latest recorded visit: 🇪🇪 Narva, 5 June 2024"),
        ("Когда был последний визит делегации?", "Последний записанный визит: 🇪🇪 Нарва, 5 июня 2024"),
    ],
)
def test_the_last_recorded_visit_is_shown(question: str, expected: str) -> None:
    text = plain_text(WITH_VISITS.answer(ENGINE.answer(question, "ru")).text)
    assert expected in text, text
    assert "2023" not in text  # the latest one only
    assert "2027" not in text  # a planned visit is not a visit yet


def test_a_town_without_visits_says_so_and_planned_visits_do_not_count() -> None:
    text = plain_text(WITH_VISITS.answer(ENGINE.answer("из Райсио приезжали?", "ru")).text)
    assert "Райсио: визиты делегаций пока не записаны" in text, text
