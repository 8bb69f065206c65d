"""Which visits staff ask for, as they type it: "/visits 2025", "/visits молодёжь входящие",
"/visits 01.05.2025-31.08.2025", "/visits Нарва лето 2025", "/visits Narvik out youth найти фестиваль".

One reader for the `/visits` command, its page buttons and the staff's free-text questions about the
register. Words are read as, in this order:

- a period: a date or a range as the visit form reads them (bot.core.visits.dates), a year ("2025",
  "2025 г."), years ("2023-2025"), a month or a season with or without a year ("июнь 2025", "летом",
  "summer 2024"), "в прошлом году" / "this year". Without a year, a month or season is the latest one that
  has begun: staff ask about the past ("кто приезжал летом");
- a direction ("входящие", "приезжали", "outgoing", "in"), a delegation type ("молодёжь", "sports"),
  a partner town (any spelling, case form or typo the directory knows) or a partner country ("Эстония");
  "из Нарвы" / "from Narva" means visits to us, "в Нарву" / "to Narva" visits from us, unless a direction
  word says otherwise;
- after "найти" / "find" / "search" (or everything, from `/find`): words to search for in the purpose and
  the notes (bot.core.visits.search_terms);
- small words ("в", "из", "the", "визиты", "delegations") are skipped; anything else is named back to the
  staff member as not understood, nothing is guessed.

Pure Python: no telegram, no SQL.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import snowballstemmer

from bot.core.directory import TownDirectory
from bot.core.text import make_word, words
from bot.core.visits.dates import month_number, parse_date_span, year_allowed
from bot.core.visits.fields import parse_kind
from bot.core.visits.normalising import normalize
from bot.core.visits.record import (
    DelegationType,
    Direction,
    FieldError,
    VisitInputError,
)

MAX_FILTER_CHARS = 300  # what /visits reads; a longer argument is refused with a message, not cut
MAX_FILTER_WORDS = 64  # words read at most (the work per request stays bounded)
MAX_SEARCH_TERMS = 8
MAX_TERM_CHARS = 40
_DATE_WINDOW = 7  # "с 1 мая по 31 августа 2025 г." is seven words

YEAR_OUT_OF_RANGE = "year_out_of_range"  # the FieldError code of a year outside year_range
SEARCH_WORDS = frozenset({"найти", "найди", "поиск", "искать", "ищи", "find", "search"})
# words that say nothing about which visits: prepositions, the register's own nouns, "было"
_SKIPPED = frozenset(
    {
        "в", "во", "из", "изо", "с", "со", "к", "ко", "на", "по", "за", "от", "и", "а", "или", "у", "для", "о",
        "the", "a", "an", "of", "from", "to", "at", "for", "and", "or", "by", "on", "with", "during",
        "все", "всех", "всё", "all", "any",
        "был", "была", "было", "были", "есть", "was", "were", "has", "have", "had", "been", "is", "are",
        "год", "года", "году", "г", "гг", "year", "years",
        "нам", "us", "our", "наш", "наши", "нас",
    }
)  # fmt: skip
_SKIPPED_STEMS = ("визит", "делегац", "делегат", "visit", "delegat", "поездк", "trip")
_INCOMING_STEMS = (
    "входящ", "приезж", "приезд", "приех", "прибыв", "прибыт", "посеща", "посетил", "incoming", "inbound",
    "arriv", "came", "come",
)  # fmt: skip
_OUTGOING_STEMS = (
    "исходящ", "выезж", "выезд", "ездил", "съезд", "поехал", "outgoing", "outbound", "went", "go",
)  # fmt: skip
_DIRECTION_EXACT = {"in": Direction.INCOMING, "out": Direction.OUTGOING}
_FROM_WORDS = frozenset({"из", "изо", "from"})
_TO_WORDS = frozenset({"в", "во", "to"})
# a season: its months (first, last) and whether it starts the year before ("зима 2025": Dec 2024 - Feb)
_SEASONS: dict[str, tuple[int, int]] = {
    "зим": (12, 2),
    "winter": (12, 2),
    "весн": (3, 5),
    "spring": (3, 5),
    "лет": (6, 8),
    "summer": (6, 8),
    "осен": (9, 11),
    "autumn": (9, 11),
    "fall": (9, 11),
}
_SEASON_WORDS = frozenset(
    {
        "зима", "зимой", "зиму", "зимы", "зимний", "winter",
        "весна", "весной", "весну", "весны", "весенний", "spring",
        "лето", "летом", "летний", "лета", "summer",
        "осень", "осенью", "осени", "осенний", "autumn", "fall",
    }
)  # fmt: skip
_RELATIVE_YEARS: dict[tuple[str, ...], int] = {
    ("этом", "году"): 0,
    ("этот", "год"): 0,
    ("текущем", "году"): 0,
    ("this", "year"): 0,
    ("прошлом", "году"): -1,
    ("прошлый", "год"): -1,
    ("last", "year"): -1,
    ("позапрошлом", "году"): -2,
    ("следующем", "году"): 1,
    ("next", "year"): 1,
}
_LATEST_WORDS = frozenset(
    {"last", "прошлым", "прошлой", "прошлую", "прошлое", "прошлом", "прошлый", "этим", "этой"}
)
_YEAR = re.compile(r"^(\d{4})(?:г|г\.|-го|-й)?$")
_YEARS = re.compile(r"^(\d{4})-(\d{4})$")
_EDGE_PUNCTUATION = "\"'«»„“”.,;:!?()[]{}"
_TERM = re.compile(r"[^\W_]+", re.UNICODE)
_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")
_CYRILLIC = re.compile(r"[а-я]")


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """Which visits: every field None or empty means "any". The period is inclusive on both ends."""

    town_keys: frozenset[str] = frozenset()
    directions: frozenset[Direction] = frozenset()
    kinds: frozenset[DelegationType] = frozenset()
    first: date | None = None
    last: date | None = None
    terms: tuple[str, ...] = ()  # search terms (search_terms), all of them must be found

    @property
    def is_everything(self) -> bool:
        return self == VisitFilter()

    @property
    def direction(self) -> Direction | None:
        """The one direction asked for (both directions are no restriction)."""
        return next(iter(self.directions)) if len(self.directions) == 1 else None

    def to_json(self) -> dict[str, object]:
        """A canonical JSON form (sorted): stored for page buttons, read back by from_json."""
        return {
            "towns": sorted(self.town_keys),
            "directions": sorted(d.value for d in self.directions),
            "kinds": sorted(k.value for k in self.kinds),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "terms": list(self.terms),
        }

    def token(self) -> str:
        """A short stable name of this filter (12 characters of [A-Za-z0-9_-]) for button data."""
        canonical = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).digest()
        return digest[:9].hex()[:12]

    @classmethod
    def from_json(cls, data: object, directory: TownDirectory, today: date) -> VisitFilter | None:
        """The filter to_json wrote, checked again (partner towns, known values, dates in range); else None."""
        if not isinstance(data, Mapping):
            return None
        try:
            towns, directions, kinds = data["towns"], data["directions"], data["kinds"]
            terms = data["terms"]
            if not all(isinstance(v, list) for v in (towns, directions, kinds, terms)):
                return None
            if not all(isinstance(v, str) for v in (*towns, *directions, *kinds, *terms)):
                return None
            for key in towns:
                town = directory.get(key)
                if town is None or town.is_home:
                    return None
            first = date.fromisoformat(data["first"]) if data["first"] is not None else None
            last = date.fromisoformat(data["last"]) if data["last"] is not None else None
            found = cls(
                town_keys=frozenset(towns),
                directions=frozenset(Direction(v) for v in directions),
                kinds=frozenset(DelegationType(v) for v in kinds),
                first=first,
                last=last,
                terms=tuple(terms),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if len(found.terms) > MAX_SEARCH_TERMS or any(
            not term or len(term) > MAX_TERM_CHARS or not _TERM.fullmatch(term) for term in found.terms
        ):
            return None
        for day in (first, last):
            if day is not None and not year_allowed(day.year, today):
                return None
        if first is not None and last is not None and last < first:
            return None
        return found


@dataclass(frozen=True, slots=True)
class FilterReading:
    """What a staff member's words asked for, and what could not be read (nothing is guessed)."""

    filter: VisitFilter
    unknown: tuple[str, ...] = ()  # words not understood, as typed
    errors: tuple[FieldError, ...] = ()  # an impossible date, a reversed range, a year out of range
    repeated_period: bool = False  # two periods ("2024 2025"): which one?
    empty_search: bool = False  # "найти" with nothing after it
    towns_found: tuple[str, ...] = field(default=())  # partner town keys in the order they were typed
    suggestions: tuple[str, ...] = ()  # partner town keys that look like an unknown word ("Нарвв")

    @property
    def ok(self) -> bool:
        return not (self.unknown or self.errors or self.repeated_period or self.empty_search)


