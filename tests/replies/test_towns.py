"""The town list and the town card (bot/replies/towns.py)."""

from __future__ import annotations

from datetime import date

from bot.core.calendar import DateSpan
from bot.core.directory import TownDirectory
from bot.core.model import LANGUAGES, Town
from bot.core.townfile import shipped_towns
from bot.replies.reply import MESSAGE_LIMIT, plain_text, visible_length
from bot.replies.towns import CARD_VISITS, TownCards
from bot.replies.wording import Replies, VisitLine

TODAY = date(2026, 11, 26)
DIRECTORY = TownDirectory(shipped_towns())
CARDS = TownCards(Replies(DIRECTORY, TODAY))


def town(key: str) -> Town:
    found = DIRECTORY.get(key)
    assert found is not None
    return found


def test_the_list_counts_the_partners_keeps_its_footer_and_offers_their_cards() -> None:
    reply = CARDS.towns_list("ru")
    text = plain_text(reply.text)
    assert text.startswith("Города-партнёры Кингисеппского района (9 городов):")
    assert "🇳🇴 Нарвик, Норвегия — с 1972 года" in text
    assert text.endswith("Карточка города: /town название или кнопка ниже.")
    assert "Кингисепп," not in text  # home is not its own partner
    assert {button.data for row in reply.buttons for button in row} == {
        f"card:{partner.key}" for partner in DIRECTORY.partners
    }


def test_a_card_says_the_age_to_the_day_or_to_the_year() -> None:
    sassnitz = plain_text(CARDS.card("ru", town("sassnitz")).text)
    assert "📜 Соглашение о партнёрстве: 1 июня 2003\n    23 года (1 июня 2027 — 24)" in sassnitz
    narva = plain_text(CARDS.card("en", town("narva")).text)
    assert "26 years in 2026" in narva
    assert "1 January" not in narva  # known to the year only


def test_a_card_shows_the_calendars_town_day_and_the_latest_visits() -> None:
    visits = {
        "narva": [
            VisitLine(
                date(2024, 6, day), "visits.public.direction_in", "visits.public.kind_official", f"<{day}>"
            )
            for day in range(1, 9)
        ]
    }
    spans = {"narva": DateSpan(date(2027, 7, 24), date(2027, 7, 26))}
    cards = TownCards(Replies(DIRECTORY, TODAY, visits=visits, town_days=spans))
    reply = cards.card("ru", town("narva"))
    text = plain_text(reply.text)
    assert "🎉 День города: ближайший: 24–26 июля 2027 (суббота–понедельник)" in text
    assert "🚌 Последние визиты:" in text
    shown = [line for line in text.splitlines() if line.startswith("• ") and "июня 2024" in line]
    assert len(shown) == CARD_VISITS and "<6>" not in text  # the first five the runtime hands over
    assert "&lt;1&gt;" in reply.text  # purposes escaped
    assert visible_length(reply.text) <= MESSAGE_LIMIT


def test_every_card_fits_in_both_languages() -> None:
    for lang in LANGUAGES:
        for each in DIRECTORY.towns:
            text = CARDS.card(lang, each).text
            assert each.name(lang) in text and visible_length(text) <= MESSAGE_LIMIT
