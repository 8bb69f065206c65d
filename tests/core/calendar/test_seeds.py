"""The shipped Town Days file: rules read like staff input, dates by year, and errors that name the entry."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar.seeds import parse_town_day_seeds, shipped_town_days
from bot.core.calendar.town_days import DateSpan, TownDayRule


def test_rules_and_dates_are_read() -> None:
    seeds = parse_town_day_seeds(
        '[narva]\nrule = "first weekend of June"\n[ida]\ndates = ["2025-06-28/2025-06-30", "2026-07-04"]\n'
    )
    assert seeds["narva"].rule == TownDayRule.nth_weekend(1, 6)
    assert seeds["narva"].typed == "first weekend of June"
    assert seeds["ida"].rule is None
    assert seeds["ida"].dates == {
        2025: DateSpan(date(2025, 6, 28), date(2025, 6, 30)),
        2026: DateSpan.day(date(2026, 7, 4)),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[narva]\nrule = "28.06.2005"\n', "[narva] rule '28.06.2005' is not a rule"),
        ('[narva]\nwhen = "June"\n', "[narva] may only have 'rule', 'dates' and 'about'"),
    ],
)
def test_errors_name_the_entry(text: str, message: str) -> None:
    with pytest.raises(
        ValueError, match=r"^town_days\.toml: " + message.replace("[", r"\[").replace(".", r"\.")
    ):
        parse_town_day_seeds(text)


def test_the_shipped_file_parses() -> None:
    seeds = shipped_town_days()
    # every entry says something: a rule, dates, or at least roughly when ("late August")
    assert seeds and all(seed.rule is not None or seed.dates or seed.about for seed in seeds.values())
