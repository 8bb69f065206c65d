"""Town Days: a rule ("first weekend of June", "15 June") or a concrete date per year, and the span it gives
in a year. Weekends and 29 February follow the conventions in the package docstring."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

SATURDAY = 5


def safe_date(year: int, month: int, day: int) -> date:
    """date(), except that 29 February becomes 28 February in a common year."""
    if month == 2 and day == 29 and not _calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


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
