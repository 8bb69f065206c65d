"""Delegation visits: the record staff keep, its fields, their limits, and parsing of what staff type.

Pure Python (no telegram, no SQL). Parsing never guesses silently: anything it cannot read exactly
becomes a :class:`FieldError` naming the field, with a code the handlers turn into a sentence in the
user's language (``visits.error.<code>`` in the catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from enum import Enum
from typing import Any

from bot.core.directory import TownDirectory
from bot.core.model import Town
from bot.core.text import words
from bot.core.typed_text import control_character, is_blank

MIN_YEAR = 1950
MAX_YEARS_AHEAD = 2
MIN_PEOPLE = 1
MAX_PEOPLE = 10_000
MAX_PURPOSE = 500
MAX_NOTES = 2000
MAX_DAYS = 366  # one visit longer than a year is a typo, not a visit

# the fields of a visit in the order the guided form asks for them
FIELDS = ("town", "direction", "start", "end", "kind", "people", "purpose", "notes")
# what staff can change on a saved visit (start and end are edited together as "dates")
EDITABLE = ("town", "direction", "dates", "kind", "people", "purpose", "notes")


class Direction(Enum):
    INCOMING = "in"  # a delegation came to Kingisepp
    OUTGOING = "out"  # a delegation went from Kingisepp


class DelegationType(Enum):
    OFFICIAL = "official"
    BUSINESS = "business"
    YOUTH = "youth"
    SCHOOLCHILDREN = "schoolchildren"
    CULTURAL = "cultural"
    SPORTS = "sports"
    MEDICAL = "medical"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class VisitDraft:
    """What staff enter; validated before it is written."""

    town_key: str
    direction: Direction
    start: date
    end: date | None
    kind: DelegationType
    people: int | None
    purpose: str
    notes: str = ""

    def planned(self, today: date) -> bool:
        return self.start > today


@dataclass(frozen=True, slots=True)
class Visit:
    """A stored visit. `deleted` visits are kept (soft delete) and can be restored.

    `revision` grows with every change; buttons carry it, so a press on an outdated card is noticed.
    """

    id: int
    town_key: str
    direction: Direction
    start: date
    end: date | None
    kind: DelegationType
    people: int | None
    purpose: str
    notes: str
    created_by: int
    created_at: str
    updated_at: str
    deleted: bool = False
    revision: int = 1

    def planned(self, today: date) -> bool:
        return self.start > today

    @property
    def draft(self) -> VisitDraft:
        return VisitDraft(
            town_key=self.town_key,
            direction=self.direction,
            start=self.start,
            end=self.end,
            kind=self.kind,
            people=self.people,
            purpose=self.purpose,
            notes=self.notes,
        )


def apply_changes(draft: VisitDraft, changes: Mapping[str, Any]) -> VisitDraft:
    """The draft with some fields replaced; unknown field names are a programming error."""
    allowed = {"town_key", "direction", "start", "end", "kind", "people", "purpose", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise KeyError(f"not visit fields: {sorted(unknown)}")
    return replace(draft, **dict(changes))


# ---- errors -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: `code` selects the message (visits.error.<code>), `params` fill it in."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)


class VisitInputError(ValueError):
    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{error.field}: {error.code}" for error in errors))
        self.errors: tuple[FieldError, ...] = tuple(errors)

    @classmethod
    def one(cls, field_name: str, code: str, **params: Any) -> VisitInputError:
        return cls([FieldError(field_name, code, params)])


# ---- normalising what people type ---------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PUNCT = re.compile(r"[^\w\s-]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, ё as е, dashes as '-', runs of spaces (incl. no-break ones) as one space."""
    text = text.lower().replace("ё", "е")
    for dash in ("‐", "‑", "‒", "–", "—", "―", "−"):  # the Unicode dashes people type
        text = text.replace(dash, "-")
    return _SPACES.sub(" ", text).strip()


