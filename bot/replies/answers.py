"""Residents' answers: what the question engine found (bot.core.questions.Answer) as a reply, for the
chat, inline mode, the console and `twinbot ask`. The answers about years and anniversaries are in
`years`, the cards and lists of towns in `towns`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

from bot.core.model import Language, Town, distance_km
from bot.core.questions import Answer, Intent
from bot.locale import Markup, escape
from bot.replies.explanations import Explanations
from bot.replies.reply import Reply, fit, fit_list
from bot.replies.towns import TownCards
from bot.replies.wording import Replies, VisitLine, sentence
from bot.replies.years import PartnershipYears

COUNT_NAMES = 60  # names in "the district has N partner towns: ..."
# the intents answered with one line per town (and a superlative above them)
TOWN_FACTS = (
    Intent.SINCE,
    Intent.YEARS,
    Intent.WHERE,
    Intent.COOPERATION,
    Intent.POPULATION,
    Intent.TOWN_DAY,
)


@dataclass(slots=True)
class Answers:
    replies: Replies
    cards: TownCards = field(init=False)
    years: PartnershipYears = field(init=False)
    explanations: Explanations = field(init=False)

    def __post_init__(self) -> None:
        self.cards = TownCards(self.replies)
        self.years = PartnershipYears(self.replies)
        self.explanations = Explanations(self.replies)

    def answer(self, answer: Answer) -> Reply:
        r = self.replies
        lang = answer.language
        intent = answer.intent
        towns = answer.towns
        if intent is Intent.FAQ:
            return self.explanations.faq(lang, answer)
        if intent is Intent.MEANING:
            return self.explanations.meaning(lang, answer)
        if intent is Intent.COUNTRIES:
            return self.explanations.countries(lang, europe=answer.extra.get("scope") == "europe")
        if intent is Intent.STATUS and towns:
            return self.explanations.status(lang, answer)
        if intent is Intent.PERIOD:
            return self.years.period(lang, answer)
        if intent is Intent.FACT and answer.topic and answer.extra.get("fallback"):
            found = self.source_facts(lang, towns, answer.topic)
            return Reply(fit([r.t(lang, "answer.search_found"), "", found.text]), found.buttons)
        if intent is Intent.CARD:
            if len(towns) == 1:
                return self.cards.card(lang, towns[0])
            return self.cards.short_list(lang, towns)
        if intent is Intent.YEARS and answer.extra.keys() & {"min_years", "max_years"}:
            return self.years.aged(lang, answer)
        if intent is Intent.YEARS and (answer.when is not None or "target_years" in answer.extra):
            return self.years.years_at(lang, answer)
        if intent is Intent.WHERE and answer.extra.get("between") and len(towns) == 2:
            return self.between(lang, towns[0], towns[1])
        if intent in TOWN_FACTS:
            return self.town_facts(lang, answer)
        if intent is Intent.FACT and answer.topic:
            return self.source_facts(lang, towns, answer.topic)
        if intent is Intent.LAST_VISIT:
            return self.last_visit(lang, towns)
        if intent is Intent.COUNTRY and answer.country:
            return self.country_list(lang, answer.country)
        if intent is Intent.LIST:
            return self.cards.towns_list(lang)
        if intent is Intent.COUNT:
            return Reply(fit([self.count_line(lang)]), r.town_buttons(lang, r.directory.partners))
        if intent in (Intent.OLDEST, Intent.NEWEST):
            return self.years.oldest_newest(lang, answer)
        if intent is Intent.SIGNED_IN and answer.when:
            return self.years.signed(lang, answer.when)
        if intent is Intent.ANNIVERSARY:
            return self.years.anniversaries(lang, answer)
        if intent is Intent.NOT_PARTNER:
            return self.not_partner(lang, answer)
        if intent is Intent.OFF_TOPIC:
            return self.off_topic(lang, answer)
        if intent is Intent.HELP:
            return Reply(r.t(lang, "help.text", bot=r.bot_username))
        if intent in (Intent.GREETING, Intent.THANKS, Intent.EMPTY):
            return Reply(r.t(lang, f"answer.{intent.value}"))
        return self.no_match(lang, answer.suggestions)

    # -- one line per town -------------------------------------------------------------------------

    def town_facts(self, lang: Language, answer: Answer) -> Reply:
        towns = answer.towns
        head = self.superlative_line(lang, answer)
        if not answer.topic:  # one line per town, cut with a count of the towns left out
            text = fit_list(
                [head, ""] if head else [],
                towns,
                lambda town: self.town_fact_line(lang, answer.intent, town),
                self.replies.more_towns(lang),
            )
            return Reply(text, self.replies.town_buttons(lang, towns))
        facts: Iterable[str] = (self.town_fact_line(lang, answer.intent, town) for town in towns)
        if head:
            facts = chain([head, ""], facts)
        if answer.topic:  # "когда подписали ... и какие там мероприятия": the fact goes with it
            facts = chain(facts, self.cards.fact_lines(lang, towns, answer.topic, first=False))
        return Reply(fit(facts), self.replies.town_buttons(lang, towns))

    def town_fact_line(self, lang: Language, intent: Intent, town: Town) -> str:
        r = self.replies
        if intent in (Intent.SINCE, Intent.YEARS):
            return self.years.line(lang, intent, town)
        who = r.who(lang, town)
        if intent is Intent.WHERE:
            km = r.km(town)
            if km is None:
                return r.t(lang, "answer.where_no_distance", place=r.place(lang, town), **who)
            return r.t(lang, "answer.where", place=r.place(lang, town), km=r.number(lang, km), **who)
        if intent is Intent.COOPERATION:
            if not town.cooperation:
                return r.t(lang, "answer.cooperation_unknown", **who)
            return r.t(lang, "answer.cooperation", areas=r.areas(lang, town), **who)
        if intent is Intent.POPULATION:
            if not town.population:
                return r.t(lang, "answer.population_unknown", **who)
            population = r.number(lang, town.population)
            return r.t(
                lang, "answer.population", population=population, year=town.population_year or "—", **who
            )
        text = town.town_day(lang)
        when = r.town_day_when(lang, town)
        if when:
            line = r.t(lang, "town_day_info.answer", when=Markup(when), **who)
            return Markup(f"{line} {escape(sentence(text))}") if text else line
        if not text:
            return r.t(lang, "answer.town_day_unknown", **who)
        return r.t(lang, "answer.town_day", text=text, **who)

    def superlative_line(self, lang: Language, answer: Answer) -> str:
        """'The nearest partner town is Narva ...': the direct answer above the ranked list."""
        r = self.replies
        superlative = answer.extra.get("superlative")
        if superlative is None or not answer.towns:
            return ""
        scope = Markup(f" {r.country_in(lang, answer.country)}") if answer.country else Markup("")
        if superlative in ("nearest", "farthest"):
            known = [town for town in answer.towns if r.km(town) is not None]
            qualifier = "answer.superlative_known_distance"
        else:
            known = [town for town in answer.towns if town.population]
            qualifier = "answer.superlative_known_population"
        if not known:
            return ""
        town = known[0]
        common = {
            "scope": scope,
            "known": r.t(lang, qualifier) if len(known) < len(answer.towns) else Markup(""),
            **r.who(lang, town),
        }
        if superlative in ("nearest", "farthest"):
            km = r.km(town)
            assert km is not None
            country = r.country(lang, town.country)
            return r.t(lang, f"answer.{superlative}", country=country, km=r.number(lang, km), **common)
        assert town.population is not None
        return r.t(
            lang,
            f"answer.{superlative}",
            population=r.number(lang, town.population),
            year=town.population_year or "—",
            **common,
        )

    # -- whole replies -----------------------------------------------------------------------------

    def source_facts(self, lang: Language, towns: Sequence[Town], topic: str) -> Reply:
        """What the source text says on a topic, for each town that has it."""
        lines = self.cards.fact_lines(lang, towns, topic)
        if topic == "delegations":  # "delegations from Narva": and the last one recorded
            for town in towns:
                visit = self.last_past_visit(town.key)
                if visit is not None:
                    lines.extend(["", self.last_visit_line(lang, town, visit)])
        return Reply(fit(lines), self.replies.town_buttons(lang, towns))

    def between(self, lang: Language, first: Town, second: Town) -> Reply:
        """'как далеко Нарва от Нарвика': the great-circle distance between the two towns."""
        r = self.replies
        distance = distance_km(first, second)
        names = {
            "flag_a": r.flag(first.country),
            "name_a": first.name(lang),
            "flag_b": r.flag(second.country),
            "name_b": second.name(lang),
        }
        if distance is None:
            text = r.t(lang, "answer.between_unknown", **names)
        else:
            text = r.t(lang, "answer.between", km=r.number(lang, round(distance)), **names)
        return Reply(text, r.town_buttons(lang, [first, second]))

    def count_line(self, lang: Language) -> str:
        r = self.replies
        partners = r.directory.partners
        return r.t(
            lang,
            "answer.count",
            count=len(partners),
            towns_word=r.plural(lang, "towns", len(partners)),
            # a national directory's thousands of names would not fit one message: the first ones, then …
            names=", ".join(town.name(lang) for town in partners[:COUNT_NAMES])
            + (", …" if len(partners) > COUNT_NAMES else ""),
        )

    def country_list(self, lang: Language, code: str) -> Reply:
        r = self.replies
        towns = r.directory.in_country(code)
        country_in = r.country_in(lang, code)
        if not towns:
            none: list[str] = [r.t(lang, "answer.country_none", country_in=country_in)]
            home = r.directory.home
            if home is None or home.country != code:
                return Reply(fit(none))
            # "побратимы в России": Kingisepp itself is there; the partners are a button away
            none.append(r.t(lang, "answer.country_home", name=home.name(lang), country_in=country_in))
            return Reply(fit(none), r.town_buttons(lang, r.directory.partners))
        header = r.t(
            lang,
            "answer.country_header",
            country_in=country_in,
            count=len(towns),
            towns_word=r.plural(lang, "towns", len(towns)),
        )
        text = fit_list([header], towns, lambda town: self.cards.town_line(lang, town), r.more_towns(lang))
        return Reply(text, r.town_buttons(lang, towns))

    def not_partner(self, lang: Language, answer: Answer) -> Reply:
        """'Таллин наш побратим?': not on the list (and what other sources say, for the towns they name)."""
        r = self.replies
        mention = answer.mention
        name = mention.name(lang) if mention else answer.extra.get("name", "")
        lines: list[str] = [
            r.t(lang, "answer.not_partner", name=name) if name else r.t(lang, "answer.not_partner_unnamed")
        ]
        place_country = answer.extra.get("place_country")
        if place_country and name:  # a well-known place: where it is, and plainly no partner
            lines.append(
                r.t(lang, "answer.not_partner_place", name=name, country=r.country(lang, place_country))
            )
        if mention is not None and mention.note(lang):
            lines.append(escape(mention.note(lang)))
        if r.directory.partners:
            lines.append(self.count_line(lang))
        return Reply(fit(lines), r.town_buttons(lang, r.directory.partners))

    def off_topic(self, lang: Language, answer: Answer) -> Reply:
        """Weather, tickets, visas, officials...: not the bot's subject; the named towns' cards as buttons."""
        r = self.replies
        about = r.t_or(lang, f"answer.off_topic_{answer.topic}", r.t(lang, "answer.off_topic_other"))
        lines: list[str] = [r.t(lang, "answer.off_topic", about=Markup(about))]
        if answer.towns:
            lines.append(
                r.t(lang, "answer.off_topic_card" if len(answer.towns) == 1 else "answer.off_topic_cards")
            )
        return Reply(fit(lines), r.town_buttons(lang, answer.towns))

    def no_match(self, lang: Language, suggestions: Sequence[Town]) -> Reply:
        r = self.replies
        lines: list[str] = [r.t(lang, "answer.no_match")]
        if suggestions:
            lines.append(r.t(lang, "answer.suggest"))
            lines.extend(f"• {escape(town.name(lang))}" for town in suggestions)
        lines.append(r.t(lang, "answer.no_match_hint"))
        return Reply(fit(lines), r.town_buttons(lang, suggestions))

    # -- visits ------------------------------------------------------------------------------------

    def last_past_visit(self, town_key: str) -> VisitLine | None:
        """The latest recorded visit of a town that has taken place (today included)."""
        today = self.replies.today
        past = [visit for visit in self.replies.visits.get(town_key, ()) if visit.day <= today]
        return max(past, key=lambda visit: visit.day, default=None)

    def last_visit_line(self, lang: Language, town: Town, visit: VisitLine) -> str:
        return self.cards.visit_line(lang, "answer.last_visit", visit, **self.replies.who(lang, town))

    def last_visit(self, lang: Language, towns: Sequence[Town]) -> Reply:
        """'Последний записанный визит: Нарва, 5 июня 2024 — ...', per town or over all towns."""
        r = self.replies
        lines: list[str] = []
        if not towns:
            latest: tuple[Town, VisitLine] | None = None
            for key in list(r.visits):
                town = r.directory.get(key)
                visit = self.last_past_visit(key)
                if town is not None and visit is not None and (latest is None or visit.day > latest[1].day):
                    latest = (town, visit)
            if latest is None:
                return Reply(r.t(lang, "answer.last_visit_none"))
            town, visit = latest
            return Reply(self.last_visit_line(lang, town, visit), r.town_buttons(lang, [town]))
        for town in towns:
            visit = self.last_past_visit(town.key)
            if visit is None:
                lines.append(r.t(lang, "answer.last_visit_none_town", **r.who(lang, town)))
            else:
                lines.append(self.last_visit_line(lang, town, visit))
        # the source text's words on delegations, for the towns that have them
        lines.extend(self.cards.fact_lines(lang, towns, "delegations", first=False))
        return Reply(fit(lines), r.town_buttons(lang, towns))
