"""bot/core/questions/intents: the rules, their order, and what each one answers or passes on."""

from __future__ import annotations

import inspect
import tomllib
from datetime import date
from pathlib import Path

import pytest

from bot.core.directory import TownDirectory
from bot.core.model import distance_km
from bot.core.questions import intents
from bot.core.questions.answers import Answer, Intent
from bot.core.questions.engine import QuestionEngine
from bot.core.questions.faq import FaqEntry
from bot.core.questions.intents import RULES, Rule
from bot.core.questions.reading import Question
from bot.core.townfile import shipped_towns

DIRECTORY = TownDirectory(shipped_towns())
ENGINE = QuestionEngine(
    DIRECTORY, faq=[FaqEntry(1, "как попасть в делегацию в Нарву", "", "Напишите в отдел.", "")]
)
TODAY = date(2026, 11, 26)
PUBLIC_SET = Path(__file__).resolve().parents[2] / "public_questions.toml"
ATTRIBUTES = {Intent.TOWN_DAY, Intent.WHERE, Intent.YEARS, Intent.COOPERATION, Intent.POPULATION}
# what each rule may answer: one intent, or the attribute a question asks of the towns
ANSWERS: dict[str, set[Intent]] = {
    "empty": {Intent.EMPTY},
    "faq_entry": {Intent.FAQ},
    "off_topic": {Intent.OFF_TOPIC},
    "last_visit": {Intent.LAST_VISIT},
    "fact": {Intent.FACT},
    "named_card_for_identity_or_status": {Intent.CARD},
    "named_town_day": {Intent.TOWN_DAY},
    "named_where": {Intent.WHERE},
    "named_years": {Intent.YEARS},
    "named_since": {Intent.SINCE},
    "named_status": {Intent.STATUS},
    "named_attribute": ATTRIBUTES,
    "named_events": {Intent.FACT},
    "named_card": {Intent.CARD},
    "not_partner_mentioned": {Intent.NOT_PARTNER},
    "numbers_off_topic": {Intent.OFF_TOPIC},
    "not_partner_place": {Intent.NOT_PARTNER},
    "meaning": {Intent.MEANING},
    "countries": {Intent.COUNTRIES},
    "period": {Intent.PERIOD},
    "signed_in": {Intent.SIGNED_IN},
    "anniversary": {Intent.ANNIVERSARY},
    "aged_partners": {Intent.YEARS},
    "scoped_oldest_newest": {Intent.OLDEST, Intent.NEWEST},
    "superlative": {Intent.WHERE, Intent.POPULATION},
    "country": {Intent.COUNTRY} | ATTRIBUTES,
    "home_town": {Intent.CARD, Intent.TOWN_DAY, Intent.WHERE, Intent.POPULATION},
    "oldest": {Intent.OLDEST},
    "newest": {Intent.NEWEST},
    "not_partner_named": {Intent.NOT_PARTNER},
    "partners_attribute": ATTRIBUTES,
    "count": {Intent.COUNT},
    "partners_list": {Intent.LIST},
    "town_days": {Intent.TOWN_DAY},
    "help_asked": {Intent.HELP},
    "thanks": {Intent.THANKS},
    "greeting": {Intent.GREETING},
    "show_all": {Intent.LIST},
    "text_search": {Intent.FACT, Intent.CARD},
    "no_match": {Intent.NO_MATCH},
}


def read(text: str) -> Question:
    return ENGINE.read(text, "ru", TODAY)


def answering_rule(text: str) -> tuple[Rule, Answer]:
    question = read(text)
    for rule in RULES:
        answer = rule(question)
        if answer is not None:
            return rule, answer
    raise AssertionError("no rule answered")


def public_questions() -> list[str]:
    return [case["q"] for case in tomllib.loads(PUBLIC_SET.read_text(encoding="utf-8"))["case"]]


def test_the_rules_are_tried_in_the_order_they_are_written() -> None:
    lines = [inspect.getsourcelines(rule)[1] for rule in RULES]
    assert lines == sorted(lines)
    assert [rule.__name__ for rule in RULES] == list(ANSWERS)
    assert all(getattr(intents, rule.__name__) is rule for rule in RULES)


def test_every_rule_answers_only_its_intents_and_the_public_set_reaches_each() -> None:
    reached: set[str] = set()
    for text in public_questions():
        rule, answer = answering_rule(text)
        assert answer.intent in ANSWERS[rule.__name__], (text, rule.__name__, answer.intent)
        reached.add(rule.__name__)
    assert reached == set(ANSWERS)


def test_a_named_partner_is_answered_above_the_rules_for_questions_naming_none() -> None:
    last = RULES.index(intents.named_card)
    for text in public_questions():
        if read(text).partners:
            assert RULES.index(answering_rule(text)[0]) <= last, text


@pytest.mark.parametrize(
    ("text", "passes", "answers"),
    [
        ("Мэр Нарвы приезжал к нам?", intents.off_topic, intents.last_visit),  # a visit, not the mayor
        ("I want to visit Tallinn", intents.last_visit, intents.no_match),  # no visit of delegations
        ("юбилеи в 2027", intents.signed_in, intents.anniversary),  # a year of anniversaries
        ("how far is it from Kingisepp", intents.home_town, intents.no_match),  # Kingisepp, the start
        ("когда ближайший день города", intents.superlative, intents.town_days),
    ],
)
def test_a_rule_passes_to_the_one_that_fits(text: str, passes: Rule, answers: Rule) -> None:
    question = read(text)
    assert passes(question) is None
    assert answering_rule(text)[0] is answers


def test_a_year_alone_is_what_was_signed_then() -> None:
    rule, answer = answering_rule("что подписали в 2000 году")
    assert rule is intents.signed_in and answer.when is not None and answer.when.iso() == "2000"


def test_farthest_first_and_towns_without_coordinates_last() -> None:
    rule, answer = answering_rule("самый далёкий побратим")
    assert rule is intents.superlative and answer.extra == {"superlative": "farthest"}
    home = DIRECTORY.home
    assert home is not None
    distances = [distance_km(home, town) for town in answer.towns]
    known = [distance for distance in distances if distance is not None]
    assert known == sorted(known, reverse=True)
    assert distances[: len(known)] == known  # the unknown ones after


def test_smallest_first_and_towns_without_population_last() -> None:
    _, answer = answering_rule("самый маленький побратим")
    populations = [town.population for town in answer.towns]
    known = [population for population in populations if population]
    assert known == sorted(known) and populations[: len(known)] == known


def test_the_town_days_question_puts_ours_first() -> None:
    rule, answer = answering_rule("когда день города?")
    assert rule is intents.town_days
    assert answer.towns[0].is_home and len(answer.towns) == len(DIRECTORY.partners) + 1


def test_two_named_towns_with_from_are_a_distance_between() -> None:
    rule, answer = answering_rule("как далеко Нарва от Нарвика")
    assert rule is intents.named_where and answer.extra == {"between": "1"}
    assert {town.key for town in answer.towns} == {"narva", "narvik"}


def test_no_match_always_answers_with_suggestions_only() -> None:
    answer = intents.no_match(read("Нарвв Рассио"))
    assert answer is not None and answer.intent is Intent.NO_MATCH and not answer.towns
    assert intents.no_match(read("asdf qwerty")) is not None
