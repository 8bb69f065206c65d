"""Calendar arithmetic: Town Day rules, agreement anniversaries, planned visits, and what is due on a day.

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

from __future__ import annotations

import calendar as _calendar
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from functools import cache
from importlib import resources

from bot.core.dates import month_number, normalise, partial_date
from bot.core.model import PartialDate, Precision, Town

# the default of [reminders] round_years: every fifth year (a Russian "юбилей"), so 55 is round too
ROUND_YEARS: frozenset[int] = frozenset(range(5, 101, 5))
MIN_YEAR = 1950  # concrete Town Day dates: older ones are history nobody needs reminding of
MIN_AGREEMENT_YEAR = 1950  # no partnership of Kingisepp's is older; "1900" is a typo, not history
MAX_YEARS_AHEAD = 10
MAX_SPAN_DAYS = 31  # a Town Day "festival week" may be long, a month at most
SATURDAY = 5


class CalendarInputError(ValueError):
    """Input staff typed that does not make a valid rule or date; `code` picks the message to show."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def is_round(years: int, round_years: frozenset[int] = ROUND_YEARS) -> bool:
    return years in round_years


def safe_date(year: int, month: int, day: int) -> date:
    """date(), except that 29 February becomes 28 February in a common year."""
    if month == 2 and day == 29 and not _calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


# ---- spans and rules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class DateSpan:
    """One or more consecutive days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a span cannot end before it starts")

    @classmethod
    def day(cls, when: date) -> DateSpan:
        return cls(when, when)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class RuleKind(Enum):
    FIXED = "fixed"  # every year on the same day: "15 June"
    WEEKDAY = "weekday"  # "first Saturday of June", "last Sunday of August"
    WEEKEND = "weekend"  # "second weekend of July": Saturday and Sunday


@dataclass(frozen=True, slots=True)
class TownDayRule:
    kind: RuleKind
    month: int
    day: int = 0  # FIXED
    ordinal: int = 0  # WEEKDAY / WEEKEND: 1..5, or -1 for the last
    weekday: int = SATURDAY  # WEEKDAY: 0 = Monday .. 6 = Sunday

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.kind is RuleKind.FIXED:
            date(2000, self.month, self.day)  # a leap year: 29 February is a valid fixed day
        else:
            if self.ordinal not in (-1, 1, 2, 3, 4, 5):
                raise ValueError(f"ordinal {self.ordinal} is out of range")
            if not 0 <= self.weekday <= 6:
                raise ValueError(f"weekday {self.weekday} is out of range")
            if self.kind is RuleKind.WEEKEND and self.weekday != SATURDAY:
                raise ValueError("a weekend starts on Saturday")

    @classmethod
    def fixed(cls, month: int, day: int) -> TownDayRule:
        return cls(RuleKind.FIXED, month, day=day)

    @classmethod
    def nth_weekday(cls, ordinal: int, weekday: int, month: int) -> TownDayRule:
        return cls(RuleKind.WEEKDAY, month, ordinal=ordinal, weekday=weekday)

    @classmethod
    def nth_weekend(cls, ordinal: int, month: int) -> TownDayRule:
        return cls(RuleKind.WEEKEND, month, ordinal=ordinal, weekday=SATURDAY)

    def span(self, year: int) -> DateSpan | None:
        """The occurrence in `year`, or None when the rule names a day that year does not have."""
        if self.kind is RuleKind.FIXED:
            return DateSpan.day(safe_date(year, self.month, self.day))
        first = nth_weekday(year, self.month, self.weekday, self.ordinal)
        if first is None:
            return None
        if self.kind is RuleKind.WEEKEND:
            return DateSpan(first, first + timedelta(days=1))
        return DateSpan.day(first)

    def encode(self) -> str:
        """Storage form: 'fixed:6:15', 'weekday:1:5:6' (ordinal, weekday, month), 'weekend:-1:8'."""
        if self.kind is RuleKind.FIXED:
            return f"fixed:{self.month}:{self.day}"
        if self.kind is RuleKind.WEEKDAY:
            return f"weekday:{self.ordinal}:{self.weekday}:{self.month}"
        return f"weekend:{self.ordinal}:{self.month}"

    @classmethod
    def decode(cls, text: str) -> TownDayRule:
        kind, *numbers = text.split(":")
        values = [int(number) for number in numbers]
        if kind == "fixed" and len(values) == 2:
            return cls.fixed(values[0], values[1])
        if kind == "weekday" and len(values) == 3:
            return cls.nth_weekday(values[0], values[1], values[2])
        if kind == "weekend" and len(values) == 2:
            return cls.nth_weekend(values[0], values[1])
        raise ValueError(f"not a stored Town Day rule: {text!r}")

    def ical_recurrence(self) -> dict[str, object]:
        """The RFC 5545 RRULE parts of this rule (yearly)."""
        if self.kind is RuleKind.FIXED:
            if self.month == 2 and self.day == 29:
                return {"FREQ": "YEARLY", "BYMONTH": 2, "BYMONTHDAY": -1}  # 29 Feb, else 28 Feb
            return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYMONTHDAY": self.day}
        day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[self.weekday]
        return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{self.ordinal}{day}"}


def nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date | None:
    """The `ordinal`-th `weekday` of the month (-1: the last), or None if there is no such day."""
    if ordinal == -1:
        last = date(year, month, _calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    found = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (ordinal - 1))
    return found if found.month == month else None


@dataclass(frozen=True, slots=True)
class TownDay:
    """What is known about one town's Town Day: a rule, concrete dates by year, or nothing."""

    town_key: str
    rule: TownDayRule | None = None
    dates: Mapping[int, DateSpan] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.rule is not None or bool(self.dates)

    def span(self, year: int) -> DateSpan | None:
        """The concrete date set for `year` wins over the rule."""
        concrete = self.dates.get(year)
        if concrete is not None:
            return concrete
        return self.rule.span(year) if self.rule is not None else None

    def next_span(self, today: date) -> DateSpan | None:
        """The next occurrence that has not ended yet (today included), looking a few years ahead."""
        for year in range(today.year, today.year + 3):
            span = self.span(year)
            if span is not None and span.end >= today:
                return span
        return None

    def shown_span(self, today: date) -> DateSpan | None:
        """What a town card shows: the next occurrence, else this year's (already over), else nothing."""
        return self.next_span(today) or self.span(today.year)

    def source(self, year: int) -> str:
        if year in self.dates:
            return "date"
        return "rule" if self.rule is not None else ""