def search_terms(text: str) -> tuple[str, ...]:
    """The words to find in the register's texts: case folded (Cyrillic too), ё as е, Russian and
    English endings cut ("фестиваля" -> "фестивал"), so each term matches words that begin with it."""
    terms: list[str] = []
    for raw in _TERM.findall(normalize(text).casefold()):
        stem = (_RUSSIAN if _CYRILLIC.search(raw) else _ENGLISH).stemWord(raw)
        term = (stem if len(stem) >= 3 else raw)[:MAX_TERM_CHARS]
        if term not in terms:
            terms.append(term)
    return tuple(terms[:MAX_SEARCH_TERMS])


def fold_for_search(text: str) -> str:
    """A text as the search index holds it (for the naive scan it is measured against): case folded, ё as е."""
    return normalize(text).casefold()


@lru_cache(maxsize=1)
def _countries() -> tuple[tuple[str, object], ...]:
    from bot.core.questions.vocabulary import shipped_vocabulary

    return tuple(shipped_vocabulary().countries)


def _country_of(token: str) -> str | None:
    word = make_word(token)
    for code, group in _countries():
        if group.found_in(word.raw, [word]):  # type: ignore[attr-defined]
            return code
    return None


def _latest(month_first: int, month_last: int, today: date, year: int | None) -> tuple[date, date]:
    """The months month_first..month_last (across New Year when first > last) of `year`, or the latest
    such stretch that has begun by `today`."""

    def span(y: int) -> tuple[date, date]:
        start_year = y - 1 if month_first > month_last else y
        start = date(start_year, month_first, 1)
        after = date(y + (month_last == 12), month_last % 12 + 1, 1)
        return start, after - timedelta(days=1)

    if year is not None:
        return span(year)
    candidate = today.year + (1 if month_first > month_last and today.month >= month_first else 0)
    start, end = span(candidate)
    if start > today:
        start, end = span(candidate - 1)
    return start, end


