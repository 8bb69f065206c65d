"""The intent rules: each small function answers one kind of question, or passes (returns None).

The engine tries the rules in the order they are written here, and the first answer wins, so a rule may
take for granted that none above it answered. The order reads as the engine's reasoning:

1. questions that are not about a partner's facts at all (empty, off-topic), visits and fact topics;
2. questions naming a partner town (every rule of that section needs one; its last rule always answers);
3. questions naming none: a town other sources mention, dates, anniversaries, superlatives, a country,
   Kingisepp itself, the partner towns as a whole, small talk, and at the end "did you mean".

An intent reached in two situations (a town's card when it is named, and Kingisepp's own) has a rule for
each, named for the situation. Adding an intent: its keyword group in bot/data/question_words.toml, one
rule here at its place in the order, its Intent member and texts, and cases in the public question set.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.model import Town, distance_km
from bot.core.questions.answers import Answer, Intent
from bot.core.questions.reading import Question
from bot.core.questions.vocabulary import Dimension

Rule = Callable[[Question], Answer | None]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    """Adds a rule after the ones defined above it."""
    RULES.append(function)
    return function


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
_SUPERLATIVE_INTENT: dict[Dimension, Intent] = {
    "farthest": Intent.WHERE,
    "nearest": Intent.WHERE,
    "biggest": Intent.POPULATION,
    "smallest": Intent.POPULATION,
}


def attribute(q: Question) -> Intent | None:
    return next((intent for name, intent in _ATTRIBUTES if q.has[name]), None)


def about_partners(q: Question) -> bool:
    """ "How many" alone asks for a count of partners; "how many people/years" asks an attribute."""
    has = q.has
    return bool(
        has["list"]
        or has["subject"]
        or has["oldest"]
        or has["newest"]
        or (has["count"] and attribute(q) is None)
    )


def ordered(q: Question, intent: Intent, towns: tuple[Town, ...]) -> tuple[Town, ...]:
    """Towns in the order that answers the question best: nearest first, or largest first."""
    if intent is Intent.WHERE:
        rank = {town.key: index for index, town in enumerate(q.directory.partners_by_distance)}
        return tuple(sorted(towns, key=lambda town: rank.get(town.key, len(rank))))
    if intent is Intent.POPULATION:
        return tuple(sorted(towns, key=lambda town: -(town.population or 0)))
    return towns


# ---- 1. before anything else ----------------------------------------------------------------------


@rule
def empty(q: Question) -> Answer | None:
    return Answer(Intent.EMPTY, q.language) if not q.words else None


@rule
def faq_entry(q: Question) -> Answer | None:
    """A question close to one the office answered (/faq): the office's words win over the engine's."""
    entry = q.faq.match(q.text) if q.faq is not None else None
    return Answer(Intent.FAQ, q.language, faq=entry) if entry is not None else None


@rule
def off_topic(q: Question) -> Answer | None:
    """Not the bot's subject ("погода в Нарве", "who is the mayor of Narva"): say so, and offer the card."""
    subject, has = q.off_topic, q.has
    if subject is None:
        return None
    # A word about delegations, Town Days or the partnership's status keeps it a partnership question
    # ("Мэр Нарвы приезжал к нам?" asks about a visit)
    if (
        has["delegation"]
        or has["town_day"]
        or has["status"]
        or (subject == "officials" and has["visit_word"])
    ):
        return None
    return Answer(Intent.OFF_TOPIC, q.language, towns=q.partners or q.home or q.country_towns, topic=subject)


@rule
def last_visit(q: Question) -> Answer | None:
    """ "Visits Narva", "из Райсио приезжали?", "last delegation": the last recorded visit itself."""
    has, partners = q.has, q.partners
    # "I want to visit Tallinn" is no question about delegations: without a town it takes a clearer word
    if not has["visit"] or not (partners or q.country_towns or has["recent"] or has["delegation"]):
        return None
    # "delegations from Narva" is answered by the delegations fact (with the last recorded visit)
    about_delegations = any(town.fact("delegations") for town in partners)
    general_delegations = about_delegations and not has["recent"] and not has["visit_word"]
    if (has["recent"] or not q.topic) and not general_delegations:
        return Answer(Intent.LAST_VISIT, q.language, towns=partners or q.country_towns)
    return None