@dataclass(frozen=True, slots=True)
class TownDaySeed:
    """A town's Town Day as shipped in bot/data/town_days.toml."""

    rule: TownDayRule | None = None
    typed: str = ""
    dates: Mapping[int, DateSpan] = field(default_factory=dict)
    about: TownDayAbout | None = None


ABOUT_PARTS = ("early", "mid", "late")
_ABOUT = re.compile(r"^(?:(early|mid|late)[\s-]+)?([a-z]+)$")


@dataclass(frozen=True, slots=True)
class TownDayAbout:
    """A Town Day known only roughly ("late August"): never reminded, never given a day, but shown with
    the precision it has wherever the Town Day is unknown (cards, /upcoming, /events)."""

    month: int
    part: str | None = None  # "early" | "mid" | "late"; None: some time in that month


def parse_about(text: str) -> TownDayAbout:
    """'late August', 'mid-June', 'early June', 'March' (English, as in the shipped file)."""
    match = _ABOUT.match(text.strip().lower())
    month = month_number(match.group(2)) if match else None
    if match is None or month is None:
        raise ValueError(f"not a rough Town Day: {text!r} (e.g. 'late August', 'mid-June', 'March')")
    return TownDayAbout(month, match.group(1))


def parse_town_day_seeds(text: str, source: str = "town_days.toml") -> dict[str, TownDaySeed]:
    """The shipped Town Days: [town_key] rule = "first weekend of June", dates = ["2025-06-28/2025-06-30"]."""
    seeds: dict[str, TownDaySeed] = {}
    for town_key, table in tomllib.loads(text).items():
        if not isinstance(table, dict) or set(table) - {"rule", "dates", "about"}:
            raise ValueError(f"{source}: [{town_key}] may only have 'rule', 'dates' and 'about'")
        typed = str(table.get("rule", ""))
        rule = None
        if typed:
            parsed = parse_town_day(typed, date(2000, 1, 1))
            if parsed.kind is not ParsedKind.RULE:
                raise ValueError(f"{source}: [{town_key}] rule {typed!r} is not a rule")
            rule = parsed.rule
        dates: dict[int, DateSpan] = {}
        for item in table.get("dates", []):
            first, _, last = str(item).partition("/")
            span = DateSpan(date.fromisoformat(first), date.fromisoformat(last or first))
            dates[span.start.year] = span
        about = parse_about(str(table["about"])) if table.get("about") else None
        seeds[town_key] = TownDaySeed(rule, typed, dates, about)
    return seeds


