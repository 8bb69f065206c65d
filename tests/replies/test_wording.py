"""The wording every view shares: dates with their precision, ages, numbers, flags (bot/replies/wording.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar import DateSpan
from bot.core.directory import TownDirectory
from bot.core.model import Language, PartialDate
from bot.core.townfile import shipped_towns
from bot.replies.wording import Replies, mid_sentence, next_anniversary, sentence

TODAY = date(2026, 11, 26)
REPLIES = Replies(TownDirectory(shipped_towns()), TODAY)


def test_dates_keep_their_precision() -> None:
    """'since 1972' never becomes '1 January 1972'."""
    assert REPLIES.format_date("ru", PartialDate(1972)) == "1972"
    assert REPLIES.format_date("ru", PartialDate(2000, 6)) == "июнь 2000"
    assert REPLIES.format_date("ru", PartialDate(2003, 6, 1)) == "1 июня 2003"
    assert REPLIES.format_date("en", date(2003, 6, 1)) == "1 June 2003"
    assert REPLIES.format_since("ru", PartialDate(1972)) == "с 1972 года"
    assert REPLIES.format_since("ru", PartialDate(2000, 6)) == "с июня 2000 года"
    assert REPLIES.format_since("ru", None) == "дата неизвестна"


def test_partnership_age_counts_to_the_day_only_when_the_day_is_known() -> None:
    assert REPLIES.partnership_age("ru", PartialDate(2003, 6, 1)) == {
        "years": 23,
        "years_word": "года",
        "next_date": "1 июня 2027",
        "next_years": 24,
    }
    assert REPLIES.partnership_age("en", PartialDate(2000)) == {
        "years": 26,
        "years_word": "years",
        "this_year": 2026,
    }


def test_next_anniversary_includes_today_and_moves_29_february() -> None:
    assert next_anniversary(PartialDate(2003, 11, 26), TODAY) == TODAY
    assert next_anniversary(PartialDate(2003, 11, 25), TODAY) == date(2027, 11, 25)
    assert next_anniversary(PartialDate(2004, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)
    assert next_anniversary(PartialDate(2004, 2, 29), date(2028, 1, 1)) == date(2028, 2, 29)


def test_spans_of_days_with_their_weekdays() -> None:
    weekend = DateSpan(date(2026, 6, 5), date(2026, 6, 7))
    assert REPLIES.span_text("ru", weekend) == "5–7 июня 2026 (пятница–воскресенье)"
    assert REPLIES.span_text("ru", weekend, short=True) == "5–7 июня 2026 (пт–вс)"
    across = DateSpan(date(2026, 6, 30), date(2026, 7, 2))
    assert REPLIES.span_dates("ru", across) == "30 июня 2026 – 2 июля 2026"
    assert REPLIES.span_text("en", DateSpan(date(2026, 6, 15), date(2026, 6, 15))) == "15 June 2026 (Monday)"


@pytest.mark.parametrize(("lang", "expected"), [("ru", "53\u00a0955"), ("en", "53,955")])
def test_numbers_group_thousands_as_the_language_does(lang: Language, expected: str) -> None:
    assert REPLIES.number(lang, 53955) == expected


def test_flags_countries_and_town_buttons() -> None:
    assert REPLIES.flag("EE") == "🇪🇪" and REPLIES.flag("x") == "🏳"
    assert REPLIES.country("ru", "EE") == "Эстония" and REPLIES.country("ru", "ZZ") == "ZZ"
    assert REPLIES.country_in("ru", "FR") == "во Франции"
    partners = REPLIES.directory.partners
    rows = REPLIES.town_buttons("ru", partners)
    assert [len(row) for row in rows] == [2, 2, 2, 2, 1]
    assert rows[0][0].data == f"card:{partners[0].key}" and rows[0][0].label.endswith(partners[0].name_ru)
    assert all(len(button.data.encode()) <= 64 for row in rows for button in row)


def test_titles_inside_and_at_the_start_of_a_sentence() -> None:
    assert mid_sentence("Побратимские связи") == "побратимские связи"
    assert mid_sentence("Partner Agreement") == "Partner Agreement"
    assert mid_sentence("KS") == "KS"
    assert sentence("в 2026 году — 26 лет") == "В 2026 году — 26 лет"