@rule
def fact(q: Question) -> Answer | None:
    """A fact of the source text: "паромное сообщение", "delegations from Narva"."""
    topic, has, partners = q.topic, q.has, q.partners
    if topic is None and has["visit"] and any(town.fact("delegations") for town in partners):
        topic = "delegations"
    if topic is None:
        return None
    # a common topic word ("школа") does not turn "с какими городами дружим?" into a question about schools
    if not (partners or q.country_towns or q.strong_topic or (has["subject"] and not has["which_towns"])):
        return None
    if partners or q.country_towns:
        holders = [town for town in (partners or q.country_towns) if town.fact(topic)]
    else:  # asked of every partner: the directory's index by topic, not a scan of every town
        holders = list(q.directory.with_fact(topic))
    if not holders and not partners:
        holders = list(q.directory.with_fact(topic, partners_only=False))
    return Answer(Intent.FACT, q.language, towns=tuple(holders), topic=topic) if holders else None


# ---- 2. questions naming partner towns --------------------------------------------------------------


def events_topic(q: Question) -> str | None:
    """ "какие там мероприятия": the Town Days (or delegations) fact goes with the answer."""
    if not q.has["events"]:
        return None
    return next(
        (topic for topic in ("town_days", "delegations") if any(town.fact(topic) for town in q.partners)),
        None,
    )


@rule
def named_card_for_identity_or_status(q: Question) -> Answer | None:
    """ "Is it the Svetlogorsk in Kaliningrad region?", "is the partnership frozen?": the card tells."""
    if not q.partners:
        return None
    if (q.has["identity"] and any(town.identity(q.language) for town in q.partners)) or q.has["status"]:
        return Answer(Intent.CARD, q.language, towns=q.partners)
    return None


@rule
def named_town_day(q: Question) -> Answer | None:
    if q.partners and q.has["town_day"]:
        return Answer(Intent.TOWN_DAY, q.language, towns=q.partners)
    return None


@rule
def named_where(q: Question) -> Answer | None:
    """ "How long does it take to get to Narva" asks for a distance; "Нарва от Нарвика" for one between."""
    if not q.partners or not q.has["distance"]:
        return None
    if q.distance_between():
        return Answer(Intent.WHERE, q.language, towns=q.partners, extra={"between": "1"})
    return Answer(Intent.WHERE, q.language, towns=q.partners)


@rule
def named_years(q: Question) -> Answer | None:
    """ "Сколько лет дружим с Нарвой", "сколько лет будет в 2030", "когда 50 лет Нарве"."""
    if not q.partners:
        return None
    has = q.has
    about_time = has["since"] or has["will_be"] or has["anniversary"]
    topic = events_topic(q)
    if q.year is not None and (has["years"] or about_time):
        return Answer(Intent.YEARS, q.language, towns=q.partners, when=q.year, topic=topic)
    target = q.target_years
    if target is not None and about_time and q.year_bounds is None:
        return Answer(Intent.YEARS, q.language, towns=q.partners, topic=topic, extra={"target_years": target})
    if has["years"]:
        return Answer(Intent.YEARS, q.language, towns=q.partners, topic=topic)
    return None


@rule
def named_since(q: Question) -> Answer | None:
    if q.partners and q.has["since"]:
        return Answer(Intent.SINCE, q.language, towns=q.partners, topic=events_topic(q))
    return None


@rule
def named_status(q: Question) -> Answer | None:
    """ "Мы ещё общаемся с Нарвиком?", "do we still cooperate": the history and the recorded status, never a
    guess at today's. Another attribute asked now ("население сейчас") is that attribute's question.
    """
    if q.partners and q.has["present"] and attribute(q) in (None, Intent.COOPERATION):
        return Answer(Intent.STATUS, q.language, towns=q.partners)
    return None


@rule
def named_attribute(q: Question) -> Answer | None:
    """ "Population of Narva", "чем сотрудничаем с Райсио"."""
    intent = attribute(q) if q.partners else None
    return Answer(intent, q.language, towns=q.partners, topic=events_topic(q)) if intent else None


@rule
def named_events(q: Question) -> Answer | None:
    """ "Какие мероприятия в Нарве": the Town Days or delegations fact of the towns that have it."""
    topic = events_topic(q) if q.partners else None
    if topic is None:
        return None
    holders = tuple(town for town in q.partners if town.fact(topic))
    return Answer(Intent.FACT, q.language, towns=holders, topic=topic)


