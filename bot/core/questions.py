"""Free-text questions -> structured answers. Rendering into words is the locale layer's job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from bot.core.directory import TownDirectory
from bot.core.model import Language, PartialDate, Town
from bot.core.text import Word, script_language, simplify, words


class Intent(Enum):
    CARD = "card"
    SINCE = "since"
    YEARS = "years"
    WHERE = "where"
    COOPERATION = "cooperation"
    POPULATION = "population"
    TOWN_DAY = "town_day"
    FACT = "fact"
    LAST_VISIT = "last_visit"
    COUNTRY = "country"
    LIST = "list"
    COUNT = "count"
    OLDEST = "oldest"
    NEWEST = "newest"
    SIGNED_IN = "signed_in"
    GREETING = "greeting"
    THANKS = "thanks"
    HELP = "help"
    EMPTY = "empty"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class Answer:
    intent: Intent
    language: Language
    towns: tuple[Town, ...] = ()
    country: str | None = None
    when: PartialDate | None = None
    topic: str | None = None
    suggestions: tuple[Town, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


# Keyword stems, matched as prefixes of the simplified words (both languages at once: a question
# in one script can carry a term in the other). Phrases (with a space) are matched in the whole text.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "since": (
        "с какого",
        "с каких",
        "когда",
        "каком году",
        "какого года",
        "дата",
        "since",
        "when",
        "what year",
        "which year",
        "date",
        "начал",
        "start",
        "подписал",
        "signed",
        "заключ",
    ),
    "years": (
        "сколько лет",
        "как долго",
        "как давно",
        "годовщин",
        "юбилей",
        "how many years",
        "how long",
        "how old",
        "anniversar",
        "years of",
        "лет друж",
        "лет сотруд",
        "лет партн",
    ),
    "where": (
        "где",
        "находит",
        "расположен",
        "далеко",
        "расстоя",
        "километр",
        "км",
        "ехать",
        "доехать",
        "близко",
        "where",
        "located",
        "location",
        "far",
        "distance",
        "kilomet",
        "km",
        "drive",
        "how close",
        "map",
        "карт",
    ),
    "cooperation": (
        "сотрудн",
        "направлен",
        "област",
        "сфер",
        "связ",
        "дружат",
        "чем занима",
        "совместн",
        "отношен",
        "cooperat",
        "co-operat",
        "areas",
        "fields",
        "ties",
        "links",
        "relations",
        "what do we do",
        "joint",
        "together",
        "collaborat",
    ),
    "population": (
        "населен",
        "жител",
        "сколько людей",
        "сколько человек",
        "большой",
        "popul",
        "inhabitant",
        "people live",
        "how big",
        "how large",
        "residents",
    ),
    "town_day": (
        "день город",
        "дни город",
        "дня город",
        "праздник",
        "town day",
        "city day",
        "festival",
        "фестивал",
    ),
    "visit": (
        "делегац",
        "визит",
        "приезжал",
        "приезд",
        "приезж",
        "ездил",
        "delegation",
        "visit",
        "came",
        "trip",
    ),
    "recent": ("последн", "недавн", "когда", "last", "latest", "recent", "when"),
    "list": (
        "список",
        "все город",
        "всех",
        "перечисл",
        "какие город",
        "какие побратим",
        "какие партн",
        "list",
        "all",
        "which towns",
        "what towns",
        "which cities",
        "what cities",
        "побратим",
        "партнер",
        "twin",
        "partner",
        "sister",
    ),
    "count": ("сколько", "how many", "number of", "count"),
    "oldest": (
        "старейш",
        "самый стар",
        "самое стар",
        "самые стар",
        "давн",
        "oldest",
        "earliest",
        "first",
        "перв",
    ),
    "newest": (
        "новейш",
        "самый нов",
        "самое нов",
        "самые нов",
        "недавн",
        "последн",
        "newest",
        "latest",
        "most recent",
        "youngest",
        "last",
    ),
    "greeting": (
        "привет",
        "здравств",
        "добрый день",
        "доброе утро",
        "добрый вечер",
        "hello",
        "hi",
        "hey",
        "good morning",
        "good afternoon",
    ),
    "thanks": ("спасибо", "благодар", "thank", "thx"),
    "help": ("помощ", "помоги", "что ты умеешь", "что умеешь", "команд", "help", "what can you", "commands"),
    "card": ("расскаж", "что за", "информац", "подробн", "tell me", "about", "info", "details", "what is"),
}
_WHOLE_WORD = frozenset(
    {
        "hi",
        "hey",
        "km",
        "км",
        "all",
        "first",
        "last",
        "thx",
        "count",
        "map",
        "date",
        "when",
        "где",
        "far",
        "ks",
        "ties",
    }
)

# Specific facts of the source text, by the words people would use for them.
_TOPICS: dict[str, tuple[str, ...]] = {
    "ferry": (
        "паром",
        "ferry",
        "ferries",
        "порт",
        "port",
        "морск",
        "by sea",
        "мукран",
        "mukran",
        "усть луг",
        "ust luga",
    ),
    "camps": ("лагер", "camp", "скаут", "scout", "пионер", "pioneer"),
    "coordination": (
        "координ",
        "coordinat",
        "союз коммун",
        "коммун",
        "kommune",
        "commune",
        "ks",
        "association",
    ),
    "declaration": ("декларац", "declaration", "мекленбург", "mecklenburg"),
    "schools": ("школ", "school", "в семьях", "famil", "учени", "pupil", "student", "exchange"),
}

_COUNTRIES: dict[str, tuple[str, ...]] = {
    "EE": ("эстон", "eston", "eesti"),
    "DE": ("герман", "немец", "german", "deutsch"),
    "NO": ("норвег", "норвеж", "norw"),
    "FI": ("финлянд", "финск", "финн", "finland", "finnish", "suomi"),
    "BY": ("беларус", "белорус", "belarus", "byelorus"),
    "CN": ("кита", "china", "chinese"),
    "RU": ("росси", "russia"),
}

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("январ", "jan"),
        ("феврал", "feb"),
        ("март", "mar"),
        ("апрел", "apr"),
        ("ма", "may"),
        ("июн", "jun"),
        ("июл", "jul"),
        ("август", "aug"),
        ("сентябр", "sep"),
        ("октябр", "oct"),
        ("ноябр", "nov"),
        ("декабр", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number
_MONTH_WORD = r"([а-яa-z]+)"
_DATE_PATTERNS = (
    re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"),  # 01.06.2003
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),  # 2003-06-01
    re.compile(rf"\b(\d{{1,2}})\s+{_MONTH_WORD}\.?,?\s+(\d{{4}})\b"),  # 1 июня 2003, 1 June 2003
    re.compile(rf"\b{_MONTH_WORD}\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b"),  # June 1, 2003
)


def month_number(word: str) -> int | None:
    """'июня' -> 6, 'June' -> 6, 'may' -> 5; None for anything else."""
    word = simplify(word)
    if word in ("май", "мая", "мае", "may"):
        return 5
    for prefix, number in _MONTHS.items():
        if prefix in ("ма", "may"):
            continue
        if word.startswith(prefix) and (len(word) - len(prefix) <= 6):
            return number
    return None


def find_date(text: str) -> PartialDate | None:
    """A full date written in the question, if there is one that exists in the calendar."""
    lowered = simplify(text)
    for index, pattern in enumerate(_DATE_PATTERNS):
        match = pattern.search(lowered)
        if not match:
            continue
        groups = match.groups()
        try:
            if index == 0:
                day, month, year = int(groups[0]), int(groups[1]), int(groups[2])
            elif index == 1:
                year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
            elif index == 2:
                found = month_number(groups[1])
                if found is None:
                    continue
                day, month, year = int(groups[0]), found, int(groups[2])
            else:
                found = month_number(groups[0])
                if found is None:
                    continue
                day, month, year = int(groups[1]), found, int(groups[2])
            return PartialDate(year, month, day)
        except ValueError:
            continue
    return None


def _has(text: str, text_words: list[Word], keys: tuple[str, ...]) -> bool:
    padded = f" {text} "
    for key in keys:
        if " " in key:
            if f" {key}" in padded:
                return True
        elif key in _WHOLE_WORD:
            if any(word.raw == key for word in text_words):
                return True
        elif any(word.raw.startswith(key) for word in text_words):
            return True
    return False


def _keyword_positions(text_words: list[Word]) -> set[int]:
    """Words that are question vocabulary, so the fuzzy town matcher leaves them alone."""
    prefixes = [k for group in (*_KEYWORDS.values(), *_TOPICS.values(), *_COUNTRIES.values()) for k in group]
    single = [p for p in prefixes if p.isalpha()]
    return {
        index
        for index, word in enumerate(text_words)
        if any(word.raw == p if p in _WHOLE_WORD else word.raw.startswith(p) for p in single)
        or word.raw in _COMMON
    }


# Frequent words that fuzzy matching should never read as a town name.
_COMMON = frozenset(
    """
    какие какой какая какое каких город города городов городе городам городах побратим побратимы
    побратимов партнер партнеры партнеров партнерство есть было были будет этот этой этом нашего наши
    наших нашим район района районе кингисеппа между можно нужно расскажите скажите подскажите
    пожалуйста about which what where there their these those with from have does towns cities city town
    twin twinned sister partner partners partnership please tell know kingisepp's years year
    """.split()
)


class QuestionEngine:
    """Answers residents' free-text questions from the town directory."""

    def __init__(self, directory: TownDirectory) -> None:
        self.directory = directory

    def answer(self, text: str, fallback: Language) -> Answer:
        language = script_language(text) or fallback
        text_words = words(text)
        if not text_words:
            return Answer(Intent.EMPTY, language)
        lowered = " ".join(word.raw for word in text_words)
        has = {name: _has(lowered, text_words, keys) for name, keys in _KEYWORDS.items()}
        topic = next((name for name, keys in _TOPICS.items() if _has(lowered, text_words, keys)), None)
        countries = [code for code, keys in _COUNTRIES.items() if _has(lowered, text_words, keys)]
        skip = _keyword_positions(text_words)
        mentioned = [match.town for match in self.directory.find(text_words, skip)]
        partners = tuple(town for town in mentioned if not town.is_home)
        on_date = find_date(text)
        year_match = _YEAR.search(lowered)
        year = PartialDate(int(year_match.group(1))) if year_match else None

        about_delegations = bool(partners) and any(t.fact("delegations") for t in partners)
        if has["visit"] and (has["recent"] or not topic) and not (about_delegations and not has["recent"]):
            return Answer(Intent.LAST_VISIT, language, towns=partners)
        if topic is None and has["visit"] and any(t.fact("delegations") for t in partners):
            topic = "delegations"

        if topic is not None:
            holders = [t for t in (partners or self.directory.partners) if t.fact(topic)]
            if not holders and not partners:
                holders = [t for t in self.directory.towns if t.fact(topic)]
            if holders:
                return Answer(Intent.FACT, language, towns=tuple(holders), topic=topic)

        if partners:
            if has["town_day"]:
                return Answer(Intent.TOWN_DAY, language, towns=partners)
            if has["years"]:
                return Answer(Intent.YEARS, language, towns=partners)
            if has["since"]:
                return Answer(Intent.SINCE, language, towns=partners)
            if has["where"]:
                return Answer(Intent.WHERE, language, towns=partners)
            if has["cooperation"]:
                return Answer(Intent.COOPERATION, language, towns=partners)
            if has["population"]:
                return Answer(Intent.POPULATION, language, towns=partners)
            return Answer(Intent.CARD, language, towns=partners)

        home_only = bool(mentioned)
        if on_date is not None:
            return Answer(Intent.SIGNED_IN, language, when=on_date)
        if year is not None and not home_only:
            return Answer(Intent.SIGNED_IN, language, when=year)
        partner_countries = [code for code in countries if code != "RU" or self.directory.in_country("RU")]
        if partner_countries:
            return Answer(Intent.COUNTRY, language, country=partner_countries[0])
        if has["town_day"]:
            return Answer(Intent.TOWN_DAY, language, towns=tuple(mentioned) or self.directory.partners)
        if home_only:
            if has["population"] or has["where"]:
                return Answer(Intent.CARD, language, towns=tuple(mentioned))
            if not (has["list"] or has["count"] or has["oldest"] or has["newest"]):
                return Answer(Intent.CARD, language, towns=tuple(mentioned))
        if has["oldest"] and not has["newest"]:
            return Answer(Intent.OLDEST, language)
        if has["newest"]:
            return Answer(Intent.NEWEST, language)
        if has["count"] and not has["years"]:
            return Answer(Intent.COUNT, language)
        if has["list"] or has["years"] or has["since"]:
            return Answer(Intent.LIST, language)
        if has["cooperation"]:
            return Answer(Intent.COOPERATION, language, towns=self.directory.partners)
        if has["help"]:
            return Answer(Intent.HELP, language)
        if has["thanks"]:
            return Answer(Intent.THANKS, language)
        if has["greeting"]:
            return Answer(Intent.GREETING, language)
        suggestions = tuple(self.directory.suggest(text_words))
        return Answer(Intent.NO_MATCH, language, suggestions=suggestions)


def agreements_matching(directory: TownDirectory, when: PartialDate) -> tuple[list[Town], list[Town]]:
    """Towns whose agreement matches `when` exactly, and those signed that year with an unknown day."""
    exact: list[Town] = []
    same_year: list[Town] = []
    for town in directory.partners:
        for agreement in town.agreements:
            signed = agreement.signed
            if signed.year != when.year:
                continue
            if when.precision == "year" or signed.sort_key == when.sort_key:
                exact.append(town)
            elif signed.precision != "day" and (signed.month is None or signed.month == when.month):
                same_year.append(town)
            break
    return exact, same_year


def today_years(town: Town, today: date) -> int | None:
    since = town.since
    return since.years_until(today) if since else None