def shipped_town_days() -> dict[str, TownDaySeed]:
    text = resources.files("bot.data").joinpath("town_days.toml").read_text(encoding="utf-8")
    return parse_town_day_seeds(text, "bot/data/town_days.toml")


@cache
def shipped_town_day_abouts() -> Mapping[str, TownDayAbout]:
    """town key -> the rough Town Day of the shipped file: the one source of "late August"."""
    return {key: seed.about for key, seed in shipped_town_days().items() if seed.about is not None}


# ---- parsing what staff type ----------------------------------------------------------------------------


class ParsedKind(Enum):
    RULE = "rule"
    DATE = "date"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ParsedTownDay:
    kind: ParsedKind
    rule: TownDayRule | None = None
    span: DateSpan | None = None
    year: int | None = None  # DATE: the year it is for; UNKNOWN: the year whose date is cleared (or None)


_WEEKDAYS_RU = (
    (r"понедельник", 0),
    (r"вторник", 1),
    (r"сред[аыуе]$", 2),
    (r"четверг", 3),
    (r"пятниц", 4),
    (r"суббот", 5),
    (r"воскресень", 6),
)
_WEEKDAYS_EN = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_ORDINALS_RU = (
    (r"перв(ый|ая|ое|ые|ую|ой|ого|ых)", 1),
    (r"втор(ой|ая|ое|ые|ую|ого|ых)", 2),
    (r"трет(ий|ья|ье|ьи|ью|ьей|ьего|ьих)", 3),
    (r"четверт(ый|ая|ое|ые|ую|ой|ого|ых)", 4),
    (r"пят(ый|ая|ое|ые|ую|ой|ого|ых)", 5),
    (r"последн(ий|яя|ее|ие|юю|ей|его|их)", -1),
)
_ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1, "final": -1}
_ORDINAL_SUFFIXES = {"st", "nd", "rd", "th", "я", "е", "й", "ый", "ая", "ое", "ые", "ую", "ой", "ого", "ий"}
_WEEKEND = re.compile(r"^(выходн|уикенд|weekend)")
_UNKNOWN = {"unknown", "неизвестно", "неизвестна", "неизвестен", "неизвестны", "none", "нет"}
_FILLER = {"of", "in", "the", "on", "в", "во", "на", "месяца", "month", "года", "год", "г", "year"}
_TOKEN = re.compile(r"\d+(?:-?[a-zа-я]+)?|[a-zа-я]+|-")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?$")
_DOTTED_RANGE = re.compile(r"^(\d{1,2})(?:[./](\d{1,2}))?\s*-\s*(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?$")


def _lookup(token: str, patterns: Sequence[tuple[str, int]], names: Mapping[str, int]) -> int | None:
    if token in names:
        return names[token]
    for pattern, value in patterns:
        if re.match(pattern, token):
            return value
    return None


def _weekday(token: str) -> int | None:
    return _lookup(token, _WEEKDAYS_RU, _WEEKDAYS_EN)


def _ordinal(token: str) -> int | None:
    if token in _ORDINALS_EN:
        return _ORDINALS_EN[token]
    for pattern, value in _ORDINALS_RU:
        if re.fullmatch(pattern, token):
            return value
    match = re.fullmatch(r"(\d)-?([a-zа-я]+)", token)
    if match and match.group(2) in _ORDINAL_SUFFIXES and 1 <= int(match.group(1)) <= 5:
        return int(match.group(1))
    return None


