"""Visit dates as staff type them: one date or a period, numeric or with month names, in Russian or English,
and the window a visit may fall in."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from bot.core.visits.normalising import normalize
from bot.core.visits.record import MAX_DAYS, MAX_YEARS_AHEAD, MIN_YEAR, VisitInputError

_MONTH_FORMS: dict[int, tuple[str, ...]] = {
    1: ("январь", "января", "январе", "january"),
    2: ("февраль", "февраля", "феврале", "february"),
    3: ("март", "марта", "марте", "march"),
    4: ("апрель", "апреля", "апреле", "april"),
    5: ("май", "мая", "мае", "may"),
    6: ("июнь", "июня", "июне", "june"),
    7: ("июль", "июля", "июле", "july"),
    8: ("август", "августа", "августе", "august"),
    9: ("сентябрь", "сентября", "сентябре", "september", "sept"),
    10: ("октябрь", "октября", "октябре", "october"),
    11: ("ноябрь", "ноября", "ноябре", "november"),
    12: ("декабрь", "декабря", "декабре", "december"),
}
_RELATIVE_DAYS = {
    "сегодня": 0,
    "today": 0,
    "вчера": -1,
    "yesterday": -1,
    "позавчера": -2,
    "завтра": 1,
    "tomorrow": 1,
    "послезавтра": 2,
}
_NUMERIC_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?$")
_NUMERIC_YMD = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|-?го|-?е)?\s+([a-zа-я]+)\.?,?(?:\s+(\d{4}))?$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")
_DAY_ONLY = re.compile(r"^(\d{1,2})$")
_DAY_MONTH_ONLY = re.compile(r"^(\d{1,2})[./](\d{1,2})$")
_YEAR_SUFFIX = re.compile(r"\s*(?:г\.?|года|году|год)$")
_RANGE_SEPARATOR = re.compile(r"\s*(?:\.\.\.?|…|-|\s(?:по|до|to|until|till|through)\s)\s*")
_RANGE_PREFIX = re.compile(r"^(?:с|со|from)\s+")


class _NotADateError(Exception):
    """The text does not look like a date at all (as opposed to an impossible one like 31.02)."""


def month_number(word: str) -> int | None:
    """'июня', 'июнь', 'июн', 'June', 'jun.' -> 6; None for anything else."""
    word = normalize(word).rstrip(".")
    if len(word) < 3:
        return None
    for number, forms in _MONTH_FORMS.items():
        if any(form == word or (len(word) >= 3 and form.startswith(word)) for form in forms):
            return number
    return None


def _full_year(text: str | None, default: int, today: date) -> int:
    if text is None:
        return default
    year = int(text)
    if len(text) == 2:  # '24' -> 2024, '98' -> 1998 (relative to today's century)
        century = today.year - today.year % 100
        year += century if century + year <= today.year + MAX_YEARS_AHEAD else century - 100
    return year


def _make_date(year: int, month: int, day: int, source: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise VisitInputError.one("date", "date_impossible", text=source) from None


def _parse_one_date(
    text: str, today: date, default_month: int | None = None, default_year: int | None = None
) -> date:
    """One date as staff type it. Raises _NotADateError when it is not a date, VisitInputError when impossible."""
    source = text
    text = _YEAR_SUFFIX.sub("", normalize(text)).strip().rstrip(",")
    if not text:
        raise _NotADateError
    if text in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[text])
    year_default = default_year if default_year is not None else today.year
    match = _NUMERIC_YMD.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), source)
    match = _NUMERIC_DMY.match(text)
    if match:
        day, month = int(match.group(1)), int(match.group(2))
        return _make_date(_full_year(match.group(3), year_default, today), month, day, source)
    # a month name: "5 июня 2024" (day first) or "June 5, 2024" (month first); group 3 is the year
    for pattern, day_group, month_group in ((_DAY_MONTH_YEAR, 1, 2), (_MONTH_DAY_YEAR, 2, 1)):
        match = pattern.match(text)
        if match:
            month_found = month_number(match.group(month_group))
            if month_found is None:
                raise _NotADateError
            return _make_date(
                _full_year(match.group(3), year_default, today),
                month_found,
                int(match.group(day_group)),
                source,
            )
    if default_month is not None:
        # the left part of a short range: "5" in "5-7 июня 2024"
        match = _DAY_ONLY.match(text)
        if match:
            return _make_date(year_default, default_month, int(match.group(1)), source)
    if default_year is not None:
        # "05.06" in "05.06-07.06.2024" is covered by _NUMERIC_DMY; "5 июня" by _DAY_MONTH_YEAR
        match = _DAY_MONTH_ONLY.match(text)
        if match:
            return _make_date(default_year, int(match.group(2)), int(match.group(1)), source)
    raise _NotADateError


def check_date(value: date, today: date, field_name: str = "start") -> None:
    if value.year < MIN_YEAR:
        raise VisitInputError.one(field_name, "date_too_early", year=MIN_YEAR)
    if value > latest_date(today):
        raise VisitInputError.one(field_name, "date_too_late", years=MAX_YEARS_AHEAD)


def year_range(today: date) -> tuple[int, int]:
    """The first and last year a visit may have: the one definition every command and button uses."""
    return MIN_YEAR, today.year + MAX_YEARS_AHEAD


def year_allowed(year: int, today: date) -> bool:
    low, high = year_range(today)
    return low <= year <= high


def latest_date(today: date) -> date:
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def parse_date(text: str, today: date, field_name: str = "start") -> date:
    """A single date: 05.06.2024, 2024-06-05, 5 июня 2024, 5 June 2024, June 5, 2024, сегодня, yesterday."""
    try:
        value = _parse_one_date(text, today)
    except _NotADateError:
        raise VisitInputError.one(field_name, "date_format", text=text.strip()[:40]) from None
    except VisitInputError as error:
        raise VisitInputError([replace(e, field=field_name) for e in error.errors]) from None
    check_date(value, today, field_name)
    return value


def parse_period(text: str, today: date) -> tuple[date, date | None]:
    """A date or a range '05.06.2024-07.06.2024', '5-7 июня 2024', '2024-06-05 - 2024-06-07', 'с 5 по 7 июня'."""
    return _read_period(text, today, visit_length=True)


def parse_date_span(text: str, today: date) -> tuple[date, date]:
    """A date or a range as parse_period reads them, for searching the register: any length (a search may
    cover years), and one date is the span of that day."""
    start, end = _read_period(text, today, visit_length=False)
    return start, end if end is not None else start


def _read_period(text: str, today: date, *, visit_length: bool) -> tuple[date, date | None]:
    cleaned = _RANGE_PREFIX.sub("", normalize(text))
    try:
        start = _parse_one_date(cleaned, today)
    except _NotADateError:
        start = None
    except VisitInputError as error:
        raise VisitInputError([replace(e, field="start") for e in error.errors]) from None
    if start is not None:
        check_date(start, today, "start")
        return start, None
    impossible: VisitInputError | None = None
    for separator in _RANGE_SEPARATOR.finditer(cleaned):
        left, right = cleaned[: separator.start()], cleaned[separator.end() :]
        if not left or not right:
            continue
        try:
            end = _parse_one_date(right, today)
            start = _parse_one_date(left, today, default_month=end.month, default_year=end.year)
        except _NotADateError:
            continue
        except VisitInputError as error:
            impossible = impossible or error
            continue
        check_date(start, today, "start")
        check_date(end, today, "end")
        if visit_length:
            check_period(start, end)
        elif end < start:
            raise VisitInputError.one("end", "end_before_start")
        return start, end
    if impossible is not None:
        raise VisitInputError([replace(e, field="start") for e in impossible.errors])
    raise VisitInputError.one("start", "date_format", text=text.strip()[:40])


def check_period(start: date, end: date | None) -> None:
    if end is None:
        return
    if end < start:
        raise VisitInputError.one("end", "end_before_start")
    if (end - start).days > MAX_DAYS:
        raise VisitInputError.one("end", "period_too_long", days=MAX_DAYS)
