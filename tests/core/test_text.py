"""bot/core/text.py: the script of a question and its words in comparable forms."""

from __future__ import annotations

import pytest

from bot.core.text import (
    MAX_QUESTION_CHARS,
    make_word,
    script_language,
    sound_key,
    to_ascii,
    to_cyrillic,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Где находится Нарва?", "ru"),
        ("Where is Narva?", "en"),
        ("Где находится Sassnitz?", "ru"),  # more Cyrillic letters than Latin ones
        ("Narva-Jõesuu", "en"),
        ("ЁЛКИ", "ru"),
        ("😀👍", None),
        ("2003", None),
        ("", None),
        ("仁怀", None),
    ],
)
def test_script_language(text: str, expected: str | None) -> None:
    assert script_language(text) == expected


def test_words_split_hyphenated_names_and_drop_punctuation() -> None:
    assert [w.raw for w in words("Нарва-Йыэсуу?! 🇪🇪")] == ["нарва", "йыэсуу"]
    assert [w.raw for w in words("*_[narva]_*")] == ["narva"]
    assert [w.raw for w in words("<b>Narva</b> & co")] == ["b", "narva", "b", "co"]
    assert words("👍🙂 ... ???") == []


def test_words_meet_across_scripts_and_case_endings() -> None:
    stems = {w.stem for w in words("Нарва Нарвой Нарве Нарву Нарвы")}
    assert stems == {"narv"}
    assert make_word("Narva").ascii == "narva"
    assert make_word("Jõhvi").ascii == "johvi"
    assert make_word("Йыхви").ascii == to_ascii("Йыхви") == "yykhvi"
    assert make_word("Kohtla-Järve".split("-")[1]).ascii == "jarve"


def test_words_normalise_yo_and_case() -> None:
    assert make_word("ПАРТНЁРЫ").raw == "партнеры"
    assert make_word("Narvik's").ascii == "narvik"


def test_russian_adjectives_keep_the_town_stem() -> None:
    assert make_word("нарвский").adjective_base == "narv"
    assert make_word("Нарвская").adjective_base == "narv"
    assert make_word("засницкий").adjective_base == "zasnits"
    assert make_word("Нарва").adjective_base == ""
    assert make_word("narvsky").adjective_base == ""  # Latin words have no Russian suffixes


def test_numbers_are_words_but_marked() -> None:
    parts = words("в 2000 году")
    assert [w.is_number for w in parts] == [False, True, False]


def test_overlong_text_is_cut() -> None:
    assert len(words("нарва " * 5000)) == len(("нарва " * 5000)[:MAX_QUESTION_CHARS].split())


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("narvoj", "нарвой"),
        ("druzhim", "дружим"),
        ("s", "с"),
        ("kakogo", "какого"),
        ("kakoy", "какой"),  # y after a vowel is й
        ("gorody", "городы"),  # ...and ы after a consonant
        ("shchuka", "щука"),
        ("zasnic", "засниц"),
        ("yubilej", "юбилей"),
        ("zdravstvujte", "здравствуйте"),
    ],
)
def test_russian_typed_in_latin_reads_back_in_cyrillic(latin: str, cyrillic: str) -> None:
    assert to_cyrillic(latin) == cyrillic


def test_latin_case_forms_reach_the_russian_stem() -> None:
    assert make_word("narvoj").ru_stem == make_word("нарвой").stem == "narv"
    assert make_word("narvikom").ru_stem == make_word("Нарвиком").stem == "narvik"
    assert make_word("нарвой").ru_stem == ""  # only Latin words are read as Russian
    assert make_word("2000").ru_stem == ""


def test_sound_key_reads_j_the_english_way() -> None:
    assert sound_key("dzhokhvi") == sound_key("johvi") == "johvi"
    assert make_word("Джохви").sound == make_word("dzhohvi").sound == make_word("Jõhvi").sound
