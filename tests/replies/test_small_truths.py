"""Issue 14 item 8, the small truths, each held by a test. The ones tested beside the code they concern:

- one source of truth for a Town Day ("в конце августа" on the card and in /upcoming):
  tests/handlers/test_calendar.py::test_a_rough_town_day_reads_the_same_on_the_card_and_in_upcoming;
- "5–7 июня 2026" ranges: tests/replies/test_wording.py, tests/replies/test_visits.py;
- a missing field reported as missing: tests/handlers/visits/test_one_line.py::
  test_one_line_names_every_bad_field_and_writes_nothing;
- the /visit town buttons alphabetical: tests/handlers/visits/test_form_opening.py;
- /export without a format sends its caption once: tests/handlers/test_reports.py::
  test_export_sends_xlsx_and_csv_of_the_year.

Here: Raisio named as the source does, in the past, and the round-anniversary list of the config (with 55
by default) marking the same years in every view: the answer, /upcoming and the .ics file.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar as ICalendar

from bot.config import parse_settings
from bot.core.model import PartialDate
from bot.core.questions import Answer, Intent
from bot.ics import build_ics
from bot.replies.calendar import CalendarReplies
from bot.replies.reply import plain_text
from bot.replies.towns import TownCards
from bot.replies.years import PartnershipYears
from bot.runtime import open_runtime
from tests.replies.test_years import REPLIES, YEARS, town

MOSCOW = ZoneInfo("Europe/Moscow")


def test_raisio_is_named_as_the_source_does_in_the_past() -> None:
    """The district's text: "From 1975 ... has been cooperating actively with Raisio": no agreement."""
    raisio = town("raisio")
    card = plain_text(TownCards(REPLIES).card("ru", raisio).text)
    assert "📜 Активно сотрудничали (так в источнике; соглашение не названо): 1975" in card
    assert "Активное сотрудничество" not in card and "Соглашение" not in card.split("\n")[3]
    english = plain_text(TownCards(REPLIES).card("en", raisio).text)
    assert "📜 Cooperated actively (as the source says; no agreement named): 1975" in english
    since = plain_text(YEARS.line("ru", Intent.SINCE, raisio))
    assert since.startswith(
        "🇫🇮 Райсио: активно сотрудничали (так в источнике; соглашение не названо) — с 1975"
    )


async def _views(tmp_path: Path, round_years: list[int] | None) -> tuple[str, str, list[str]]:
    """Narvik's 55th year (2027) as the anniversary answer, /upcoming and the .ics file show it."""
    reminders = {} if round_years is None else {"round_years": round_years}
    settings = parse_settings(
        {"storage": {"database": str(tmp_path / f"{round_years}.sqlite3")}, "reminders": reminders}
    )
    now = datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW)
    runtime = await open_runtime(settings, clock=lambda: now)
    try:
        replies = runtime.replies()
        answer = PartnershipYears(replies).anniversaries(
            "ru", Answer(Intent.ANNIVERSARY, "ru", when=PartialDate(2027))
        )
        first, last = date(2027, 1, 1), date(2027, 12, 31)
        calendar = await runtime.load_calendar(first, last)
        upcoming = CalendarReplies(replies).upcoming("ru", calendar, first, last).text
        ics = build_ics(calendar, CalendarReplies(replies), "ru", date(2026, 11, 26))
    finally:
        await runtime.close()
    summaries = [str(event["SUMMARY"]) for event in ICalendar.from_ical(ics).walk("VEVENT")]
    return plain_text(answer.text), plain_text(upcoming), summaries


async def test_the_round_list_is_the_configs_and_every_view_marks_the_same_years(tmp_path: Path) -> None:
    answer, upcoming, summaries = await _views(tmp_path, None)  # the default: every fifth year, 55 too
    narvik_upcoming = next(line for line in upcoming.splitlines() if "Нарвик" in line and "55 лет" in line)
    assert "• 🇳🇴 Нарвик — 55 лет (круглая дата)" in answer
    assert "Круглая годовщина" in narvik_upcoming
    # the .ics marks round years of day-dated agreements: Svetlahorsk's 4 December 2006 turns 25 in 2031
    assert any("Светлогорск: 25 лет" in summary and "🎉" in summary for summary in summaries)

    answer, upcoming, summaries = await _views(tmp_path, [50, 100])  # a list of the office's own
    narvik_upcoming = next(line for line in upcoming.splitlines() if "Нарвик" in line and "55 лет" in line)
    assert "• 🇳🇴 Нарвик — 55 лет\n" in answer + "\n" and "круглая" not in narvik_upcoming.lower()
    assert not any("Светлогорск: 25 лет" in summary for summary in summaries)