def _stripped(token: str) -> str:
    return token.strip(_EDGE_PUNCTUATION)


@dataclass(slots=True)
class _Reading:
    directory: TownDirectory
    today: date
    tokens: list[str]  # normalised, edge punctuation stripped
    typed: list[str]  # as typed (for naming unknown words back)
    consumed: list[bool]
    period: tuple[date, date] | None = None
    repeated_period: bool = False
    errors: list[FieldError] = field(default_factory=list)
    directions: set[Direction] = field(default_factory=set)
    hinted: Direction | None = None  # "из Нарвы": incoming unless a direction word says otherwise
    kinds: set[DelegationType] = field(default_factory=set)
    towns: list[str] = field(default_factory=list)

    def set_period(self, first: date, last: date) -> None:
        if self.period is not None and self.period != (first, last):
            self.repeated_period = True
        self.period = (first, last)

    def take(self, start: int, length: int = 1) -> None:
        for index in range(start, start + length):
            self.consumed[index] = True


def _year_of(token: str, reading: _Reading) -> int | None:
    match = _YEAR.match(token)
    if match is None:
        return None
    year = int(match.group(1))
    if not year_allowed(year, reading.today):
        reading.errors.append(_year_error(year))
    return year


def _year_error(year: int) -> FieldError:
    """A year outside year_range: the handlers answer it as /visits always did ("Год — от 1950 до 2028")."""
    return FieldError("start", YEAR_OUT_OF_RANGE, {"year": year})