def _normalise(text: str) -> str:
    text = normalise(text)
    text = re.sub(r"\b(уик|week)\s*-\s*(энд|end)", r"\1\2", text)
    return re.sub(r"\s+", " ", text.replace(",", " ")).strip()


def parse_town_day(text: str, today: date) -> ParsedTownDay:
    """What staff typed after the town name: a rule, a date (for a year), or 'unknown' (optionally a year).

    Accepted, in Russian or English: "первая суббота июня" / "first Saturday of June", "второй выходной
    июля" / "second weekend of July" / "second July weekend", "последние выходные августа" / "last weekend
    of August", "15 июня" / "15 June" / "June 15" / "15.06" (a fixed day every year), a date with a year
    "28 June 2025" / "28.06.2025" / "2025-06-28" / "28-30 June 2025" (that year only), a day and a separate
    year ("28.06 2025"), and "unknown" / "неизвестно" (optionally with a year: remove that year's date).
    """
    try:
        return _parse_town_day(_normalise(text), today)
    except CalendarInputError as error:
        if "text" in error.params:  # show staff what they typed, not the normalised form
            error.params["text"] = " ".join(text.split())[:100]
        raise


def _parse_town_day(cleaned: str, today: date) -> ParsedTownDay:
    if not cleaned:
        raise CalendarInputError("empty")
    numeric = _parse_numeric(cleaned, today)
    if numeric is not None:
        return numeric
    tokens = [token for token in _TOKEN.findall(cleaned) if token not in _FILLER]
    year: int | None = None
    if len(tokens) >= 2 and re.fullmatch(r"\d{4}", tokens[-1]):
        year = check_year(int(tokens[-1]), today)
        tokens = tokens[:-1]
    if len(tokens) == 1 and tokens[0] in _UNKNOWN:
        return ParsedTownDay(ParsedKind.UNKNOWN, year=year)
    if len(tokens) == 2 and " ".join(tokens) in ("не известно", "не известна"):
        return ParsedTownDay(ParsedKind.UNKNOWN, year=year)
    rule = _parse_rule(tokens)
    if rule is not None:
        if year is not None:
            raise CalendarInputError("rule_with_year", year=year)
        return ParsedTownDay(ParsedKind.RULE, rule=rule)
    day_month = _parse_daymonth_number(tokens, year)
    if day_month is not None:
        return day_month
    raise CalendarInputError("not_understood", text=cleaned)


def check_year(year: int, today: date) -> int:
    if not MIN_YEAR <= year <= today.year + MAX_YEARS_AHEAD:
        raise CalendarInputError("year_range", year=year, first=MIN_YEAR, last=today.year + MAX_YEARS_AHEAD)
    return year


def _make_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CalendarInputError("impossible_date", text=shown) from None


def _make_span(year: int, first: tuple[int, int], last: tuple[int, int] | None, shown: str) -> DateSpan:
    start = _make_date(year, first[0], first[1], shown)
    end = start if last is None else _make_date(year, last[0], last[1], shown)
    if end < start or (end - start).days >= MAX_SPAN_DAYS:
        raise CalendarInputError("bad_range", text=shown)
    return DateSpan(start, end)


def _fixed_rule(month: int, day: int, shown: str) -> TownDayRule:
    try:
        return TownDayRule.fixed(month, day)
    except ValueError:
        raise CalendarInputError("impossible_date", text=shown) from None


