"""The pieces issue 8 added to the question engine: the gazetteer, the text search, the FAQ index and file."""

from __future__ import annotations

import pytest

from bot.core.directory import TownDirectory
from bot.core.faqfile import FaqFileError, dump_faq_file, entry_problem, parse_faq_file
from bot.core.model import Town
from bot.core.questions import Intent, QuestionEngine
from bot.core.questions.faq import FaqEntry, FaqIndex, similar_groups
from bot.core.questions.gazetteer import GazetteerError, parse_places, shipped_gazetteer
from bot.core.questions.textsearch import TextIndex
from bot.core.text import words
from bot.core.townfile import shipped_towns

DIRECTORY = TownDirectory(shipped_towns())


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("рига наш побратим", "Riga"),
        ("в Стокгольме", "Stockholm"),
        ("tallin", "Tallinn"),  # a typo
        ("в Санкт-Петербурге", "Saint Petersburg"),
        ("псковская область", "Pskov Oblast"),
        ("Сосновом Бору", "Sosnovy Bor"),
        ("блин побратимы", None),
        ("короче какие побратимы", None),
        ("lol so which twin towns", None),
    ],
)
def test_the_gazetteer_knows_places_in_any_script_and_case(text: str, place: str | None) -> None:
    found = shipped_gazetteer().find(words(text), set())
    assert (found.place.name_en if found else None) == place


def test_a_place_that_becomes_a_partner_leaves_the_gazetteer() -> None:
    riga = Town(key="riga", name_en="Riga", name_ru="Рига", country="LV")
    directory = TownDirectory([*shipped_towns(), riga])
    engine = QuestionEngine(directory)
    answer = engine.answer("рига наш побратим?", "ru")
    assert answer.intent is Intent.CARD and [town.key for town in answer.towns] == ["riga"]


def test_the_places_file_is_checked() -> None:
    with pytest.raises(GazetteerError, match="also a name of"):
        parse_places(
            'format = 1\nplaces = [{ en = "Riga", ru = "Рига", country = "LV" },'
            ' { en = "Rīga", ru = "Рига", country = "LV" }]'
        )
    with pytest.raises(GazetteerError, match="country"):
        parse_places('format = 1\nplaces = [{ en = "Riga", ru = "Рига", country = "Latvia" }]')


def test_the_text_search_needs_two_shared_words() -> None:
    index = TextIndex(DIRECTORY.towns, frozenset({"the", "for", "with"}))
    found = index.search(words("pupils stay with host families"))
    assert [(item.town.key, item.topic) for item in found] == [("raisio", "schools")]
    assert index.search(words("families")) == []  # one word is too little evidence
    assert index.search(words("quantum chromodynamics lecture")) == []


def test_the_faq_index_matches_word_order_and_case_but_not_a_longer_question() -> None:
    index = FaqIndex([FaqEntry(1, "когда день города", "", "В августе.", "")])
    assert index.match("Когда день города?") is not None
    assert index.match("день города когда") is not None
    assert index.match("когда день города в Нарве и Нарвике") is None
    assert FaqIndex().match("anything") is None


def test_similar_questions_are_grouped() -> None:
    groups = similar_groups(["где взять буклет", "Где взять буклет?", "asdf qwerty"])
    assert sorted(map(len, groups)) == [1, 2]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (FaqEntry(1, "Вопрос", "", "Ответ", ""), None),
        (FaqEntry(1, "", "", "", ""), "empty"),
        (FaqEntry(1, "Вопрос", "", "", ""), "half"),
        (FaqEntry(1, "Вопрос", "", "я" * 4000, ""), "too_long"),
    ],
)
def test_faq_entry_problems(entry: FaqEntry, problem: str | None) -> None:
    assert entry_problem(entry) == problem


def test_the_faq_file_round_trips_and_names_its_problems() -> None:
    entries = [
        FaqEntry(1, 'Кавычки " и <теги>?', "Quotes?", "Да & <b>нет</b>\nвторая строка", "Yes"),
        FaqEntry(4, "", "Only English?", "", "Yes."),
    ]
    assert parse_faq_file(dump_faq_file(entries)) == entries
    bad = (
        'format = 1\n[[entry]]\nnumber = 1\nquestion_ru = "Вопрос"\n'
        '[[entry]]\nnumber = 1\nquestion_ru = "Другой"\nanswer_ru = "Ответ"\n'
        '[[entry]]\nnumber = 3\nquestion_ru = "другой?"\nanswer_ru = "Ответ"\n'
    )
    with pytest.raises(FaqFileError) as caught:
        parse_faq_file(bad, "faq.toml")
    message = str(caught.value)
    assert "faq.toml: entry[0]" in message and "without its answer" in message
    assert "number is used twice" in message and "same question as number 1" in message
