"""Free-text questions -> structured answers. Rendering into words is the locale layer's job."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import lru_cache

from bot.core.dates import full_dates
from bot.core.directory import TownDirectory, TownMatch
from bot.core.model import Language, Mention, PartialDate, Town, distance_km
from bot.core.text import Word, capitalised, make_word, script_language, to_cyrillic, words
from bot.core.townfile import shipped_mentions


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
    ANNIVERSARY = "anniversary"  # which anniversaries fall in a year, or the next one
    NOT_PARTNER = "not_partner"  # a town that is not on the district's list
    OFF_TOPIC = "off_topic"  # weather, tickets, visas, officials...: not the bot's subject
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
    # details of the question: "superlative" (nearest, farthest, biggest, smallest), "also" (newest, with
    # OLDEST), "min_years"/"max_years" (YEARS of the partners that many years old), "target_years" (YEARS:
    # when N years are reached), "between" (WHERE: the distance between the two towns), "relative_year"
    # (ANNIVERSARY: years from now), "name" (NOT_PARTNER: the name as typed)
    extra: dict[str, str] = field(default_factory=dict)
    mention: Mention | None = None  # NOT_PARTNER: what other sources say of that town


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
        "самый молод",
        "самая молод",
        "самое молод",
        "самые молод",
        "самого молод",
        "младш",
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
    # words about a visit itself (not about delegations in general): "visits narva" asks for the last one
    "visit_word": ("визит", "приезжал", "приезд", "приезж", "ездил", "visit", "came", "trip"),
    # "what events are there": the Town Days or delegations fact goes with the answer
    "events": ("мероприят", "событи", "event", "activit"),
    # "is it the Svetlogorsk in Kaliningrad region?": the card with the identity note answers it
    "identity": (
        "который",
        "которая",
        "которое",
        "тот самый",
        "та самая",
        "это тот",
        "это та",
        "какой именно",
        "калининград",
        "kaliningrad",
        "гомел",
        "gomel",
        "which one",
        "the one in",
        "the same",
    ),
    "anniversary": (
        "юбиле",
        "годовщин",
        "anniversar",
        "круглая дата",
        "круглые даты",
        "круглых дат",
        "round date",
    ),
    "will_be": ("будет", "исполнится", "исполнятся", "исполнилось", "will", "turns", "turn"),
    # questions asking which towns (a list), unlike "is X a twin town?"
    "which": (
        "какие",
        "какой",
        "какая",
        "какое",
        "каких",
        "какими",
        "каким",
        "кто",
        "с кем",
        "сколько",
        "список",
        "перечисл",
        "покажи",
        "назови",
        "все",
        "which",
        "what",
        "who",
        "how many",
        "list",
        "show",
        "all",
    ),
    "which_towns": (
        "какие город",
        "какими город",
        "каких город",
        "с какими",
        "с кем",
        "какие побратим",
        "какие партнер",
        "which towns",
        "what towns",
        "which cities",
        "what cities",
    ),
}

# Subjects that are not the bot's: a town named next to them gets a polite pointer to official sources,
# not a card that looks like an answer. Checked in this order (the more specific first).
_OFF_TOPIC: dict[str, tuple[str, ...]] = {
    "weather": (
        "погод",
        "температур",
        "прогноз",
        "дожд",
        "градус",
        "weather",
        "forecast",
        "temperature",
        "rain",
        "raining",
        "snow",
        "snowing",
    ),
    "border": (
        "виза",
        "визу",
        "визы",
        "визой",
        "визе",
        "визах",
        "визов",
        "шенген",
        "границ",
        "погранич",
        "таможн",
        "паспорт",
        "пункт пропуска",
        "visa",
        "visas",
        "border",
        "customs",
        "passport",
        "schengen",
    ),
    "officials": (
        "мэр",
        "мэра",
        "мэру",
        "мэром",
        "мэре",
        "мэрия",
        "мэрии",
        "мэрию",
        "глава",
        "главы",
        "главе",
        "главой",
        "главу",
        "губернатор",
        "депутат",
        "руководител",
        "начальник",
        "mayor",
        "governor",
        "deputy",
        "head of",
        "chairman",
        "who runs",
        "who heads",
    ),
    "contacts": (
        "телефон",
        "номер",
        "номера",
        "адрес",
        "почта",
        "почту",
        "почты",
        "email",
        "e mail",
        "контакт",
        "phone",
        "telephone",
        "address",
        "contact",
    ),
    "lodging": (
        "гостиниц",
        "отел",
        "хостел",
        "ресторан",
        "кафе",
        "hotel",
        "hostel",
        "restaurant",
        "cafe",
    ),
    "money": ("валют", "евро", "currency", "exchange rate", "euro", "euros"),
    "transport": (
        "автобус",
        "поезд",
        "поезда",
        "поездом",
        "поезде",
        "поездов",
        "электричк",
        "расписан",
        "такси",
        "рейс",
        "маршрутк",
        "билет",
        "проезд",
        "bus",
        "buses",
        "train",
        "trains",
        "schedule",
        "timetable",
        "taxi",
        "ticket",
        "fare",
        "fares",
    ),
    "prices": (
        "стоит",
        "стоимост",
        "цена",
        "цены",
        "цену",
        "ценой",
        "цен",
        "тариф",
        "price",
        "prices",
        "cost",
        "costs",
        "how much",
    ),
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
        "все",
        "кто",
        "who",
        "what",
        "show",
        "will",
        "turn",
        "turns",
        "same",
        # off-topic words that begin everyday or partnership words ("bus" -> "business", "цен" -> "центр")
        "поезд",
        "поезда",
        "поездом",
        "поезде",
        "поездов",
        "цена",
        "цены",
        "цену",
        "ценой",
        "цен",
        "виза",
        "визу",
        "визы",
        "визой",
        "визе",
        "визах",
        "мэр",
        "мэра",
        "мэру",
        "мэром",
        "мэре",
        "глава",
        "главы",
        "главе",
        "главой",
        "главу",
        "номер",
        "номера",
        "почта",
        "почту",
        "почты",
        "кафе",
        "евро",
        "rain",
        "snow",
        "bus",
        "buses",
        "train",
        "trains",
        "fare",
        "fares",
        "cost",
        "costs",
        "euro",
        "euros",
        "visa",
        "visas",
        "phone",
        "cafe",
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


def find_date(text: str) -> PartialDate | None:
    """A full date written in the question (bot.core.dates formats), if there is one that exists."""
    for year, month, day in full_dates(text):
        try:
            return PartialDate(year, month, day)
        except ValueError:
            continue
    return None


@lru_cache(maxsize=1024)
def _matcher(keys: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]:
    """A group's keys split once: phrases (matched in the text), whole words, and word prefixes."""
    phrases = tuple(f" {key}" for key in keys if " " in key)
    whole = frozenset(key for key in keys if " " not in key and key in _WHOLE_WORD)
    prefixes = tuple(key for key in keys if " " not in key and key not in _WHOLE_WORD)
    return phrases, whole, prefixes


