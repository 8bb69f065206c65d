"""The statistics of the register (bot/exports/summary.py)."""

from __future__ import annotations

from datetime import date

from bot.core.visits import Direction
from bot.exports.summary import summarize
from bot.replies.stats import stats_caption
from bot.replies.wording import Replies
from tests.exports.sample import DIRECTORY, TODAY, VISITS, visit
from tests.stats_reference import monthly_counts, without_planned

REPLIES = Replies(DIRECTORY, TODAY)


def test_summary_counts_and_busiest() -> None:
    periods = [
        (2023, Direction.INCOMING, 2),
        (2024, Direction.INCOMING, 3),
        (2024, Direction.OUTGOING, 4),
        (2025, Direction.OUTGOING, 7),
    ]
    summary = summarize(periods, [("narva", 9), ("raisio", 5), ("narvik", 2), ("johvi", 0)])
    assert (summary.total, summary.incoming, summary.outgoing) == (16, 5, 11)
    assert summary.busiest == ((2024, 2025), 7)  # a tie is a tie: both years, no winner
    assert summary.periods == ((2023, 2, 0), (2024, 3, 4), (2025, 0, 7))
    assert summary.top_towns == (("narva", 9), ("raisio", 5), ("narvik", 2))
    assert summarize([], []).empty
    # the town after the third is shown when it ties with the third
    tied = summarize(periods, [("narva", 9), ("raisio", 2), ("narvik", 2), ("johvi", 2), ("sassnitz", 1)])
    assert tied.top_towns == (("narva", 9), ("johvi", 2), ("narvik", 2), ("raisio", 2))


def test_ties_read_as_ties_and_the_caption_quotes_the_period() -> None:
    from bot.exports.summary import Stretch

    summary = summarize(
        [(6, Direction.INCOMING, 1), (9, Direction.OUTGOING, 1)],
        [("narva", 1), ("raisio", 1)],
        2025,
        planned=0,
        people=17,
        unknown_people=1,
        period=Stretch(date(2025, 1, 1), date(2025, 12, 31), 2, 17),
        previous=Stretch(date(2024, 1, 1), date(2024, 12, 31), 3, 20),
    )
    ru = stats_caption(summary, "ru", REPLIES)
    assert "<b>Визиты делегаций</b> · 2025 год (1 января – 31 декабря 2025)" in ru
    assert "Всего: <b>2</b> визита, участников: 17; приезды в Кингисепп: 1, поездки из Кингисеппа: 1" in ru
    assert "число участников не указано у 1" in ru
    assert "Год назад, 1 января – 31 декабря 2024: 3 визита, участников: 20" in ru
    assert "Самые насыщенные месяцы: июнь, сентябрь — по 1" in ru
    assert "Самый насыщенный месяц" not in ru
    en = stats_caption(summary, "en", REPLIES)
    assert (
        "Busiest months: June, September, 1 each" in en
        and "A year before, 1 January – 31 December 2024" in en
    )


def test_planned_visits_are_left_out_of_the_counts_and_mentioned() -> None:
    periods = [(2026, Direction.INCOMING, 2), (2027, Direction.OUTGOING, 1)]
    towns = [("narva", 2), ("narvik", 1)]
    planned = [
        visit(5, start=date(2026, 12, 1)),
        visit(2, town_key="narvik", direction=Direction.OUTGOING, start=date(2027, 3, 1)),
        visit(6, start=date(2026, 12, 2), deleted=True),  # not in the counts to begin with
    ]
    held_periods, held_towns = without_planned(periods, towns, planned, by_month=False)
    assert held_periods == [(2026, Direction.INCOMING, 1)] and held_towns == [("narva", 1)]
    summary = summarize(held_periods, held_towns, planned=2)
    assert (summary.total, summary.planned) == (1, 2)
    assert (
        "Всего: <b>1</b> визит; приезды в Кингисепп: 1, поездки из Кингисеппа: 0; ещё запланировано: 2"
        in (stats_caption(summary, "ru", REPLIES))
    )
    assert "; planned: 2" in stats_caption(summary, "en", REPLIES)
    assert "planned" not in stats_caption(summarize(held_periods, held_towns), "en", REPLIES)


def test_monthly_counts_skip_deleted() -> None:
    months = monthly_counts(VISITS)
    assert months == [(1, Direction.INCOMING, 1), (3, Direction.OUTGOING, 1), (6, Direction.INCOMING, 1)]