def _read_periods(reading: _Reading) -> None:
    tokens, count = reading.tokens, len(reading.tokens)
    index = 0
    while index < count:
        if reading.consumed[index]:
            index += 1
            continue
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < count else ""
        # "в прошлом году", "this year"
        relative = _RELATIVE_YEARS.get((token, following))
        if relative is not None:
            year = reading.today.year + relative
            reading.set_period(date(year, 1, 1), date(year, 12, 31))
            reading.take(index, 2)
            index += 2
            continue
        years = _YEARS.match(token)
        if years:
            low, high = int(years.group(1)), int(years.group(2))
            for year in (low, high):
                if not year_allowed(year, reading.today):
                    reading.errors.append(_year_error(year))
            if high < low:
                reading.errors.append(FieldError("end", "end_before_start", {}))
            reading.set_period(date(low, 1, 1), date(high, 12, 31))
            reading.take(index)
            index += 1
            continue
        # "last summer", "прошлым летом": the latest one, as a month or season without a year always is
        if token in _LATEST_WORDS and following and _months_of(following) is not None:
            reading.take(index)
            index += 1
            continue
        # a month or a season, perhaps with its year after it ("июнь 2025", "лето 2025", "2025 лето")
        months = _months_of(token)
        if months is not None:
            named = _year_of(following, reading) if following else None
            if named is None and index > 0 and not reading.consumed[index - 1]:
                named = _year_of(tokens[index - 1], reading)
                if named is not None:
                    reading.take(index - 1)
            if named is None or year_allowed(named, reading.today):
                reading.set_period(*_latest(*months, reading.today, named))
            reading.take(index, 2 if named is not None and following and _YEAR.match(following) else 1)
            index += 1
            continue
        if _read_date_window(reading, index):
            continue
        index += 1
    # plain years last: "лето 2025" took its year above
    for index, token in enumerate(tokens):
        if reading.consumed[index]:
            continue
        plain = _year_of(token, reading)
        if plain is not None:
            if year_allowed(plain, reading.today):
                reading.set_period(date(plain, 1, 1), date(plain, 12, 31))
            reading.take(index)


def _months_of(token: str) -> tuple[int, int] | None:
    if token in _SEASON_WORDS:
        for stem, months in _SEASONS.items():
            if token.startswith(stem):
                return months
    if len(token) >= 3 and not token.isdigit():
        month = month_number(token)
        # a whole month name or a beginning of at least 3 letters; "мае" and "may" are months, "мал" is not
        if month is not None:
            return month, month
    return None


def _read_date_window(reading: _Reading, index: int) -> bool:
    """The longest run of words from `index` that is a date or a range ("с 1 мая по 31 августа 2025")."""
    tokens = reading.tokens
    last = min(len(tokens), index + _DATE_WINDOW)
    for end in range(last, index, -1):
        if any(reading.consumed[index:end]):
            continue
        chunk = " ".join(tokens[index:end])
        if not any(ch.isdigit() for ch in chunk) and chunk not in ("сегодня", "вчера", "today", "yesterday"):
            continue
        try:
            first, final = parse_date_span(chunk, reading.today)
        except VisitInputError as error:
            if all(problem.code == "date_format" for problem in error.errors):
                continue
            if end - index == 1 or not _YEAR.match(tokens[index]):
                reading.errors.extend(error.errors)
                reading.take(index, end - index)
                return True
            continue
        reading.set_period(first, final)
        reading.take(index, end - index)
        return True
    return False


def _read_words(reading: _Reading) -> None:
    """Directions, types and the small words; what is left may be towns or countries."""
    tokens = reading.tokens
    for index, token in enumerate(tokens):
        if reading.consumed[index] or not token:
            if not token:
                reading.consumed[index] = True
            continue
        following_is_period = index + 1 < len(tokens) and reading.consumed[index + 1]
        exact = _DIRECTION_EXACT.get(token)
        if exact is not None:
            # "in 2024" is a preposition, "/visits in" a direction
            if not (token == "in" and following_is_period):
                reading.directions.add(exact)
            reading.take(index)
            continue
        if token.startswith(_INCOMING_STEMS):
            reading.directions.add(Direction.INCOMING)
            reading.take(index)
            continue
        if token.startswith(_OUTGOING_STEMS) and not token.startswith(("good", "gov")):
            reading.directions.add(Direction.OUTGOING)
            reading.take(index)
            continue
        if token in _SKIPPED or token.startswith(_SKIPPED_STEMS):
            reading.take(index)
            continue
        if len(token) >= 3 and not token[0].isdigit():
            try:
                reading.kinds.add(parse_kind(token))
            except VisitInputError:
                pass
            else:
                reading.take(index)