def _parse_numeric(cleaned: str, today: date) -> ParsedTownDay | None:
    """28.06, 28.06.2025, 2025-06-28, 28-30.06.2025, 28.06-02.07.2025, optionally followed by ' 2025'."""
    head, _, tail = cleaned.rpartition(" ")
    trailing: int | None = None
    if head and re.fullmatch(r"\d{4}", tail):
        trailing, cleaned = int(tail), head.strip()
    iso = _ISO.match(cleaned)
    if iso:
        iso_year = check_year(int(iso.group(1)), today)
        if trailing is not None and trailing != iso_year:
            raise CalendarInputError("not_understood", text=cleaned)
        span = _make_span(iso_year, (int(iso.group(2)), int(iso.group(3))), None, cleaned)
        return ParsedTownDay(ParsedKind.DATE, span=span, year=iso_year)
    dotted = _DOTTED.match(cleaned)
    ranged = _DOTTED_RANGE.match(cleaned)
    if dotted is None and ranged is None:
        return None
    if dotted:
        day, month, year_text = int(dotted.group(1)), int(dotted.group(2)), dotted.group(3)
        first, last = (month, day), None
    else:
        assert ranged is not None
        month = int(ranged.group(4))
        first_month = int(ranged.group(2)) if ranged.group(2) else month
        first, last = (first_month, int(ranged.group(1))), (month, int(ranged.group(3)))
        year_text = ranged.group(5)
    if year_text and trailing is not None:
        raise CalendarInputError("not_understood", text=cleaned)
    given: int | None = int(year_text) if year_text else trailing
    if given is None:
        if last is not None:
            raise CalendarInputError("range_needs_year", text=cleaned)
        return ParsedTownDay(ParsedKind.RULE, rule=_fixed_rule(first[0], first[1], cleaned))
    year = check_year(given, today)
    return ParsedTownDay(ParsedKind.DATE, span=_make_span(year, first, last, cleaned), year=year)


def _parse_rule(tokens: Sequence[str]) -> TownDayRule | None:
    if len(tokens) != 3:
        return None
    ordinal = _ordinal(tokens[0])
    if ordinal is None:
        return None
    rest = tokens[1:]
    for first, second in (rest, rest[::-1]):
        month = month_number(second)
        if month is None:
            continue
        if _WEEKEND.match(first):
            return TownDayRule.nth_weekend(ordinal, month)
        weekday = _weekday(first)
        if weekday is not None:
            return TownDayRule.nth_weekday(ordinal, weekday, month)
    return None


def _parse_daymonth_number(tokens: Sequence[str], year: int | None) -> ParsedTownDay | None:
    """'15 june', 'june 15', '28 - 30 june' (needs a year)."""
    last_day: int | None = None
    if len(tokens) == 4 and tokens[1] == "-" and tokens[0].isdigit() and tokens[2].isdigit():
        day_token, month_token, last_day = tokens[0], tokens[3], int(tokens[2])
    elif len(tokens) == 2 and tokens[0].isdigit():
        day_token, month_token = tokens
    elif len(tokens) == 2 and tokens[1].isdigit():
        month_token, day_token = tokens
    else:
        return None
    month = month_number(month_token)
    if month is None or len(day_token) > 2:
        return None
    day = int(day_token)
    shown = " ".join(tokens)
    if year is None:
        if last_day is not None:
            raise CalendarInputError("range_needs_year", text=shown)
        return ParsedTownDay(ParsedKind.RULE, rule=_fixed_rule(month, day, shown))
    last = None if last_day is None else (month, last_day)
    return ParsedTownDay(ParsedKind.DATE, span=_make_span(year, (month, day), last, shown), year=year)


def parse_partial_date(text: str, today: date) -> PartialDate:
    """An agreement date as staff type it, keeping its precision (bot.core.dates.partial_date: '2003',
    '06.2003', 'June 2003', '1.06.2003', '1 June 2003', '2003-06-01', '2003-06'). Impossible dates and far
    years are refused."""
    cleaned = _normalise(text)
    if not cleaned:
        raise CalendarInputError("empty")
    found = partial_date(cleaned)
    if found is None:
        raise CalendarInputError("bad_agreement_date", text=text.strip()[:100])
    year, month, day = found
    rest = [part for part in (month, day) if part is not None]
    return _checked_partial(year, rest, cleaned, today)


def _checked_partial(year: int, rest: Sequence[int], shown: str, today: date) -> PartialDate:
    if not MIN_AGREEMENT_YEAR <= year <= today.year:
        raise CalendarInputError("agreement_year_range", year=year, first=MIN_AGREEMENT_YEAR, last=today.year)
    try:
        result = PartialDate(year, *rest)
    except ValueError:
        raise CalendarInputError("impossible_date", text=shown) from None
    when = result.as_date()
    if when is not None and when > today:
        raise CalendarInputError("agreement_in_future", text=shown)
    return result


# ---- events ----------------------------------------------------------------------------------------------


class EventKind(Enum):
    ANNIVERSARY = "anniversary"
    TOWN_DAY = "town_day"
    VISIT = "visit"


