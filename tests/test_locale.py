import pytest

from bot.locale import Markup, catalogue, escape, placeholders


def test_catalogues_hold_the_same_keys() -> None:
    entries = catalogue().entries
    assert set(entries["ru"]) == set(entries["en"])


def test_catalogues_use_the_same_placeholders() -> None:
    entries = catalogue().entries
    for key, ru in entries["ru"].items():
        en = entries["en"][key]
        if isinstance(ru, str):
            assert isinstance(en, str), key
            assert placeholders(ru) == placeholders(en), key
        else:
            assert isinstance(en, list), key


def test_plural_forms() -> None:
    texts = catalogue()
    assert [texts.plural("ru", "years", n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 54)] == [
        "год", "года", "лет", "лет", "год", "года", "лет", "лет", "года"
    ]  # fmt: skip
    assert [texts.plural("en", "years", n) for n in (1, 2, 0)] == ["year", "years", "years"]


def test_parameters_are_escaped_but_markup_is_not() -> None:
    texts = catalogue()
    rendered = texts.text("ru", "town_command.not_found", query="<b>&x</b>")
    assert "&lt;b&gt;&amp;x&lt;/b&gt;" in rendered
    assert escape(Markup("<b>ok</b>")) == "<b>ok</b>"


def test_a_language_is_read_at_its_first_use() -> None:
    """`twinbot ask` answers in one language: the other one's files are never parsed."""
    from bot.locale import Catalogue, _ByLanguage

    texts = Catalogue(_ByLanguage())
    assert texts.raw("en", "plural.years") == ["year", "years"]
    assert set(texts.entries) == {"en"}
    assert texts.entries["ru"] == catalogue().entries["ru"]
    with pytest.raises(KeyError):
        texts.entries["de"]  # type: ignore[index]  # a language the bot does not speak