@rule
def named_card(q: Question) -> Answer | None:
    """A partner town named with nothing more specific asked: its card. Rules below see no partner named."""
    return Answer(Intent.CARD, q.language, towns=q.partners) if q.partners else None


# ---- 3. questions naming no partner town ------------------------------------------------------------


@rule
def not_partner_mentioned(q: Question) -> Answer | None:
    """ "Пицунда", "is Krāslava a twin town": what other sources say, and that it is not on the list."""
    mention = q.mention
    return Answer(Intent.NOT_PARTNER, q.language, mention=mention) if mention is not None else None


@rule
def numbers_off_topic(q: Question) -> Answer | None:
    """ "Who won the world cup 2018", "score 2 1": a number in another subject's question is no date of ours.

    A sports or news word next to a number, or a year next to two words no vocabulary explains, and no
    word of the partnerships.
    A full date ("4 декабря 2006") is left to the rules about what was signed.
    """
    if q.on_date is not None or not any(word.is_number for word in q.words) or about_partnerships(q):
        return None
    has = q.has
    topic = "sports" if has["sports"] else "news" if has["news"] else None
    if topic is None and (q.year is None or q.unexplained_words() < 2):
        return None
    return Answer(Intent.OFF_TOPIC, q.language, topic=topic or "other")


@rule
def not_partner_place(q: Question) -> Answer | None:
    """ "Is Riga one of our twin towns", "партнёр в Стокгольме": a real place, and not a partner."""
    match = q.place
    # a place alone ("Гамбург", "I want to visit Tallinn") is no question about partners: no_match
    if match is None or not about_the_partners(q):
        return None
    place = match.place
    extra = {"name": place.name(q.language), "place_country": place.country}
    return Answer(Intent.NOT_PARTNER, q.language, extra=extra)


def about_partnerships(q: Question) -> bool:
    """Any word of the partnerships' subject: a number next to none of them is about something else."""
    has = q.has
    return any(
        has[name]
        for name in (
            "subject", "since", "years", "anniversary", "visit", "town_day", "cooperation", "list", "oldest",
            "newest", "status", "count",
        )
    )  # fmt: skip


@rule
def meaning(q: Question) -> Answer | None:
    """What twinning is, what the office does, why these towns: explained, not the list of towns."""
    has = q.has
    if q.year is not None or q.country is not None:
        return None
    if has["why_these"] and (has["twinning"] or q.asks_about_towns()):
        return Answer(Intent.MEANING, q.language, topic="why_these")
    if has["office"] and (has["meaning"] or has["which"] or has["card"] or has["help"] or len(q.words) <= 6):
        return Answer(Intent.MEANING, q.language, topic="office")
    if has["meaning"] and has["twinning"] and not has["which_towns"]:
        return Answer(Intent.MEANING, q.language, topic="twinning")
    return None


@rule
def countries(q: Question) -> Answer | None:
    """ "Сколько стран", "which countries", "towns in each country": the partners by country."""
    has = q.has
    if not has["countries_word"] or q.country is not None or q.superlative is not None:
        return None
    if not (has["count"] or has["which"] or has["subject"] or has["list"]):
        return None
    # the renderer reads directory.partner_countries ("в Европе": the European ones only)
    return Answer(Intent.COUNTRIES, q.language, extra={"scope": "europe"} if has["europe"] else {})


@rule
def period(q: Question) -> Answer | None:
    """ "В девяностые", "after 2000", "между 1995 и 2001": partnerships begun in that range."""
    found = q.period
    if found is None or q.home:
        return None
    first, last, decade = found
    if decade is None and not about_partnerships(q):
        return None  # "before 2010 the weather...": the year range is another subject's
    if q.country_towns:
        towns = tuple(
            town
            for town in q.country_towns
            if town.since is not None
            and (first is None or town.since.year >= first)
            and (last is None or town.since.year <= last)
        )
    else:
        towns = q.directory.began_between(first, last)
    extra = {"from": str(first or ""), "to": str(last or "")}
    if decade is not None:
        extra["decade"] = str(decade)
    country = q.country if q.country_towns else None
    return Answer(Intent.PERIOD, q.language, towns=towns, country=country, extra=extra)


