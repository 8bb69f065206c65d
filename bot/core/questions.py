"""Free-text questions -> structured answers. Rendering into words is the locale layer's job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from bot.core.directory import TownDirectory, TownMatch
from bot.core.model import Language, PartialDate, Town
from bot.core.text import Word, make_word, script_language, simplify, words


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
        "соглашен",
        "договор",
        "agreement",
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
        "карта",
        "карте",
        "карту",
        "where",
        "located",
        "location",
        "map",
    ),
    # distance from Kingisepp: also a "where" question, and it wins over "how long"
    "distance": (
        "далеко",
        "далек",
        "дальн",
        "дальш",
        "расстоя",
        "километр",
        "км",
        "ехать",
        "доехать",
        "добрат",
        "добир",
        "близко",
        "ближ",
        "far",
        "farther",
        "farthest",
        "further",
        "furthest",
        "distance",
        "kilomet",
        "km",
        "drive",
        "how close",
        "closest",
        "nearest",
        "get to",
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
        "biggest",
        "largest",
        "крупн",
        "residents",
    ),
    # is the partnership still going on: the card carries what is known of its status
    "status": (
        "заморож",
        "приостанов",
        "прекращ",
        "действу",
        "статус",
        "frozen",
        "freez",
        "suspend",
        "still active",
        "status",
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
        "делегат",
        "визит",
        "приезжал",
        "приезд",
        "приезж",
        "ездил",
        "delegat",
        "visit",
        "came",
        "trip",
    ),
    "delegation": ("делегац", "делегат", "delegat", "визит"),
    "recent": ("последн", "недавн", "когда", "last", "latest", "recent", "when"),
    "list": (
        "список",
        "все город",
        "покажи все",
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
    # what marks a question as one about the partner towns at all, when no town is named
    "subject": (
        "побратим",
        "партнер",
        "twin",
        "partner",
        "sister",
        "дружб",
        "дружим",
        "дружит",
        "friendship",
        "сотрудн",
        "cooperat",
        "co-operat",
        "collaborat",
        "соглашен",
        "договор",
        "agreement",
        "список",
        "list",
        "все город",
        "какие город",
        "какими город",
        "сколько город",
        "which towns",
        "what towns",
        "which cities",
        "what cities",
        "how many towns",
        "how many cities",
    ),
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
        "good evening",
        "greetings",
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
        "карта",
        "карте",
        "карту",
        "uk",
        "usa",
        "сша",
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
    "schools": (
        "школ",
        "school",
        "в семьях",
        "famil",
        "учени",
        "pupil",
        "student",
        "exchange",
        "school exchange",
        "обмен школьник",
        "школьные обмен",
        "школьный обмен",
    ),
}

# Topic words too common to carry a question alone ("порт", "школа", "коммунальные"): they need a
# partner town or a word about the partnerships next to them.
_WEAK_TOPIC_KEYS = frozenset(
    {
        "порт",
        "port",
        "морск",
        "by sea",
        "усть луг",
        "ust luga",
        "координ",
        "coordinat",
        "коммун",
        "commune",
        "association",
        "школ",
        "school",
        "в семьях",
        "famil",
        "учени",
        "pupil",
        "student",
        "exchange",
    }
)

_COUNTRIES: dict[str, tuple[str, ...]] = {
    "EE": ("эстон", "eston", "eesti"),
    "DE": ("герман", "немец", "german", "deutsch"),
    "NO": ("норвег", "норвеж", "norw"),
    "FI": ("финлянд", "финск", "финн", "finland", "finnish", "suomi"),
    "BY": ("беларус", "белорус", "belarus", "byelorus"),
    "CN": ("кита", "china", "chinese"),
    "RU": ("росси", "russia"),
    # countries people ask about that have no partner town on the list: answered "none", not guessed
    "FR": ("франц", "france", "french"),
    "LV": ("латви", "латыш", "latvia", "latvian"),
    "LT": ("литв", "литов", "lithuania"),
    "GE": ("грузия", "грузии", "грузин", "georgia"),
    "SE": ("швеци", "шведск", "sweden", "swedish"),
    "PL": ("польш", "польск", "poland"),
    "DK": ("дания", "дании", "датск", "denmark", "danish"),
    "IT": ("итали", "italy", "italian"),
    "ES": ("испани", "spain", "spanish"),
    "GB": ("британ", "англия", "англии", "britain", "british", "england", "uk"),
    "US": ("сша", "америк", "usa", "america"),
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
_ORDINAL = r"(?:st|nd|rd|th|-?го|-?е)?"  # 1st June, June 1st, 1-го июня
_DATE_PATTERNS = (
    re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"),  # 01.06.2003
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),  # 2003-06-01
    re.compile(rf"\b(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH_WORD}\.?,?\s+(\d{{4}})\b"),  # 1 июня 2003
    re.compile(rf"\b{_MONTH_WORD}\.?\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})\b"),  # June 1, 2003
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


# The single-word vocabulary of every group, built once: question words, never town names.
_VOCABULARY = [
    key
    for group in (*_KEYWORDS.values(), *_TOPICS.values(), *_COUNTRIES.values())
    for key in group
    if key.isalpha()
]
_VOCABULARY_WHOLE = frozenset(key for key in _VOCABULARY if key in _WHOLE_WORD)
_VOCABULARY_PREFIXES = tuple(sorted({key for key in _VOCABULARY if key not in _WHOLE_WORD}))


def _keyword_positions(text_words: list[Word]) -> set[int]:
    """Words that are question vocabulary, so the fuzzy town matcher leaves them alone."""
    return {
        index
        for index, word in enumerate(text_words)
        if word.raw in _COMMON or word.raw in _VOCABULARY_WHOLE or word.raw.startswith(_VOCABULARY_PREFIXES)
    }


# Frequent words that fuzzy matching should never read as a town name.
_COMMON = frozenset(
    """
    какие какой какая какое каких город города городов городе городам городах побратим побратимы
    побратимов партнер партнеры партнеров партнерство есть было были будет этот этой этом нашего наши
    наших нашим район района районе между можно нужно расскажите скажите подскажите
    пожалуйста about which what where there their these those with from have does towns cities city town
    twin twinned sister partner partners partnership please tell know years year
    """.split()
)

# Russian typed in Latin letters ("narva kogda"): these words mark it, and the answer comes in Russian.
_TRANSLIT_MARKERS: dict[str, str] = {
    "kogda": "когда",
    "gde": "где",
    "skolko": "сколько",
    "privet": "привет",
    "zdravstvuyte": "здравствуйте",
    "spasibo": "спасибо",
    "naselenie": "население",
    "pobratim": "побратим",
    "pobratimy": "побратимы",
    "pobratimov": "побратимов",
    "goroda": "города",
    "gorodov": "городов",
    "druzhim": "дружим",
    "rasskazhi": "расскажи",
    "daleko": "далеко",
    "sotrudnichestvo": "сотрудничество",
    "kakie": "какие",
}
# ...and these read as Russian only next to a marker ("let" and "do" are English words too).
_TRANSLIT_WORDS: dict[str, str] = {
    **_TRANSLIT_MARKERS,
    "let": "лет",
    "den": "день",
    "dni": "дни",
    "goda": "года",
    "gorod": "город",
    "kakogo": "какого",
    "kakom": "каком",
    "godu": "году",
    "s": "с",
    "v": "в",
    "do": "до",
}


def _translit_russian(text_words: list[Word]) -> list[Word] | None:
    """The words read as Russian when a Latin-letter text is Russian typed in Latin, else None."""
    if not any(word.raw in _TRANSLIT_MARKERS for word in text_words):
        return None
    return [
        make_word(_TRANSLIT_WORDS[word.raw]) if word.raw in _TRANSLIT_WORDS else word for word in text_words
    ]


def _question_language(text_words: list[Word], matches: list[TownMatch]) -> Language | None:
    """The script of the words around the town names: "Где Narva?" is a Russian question.

    Town names are often typed in the other script (copied from a map or a sign), so they do not vote.
    """
    named = {index for match in matches for index in range(match.start, match.start + match.length)}
    votes: dict[Language, int] = {"ru": 0, "en": 0}
    for index, word in enumerate(text_words):
        if index not in named:
            script = script_language(word.raw)
            if script is not None:
                votes[script] += 1
    if not votes["ru"] and not votes["en"]:
        return None
    return "ru" if votes["ru"] >= votes["en"] else "en"


# Questions about one attribute; with no town named they are asked of every partner (or a country's).
_ATTRIBUTES: tuple[tuple[str, Intent], ...] = (
    ("town_day", Intent.TOWN_DAY),
    ("distance", Intent.WHERE),
    ("years", Intent.YEARS),
    ("where", Intent.WHERE),
    ("cooperation", Intent.COOPERATION),
    ("population", Intent.POPULATION),
)
_HOME_ATTRIBUTES = frozenset({Intent.TOWN_DAY, Intent.WHERE, Intent.POPULATION})


class QuestionEngine:
    """Answers residents' free-text questions from the town directory."""

    def __init__(self, directory: TownDirectory) -> None:
        self.directory = directory

    def answer(self, text: str, fallback: Language) -> Answer:
        language = script_language(text) or fallback
        text_words = words(text)
        if not text_words:
            return Answer(Intent.EMPTY, language)
        vocabulary = text_words  # the words read for question vocabulary (town names use text_words)
        if language == "en":
            russian = _translit_russian(text_words)
            if russian is not None:
                language, vocabulary = "ru", russian
        lowered = " ".join(word.raw for word in vocabulary)
        has = {name: _has(lowered, vocabulary, keys) for name, keys in _KEYWORDS.items()}
        has["where"] = has["where"] or has["distance"]
        topic = next((name for name, keys in _TOPICS.items() if _has(lowered, vocabulary, keys)), None)
        strong_topic = topic is not None and _has(
            lowered, vocabulary, tuple(key for key in _TOPICS[topic] if key not in _WEAK_TOPIC_KEYS)
        )
        countries = [code for code, keys in _COUNTRIES.items() if _has(lowered, vocabulary, keys)]
        skip = _keyword_positions(vocabulary)
        matches = self.directory.find(text_words, skip)
        if vocabulary is text_words:
            language = _question_language(text_words, matches) or language
        mentioned = [match.town for match in matches]
        partners = tuple(town for town in mentioned if not town.is_home)
        home = tuple(town for town in mentioned if town.is_home)
        on_date = find_date(text)
        year_match = _YEAR.search(lowered)
        year = PartialDate(int(year_match.group(1))) if year_match else None
        # Russia is the home country: "Kingisepp, Russia" asks nothing about Russian partners
        country = next((c for c in countries if c != "RU" or self.directory.in_country("RU")), None)
        country_towns = tuple(self.directory.in_country(country)) if country else ()
        attribute = next((intent for name, intent in _ATTRIBUTES if has[name]), None)
        # "how many" alone asks for a count of partners; "how many people/years" asks an attribute
        about_partners = (
            has["list"]
            or has["subject"]
            or has["oldest"]
            or has["newest"]
            or (has["count"] and attribute is None)
        )

        about_delegations = bool(partners) and any(t.fact("delegations") for t in partners)
        # "I want to visit Tallinn" is no question about delegations: without a town it takes a clearer word
        visits = has["visit"] and bool(partners or country_towns or has["recent"] or has["delegation"])
        if visits and (has["recent"] or not topic) and not (about_delegations and not has["recent"]):
            return Answer(Intent.LAST_VISIT, language, towns=partners or country_towns)
        if topic is None and has["visit"] and any(t.fact("delegations") for t in partners):
            topic = "delegations"

        if topic is not None and (partners or country_towns or strong_topic or has["subject"]):
            holders = [t for t in (partners or country_towns or self.directory.partners) if t.fact(topic)]
            if not holders and not partners:
                holders = [t for t in self.directory.towns if t.fact(topic)]
            if holders:
                return Answer(Intent.FACT, language, towns=tuple(holders), topic=topic)

        if partners:
            if has["status"]:
                return Answer(Intent.CARD, language, towns=partners)
            if has["town_day"]:
                return Answer(Intent.TOWN_DAY, language, towns=partners)
            if has["distance"]:  # "how long does it take to get to Narva" asks for a distance
                return Answer(Intent.WHERE, language, towns=partners)
            if has["years"]:
                return Answer(Intent.YEARS, language, towns=partners)
            if has["since"]:
                return Answer(Intent.SINCE, language, towns=partners)
            if attribute is not None:
                return Answer(attribute, language, towns=partners)
            return Answer(Intent.CARD, language, towns=partners)

        if on_date is not None:
            return Answer(Intent.SIGNED_IN, language, when=on_date)
        if year is not None and not home:
            return Answer(Intent.SIGNED_IN, language, when=year)
        if country is not None:
            if country_towns and attribute is not None:
                return Answer(attribute, language, towns=self._ordered(attribute, country_towns))
            return Answer(Intent.COUNTRY, language, country=country)
        # "how far from Kingisepp": the home town is the starting point there, not the subject
        if home and not about_partners and not has["distance"]:
            if attribute in _HOME_ATTRIBUTES:
                return Answer(attribute, language, towns=home)
            return Answer(Intent.CARD, language, towns=home)
        if has["subject"] or (home and about_partners):  # about the partner towns as a whole
            if has["oldest"] and not has["newest"]:
                return Answer(Intent.OLDEST, language)
            if has["newest"]:
                return Answer(Intent.NEWEST, language)
            if attribute is not None and self.directory.partners:
                return Answer(attribute, language, towns=self._ordered(attribute, self.directory.partners))
            if has["count"]:
                return Answer(Intent.COUNT, language)
            return Answer(Intent.LIST, language)
        if has["town_day"]:  # "when is the Town Day?": ours first, then the partners'
            own = self.directory.home
            towns = self.directory.partners
            if own is not None and own.town_day(language):
                towns = (own, *towns)
            if towns:
                return Answer(Intent.TOWN_DAY, language, towns=towns)
        if has["help"]:
            return Answer(Intent.HELP, language)
        if has["thanks"]:
            return Answer(Intent.THANKS, language)
        if has["greeting"]:
            return Answer(Intent.GREETING, language)
        if has["list"]:  # "show all"
            return Answer(Intent.LIST, language)
        suggestions = tuple(self.directory.suggest(text_words, skip=skip))
        return Answer(Intent.NO_MATCH, language, suggestions=suggestions)

    def _ordered(self, intent: Intent, towns: tuple[Town, ...]) -> tuple[Town, ...]:
        """Towns in the order that answers the question best: nearest first, or largest first."""
        if intent is Intent.WHERE:
            rank = {town.key: index for index, town in enumerate(self.directory.partners_by_distance)}
            return tuple(sorted(towns, key=lambda town: rank.get(town.key, len(rank))))
        if intent is Intent.POPULATION:
            return tuple(sorted(towns, key=lambda town: -(town.population or 0)))
        return towns


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