# what a subscriber may choose; planned visits go to the staff chat only
SUBSCRIBABLE: tuple[EventKind, ...] = (EventKind.ANNIVERSARY, EventKind.TOWN_DAY)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """The part of a recorded visit the calendar needs (the visits feature owns the full record)."""

    id: int
    town_key: str
    start: date
    end: date | None
    direction: str  # "in" | "out"
    kind: str  # delegation type
    purpose: str = ""
    people: int | None = None


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    lead_days: tuple[int, ...] = (7, 1, 0)
    round_lead_days: int = 30
    year_only_day: tuple[int, int] = (1, 15)  # (month, day) on which year-only anniversaries are announced
    round_years: frozenset[int] = ROUND_YEARS  # the anniversaries marked round (and announced earlier)

    @property
    def max_lead(self) -> int:
        return max((*self.lead_days, self.round_lead_days, 0))


@dataclass(frozen=True, slots=True)
class Event:
    """One occurrence of something on the calendar."""

    kind: EventKind
    key: str  # the series: "anniversary:sassnitz:partnership", "town_day:narva", "visit:12"
    occurrence: str  # which one: "2026-06-01" (a day), "2026-06" (a month), "2026" (a year)
    town_key: str
    start: date  # the day it is on (for a year- or month-only anniversary: the day it is announced)
    end: date
    leads: tuple[int, ...]  # days before `start` on which it is reminded, largest first
    precision: Precision = "day"
    years: int = 0  # anniversaries: how many years
    round: bool = False
    agreement_key: str = ""
    signed: PartialDate | None = None
    source: str = ""  # town days: "rule" or "date"
    visit: PlannedVisit | None = None

    @property
    def staff_only(self) -> bool:
        return self.kind is EventKind.VISIT

    @property
    def sort_key(self) -> tuple[date, int, str]:
        order = {EventKind.ANNIVERSARY: 0, EventKind.TOWN_DAY: 1, EventKind.VISIT: 2}[self.kind]
        return (self.start, order, self.key)


@dataclass(frozen=True, slots=True)
class Due:
    """An event to remind about on a given day, `lead` days ahead of it."""

    event: Event
    lead: int


@dataclass(frozen=True, slots=True)
class Subscriber:
    chat_id: int
    language: str
    kinds: frozenset[EventKind]
    towns: frozenset[str] = frozenset()  # empty: every town
    staff: bool = False  # the staff chat: everything, planned visits included

    def wants(self, event: Event) -> bool:
        if self.staff:
            return True
        if event.staff_only or event.kind not in self.kinds:
            return False
        return not self.towns or event.town_key in self.towns


def anniversary(
    signed: PartialDate, year: int, settings: CalendarSettings
) -> tuple[date, str, tuple[int, ...]] | None:
    """(the day, the occurrence id, the lead days) of the anniversary in `year`; None before the first."""
    years = year - signed.year
    if years <= 0:
        return None
    if signed.month is not None and signed.day is not None:
        day = safe_date(year, signed.month, signed.day)
        leads = set(settings.lead_days)
        if is_round(years, settings.round_years):
            leads.add(settings.round_lead_days)
        return day, day.isoformat(), tuple(sorted(leads, reverse=True))
    if signed.month is not None:
        return date(year, signed.month, 1), f"{year:04d}-{signed.month:02d}", (0,)
    month, day_of_month = settings.year_only_day
    return date(year, month, day_of_month), f"{year:04d}", (0,)