@rule
def signed_in(q: Question) -> Answer | None:
    """ "Что подписали 4 декабря 2006", "what was signed in 2000" (a year alone: unless anniversaries)."""
    if q.on_date is not None:
        return Answer(Intent.SIGNED_IN, q.language, when=q.on_date)
    if q.year is not None and not q.home and not q.has["anniversary"]:
        return Answer(Intent.SIGNED_IN, q.language, when=q.year)
    return None


@rule
def anniversary(q: Question) -> Answer | None:
    """ "Юбилеи в 2027", "when is the next anniversary", "юбилеи в следующем году"."""
    if not q.has["anniversary"] or q.home:
        return None
    relative = q.relative_year() if q.year is None else None
    extra = {"relative_year": str(relative)} if relative is not None else {}
    return Answer(Intent.ANNIVERSARY, q.language, when=q.year, extra=extra)


@rule
def aged_partners(q: Question) -> Answer | None:
    """ "Какие города дружат с нами больше 50 лет": the renderer counts the years for its today."""
    if q.year_bounds is None:
        return None
    key, limit = q.year_bounds
    towns = q.country_towns or q.directory.partners
    today = q.today
    # "began more than 40 years ago" names a point in time: with today known, the towns themselves
    # (otherwise the renderer picks them from the scope, counting for its today)
    if today is not None and q.has["ago"]:
        towns = tuple(
            town
            for town in towns
            if town.since is not None and ((town.since.years_until(today) >= limit) == (key == "min_years"))
        )
    return Answer(Intent.YEARS, q.language, towns=towns, extra={key: str(limit)})


# Countries that count as Europe for "the newest in Europe" (the partners' and their neighbours')
EUROPE = frozenset(
    {"RU", "EE", "LV", "LT", "FI", "SE", "NO", "DK", "IS", "DE", "PL", "BY", "UA", "FR", "IT", "ES", "GB"}
)


@rule
def scoped_oldest_newest(q: Question) -> Answer | None:
    """ "Самое новое соглашение в Эстонии", "the newest in Europe": the oldest or newest of a scope."""
    has = q.has
    if not (has["oldest"] or has["newest"]) or q.superlative is not None:
        return None
    if q.country_towns:
        towns, country = q.country_towns, q.country
    elif has["europe"]:
        towns, country = tuple(t for t in q.directory.partners if t.country in EUROPE), None
    else:
        return None
    intent = Intent.OLDEST if has["oldest"] and not has["newest"] else Intent.NEWEST
    extra = {"scope": "europe"} if country is None else {}
    return Answer(intent, q.language, towns=towns, country=country, extra=extra)


@rule
def superlative(q: Question) -> Answer | None:
    """ "Самый большой город в Эстонии", "самый далёкий побратим", "какой город самый большой"."""
    dimension = q.superlative
    # "когда ближайший день города" asks for a Town Day, not for the nearest town
    if dimension is None or not q.directory.partners or q.has["town_day"]:
        return None
    if not (q.country_towns or q.has["subject"] or (not q.home and q.asks_about_towns())):
        return None
    intent = _SUPERLATIVE_INTENT[dimension]
    towns = ordered(q, intent, q.country_towns or q.directory.partners)
    if dimension == "farthest":  # farthest first; towns without coordinates stay last
        home = q.directory.home
        known = [t for t in towns if home is not None and distance_km(home, t) is not None]
        towns = (*reversed(known), *(t for t in towns if t not in known))
    elif dimension == "smallest":
        towns = (
            *sorted((t for t in towns if t.population), key=lambda t: t.population or 0),
            *(t for t in towns if not t.population),
        )
    country = q.country if q.country_towns else None
    return Answer(intent, q.language, towns=tuple(towns), country=country, extra={"superlative": dimension})


@rule
def country(q: Question) -> Answer | None:
    """ "Какие города-партнёры в Эстонии?" (and "население городов Финляндии": the attribute of each)."""
    if q.country is None:
        return None
    intent = attribute(q)
    if q.country_towns and intent is not None:
        return Answer(intent, q.language, towns=ordered(q, intent, q.country_towns))
    return Answer(Intent.COUNTRY, q.language, country=q.country)


