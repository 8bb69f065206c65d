"""The public question set (public_questions.toml), run through the engine and the renderer.

Each case is one question as residents type it, with the answer the bot must give. The renderer runs
with a fixed today, so year counts in `contains` are stable.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.directory import TownDirectory
from bot.core.model import LANGUAGES, Language
from bot.core.questions import Answer, Intent, QuestionEngine
from bot.core.questions.faq import FaqEntry
from bot.core.townfile import shipped_towns
from bot.replies.answers import Answers
from bot.replies.reply import MESSAGE_LIMIT, plain_text, visible_length
from bot.replies.wording import Replies, VisitLine
from tests.question_cases import TODAY, Case, load_cases, problem

QUESTIONS_FILE = Path(__file__).with_name("public_questions.toml")
CASES = load_cases(QUESTIONS_FILE)
DIRECTORY = TownDirectory(shipped_towns())
# one entry of the office's FAQ, in Russian only (the English question falls back to it and says so)
FAQ = FaqEntry(
    1, "как попасть в делегацию в Нарву", "how can I join a delegation to Narva", "Напишите в отдел.", ""
)
ENGINE = QuestionEngine(DIRECTORY, faq=[FAQ])
REPLIES = Answers(Replies(DIRECTORY, TODAY))


def test_the_set_is_big_and_covers_every_intent() -> None:
    assert len(CASES) >= 100
    assert {case.intent for case in CASES} == {intent.value for intent in Intent}
    assert {case.lang for case in CASES} == set(LANGUAGES)
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "duplicate questions"
    known = set(DIRECTORY.by_key)
    for case in CASES:
        assert (case.towns or frozenset()) <= known, case.q
        assert (case.suggestions or frozenset()) <= known, case.q


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_question(case: Case) -> None:
    found = problem(case, ENGINE, REPLIES, DIRECTORY)
    assert found is None, found


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