class Calendar:
    """Events computed from the towns, their Town Days and the planned visits."""

    def __init__(
        self,
        towns: Iterable[Town],
        town_days: Mapping[str, TownDay],
        visits: Iterable[PlannedVisit] = (),
        settings: CalendarSettings | None = None,
    ) -> None:
        self.towns: dict[str, Town] = {town.key: town for town in towns}
        self.town_days = dict(town_days)
        self.visits = tuple(visits)
        self.settings = settings or CalendarSettings()

    def town_day(self, town_key: str) -> TownDay:
        return self.town_days.get(town_key) or TownDay(town_key)

    def events_between(self, first: date, last: date, *, include_visits: bool = True) -> list[Event]:
        """Every occurrence that starts between `first` and `last`, both included, in date order."""
        found: list[Event] = []
        for year in range(first.year, last.year + 1):
            for town in self.towns.values():
                found.extend(self._anniversaries(town, year))
                town_day = self._town_day(town, year)
                if town_day is not None:
                    found.append(town_day)
        if include_visits:
            found.extend(self._visit(visit) for visit in self.visits)
        return sorted((e for e in found if first <= e.start <= last), key=lambda event: event.sort_key)

    def due_on(self, day: date) -> list[Due]:
        """What is reminded about on `day`: events whose start minus one of their leads is `day`."""
        due: list[Due] = []
        for event in self.events_between(day, day + timedelta(days=self.settings.max_lead)):
            lead = (event.start - day).days
            if lead in event.leads:
                due.append(Due(event, lead))
        return due

    def unknown_town_days(self, year: int) -> list[Town]:
        """Towns whose Town Day in `year` is not known (neither a rule nor a date for that year)."""
        return [town for town in self.towns.values() if self.town_day(town.key).span(year) is None]

    def find(self, key: str, occurrence: str) -> Event | None:
        """The event with this series key and occurrence id (for re-rendering a stored delivery)."""
        kind = key.split(":", 1)[0]
        year = int(occurrence[:4])
        candidates: list[Event] = []
        if kind == EventKind.VISIT.value:
            candidates = [self._visit(visit) for visit in self.visits]
        else:
            for town in self.towns.values():
                if kind == EventKind.ANNIVERSARY.value:
                    candidates.extend(self._anniversaries(town, year))
                else:
                    town_day = self._town_day(town, year)
                    if town_day is not None:
                        candidates.append(town_day)
        return next((e for e in candidates if e.key == key and e.occurrence == occurrence), None)

    # -- internals ---------------------------------------------------------------------------------------

    def _anniversaries(self, town: Town, year: int) -> list[Event]:
        events = []
        for agreement in town.agreements:
            found = anniversary(agreement.signed, year, self.settings)
            if found is None:
                continue
            day, occurrence, leads = found
            years = year - agreement.signed.year
            events.append(
                Event(
                    kind=EventKind.ANNIVERSARY,
                    key=f"anniversary:{town.key}:{agreement.key}",
                    occurrence=occurrence,
                    town_key=town.key,
                    start=day,
                    end=day,
                    leads=leads,
                    precision=agreement.signed.precision,
                    years=years,
                    round=is_round(years, self.settings.round_years),
                    agreement_key=agreement.key,
                    signed=agreement.signed,
                )
            )
        return events

    def _town_day(self, town: Town, year: int) -> Event | None:
        info = self.town_day(town.key)
        span = info.span(year)
        if span is None:
            return None
        return Event(
            kind=EventKind.TOWN_DAY,
            key=f"town_day:{town.key}",
            occurrence=span.start.isoformat(),
            town_key=town.key,
            start=span.start,
            end=span.end,
            leads=tuple(sorted(set(self.settings.lead_days), reverse=True)),
            source=info.source(year),
        )

    def _visit(self, visit: PlannedVisit) -> Event:
        return Event(
            kind=EventKind.VISIT,
            key=f"visit:{visit.id}",
            occurrence=visit.start.isoformat(),
            town_key=visit.town_key,
            start=visit.start,
            end=visit.end or visit.start,
            leads=tuple(sorted(set(self.settings.lead_days), reverse=True)),
            visit=visit,
        )


def plan_deliveries(due: Sequence[Due], subscribers: Iterable[Subscriber]) -> dict[int, list[Due]]:
    """chat id -> what it should hear about, in event order. A chat is listed once however it subscribed."""
    by_chat: dict[int, list[Due]] = {}
    for subscriber in subscribers:
        wanted = [item for item in due if subscriber.wants(item.event)]
        if wanted:
            current = by_chat.setdefault(subscriber.chat_id, [])
            known = {(item.event.key, item.event.occurrence, item.lead) for item in current}
            current.extend(
                item for item in wanted if (item.event.key, item.event.occurrence, item.lead) not in known
            )
    for items in by_chat.values():
        items.sort(key=lambda item: item.event.sort_key)
    return by_chat
