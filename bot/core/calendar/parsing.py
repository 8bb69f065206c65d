"""Parsing what staff type: a Town Day (a rule, a date for a year, or "unknown") and an agreement date
with its precision. Refusals are CalendarInputError, whose code picks the message to show."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from bot.core.calendar.town_days import DateSpan, TownDayRule
from bot.core.dates import month_number, normalise, partial_date
from bot.core.model import PartialDate
from bot.core.typed_text import control_character

MIN_YEAR = 1950  # concrete Town Day dates: older ones are history nobody needs reminding of
MIN_AGREEMENT_YEAR = 1950  # no partnership of Kingisepp's is older; "1900" is a typo, not history
MAX_YEARS_AHEAD = 10
MAX_SPAN_DAYS = 31  # a Town Day "festival week" may be long, a month at most


class CalendarInputError(ValueError):
    """Input staff typed that does not make a valid rule or date; `code` picks the message to show."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


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
    char = control_character(text)  # the typed rule is stored as it was typed
    if char is not None:
        raise CalendarInputError("control_character", char=char)
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
