"""Dates as people write them, in Russian or English: the one month-name table and the written formats.

Shared by the calendar (what staff type: Town Days, agreement dates), the question engine (a date in a
question) and the visit register. Pure Python; nothing here knows what the date is for, so nothing here
raises: the callers check ranges and existence and word their own messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_DASHES = ("‐", "‑", "‒", "–", "—", "―", "−")  # the Unicode dashes people type
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def normalise(text: str) -> str:
    """Lower case, ё as е, every dash as '-', runs of spaces (no-break ones too) as one space."""
    text = text.lower().replace("ё", "е")
    for dash in _DASHES:
        text = text.replace(dash, "-")
    return _SPACES.sub(" ", text).strip()


def _russian(stem: str, soft: bool) -> tuple[str, ...]:
    """The case forms of a month name: nominative, genitive, dative, instrumental, prepositional."""
    if soft:  # январь, января, январю, январем, январе
        return (f"{stem}ь", f"{stem}я", f"{stem}ю", f"{stem}ем", f"{stem}е")
    return (stem, f"{stem}а", f"{stem}у", f"{stem}ом", f"{stem}е")  # март, марта, марту, мартом, марте


# month number -> every full form; an abbreviation is a beginning of one of them ("июн", "sept", "дек")
MONTH_FORMS: dict[int, tuple[str, ...]] = {
    1: (*_russian("январ", True), "january"),
    2: (*_russian("феврал", True), "february"),
    3: (*_russian("март", False), "march"),
    4: (*_russian("апрел", True), "april"),
    5: ("май", "мая", "маю", "маем", "мае", "may"),
    6: (*_russian("июн", True), "june"),
    7: (*_russian("июл", True), "july"),
    8: (*_russian("август", False), "august"),
    9: (*_russian("сентябр", True), "september"),
    10: (*_russian("октябр", True), "october"),
    11: (*_russian("ноябр", True), "november"),
    12: (*_russian("декабр", True), "december"),
}
MIN_ABBREVIATION = 3  # "ма" or "ju" could be two months; three letters never are


def month_number(word: str) -> int | None:
    """'июня', 'Июнь', 'июн', 'June', 'jun.', 'sept' -> the month's number; None for anything else
    ('маяк', 'мартобря', 'ма')."""
    word = normalise(word).rstrip(".")
    if len(word) < MIN_ABBREVIATION:
        return None
    for number, forms in MONTH_FORMS.items():
        if any(form.startswith(word) for form in forms):
            return number
    return None


# ---- full dates ----------------------------------------------------------------------------------------

_ORDINAL = r"(?:st|nd|rd|th|-?го|-?е)?"  # 1st June, June 1st, 1-го июня
_WORD = r"([a-zа-я]+)"
# (pattern, the order of its groups); each is searched for as a whole word
FULL_DATE_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"), "dmy"),  # 01.06.2003, 1/6/2003
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "ymd"),  # 2003-06-01
    (re.compile(rf"\b(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_WORD}\.?,?\s+(\d{{4}})\b"), "dMy"),  # 1 июня 2003
    (re.compile(rf"\b{_WORD}\.?\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})\b"), "Mdy"),  # June 1, 2003
)


def _fields(groups: tuple[str, ...], order: str) -> tuple[int, int, int] | None:
    values = dict(zip(order, groups, strict=True))
    month = int(values["m"]) if "m" in values else month_number(values["M"])
    if month is None:
        return None
    return int(values["y"]), month, int(values["d"])


def full_dates(text: str) -> Iterator[tuple[int, int, int]]:
    """(year, month, day) of every full date written somewhere in the text, format by format. Whether the
    day exists (31.02) is for the caller to check."""
    lowered = normalise(text)
    for pattern, order in FULL_DATE_FORMATS:
        for match in pattern.finditer(lowered):
            found = _fields(match.groups(), order)
            if found is not None:
                yield found


def full_date(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) when the whole text is one full date in one of the formats, else None."""
    cleaned = normalise(text).rstrip(".")
    for pattern, order in FULL_DATE_FORMATS:
        match = pattern.fullmatch(cleaned)
        if match:
            return _fields(match.groups(), order)
    return None


# ---- a date as precisely as it is known ------------------------------------------------------------------

_NUMERIC_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")  # 2003, 2003-06, 2003-06-01
_DOTTED_PARTIAL = re.compile(r"(?:(\d{1,2})[./])?(\d{1,2})[./](\d{4})")  # 06.2003, 1.06.2003
_TOKEN = re.compile(r"\d+|[a-zа-я]+")
_FILLER = frozenset({"of", "in", "the", "on", "в", "во"})
_YEAR_WORD = re.compile(r"(?<=\d)\s*(?:г|гг|года|году|год)\.?$")  # '2003 г.', '2003 года'

Partial = tuple[int, int | None, int | None]


def partial_date(text: str) -> Partial | None:
    """A date written as precisely as it is known: (year, month or None, day or None).

    '2003', '2003 г.', '06.2003', 'June 2003', 'в июне 2003 года', '1.06.2003', '1 June 2003',
    'June 1, 2003', '1-го июня 2003', '2003-06-01', '2003-06'. None when the text is none of these. The
    numbers are not checked (month 13, 31 April): the caller does that.
    """
    cleaned = _YEAR_WORD.sub("", normalise(text)).rstrip(".").strip()
    for pattern in (_NUMERIC_PARTIAL, _DOTTED_PARTIAL):
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        numbers = [int(group) if group else None for group in match.groups()]
        if pattern is _NUMERIC_PARTIAL:
            year, month, day = numbers
        else:
            day, month, year = numbers
        assert year is not None
        return year, month, day
    full = full_date(cleaned.replace(",", " "))
    if full is not None:
        return full
    tokens = [token for token in _TOKEN.findall(cleaned) if token not in _FILLER]
    if len(tokens) == 2 and re.fullmatch(r"\d{4}", tokens[1]):
        month = month_number(tokens[0])
        if month is not None:
            return int(tokens[1]), month, None
    if len(tokens) == 3 and re.fullmatch(r"\d{4}", tokens[2]):
        day_token, month_token = (tokens[0], tokens[1]) if tokens[0].isdigit() else (tokens[1], tokens[0])
        month = month_number(month_token)
        if month is not None and day_token.isdigit() and len(day_token) <= 2:
            return int(tokens[2]), month, int(day_token)
    return None