def _plain(text: str) -> str:
    """normalize() without punctuation: for matching words like direction and type synonyms."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", normalize(text))).strip()


# ---- dates --------------------------------------------------------------------------------------------

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
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        month_found = month_number(match.group(2))
        if month_found is None:
            raise _NotADateError
        return _make_date(
            _full_year(match.group(3), year_default, today), month_found, int(match.group(1)), source
        )
    match = _MONTH_DAY_YEAR.match(text)
    if match:
        month_found = month_number(match.group(1))
        if month_found is None:
            raise _NotADateError
        return _make_date(
            _full_year(match.group(3), year_default, today), month_found, int(match.group(2)), source
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
        check_period(start, end)
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


# ---- direction and type -------------------------------------------------------------------------------

_DIRECTION_WORDS: dict[Direction, tuple[str, ...]] = {
    Direction.INCOMING: (
        "in",
        "incoming",
        "inbound",
        "arrival",
        "to us",
        "visit to us",
        "to kingisepp",
        "приезд",
        "прибытие",
        "к нам",
        "визит к нам",
        "приезд к нам",
        "в кингисепп",
        "входящий",
        "входящая",
        "входящий визит",
        "въезд",
        "прием",
        "приехали",
        "приехала",
    ),
    Direction.OUTGOING: (
        "out",
        "outgoing",
        "outbound",
        "trip",
        "departure",
        "from us",
        "visit from us",
        "from kingisepp",
        "поездка",
        "выезд",
        "от нас",
        "визит от нас",
        "наш визит",
        "из кингисеппа",
        "исходящий",
        "исходящая",
        "исходящий визит",
        "поехали",
        "ездили",
    ),
}
_DIRECTION_STEMS: dict[str, Direction] = {
    "приезд": Direction.INCOMING,
    "прибыт": Direction.INCOMING,
    "входящ": Direction.INCOMING,
    "incom": Direction.INCOMING,
    "поездк": Direction.OUTGOING,
    "исходящ": Direction.OUTGOING,
    "выезд": Direction.OUTGOING,
    "outgo": Direction.OUTGOING,
}


def parse_direction(text: str) -> Direction:
    plain = _plain(text)
    if plain in ("->", "→"):
        return Direction.OUTGOING
    for direction, forms in _DIRECTION_WORDS.items():
        if plain in forms:
            return direction
    for stem, direction in _DIRECTION_STEMS.items():
        if plain.startswith(stem):
            return direction
    raise VisitInputError.one("direction", "direction_unknown", text=text.strip()[:40])


_KIND_STEMS: tuple[tuple[str, DelegationType], ...] = (
    ("офиц", DelegationType.OFFICIAL),
    ("offic", DelegationType.OFFICIAL),
    ("правительств", DelegationType.OFFICIAL),
    ("govern", DelegationType.OFFICIAL),
    ("делов", DelegationType.BUSINESS),
    ("бизнес", DelegationType.BUSINESS),
    ("business", DelegationType.BUSINESS),
    ("эконом", DelegationType.BUSINESS),
    ("econom", DelegationType.BUSINESS),
    ("trade", DelegationType.BUSINESS),
    ("молод", DelegationType.YOUTH),
    ("youth", DelegationType.YOUTH),
    ("young", DelegationType.YOUTH),
    ("школ", DelegationType.SCHOOLCHILDREN),
    ("учени", DelegationType.SCHOOLCHILDREN),
    ("school", DelegationType.SCHOOLCHILDREN),
    ("pupil", DelegationType.SCHOOLCHILDREN),
    ("культур", DelegationType.CULTURAL),
    ("cultur", DelegationType.CULTURAL),
    ("спорт", DelegationType.SPORTS),
    ("sport", DelegationType.SPORTS),
    ("медиц", DelegationType.MEDICAL),
    ("medic", DelegationType.MEDICAL),
    ("врач", DelegationType.MEDICAL),
    ("health", DelegationType.MEDICAL),
    ("здравоохр", DelegationType.MEDICAL),
    ("друг", DelegationType.OTHER),
    ("проч", DelegationType.OTHER),
    ("other", DelegationType.OTHER),
)
_KIND_WORDS = {"иное": DelegationType.OTHER, "иная": DelegationType.OTHER, "мед": DelegationType.MEDICAL}


def parse_kind(text: str) -> DelegationType:
    """'молодёжная', 'Youth', 'культурная делегация', 'sports' -> the delegation type."""
    for word in _plain(text).split():
        if word in _KIND_WORDS:
            return _KIND_WORDS[word]
        for known in DelegationType:
            if word == known.value:
                return known
        for stem, kind in _KIND_STEMS:
            if word.startswith(stem):
                return kind
    raise VisitInputError.one("kind", "kind_unknown", text=text.strip()[:40])


# ---- people, purpose, notes ---------------------------------------------------------------------------

_PEOPLE_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: "²".isdigit() is true, but int("²") fails
_PEOPLE_WORDS = re.compile(r"\b(?:чел|человек|человека|people|persons?|pax|ppl|участник\w*)\.?$")
_SKIP_WORDS = {"-", "—", "нет", "не знаю", "неизвестно", "skip", "none", "unknown", "n/a", "?", "пропустить"}


def is_skip(text: str) -> bool:
    return _plain(text) in _SKIP_WORDS or normalize(text) in _SKIP_WORDS


def parse_people(text: str) -> int | None:
    """'12', '1 200', '12 чел.' -> the number; '-', 'нет', 'skip' -> None (unknown)."""
    if is_skip(text):
        return None
    cleaned = _PEOPLE_WORDS.sub("", normalize(text)).strip().replace(" ", "").replace(",", "")
    if cleaned.startswith("-") and _PEOPLE_DIGITS.fullmatch(cleaned[1:]):
        raise VisitInputError.one("people", "people_range", low=MIN_PEOPLE, high=MAX_PEOPLE)  # "-3"
    if not _PEOPLE_DIGITS.fullmatch(cleaned):
        raise VisitInputError.one("people", "people_format", text=text.strip()[:40])
    return check_people(int(cleaned))


def check_people(value: int) -> int:
    if not MIN_PEOPLE <= value <= MAX_PEOPLE:
        raise VisitInputError.one("people", "people_range", low=MIN_PEOPLE, high=MAX_PEOPLE)
    return value


def check_typed(field_name: str, text: str, *, multiline: bool = False) -> None:
    """No control characters in a stored text (bot.core.typed_text); the error names the field."""
    char = control_character(text, multiline=multiline)
    if char is not None:
        raise VisitInputError.one(field_name, "control_character", char=char)


def check_purpose(text: str) -> str:
    purpose = text.strip()
    check_typed("purpose", purpose)
    if is_blank(purpose):
        raise VisitInputError.one("purpose", "purpose_empty")
    if len(purpose) > MAX_PURPOSE:
        raise VisitInputError.one("purpose", "too_long", length=len(purpose), limit=MAX_PURPOSE)
    return purpose


def check_notes(text: str) -> str:
    notes = text.strip()
    check_typed("notes", notes, multiline=True)
    if len(notes) > MAX_NOTES:
        raise VisitInputError.one("notes", "too_long", length=len(notes), limit=MAX_NOTES)
    return notes


# ---- towns --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TownLookup:
    """The town a staff member typed: exactly one, several to choose from, or none (with suggestions)."""

    town: Town | None
    candidates: tuple[Town, ...] = ()
    suggestions: tuple[Town, ...] = ()


def visit_towns(directory: TownDirectory) -> tuple[Town, ...]:
    """The towns a visit can be recorded with: the partners (not Kingisepp itself)."""
    return directory.partners


def find_town(directory: TownDirectory, text: str) -> TownLookup:
    text = text.strip()[:200]
    by_key = directory.get(text)
    if by_key is not None and not by_key.is_home:
        return TownLookup(by_key)
    found = [match.town for match in directory.find(words(text)) if not match.town.is_home]
    if len(found) == 1:
        return TownLookup(found[0])
    if found:
        return TownLookup(None, candidates=tuple(found[:8]))
    suggestions = [town for town in directory.suggest(words(text)) if not town.is_home]
    return TownLookup(None, suggestions=tuple(suggestions))


def resolve_town(directory: TownDirectory, text: str) -> Town:
    check_typed("town", text)
    lookup = find_town(directory, text)
    if lookup.town is not None:
        return lookup.town
    if lookup.candidates:
        raise VisitInputError.one(
            "town", "town_ambiguous", text=text.strip()[:60], names=[t.key for t in lookup.candidates]
        )
    raise VisitInputError.one(
        "town", "town_unknown", text=text.strip()[:60], names=[t.key for t in lookup.suggestions]
    )


# ---- the whole record ---------------------------------------------------------------------------------


def validate(
    draft: VisitDraft, today: date | None = None, known_towns: Iterable[str] | None = None
) -> list[FieldError]:
    """Every problem with a draft (empty when it can be saved). `today` enables the date window check."""
    errors: list[FieldError] = []

    def check(action: Any) -> None:
        try:
            action()
        except VisitInputError as error:
            errors.extend(error.errors)

    if known_towns is not None and draft.town_key not in set(known_towns):
        errors.append(FieldError("town", "town_unknown", {"text": draft.town_key, "names": []}))
    if not isinstance(draft.direction, Direction):
        errors.append(FieldError("direction", "direction_unknown", {"text": str(draft.direction)}))
    if not isinstance(draft.kind, DelegationType):
        errors.append(FieldError("kind", "kind_unknown", {"text": str(draft.kind)}))
    if today is not None:
        check(lambda: check_date(draft.start, today, "start"))
        if draft.end is not None:
            check(lambda: check_date(draft.end, today, "end"))
    elif draft.start.year < MIN_YEAR:
        errors.append(FieldError("start", "date_too_early", {"year": MIN_YEAR}))
    check(lambda: check_period(draft.start, draft.end))
    if draft.people is not None:
        check(lambda: check_people(draft.people))
    for name, value, multiline in (("purpose", draft.purpose, False), ("notes", draft.notes, True)):
        char = control_character(value, multiline=multiline)
        if char is not None:
            errors.append(FieldError(name, "control_character", {"char": char}))
    if is_blank(draft.purpose) and control_character(draft.purpose) is None:
        errors.append(FieldError("purpose", "purpose_empty"))
    elif len(draft.purpose) > MAX_PURPOSE:
        errors.append(FieldError("purpose", "too_long", {"length": len(draft.purpose), "limit": MAX_PURPOSE}))
    if len(draft.notes) > MAX_NOTES:
        errors.append(FieldError("notes", "too_long", {"length": len(draft.notes), "limit": MAX_NOTES}))
    return errors


ONE_LINE_FIELDS = ("town", "dates", "direction", "kind", "people", "purpose")


def parse_one_line(text: str, directory: TownDirectory, today: date) -> VisitDraft:
    """`TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`. Every bad field is reported at once."""
    parts = [part.strip() for part in text.split(";", len(ONE_LINE_FIELDS) - 1)]
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    def take(name: str, index: int, parse: Any) -> None:
        raw = parts[index] if index < len(parts) else ""
        if not raw and name not in ("people",):
            errors.append(FieldError(name, "missing"))
            return
        try:
            values[name] = parse(raw)
        except VisitInputError as error:
            errors.extend(
                replace(e, field="dates" if e.field in ("start", "end", "date") else e.field)
                for e in error.errors
            )

    take("town", 0, lambda raw: resolve_town(directory, raw))
    take("dates", 1, lambda raw: parse_period(raw, today))
    take("direction", 2, parse_direction)
    take("kind", 3, parse_kind)
    take("people", 4, lambda raw: None if not raw else parse_people(raw))
    take("purpose", 5, check_purpose)
    if errors:
        raise VisitInputError(errors)
    start, end = values["dates"]
    return VisitDraft(
        town_key=values["town"].key,
        direction=values["direction"],
        start=start,
        end=end,
        kind=values["kind"],
        people=values["people"],
        purpose=values["purpose"],
    )