def _has(text: str, text_words: list[Word], keys: tuple[str, ...]) -> bool:
    """Whether any key of the group is in the text (a phrase), a word of it, or begins one of its words."""
    phrases, whole, prefixes = _matcher(keys)
    if prefixes and any(word.raw.startswith(prefixes) for word in text_words):
        return True
    if whole and any(word.raw in whole for word in text_words):
        return True
    if phrases:
        padded = f" {text} "
        return any(phrase in padded for phrase in phrases)
    return False


# The single-word vocabulary of every group, built once: question words, never town names.
_VOCABULARY = [
    key
    for group in (*_KEYWORDS.values(), *_TOPICS.values(), *_COUNTRIES.values(), *_OFF_TOPIC.values())
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
# Every Latin word of such a question is then read back in Cyrillic (bot.core.text.to_cyrillic), so
# "s kakogo goda druzhim s narvoj" meets the same vocabulary as "с какого года дружим с нарвой".
_TRANSLIT_MARKERS = frozenset(
    """
    kogda gde skolko privet zdravstvuyte zdravstvujte spasibo naselenie pobratim pobratimy pobratimov
    goroda gorodov gorodami druzhim druzhit druzhat rasskazhi daleko sotrudnichestvo kakie kakoj kakoy
    kakogo kakom kakimi kakaya davno podpisali soglashenie
    """.split()
)
_TRANSLIT_MARKER_PREFIXES = ("pobratim", "druzh", "sotrudnich", "rasskazh", "naselen", "podpisa", "soglashen")
# Latin spellings the table cannot read back: Russian typists drop the soft sign.
_TRANSLIT_WORDS: dict[str, str] = {
    "skolko": "сколько",
    "den": "день",
    "dnya": "дня",
    "pozhalujsta": "пожалуйста",
    "pozhaluysta": "пожалуйста",
    "rasstoyanie": "расстояние",
}


def _translit_russian(text_words: list[Word]) -> list[Word] | None:
    """The words read as Russian when a Latin-letter text is Russian typed in Latin, else None."""
    if not any(
        word.raw in _TRANSLIT_MARKERS or word.raw.startswith(_TRANSLIT_MARKER_PREFIXES) for word in text_words
    ):
        return None
    return [
        make_word(_TRANSLIT_WORDS.get(word.raw) or to_cyrillic(word.raw)) if word.latin else word
        for word in text_words
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

# Superlatives: "самый далёкий" (a "most" word, then a dimension within two words) or one word ("nearest").
_MOST = frozenset("самый самая самое самые самого самой самым самых самом самую наиболее most".split())
_SUPERLATIVES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # dimension: (stems after a "most" word, superlatives on their own)
    "farthest": (
        ("далек", "далеч", "дальн", "удален", "distant", "remote"),
        ("дальше всех", "дальше всего", "farthest", "furthest"),
    ),
    "nearest": (("близк", "ближн", "close"), ("ближайш", "ближе всех", "ближе всего", "nearest", "closest")),
    "biggest": (
        ("больш", "крупн", "населен", "populous"),
        ("крупнейш", "наибольш", "больше всех", "biggest", "largest"),
    ),
    "smallest": (
        ("маленьк", "мал", "небольш", "мелк"),
        ("наименьш", "меньше всех", "smallest", "tiniest", "least populous"),
    ),
}
_SUPERLATIVE_INTENT = {
    "farthest": Intent.WHERE,
    "nearest": Intent.WHERE,
    "biggest": Intent.POPULATION,
    "smallest": Intent.POPULATION,
}
# a superlative without a partnership word needs a word for towns: "какой город самый большой"...
_TOWN_WORDS = ("город", "town", "city", "cities")
# ...and is about the world, not the partners, next to these: "самый большой город в мире"
_ELSEWHERE_WORDS = ("мир", "world", "европ", "europe", "планет", "planet", "стран", "countr")

# "больше 50 лет", "more than 50 years": partners at least (or under) that many years old
_AT_LEAST_YEARS = re.compile(
    r"(?:больше|более|свыше|дольше|не менее|не меньше|over|more than|longer than|at least)\s+"
    r"(\d{1,3})\s+(?:лет|года|год|years?)\b"
)
_UNDER_YEARS = re.compile(
    r"(?:меньше|менее|less than|under|fewer than)\s+(\d{1,3})\s+(?:лет|года|год|years?)\b"
)
# "50 лет", "50-летие", "50th anniversary": a number of years a question asks about
_N_YEARS = re.compile(
    r"\b(\d{1,3})(?:st|nd|rd|th)?\s+(?:лет(?:ие|ия|ию|ием|ии)?|год(?:а|у)?|years?|anniversary)\b"
)
# "when will it turn 25", "когда исполнится 25": the same, with the number after the verb
_TURNS_N = re.compile(r"\b(?:turns?|исполнится|исполнятся|будет)\s+(\d{1,3})\b")
# anniversaries of a year relative to today: the renderer knows today, so the engine passes the offset
_RELATIVE_YEARS: tuple[tuple[str, int], ...] = (
    ("следующ", 1),
    ("будущ", 1),
    ("next year", 1),
    ("этом год", 0),
    ("текущ", 0),
    ("this year", 0),
    ("прошл", -1),
    ("last year", -1),
)
# prepositions that make two named towns the ends of a distance: "как далеко Нарва от Нарвика"
_BETWEEN_WORDS = frozenset({"от", "между", "from", "between"})
_FROM_US_WORDS = frozenset({"нас", "нам", "us", "here", "отсюда"})
# Words never taken for the name of a town that is not a partner ("Таллин наш побратим?")
_NOT_NAMES = frozenset(
    """
    тоже также является являются являлся была было были входит разве правда вообще точно давно
    ещё еще теперь сейчас официально also still really officially already ours this that then
    """.split()
)


def _superlative(text: str, text_words: list[Word]) -> str | None:
    """'самый далёкий побратим' -> 'farthest'; None when the question has no superlative."""
    for name, (_, alone) in _SUPERLATIVES.items():
        if _has(text, text_words, alone):
            return name
    for index, word in enumerate(text_words):
        if word.raw not in _MOST:
            continue
        for follower in text_words[index + 1 : index + 3]:
            for name, (after_most, _) in _SUPERLATIVES.items():
                if follower.raw.startswith(after_most):
                    return name
    return None


def _relative_year(text: str) -> int | None:
    padded = f" {text}"
    return next((offset for key, offset in _RELATIVE_YEARS if f" {key}" in padded), None)


class QuestionEngine:
    """Answers residents' free-text questions from the town directory."""

    def __init__(self, directory: TownDirectory, mentions: Sequence[Mention] | None = None) -> None:
        self.directory = directory
        # towns other sources call partners (not on the list): by the forms of their one-word names
        self._mentions: dict[str, Mention] = {}
        for mention in shipped_mentions() if mentions is None else mentions:
            for name in (mention.name_en, mention.name_ru, *mention.aliases):
                parts = words(name)
                if len(parts) == 1:
                    for form in (parts[0].ascii, parts[0].stem, parts[0].sound):
                        if len(form) >= 4:
                            self._mentions.setdefault(form, mention)

    def answer(self, text: str, fallback: Language) -> Answer:
        language = script_language(text) or fallback
        text_words = words(text)
        if not text_words:
            return Answer(Intent.EMPTY, language)
        vocabulary = text_words  # the words read for question vocabulary (town names use text_words)
        latin_russian = False
        if language == "en":
            russian = _translit_russian(text_words)
            if russian is not None:
                language, vocabulary, latin_russian = "ru", russian, True
        lowered = " ".join(word.raw for word in vocabulary)
        has = {name: _has(lowered, vocabulary, keys) for name, keys in _KEYWORDS.items()}
        has["where"] = has["where"] or has["distance"]
        off_topic = next((name for name, keys in _OFF_TOPIC.items() if _has(lowered, vocabulary, keys)), None)
        topic = next((name for name, keys in _TOPICS.items() if _has(lowered, vocabulary, keys)), None)
        strong_topic = topic is not None and _has(
            lowered, vocabulary, tuple(key for key in _TOPICS[topic] if key not in _WEAK_TOPIC_KEYS)
        )
        countries = [code for code, keys in _COUNTRIES.items() if _has(lowered, vocabulary, keys)]
        skip = _keyword_positions(vocabulary)
        matches = self.directory.find(text_words, skip, latin_russian)
        if vocabulary is text_words:
            language = _question_language(text_words, matches) or language
        mentioned = [match.town for match in matches]
        partners = tuple(town for town in mentioned if not town.is_home)
        home = tuple(town for town in mentioned if town.is_home)
        on_date = find_date(text)
        year_match = _YEAR.search(lowered)
        year = PartialDate(int(year_match.group(1))) if year_match else None
        # Russia is the home country: "Kingisepp, Russia" asks nothing about Russian partners, while
        # "twin towns in Russia" does (and is answered: none on the list)
        country = next(
            (
                c
                for c in countries
                if c != "RU" or self.directory.in_country("RU") or (has["subject"] and not home)
            ),
            None,
        )
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

        # Not the bot's subject ("погода в Нарве", "who is the mayor of Narva"): say so, and offer the card.
        # A word about delegations, Town Days or the partnership's status keeps it a partnership question.
        # ("Мэр Нарвы приезжал к нам?" asks about a visit)
        partnership = has["delegation"] or has["town_day"] or has["status"]
        if off_topic == "officials" and has["visit_word"]:
            partnership = True
        if off_topic is not None and not partnership:
            return Answer(
                Intent.OFF_TOPIC, language, towns=partners or home or country_towns, topic=off_topic
            )

        about_delegations = bool(partners) and any(t.fact("delegations") for t in partners)
        # "I want to visit Tallinn" is no question about delegations: without a town it takes a clearer word
        visits = has["visit"] and bool(partners or country_towns or has["recent"] or has["delegation"])
        # "delegations from Narva" is answered by the delegations fact (with the last recorded visit);
        # "visits Narva", "из Райсио приезжали?" and "last delegation" ask for the last visit itself
        general_delegations = about_delegations and not has["recent"] and not has["visit_word"]
        if visits and (has["recent"] or not topic) and not general_delegations:
            return Answer(Intent.LAST_VISIT, language, towns=partners or country_towns)
        if topic is None and has["visit"] and any(t.fact("delegations") for t in partners):
            topic = "delegations"

        # a common topic word ("школа") does not turn "с какими городами дружим?" into a question about schools
        topic_asked = partners or country_towns or strong_topic or (has["subject"] and not has["which_towns"])
        if topic is not None and topic_asked:
            holders = [t for t in (partners or country_towns or self.directory.partners) if t.fact(topic)]
            if not holders and not partners:
                holders = [t for t in self.directory.towns if t.fact(topic)]
            if holders:
                return Answer(Intent.FACT, language, towns=tuple(holders), topic=topic)

        if partners:
            return self._about_partners(language, partners, home, has, lowered, vocabulary, attribute, year)

        mention = self._mention(text_words, skip)
        if mention is not None:  # "Пицунда", "is Krāslava a twin town"
            return Answer(Intent.NOT_PARTNER, language, mention=mention)
        if on_date is not None:
            return Answer(Intent.SIGNED_IN, language, when=on_date)
        if has["anniversary"] and not home:  # "юбилеи в 2027", "when is the next anniversary"
            relative = _relative_year(lowered) if year is None else None
            extra = {"relative_year": str(relative)} if relative is not None else {}
            return Answer(Intent.ANNIVERSARY, language, when=year, extra=extra)
        if year is not None and not home:
            return Answer(Intent.SIGNED_IN, language, when=year)
        bounds = self._year_bounds(lowered)
        if bounds is not None:  # "какие города дружат с нами больше 50 лет"
            key, limit = bounds
            return self._aged(language, country_towns or self.directory.partners, key, limit)
        # "самый большой город в Эстонии", "самый далёкий побратим", "какой город самый большой"
        superlative = _superlative(lowered, vocabulary)
        towns_asked = bool(country_towns) or has["subject"]
        if not towns_asked and not home and _has(lowered, vocabulary, _TOWN_WORDS):
            towns_asked = not _has(lowered, vocabulary, _ELSEWHERE_WORDS)
        # "когда ближайший день города" asks for a Town Day, not for the nearest town
        if superlative is not None and self.directory.partners and towns_asked and not has["town_day"]:
            return self._superlative_answer(
                language,
                superlative,
                country_towns or self.directory.partners,
                country if country_towns else None,
            )
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
            if has["oldest"] and has["newest"]:
                return Answer(Intent.OLDEST, language, extra={"also": "newest"})
            if has["oldest"]:
                return Answer(Intent.OLDEST, language)
            if has["newest"]:
                return Answer(Intent.NEWEST, language)
            named = skip | {i for match in matches for i in range(match.start, match.start + match.length)}
            name = None if has["which"] else self._unknown_name(text, text_words, named)
            if name is not None:  # "Таллин наш побратим?"
                return Answer(Intent.NOT_PARTNER, language, extra={"name": name})
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

    def _about_partners(
        self,
        language: Language,
        partners: tuple[Town, ...],
        home: tuple[Town, ...],
        has: dict[str, bool],
        lowered: str,
        vocabulary: list[Word],
        attribute: Intent | None,
        year: PartialDate | None,
    ) -> Answer:
        """A question that names partner towns."""
        # "какие там мероприятия": the Town Days (or delegations) fact goes with the answer
        extra_topic = None
        if has["events"]:
            extra_topic = next(
                (topic for topic in ("town_days", "delegations") if any(t.fact(topic) for t in partners)),
                None,
            )
        if has["identity"] and any(town.identity(language) for town in partners):
            return Answer(Intent.CARD, language, towns=partners)  # the card carries the identity note
        if has["status"]:
            return Answer(Intent.CARD, language, towns=partners)
        if has["town_day"]:
            return Answer(Intent.TOWN_DAY, language, towns=partners)
        if has["distance"]:  # "how long does it take to get to Narva" asks for a distance
            raw = {word.raw for word in vocabulary}
            if len(partners) == 2 and not home and raw & _BETWEEN_WORDS and not raw & _FROM_US_WORDS:
                return Answer(Intent.WHERE, language, towns=partners, extra={"between": "1"})
            return Answer(Intent.WHERE, language, towns=partners)
        about_time = has["since"] or has["will_be"] or has["anniversary"]
        if year is not None and (has["years"] or about_time):  # "сколько лет будет в 2030 с Нарвой"
            return Answer(Intent.YEARS, language, towns=partners, when=year, topic=extra_topic)
        target = _N_YEARS.search(lowered) or _TURNS_N.search(lowered)
        if target is not None and about_time and self._year_bounds(lowered) is None:  # "когда 50 лет Нарве"
            extra = {"target_years": target.group(1)}
            return Answer(Intent.YEARS, language, towns=partners, topic=extra_topic, extra=extra)
        if has["years"]:
            return Answer(Intent.YEARS, language, towns=partners, topic=extra_topic)
        if has["since"]:
            return Answer(Intent.SINCE, language, towns=partners, topic=extra_topic)
        if attribute is not None:
            return Answer(attribute, language, towns=partners, topic=extra_topic)
        if extra_topic is not None:
            holders = tuple(town for town in partners if town.fact(extra_topic))
            return Answer(Intent.FACT, language, towns=holders, topic=extra_topic)
        return Answer(Intent.CARD, language, towns=partners)

    @staticmethod
    def _year_bounds(lowered: str) -> tuple[str, int] | None:
        """('min_years', 50) for "больше 50 лет", ('max_years', 20) for "less than 20 years"."""
        for key, pattern in (("min_years", _AT_LEAST_YEARS), ("max_years", _UNDER_YEARS)):
            match = pattern.search(lowered)
            if match and 0 < int(match.group(1)) <= 200:
                return key, int(match.group(1))
        return None

    @staticmethod
    def _aged(language: Language, towns: tuple[Town, ...], key: str, limit: int) -> Answer:
        """Partners at least (or under) `limit` years old; the renderer counts the years for its today."""
        return Answer(Intent.YEARS, language, towns=towns, extra={key: str(limit)})

    def _superlative_answer(
        self, language: Language, superlative: str, towns: tuple[Town, ...], country: str | None
    ) -> Answer:
        intent = _SUPERLATIVE_INTENT[superlative]
        ordered = self._ordered(intent, towns)
        if superlative == "farthest":  # farthest first; towns without coordinates stay last
            home = self.directory.home
            known = [t for t in ordered if home is not None and distance_km(home, t) is not None]
            ordered = (*reversed(known), *(t for t in ordered if t not in known))
        elif superlative == "smallest":
            ordered = (
                *sorted((t for t in ordered if t.population), key=lambda t: t.population or 0),
                *(t for t in ordered if not t.population),
            )
        return Answer(
            intent, language, towns=tuple(ordered), country=country, extra={"superlative": superlative}
        )

    def _mention(self, text_words: list[Word], skip: set[int]) -> Mention | None:
        """A town other sources call a partner, named in the question."""
        if not self._mentions:
            return None
        for index, word in enumerate(text_words):
            if index in skip:
                continue
            for form in (word.ascii, word.stem, word.sound):
                found = self._mentions.get(form)
                if found is not None:
                    return found
        return None

    @staticmethod
    def _unknown_name(text: str, text_words: list[Word], skip: set[int]) -> str | None:
        """The one name in "Таллин побратим?" / "is Tallinn a twin town": a word no list explains.

        Only a capitalised word, or the first word of the question, counts: "дружат ли наши побратимы между
        собой" has no name in it. More than one such word and the question is not this simple one.
        """
        capitals = capitalised(text)
        if len(capitals) != len(text_words):
            capitals = [index == 0 for index in range(len(text_words))]
        found: list[int] = []
        for index, word in enumerate(text_words):
            if index in skip or word.raw in _COMMON or word.raw in _NOT_NAMES:
                continue
            if len(word.raw) < 4 or not word.raw.isalpha():
                continue
            found.append(index)
        if not found or found[-1] - found[0] + 1 != len(found) or len(found) > 3:
            return None  # none, or several words apart: not one name
        if not (capitals[found[0]] or found[0] == 0):
            return None
        return " ".join(text_words[index].raw.capitalize() for index in found)

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
