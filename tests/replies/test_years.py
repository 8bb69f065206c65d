"""Answers about the partnerships' years (bot/replies/years.py): one reckoning with the town card."""

from __future__ import annotations

from datetime import date

from bot.core.directory import TownDirectory
from bot.core.model import PartialDate, Town
from bot.core.questions import Answer, Intent
from bot.core.townfile import shipped_towns
from bot.replies.reply import plain_text
from bot.replies.towns import TownCards
from bot.replies.wording import Replies
from bot.replies.years import PartnershipYears, agreement_in

TODAY = date(2026, 11, 26)
DIRECTORY = TownDirectory(shipped_towns())
REPLIES = Replies(DIRECTORY, TODAY)
YEARS = PartnershipYears(REPLIES)


def town(key: str) -> Town:
    found = DIRECTORY.get(key)
    assert found is not None
    return found


def test_the_years_answer_and_the_card_say_the_same_age() -> None:
    sassnitz = town("sassnitz")
    line = plain_text(YEARS.line("ru", Intent.YEARS, sassnitz))
    assert line == (
        "🇩🇪 Засниц: 23 года партнёрства (соглашение о партнёрстве от 1 июня 2003 года). "
        "1 июня 2027 исполнится 24."
    )
    assert "23 года (1 июня 2027 — 24)" in plain_text(TownCards(REPLIES).card("ru", sassnitz).text)
    narva = town("narva")
    since = plain_text(YEARS.line("ru", Intent.SINCE, narva))
    # a year-precision "since" carries the card's own age sentence
    card_age = TownCards(REPLIES).agreement_years("ru", narva.agreements[0])
    assert card_age == "в 2026 году — 26 лет" and since.endswith(" В 2026 году — 26 лет.")
    assert "26 лет с начала партнёрства (2000)" in plain_text(YEARS.line("ru", Intent.YEARS, narva))


def test_years_in_a_given_year_keep_the_tense() -> None:
    narvik = town("narvik")
    since = narvik.since
    assert since is not None
    assert "в 2022 году исполнилось 50 лет" in plain_text(YEARS.years_at_line("ru", narvik, since, 2022))
    assert "в 2026 году исполняется 54 года" in plain_text(YEARS.years_at_line("ru", narvik, since, 2026))
    assert "партнёрства ещё не было" in plain_text(YEARS.years_at_line("ru", narvik, since, 1970))
    sassnitz = town("sassnitz")
    assert sassnitz.since is not None
    line = plain_text(YEARS.years_at_line("en", sassnitz, sassnitz.since, 2028))
    assert "1 June 2028" in line and "25 years" in line


def test_anniversaries_of_a_year_mark_the_round_ones() -> None:
    answer = Answer(Intent.ANNIVERSARY, "ru", when=PartialDate(2025))
    text = plain_text(YEARS.anniversaries("ru", answer).text)
    assert text.startswith("Годовщины партнёрств в 2025 году:")
    assert "• 🇫🇮 Райсио — 50 лет (круглая дата)" in text and "• 🇳🇴 Нарвик — 53 года\n" in text
    assert "• 🇩🇪 Засниц — 22 года, 1 июня 2025" in text
    assert text.endswith("/upcoming.")


def test_the_next_dated_anniversary_comes_first_without_a_year() -> None:
    text = plain_text(YEARS.anniversaries("ru", Answer(Intent.ANNIVERSARY, "ru")).text)
    assert text.startswith("Ближайшая годовщина с точной датой: 4 декабря 2026 — 🇧🇾 Светлогорск, 20 лет")
    assert "в 2027 году" in text  # after midsummer the coming year's list


def test_what_was_signed_in_a_year_tells_signed_from_begun() -> None:
    text = plain_text(YEARS.signed("ru", PartialDate(2003)).text)
    assert text.startswith("Подписано в 2003 году:") and "Засниц" in text
    began = plain_text(YEARS.signed("ru", PartialDate(2000)).text)
    assert began.startswith("Начало партнёрства в 2000 году:") and "Нарва" in began
    assert "Не знаю соглашений" in YEARS.signed("ru", PartialDate(1900)).text
    assert agreement_in(town("narva"), 1800) is town("narva").agreements[0]
