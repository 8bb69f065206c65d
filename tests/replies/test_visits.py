"""The visit register's views for staff: cards, lists, field errors (bot/replies/visits.py)."""

from __future__ import annotations

from datetime import date

from bot.core.visit_form import FormValues
from bot.core.visits import FieldError
from bot.replies.reply import plain_text
from bot.replies.visits import VisitReplies
from bot.replies.wording import Replies
from tests.exports.sample import DIRECTORY, TODAY, VISITS

VIEWS = VisitReplies(Replies(DIRECTORY, TODAY))


def test_a_planned_visit_card_shows_everything_escaped() -> None:
    card = VIEWS.card("ru", VISITS[1])
    text = plain_text(card)
    assert text.startswith("🚌 Визит #2 · 🇳🇴 Нарвик")
    assert "Участников: не указано" in text and "🔒 Заметки: +1 call -2 @admin" in text
    assert "Запланированный визит" in text  # starts after today
    assert 'Цель: =HYPERLINK("http://evil")' in text


def test_dates_and_values_of_the_form() -> None:
    assert VIEWS.dates("ru", date(2026, 6, 5), date(2026, 6, 7)) == "5–7 июня 2026 (3 дня)"
    assert VIEWS.dates("ru", date(2026, 6, 30), date(2026, 7, 2)) == "30 июня 2026 – 2 июля 2026 (3 дня)"
    assert VIEWS.dates("en", date(2026, 6, 5), date(2026, 6, 7)) == "5–7 June 2026 (3 days)"
    assert VIEWS.dates("ru", date(2026, 6, 5), None) == "5 июня 2026"
    assert VIEWS.value("ru", "people", FormValues(people=1200)) == "1\u00a0200"
    assert VIEWS.value("en", "direction", FormValues()) == "not given"
    assert VIEWS.value("ru", "purpose", FormValues(purpose="a <b>\n c")) == "a &lt;b&gt; c"


def test_an_unknown_town_is_explained_with_suggestions() -> None:
    error = FieldError("town", "town_unknown", {"text": "Атлантида", "names": ("narva", "narvik")})
    assert VIEWS.error("ru", error) == "не знаю города «Атлантида». Может быть: Нарва, Нарвик"
    alone = FieldError("town", "town_unknown", {"text": "<x>", "names": ()})
    assert VIEWS.error("ru", alone) == "не знаю города «&lt;x&gt;» среди партнёров"


def test_list_pages_mark_planned_visits_and_say_when_empty() -> None:
    page = plain_text(VIEWS.list_page("ru", VISITS[:3], 3, 0, 1, None, None))
    lines = page.splitlines()
    assert lines[0] == "Визиты — 3. Страница 1 из 1:"
    assert lines[2].startswith("#2 1 марта 2027") and "🗓" in lines[2]
    assert "🗓" not in lines[1]
    empty = VIEWS.list_page("ru", [], 0, 0, 1, "narva", 2025)
    assert empty == "Визитов · Нарва · 2025 в реестре нет. Записать: /visit"