@rule
def home_town(q: Question) -> Answer | None:
    """Kingisepp itself: its card, or its Town Day, place or population.

    "How far from Kingisepp" is no question about it: there the home town is the starting point.
    """
    if not q.home or about_partners(q) or q.has["distance"]:
        return None
    intent = attribute(q)
    if intent in _HOME_ATTRIBUTES:
        return Answer(intent, q.language, towns=q.home)
    return Answer(Intent.CARD, q.language, towns=q.home)


def about_the_partners(q: Question) -> bool:
    """A question about the partner towns as a whole ("сколько у нас побратимов", "Kingisepp's twins")."""
    return q.has["subject"] or bool(q.home and about_partners(q))


@rule
def oldest(q: Question) -> Answer | None:
    """ "Самый давний побратим" (and "the oldest and the newest")."""
    if not q.has["oldest"] or not about_the_partners(q):
        return None
    extra = {"also": "newest"} if q.has["newest"] else {}
    return Answer(Intent.OLDEST, q.language, extra=extra)


@rule
def newest(q: Question) -> Answer | None:
    if q.has["newest"] and about_the_partners(q):
        return Answer(Intent.NEWEST, q.language)
    return None


@rule
def not_partner_named(q: Question) -> Answer | None:
    """ "Таллин наш побратим?": a name no list explains, next to a word about the partners."""
    if q.has["which"] or not about_the_partners(q):
        return None
    name = q.unknown_name()
    return Answer(Intent.NOT_PARTNER, q.language, extra={"name": name}) if name is not None else None


@rule
def partners_attribute(q: Question) -> Answer | None:
    """ "Население побратимов", "how far are our twin towns": the attribute of every partner."""
    intent = attribute(q)
    if intent is None or not q.directory.partners or not about_the_partners(q):
        return None
    return Answer(intent, q.language, towns=ordered(q, intent, q.directory.partners))


@rule
def count(q: Question) -> Answer | None:
    if q.has["count"] and about_the_partners(q):
        return Answer(Intent.COUNT, q.language)
    return None


@rule
def partners_list(q: Question) -> Answer | None:
    """Any other question about the partner towns as a whole: the list of them.

    With two or more words nothing explains ("побратимы принимают ли волонтеров"), the list is a
    fallback, not the answer: marked so, the office sees the question in /unanswered.
    """
    if not about_the_partners(q):
        return None
    extra = {"fallback": "list"} if q.unexplained_words() >= 2 else {}
    return Answer(Intent.LIST, q.language, extra=extra)


@rule
def town_days(q: Question) -> Answer | None:
    """ "When is the Town Day?": ours first, then the partners'."""
    if not q.has["town_day"]:
        return None
    own = q.directory.home
    towns = q.directory.partners
    if own is not None and own.town_day(q.language):
        towns = (own, *towns)
    return Answer(Intent.TOWN_DAY, q.language, towns=towns) if towns else None


@rule
def help_asked(q: Question) -> Answer | None:
    return Answer(Intent.HELP, q.language) if q.has["help"] else None


@rule
def thanks(q: Question) -> Answer | None:
    return Answer(Intent.THANKS, q.language) if q.has["thanks"] else None


@rule
def greeting(q: Question) -> Answer | None:
    return Answer(Intent.GREETING, q.language) if q.has["greeting"] else None


@rule
def show_all(q: Question) -> Answer | None:
    """ "Show all": the list, though no word names the partner towns."""
    return Answer(Intent.LIST, q.language) if q.has["list"] else None


@rule
def text_search(q: Question) -> Answer | None:
    """Nothing else understood: the towns' text facts that share most of the question's words."""
    if q.text_index is None:
        return None
    found = q.text_index.search(q.read)
    if not found:
        return None
    topic = found[0].topic
    towns = tuple(dict.fromkeys(item.town for item in found if item.topic == topic))
    if topic is None:
        return Answer(Intent.CARD, q.language, towns=towns, extra={"fallback": "search"})
    return Answer(Intent.FACT, q.language, towns=towns, topic=topic, extra={"fallback": "search"})


@rule
def no_match(q: Question) -> Answer | None:
    """Nothing understood: never a guess, but the towns whose names come closest."""
    suggestions = tuple(q.directory.suggest(q.words, skip=q.keyword_positions))
    return Answer(Intent.NO_MATCH, q.language, suggestions=suggestions)
