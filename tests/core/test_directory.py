"""bot/core/directory.py: finding towns in free text, and "did you mean"."""

from __future__ import annotations

import pytest

from bot.core.directory import TownDirectory
from bot.core.text import words
from bot.core.townfile import shipped_towns

DIRECTORY = TownDirectory(shipped_towns())


def found(text: str) -> list[tuple[str, int, int]]:
    return [(match.town.key, match.start, match.length) for match in DIRECTORY.find(words(text))]


def test_longest_name_wins() -> None:
    assert found("Нарва-Йыэсуу") == [("narva_joesuu", 0, 2)]
    assert found("Нарва и Нарва-Йыэсуу") == [("narva", 0, 1), ("narva_joesuu", 2, 2)]
    assert found("Narvik") == [("narvik", 0, 1)]


@pytest.mark.parametrize("text", ["Narva-Joesu", "Нарва Йыесу", "narva joessu", "Kohtla-Jarvv"])
def test_multi_word_name_with_a_typo_is_one_town(text: str) -> None:
    keys = [key for key, _, _ in found(text)]
    assert len(keys) == 1 and keys[0] in ("narva_joesuu", "kohtla_jarve")
    assert "narva" not in keys


def test_multi_word_typo_match_needs_a_close_spelling() -> None:
    assert [key for key, _, _ in found("Narva Jõhvi")] == ["narva", "johvi"]
    assert [key for key, _, _ in found("Нарва, Йыхви")] == ["narva", "johvi"]
    # "с Нарва" is close to "Усть-Нарва" as a whole ("snarva" / "ustnarva"), but "с" is no "Усть"
    assert found("дружим с Нарва") == [("narva", 2, 1)]
    assert found("ремонт мостов с Нарва") == [("narva", 3, 1)]


def test_russian_adjectives_name_the_town() -> None:
    assert found("нарвский замок")[0][0] == "narva"
    assert found("засницкий паром")[0][0] == "sassnitz"
    assert found("светлогорского района")[0][0] == "svetlahorsk"


@pytest.mark.parametrize(
    "word",
    [
        "district",  # a word of "Kingisepp district" and "Svetlogorsk District", no town on its own
        "жена",  # close to "Жэнь" of "Жэнь Хуай"
        "набрать",  # ratio 80 against "Нарва", but two edits away
        "нарвания",  # a made-up name: its stem "нарван" is no Russian stem of "Нарва"
        "Гамбург",  # one letter from "Ямбург", but typos rarely hit the first letter
        "raise",  # the English stem "rais" equals the Russian stem of "Раисио"
        "станица",
        "котлы",
        "нарыв",
    ],
)
def test_everyday_words_are_no_towns(word: str) -> None:
    assert found(word) == []


@pytest.mark.parametrize(
    ("typo", "key"),
    [
        ("Sassnits", "sassnitz"),
        ("Narwa", "narva"),
        ("Narvikk", "narvik"),
        ("Нарвк", "narvik"),
        ("Raisioo", "raisio"),
        ("Райсиоо", "raisio"),
        ("Svetlogorks", "svetlahorsk"),
        ("Нарвеком", "narvik"),  # an inflected form with a typo: stems meet stems
        ("Kingisepp", "kingisepp"),
    ],
)
def test_typos_are_forgiven(typo: str, key: str) -> None:
    assert [k for k, _, _ in found(typo)] == [key]


def test_skip_leaves_words_alone() -> None:
    assert found("Narva") and DIRECTORY.find(words("Narva"), skip={0}) == []


def test_suggestions() -> None:
    assert [town.key for town in DIRECTORY.suggest(words("Sasnicc"))] == ["sassnitz"]
    # a typo in the first letter is not matched, but it is suggested
    assert found("Zassnitz") == []
    assert [town.key for town in DIRECTORY.suggest(words("Zassnitz"))] == ["sassnitz"]
    assert DIRECTORY.suggest(words("какая погода завтра")) == []
    assert DIRECTORY.suggest(words("Kingisep")) == []  # the home town is no partner to suggest
    assert DIRECTORY.suggest(words("Sasnicc"), skip={0}) == []


def test_overlong_words_are_no_names() -> None:
    assert DIRECTORY.find(words("narva" * 200)) == []
    assert DIRECTORY.suggest(words("narva" * 200)) == []


def test_partners_by_distance_and_by_date() -> None:
    nearest = [town.key for town in DIRECTORY.partners_by_distance]
    assert nearest[0] == "narva" and nearest[-1] == "renhuai"
    assert [town.key for town in DIRECTORY.partners][:1] == ["narvik"]
    assert [town.key for town in DIRECTORY.oldest()] == ["narvik"]
    assert [town.key for town in DIRECTORY.newest()] == ["svetlahorsk"]
    assert DIRECTORY.home is not None and DIRECTORY.home.key == "kingisepp"
    assert DIRECTORY.home not in DIRECTORY.partners


def test_russian_typed_in_latin_finds_the_town() -> None:
    # case endings that English words rarely have are read as Russian anywhere...
    assert [k for k, _, _ in found("s narvoj")] == ["narva"]
    assert [k for k, _, _ in found("skolko let s narvikom")] == ["narvik"]
    # ...others only when the question reads as Russian typed in Latin
    assert found("gde zasnic") == []
    assert [m.town.key for m in DIRECTORY.find(words("gde zasnic"), latin_russian=True)] == ["sassnitz"]
    assert found("raise") == []  # "раисе" would meet Раисио's stem: English words are not read so


def test_names_spelled_by_ear() -> None:
    assert [k for k, _, _ in found("джохви")] == ["johvi"]
    assert [k for k, _, _ in found("dzhohvi")] == ["johvi"]


def test_suggestions_keep_to_close_words() -> None:
    assert DIRECTORY.suggest(words("работает ли граница в ивангороде")) == []  # "граница" is no "Засниц"


def test_indexes_by_country_and_fact_topic_agree_with_a_scan() -> None:
    """The answers read these indexes instead of scanning every town: they must say what a scan says."""
    for code in {town.country for town in DIRECTORY.towns} | {"XX"}:
        assert DIRECTORY.in_country(code) == [t for t in DIRECTORY.partners if t.country == code]
    topics = {fact.topic for town in DIRECTORY.towns for fact in town.facts} | {"no_such_topic"}
    for topic in topics:
        assert DIRECTORY.with_fact(topic) == tuple(t for t in DIRECTORY.partners if t.fact(topic))
        everyone = DIRECTORY.with_fact(topic, partners_only=False)
        assert everyone == tuple(t for t in DIRECTORY.towns if t.fact(topic))
    assert DIRECTORY.with_fact("ferry")  # the shipped data has facts to index