def _read_places(reading: _Reading) -> None:
    left = [index for index, done in enumerate(reading.consumed) if not done]
    if not left:
        return
    # the words of each token, with the token they came from
    text_words = []
    owner: list[int] = []
    for index in left:
        for word in words(reading.tokens[index]):
            text_words.append(word)
            owner.append(index)
    for match in reading.directory.find(text_words):
        if match.town.is_home:
            continue
        indices = {owner[i] for i in range(match.start, match.start + match.length)}
        if any(reading.consumed[i] for i in indices):
            continue
        if match.town.key not in reading.towns:
            reading.towns.append(match.town.key)
        for i in indices:
            reading.consumed[i] = True
        _hint(reading, min(indices))
    for index in left:
        if reading.consumed[index]:
            continue
        code = _country_of(reading.tokens[index])
        members = [town.key for town in reading.directory.in_country(code)] if code else []
        if members:
            reading.towns.extend(key for key in members if key not in reading.towns)
            reading.consumed[index] = True
            _hint(reading, index)


def _hint(reading: _Reading, index: int) -> None:
    """'из Нарвы' / 'from Narva': to us; 'в Нарву' / 'to Narva': from us (when no direction word says)."""
    if index == 0:
        return
    before = reading.tokens[index - 1]
    if before in _FROM_WORDS:
        reading.hinted = Direction.INCOMING
    elif before in _TO_WORDS:
        reading.hinted = Direction.OUTGOING


def read_filter(
    text: str, directory: TownDirectory, today: date, *, search: bool = False, skipped: Iterable[str] = ()
) -> FilterReading:
    """Read the words of `/visits ...` (or of a staff question, whose own words are `skipped`).

    `search`: every word is a search term (`/find фестиваль`); otherwise only the words after "найти"/"find".
    """
    if search:
        everything = search_terms(text)
        return FilterReading(VisitFilter(terms=everything), empty_search=not everything)
    typed = [_stripped(token) for token in text.split()[:MAX_FILTER_WORDS]]
    tokens = [normalize(token) for token in typed]
    search_at = next((i for i, token in enumerate(tokens) if token in SEARCH_WORDS), None)
    terms: tuple[str, ...] = ()
    empty_search = False
    if search_at is not None:
        terms = search_terms(" ".join(typed[search_at + 1 :]))
        empty_search = not terms
        typed, tokens = typed[:search_at], tokens[:search_at]
    extra = frozenset(skipped)
    reading = _Reading(directory, today, tokens, typed, [not token or token in extra for token in tokens])
    _read_periods(reading)
    _read_words(reading)
    _read_places(reading)
    directions = set(reading.directions)
    if not directions and reading.hinted is not None:
        directions.add(reading.hinted)
    if len(directions) == len(Direction):
        directions = set()
    # a word said twice ("Нарва ... Нарва") was read the first time
    read_words = {token for token, done in zip(tokens, reading.consumed, strict=True) if done}
    reading.consumed = [
        done or token in read_words for token, done in zip(tokens, reading.consumed, strict=True)
    ]
    first, last = reading.period if reading.period else (None, None)
    unknown = tuple(dict.fromkeys(typed[i] for i, done in enumerate(reading.consumed) if not done))
    found = VisitFilter(
        town_keys=frozenset(reading.towns),
        directions=frozenset(directions),
        kinds=frozenset(reading.kinds) if len(reading.kinds) < len(DelegationType) else frozenset(),
        first=first,
        last=last,
        terms=terms,
    )
    suggested: list[str] = []
    for word in unknown[:3]:
        for town in directory.suggest(words(word)):
            if town.key not in suggested:
                suggested.append(town.key)
    return FilterReading(
        found,
        unknown=unknown,
        suggestions=tuple(suggested[:3]),
        errors=_unique(reading.errors),
        repeated_period=reading.repeated_period,
        empty_search=empty_search,
        towns_found=tuple(reading.towns),
    )


def _unique(errors: Sequence[FieldError]) -> tuple[FieldError, ...]:
    seen: list[FieldError] = []
    for error in errors:
        if error not in seen:
            seen.append(error)
    return tuple(seen)


def matches(visit_fields: Sequence[str], terms: Sequence[str]) -> bool:
    """Whether every term begins a word of the texts (what the search index answers; used by the naive
    scan the index is measured against, and by tests)."""
    folded = [_TERM.findall(fold_for_search(text)) for text in visit_fields]
    return all(any(word.startswith(term) for column in folded for word in column) for term in terms)
