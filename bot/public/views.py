"""What the public pages show, built from the bot's own wording (bot/replies), so a page says what the
bot says. Catalogue texts are Telegram HTML (b, i, a): valid HTML too, and every piece of data in them is
already escaped by the catalogue, so they are handed to the templates as markup; everything else is
plain text that Jinja escapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from bot.core.calendar import Calendar, DateSpan, TownDay
from bot.core.model import Language, Town
from bot.locale import escape
from bot.replies.calendar import CalendarReplies
from bot.replies.towns import TownCards
from bot.replies.wording import Replies
from storage.public import PublicVisit

UPCOMING_DAYS = 90


def html(text: str) -> Markup:
    """A catalogue text (escaped data inside) as markup for the templates."""
    return Markup(text)


@dataclass(frozen=True, slots=True)
class TownRow:
    key: str
    flag: str
    name: str
    country: str
    since: Markup
    years: Markup
    km: str


@dataclass(frozen=True, slots=True)
class Agreement:
    text: Markup
    years: Markup
    note: str


@dataclass(frozen=True, slots=True)
class VisitRow:
    dates: Markup
    direction: Markup
    kind: Markup
    purpose: str


@dataclass(frozen=True, slots=True)
class TownCard:
    key: str
    title: Markup
    subtitle: Markup
    lines: list[Markup]  # local name, home, cooperation, population, distance
    agreements: list[Agreement]
    town_day: Markup | None
    town_day_note: Markup | None  # "by the usual rule, not confirmed" or "date confirmed"
    town_day_words: str  # the shipped description of the Town Day
    about: list[str]  # description and facts
    notes: list[Markup]  # identity, status


class PublicViews:
    def __init__(self, replies: Replies) -> None:
        self.r = replies
        self.cards = TownCards(replies)
        self.calendar = CalendarReplies(replies)

    def t(self, lang: Language, key: str, **params: object) -> Markup:
        return html(self.r.t(lang, key, **params))

    def town_rows(self, lang: Language) -> list[TownRow]:
        rows = []
        for town in self.r.directory.partners:
            since = self.r.format_since(lang, town.since)
            if town.since is None:
                years = Markup("")
            else:
                age = self.r.partnership_age(lang, town.since)
                years = self.t(lang, "card.years_day" if "next_date" in age else "card.years_year", **age)
            km = self.r.km(town)
            rows.append(
                TownRow(
                    key=town.key,
                    flag=self.r.flag(town.country),
                    name=town.name(lang),
                    country=self.r.country(lang, town.country),
                    since=html(since),
                    years=years,
                    km=self.r.number(lang, km) if km is not None else "",
                )
            )
        return rows

    def card(self, lang: Language, town: Town, town_day: TownDay | None) -> TownCard:
        r = self.r
        other = town.name("en" if lang == "ru" else "ru")
        place = r.place(lang, town)
        subtitle = html(f"{escape(other)} · {place}" if other != town.name(lang) else place)
        lines: list[Markup] = []
        if town.name_local and town.name_local not in (town.name_en, town.name_ru):
            lines.append(self.t(lang, "card.local_name", local=town.name_local))
        if town.is_home:
            lines.append(self.t(lang, "card.home"))
        if town.cooperation:
            lines.append(self.t(lang, "card.cooperation", areas=r.areas(lang, town)))
        if town.population:
            population = r.number(lang, town.population)
            if town.population_year:
                lines.append(
                    self.t(lang, "card.population", population=population, year=town.population_year)
                )
            else:
                lines.append(self.t(lang, "card.population_no_year", population=population))
        km = r.km(town)
        if km is not None:
            lines.append(self.t(lang, "card.distance", km=r.number(lang, km)))
        agreements = [
            Agreement(
                text=self.t(lang, "card.agreement", title=a.title(lang), date=r.signed_date(lang, a)),
                years=html(self.cards.agreement_years(lang, a)),
                note=a.note(lang),
            )
            for a in sorted(town.agreements, key=lambda a: a.signed.sort_key)
        ]
        when = r.town_day_when(lang, town)
        span = r.town_days.get(town.key)
        note = None
        if when and span is not None and town_day is not None:
            confirmed = span.start.year in town_day.dates
            note = self.t(lang, "public.town_day_confirmed" if confirmed else "public.town_day_rule")
        about = [town.description(lang)] if town.description(lang) else []
        about.extend(fact.text(lang) for fact in town.facts)
        notes = []
        if town.identity(lang):
            notes.append(self.t(lang, "card.identity", text=town.identity(lang)))
        if town.status(lang):
            notes.append(self.t(lang, "card.status", text=town.status(lang)))
        return TownCard(
            key=town.key,
            title=self.t(lang, "card.title", **r.who(lang, town)),
            subtitle=subtitle,
            lines=lines,
            agreements=agreements,
            town_day=self.t(lang, "card.town_day", text=html(when)) if when else None,
            town_day_note=note,
            town_day_words=town.town_day(lang),
            about=about,
            notes=notes,
        )

    def visit_rows(self, lang: Language, visits: list[PublicVisit]) -> list[VisitRow]:
        rows = []
        for visit in visits:
            if visit.end is None or visit.end == visit.start:
                dates = self.r.format_date(lang, visit.start)
            else:
                dates = self.r.span_dates(lang, DateSpan(visit.start, visit.end))
            rows.append(
                VisitRow(
                    dates=html(dates),
                    direction=self.t(lang, f"visits.public.direction_{visit.direction.value}"),
                    kind=self.t(lang, f"visits.public.kind_{visit.kind.value}"),
                    purpose=visit.purpose,
                )
            )
        return rows

    def upcoming(self, lang: Language, calendar: Calendar, first: date) -> tuple[Markup, list[Markup]]:
        last = first + timedelta(days=UPCOMING_DAYS)
        dates = {"first": self.r.format_date(lang, first), "last": self.r.format_date(lang, last)}
        events = calendar.events_between(first, last, include_visits=False)
        if not events:
            return self.t(lang, "upcoming.none", **dates), []
        lines = [
            html(self.calendar.event_line(lang, event, first, calendar.town_day(event.town_key).rule))
            for event in events
        ]
        return self.t(lang, "upcoming.header", **dates), lines

    def unknown_town_days(self, lang: Language, calendar: Calendar, first: date) -> Markup | None:
        last = first + timedelta(days=UPCOMING_DAYS)
        names = list(
            dict.fromkeys(
                town.name(lang)
                for year in range(first.year, last.year + 1)
                for town in calendar.unknown_town_days(year)
            )
        )
        return self.t(lang, "upcoming.unknown", names=", ".join(names)) if names else None
