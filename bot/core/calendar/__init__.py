"""Calendar arithmetic: Town Day rules, agreement anniversaries, planned visits, and what is due on a day.

One module per part: town_days (rules, spans, what is known about a town's Town Day), parsing (what staff
type: rules, dates, agreement dates), seeds (the shipped Town Days), events (occurrences, what is due on
a day, who hears about it). The public names are importable from here.

Pure Python (no telegram, no SQL). Everything here works on local dates of the configured time zone;
turning "now" into a local date is the caller's job.

Conventions, decided once and documented here:

* **Weekends.** "The N-th weekend of a month" is the Saturday that is the N-th Saturday of that month,
  plus the Sunday after it (even when that Sunday is already in the next month). "The last weekend"
  starts on the month's last Saturday. A rule that does not exist in some year ("the fifth Saturday of
  June") simply has no occurrence in that year.
* **29 February.** An anniversary of something signed on 29 February (and a fixed Town Day on
  29 February) falls on 28 February in common years, so it is never skipped and never moved into March.
* **Precision.** An agreement known only to the year has no day: its anniversary is announced once in
  that year, on the configured ``year_only_day`` ("this year marks N years"), never as if it were a date.
  One known to the month is announced once, on the first day of that month ("this month marks ...").
* **Round anniversaries** (:data:`ROUND_YEARS`) with an exact date are also announced ``round_lead_days``
  ahead, on top of the ordinary lead days.
* **A concrete date set for a year overrides the rule** for that year; a town with neither has an unknown
  Town Day: never reminded, shown as unknown.
"""

from bot.core.calendar.events import (
    ROUND_YEARS,
    SUBSCRIBABLE,
    Calendar,
    CalendarSettings,
    Due,
    Event,
    EventKind,
    PlannedVisit,
    Subscriber,
    anniversary,
    is_round,
    plan_deliveries,
)
from bot.core.calendar.parsing import (
    MAX_SPAN_DAYS,
    MAX_YEARS_AHEAD,
    MIN_AGREEMENT_YEAR,
    MIN_YEAR,
    CalendarInputError,
    ParsedKind,
    ParsedTownDay,
    check_year,
    parse_partial_date,
    parse_town_day,
)
from bot.core.calendar.seeds import (
    ABOUT_PARTS,
    TownDayAbout,
    TownDaySeed,
    parse_about,
    parse_town_day_seeds,
    shipped_town_day_abouts,
    shipped_town_days,
)
from bot.core.calendar.town_days import (
    SATURDAY,
    DateSpan,
    RuleKind,
    TownDay,
    TownDayRule,
    nth_weekday,
    safe_date,
)

__all__ = [
    "ABOUT_PARTS",
    "MAX_SPAN_DAYS",
    "MAX_YEARS_AHEAD",
    "MIN_AGREEMENT_YEAR",
    "MIN_YEAR",
    "ROUND_YEARS",
    "SATURDAY",
    "SUBSCRIBABLE",
    "Calendar",
    "CalendarInputError",
    "CalendarSettings",
    "DateSpan",
    "Due",
    "Event",
    "EventKind",
    "ParsedKind",
    "ParsedTownDay",
    "PlannedVisit",
    "RuleKind",
    "Subscriber",
    "TownDay",
    "TownDayAbout",
    "TownDayRule",
    "TownDaySeed",
    "anniversary",
    "check_year",
    "is_round",
    "nth_weekday",
    "parse_about",
    "parse_partial_date",
    "parse_town_day",
    "parse_town_day_seeds",
    "plan_deliveries",
    "safe_date",
    "shipped_town_day_abouts",
    "shipped_town_days",
]
