"""Stored texts refuse C0/C1 control characters (newline and tab where a field has several lines), and a
text of invisible characters only counts as empty."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar import CalendarInputError, parse_town_day
from bot.core.typed_text import control_character, is_blank
from bot.core.visits import (
    DelegationType,
    Direction,
    VisitDraft,
    VisitInputError,
    check_notes,
    check_purpose,
    validate,
)

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "multiline", "found"),
    [
        ("Переговоры", False, None),
        ("a\x00b", False, "U+0000"),
        ("bell\x07", True, "U+0007"),
        ("del\x7f", True, "U+007F"),
        ("next line\x85", True, "U+0085"),  # C1
        ("csi\x9b", True, "U+009B"),
        ("two\nlines\tand a tab", True, None),
        ("two\nlines", False, "U+000A"),
        ("tab\there", False, "U+0009"),
        ("carriage\rreturn", True, "U+000D"),
        ("zero\u200bwidth", False, None),  # a format character, not a control: allowed, just invisible
    ],
)
def test_control_characters(text: str, multiline: bool, found: str | None) -> None:
    assert control_character(text, multiline=multiline) == found


@pytest.mark.parametrize(
    "text", ["", "   ", "\u200b\u200b", "\ufeff", "\u2060\u00a0\u3000", "\u3164", "\u2800"]
)
def test_invisible_only_is_blank(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", ["x", "\u200bА", "·"])
def test_anything_visible_is_not_blank(text: str) -> None:
    assert not is_blank(text)


def test_purpose_and_notes_name_the_field() -> None:
    with pytest.raises(VisitInputError) as caught:
        check_purpose("Пере\x00говоры")
    assert [(e.field, e.code, e.params["char"]) for e in caught.value.errors] == [
        ("purpose", "control_character", "U+0000")
    ]
    with pytest.raises(VisitInputError) as caught:
        check_purpose("\u200b \u200b\ufeff")
    assert [(e.field, e.code) for e in caught.value.errors] == [("purpose", "purpose_empty")]
    assert check_notes("first line\nsecond\tline") == "first line\nsecond\tline"
    with pytest.raises(VisitInputError) as caught:
        check_notes("note\x1b[31m")
    assert [(e.field, e.code) for e in caught.value.errors] == [("notes", "control_character")]


def test_validate_refuses_controls_in_every_stored_text() -> None:
    draft = VisitDraft(
        town_key="narva",
        direction=Direction.INCOMING,
        start=date(2024, 6, 5),
        end=None,
        kind=DelegationType.OFFICIAL,
        people=3,
        purpose="\u200b",
        notes="ok\x00",
    )
    assert sorted((e.field, e.code) for e in validate(draft, TODAY, ["narva"])) == [
        ("notes", "control_character"),
        ("purpose", "purpose_empty"),
    ]


def test_a_town_day_with_a_control_character_is_refused() -> None:
    with pytest.raises(CalendarInputError) as caught:
        parse_town_day("первая суббота\x00 июня", TODAY)
    assert caught.value.code == "control_character" and caught.value.params == {"char": "U+0000"}
