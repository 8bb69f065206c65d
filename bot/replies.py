"""Core answers -> Telegram HTML in the user's language. Shared by the bot, the console and `twinbot ask`.

Every piece of data goes through the catalogue, which escapes it; texts stay under Telegram's
4096-character limit by construction (lists are cut with a "…" line, never mid-tag).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

from bot.core.directory import TownDirectory
from bot.core.model import Agreement, Language, PartialDate, Town, distance_km
from bot.core.questions import Answer, Intent, agreements_matching
from bot.locale import Catalogue, Markup, catalogue, escape

MESSAGE_LIMIT = 4096
CALLBACK_CARD = "card:"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class VisitLine:
    """What residents may see of a recorded visit (never staff notes)."""

    day: date
    direction: str  # already localised
    kind: str
    purpose: str


@dataclass(slots=True)
class Replies:
    directory: TownDirectory
    today: date
    texts: Catalogue = field(default_factory=catalogue)
    visits: Mapping[str, Sequence[VisitLine]] = field(default_factory=dict)
    bot_username: str = "twinbot"

    # -- small pieces --------------------------------------------------------------------------------

    def t(self, lang: Language, key: str, **params: object) -> Markup:
        return self.texts.text(lang, key, **params)

    def years_word(self, lang: Language, count: int) -> str:
        return self.texts.plural(lang, "years", count)

    def country(self, lang: Language, code: str) -> str:
        key = f"country.{code}"
        return self.t(lang, key) if self.texts.has(lang, key) else self.t(lang, "country.other", code=code)

    def country_in(self, lang: Language, code: str) -> str:
        key = f"country_in.{code}"
        return self.t(lang, key) if self.texts.has(lang, key) else self.t(lang, "country_in.other", code=code)

    @staticmethod
    def flag(code: str) -> str:
        if len(code) != 2 or not code.isalpha():
            return "🏳"
        return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())

    def format_date(self, lang: Language, when: PartialDate | date) -> str:
        if isinstance(when, date):
            when = PartialDate(when.year, when.month, when.day)
        if when.month is None:
            return self.t(lang, "date.year", year=when.year)
        if when.day is None:
            month = self.texts.raw(lang, "month.nominative")[when.month - 1]
            return self.t(lang, "date.month", month=month, year=when.year)
        month = self.texts.raw(lang, "month.genitive")[when.month - 1]
        return self.t(lang, "date.day", day=when.day, month=month, year=when.year)

    def format_since(self, lang: Language, when: PartialDate | None) -> str:
        if when is None:
            return self.t(lang, "towns.no_date")
        if when.month is None:
            return self.t(lang, "date.since_year", year=when.year)
        if when.day is None:
            month = self.texts.raw(lang, "month.nominative")[when.month - 1]
            return self.t(lang, "date.since_month", month=month, year=when.year)
        month = self.texts.raw(lang, "month.genitive")[when.month - 1]
        return self.t(lang, "date.since_day", day=when.day, month=month, year=when.year)

    def number(self, lang: Language, value: int) -> str:
        text = f"{value:,}"
        return text.replace(",", "\u00a0") if lang == "ru" else text

    def areas(self, lang: Language, town: Town) -> str:
        return ", ".join(
            self.t(lang, f"area.{area}") for area in town.cooperation if self.texts.has(lang, f"area.{area}")
        )

    def km(self, town: Town) -> int | None:
        if self.directory.home is None or town.is_home:
            return None
        distance = distance_km(self.directory.home, town)
        return round(distance) if distance is not None else None

    def place(self, lang: Language, town: Town) -> str:
        country = self.country(lang, town.country)
        region = town.region(lang)
        return self.t(lang, "card.place", country=country, region=region) if region else country

    def town_button(self, lang: Language, town: Town) -> Button:
        return Button(f"{self.flag(town.country)} {town.name(lang)}", f"{CALLBACK_CARD}{town.key}")

    def town_buttons(
        self, lang: Language, towns: Sequence[Town], per_row: int = 2
    ) -> tuple[tuple[Button, ...], ...]:
        buttons = [self.town_button(lang, town) for town in towns[:60]]
        return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))

    # -- whole replies -------------------------------------------------------------------------------

    def towns_list(self, lang: Language) -> Reply:
        partners = self.directory.partners
        if not partners:
            return Reply(self.t(lang, "towns.empty"))
        header = self.t(
            lang,
            "towns.header",
            count=len(partners),
            towns_word=self.texts.plural(lang, "towns", len(partners)),
        )
        lines = chain([header], (self.town_line(lang, town) for town in partners))
        return Reply(fit(lines, tail=["", self.t(lang, "towns.footer")]), self.town_buttons(lang, partners))

    def town_line(self, lang: Language, town: Town) -> str:
        return self.t(
            lang,
            "towns.line",
            flag=self.flag(town.country),
            name=town.name(lang),
            country=self.country(lang, town.country),
            since=self.format_since(lang, town.since),
        )

    def agreement_years(self, lang: Language, agreement: Agreement) -> str:
        signed = agreement.signed
        if signed.precision == "day":
            years = signed.years_until(self.today)
            anniversary = next_anniversary(signed, self.today)
            return self.t(
                lang,
                "card.years_day",
                years=years,
                years_word=self.years_word(lang, years),
                date_next=self.format_date(lang, anniversary),
                next_years=anniversary.year - signed.year,
            )
        years = self.today.year - signed.year
        return self.t(
            lang,
            "card.years_year",
            years=years,
            years_word=self.years_word(lang, years),
            year=self.today.year,
        )

    def card(self, lang: Language, town: Town) -> Reply:
        lines: list[str] = [self.t(lang, "card.title", flag=self.flag(town.country), name=town.name(lang))]
        other = town.name("en" if lang == "ru" else "ru")
        subtitle = self.place(lang, town)
        lines.append(f"{escape(other)} · {subtitle}" if other != town.name(lang) else subtitle)
        if town.name_local and town.name_local not in (town.name_en, town.name_ru):
            lines.append(self.t(lang, "card.local_name", local=town.name_local))
        if town.is_home:
            lines.append(self.t(lang, "card.home"))
        for agreement in sorted(town.agreements, key=lambda a: a.signed.sort_key):
            when = self.format_date(lang, agreement.signed)
            lines.append(self.t(lang, "card.agreement", title=agreement.title(lang), date=when))
            lines.append("    " + self.agreement_years(lang, agreement))
            if agreement.note(lang):
                lines.append(f"    <i>{escape(agreement.note(lang))}</i>")
        if town.cooperation:
            lines.append(self.t(lang, "card.cooperation", areas=self.areas(lang, town)))
        if town.population:
            if town.population_year:
                lines.append(
                    self.t(
                        lang,
                        "card.population",
                        population=self.number(lang, town.population),
                        year=town.population_year,
                    )
                )
            else:
                lines.append(
                    self.t(lang, "card.population_no_year", population=self.number(lang, town.population))
                )
        km = self.km(town)
        if km is not None:
            lines.append(self.t(lang, "card.distance", km=self.number(lang, km)))
        if town.town_day(lang):
            lines.append(self.t(lang, "card.town_day", text=town.town_day(lang)))
        if town.description(lang):
            lines.append("")
            lines.append(escape(town.description(lang)))
        for fact in town.facts:
            lines.append(f"• {escape(fact.text(lang))}")
        if town.identity(lang):
            lines.append(self.t(lang, "card.identity", text=town.identity(lang)))
        if town.status(lang):
            lines.append(self.t(lang, "card.status", text=town.status(lang)))
        visits = self.visits.get(town.key, ())
        if visits:
            lines.append("")
            lines.append(self.t(lang, "card.visits_header"))
            for visit in visits[:5]:
                lines.append(self.visit_line(lang, "card.visit_line", visit))
        return Reply(fit(lines))

    def visit_line(self, lang: Language, key: str, visit: VisitLine, **extra: object) -> str:
        purpose = Markup(f": {escape(visit.purpose)}") if visit.purpose else Markup("")
        return self.t(
            lang,
            key,
            date=self.format_date(lang, visit.day),
            # direction and kind may be catalogue keys (the runtime passes keys, not one language)
            direction=self.t(lang, visit.direction)
            if self.texts.has(lang, visit.direction)
            else visit.direction,
            kind=self.t(lang, visit.kind) if self.texts.has(lang, visit.kind) else visit.kind,
            purpose=purpose,
            **extra,
        )

    def answer(self, answer: Answer) -> Reply:
        lang = answer.language
        intent = answer.intent
        towns = answer.towns
        if intent is Intent.CARD:
            if len(towns) == 1:
                return self.card(lang, towns[0])
            return self.short_list(lang, towns)
        if intent in (
            Intent.SINCE,
            Intent.YEARS,
            Intent.WHERE,
            Intent.COOPERATION,
            Intent.POPULATION,
            Intent.TOWN_DAY,
        ):
            facts = (self.town_fact_line(lang, intent, town) for town in towns)
            return Reply(fit(facts), self.town_buttons(lang, towns))
        if intent is Intent.FACT and answer.topic:
            lines: list[str] = []
            for town in towns:
                fact = town.fact(answer.topic)
                if fact is None:
                    continue
                if lines:
                    lines.append("")
                lines.append(
                    self.t(
                        lang,
                        "answer.fact_header",
                        flag=self.flag(town.country),
                        name=town.name(lang),
                        topic=self.t(lang, f"topic.{answer.topic}"),
                    )
                )
                lines.append(escape(fact.text(lang)))
            return Reply(fit(lines), self.town_buttons(lang, towns))
        if intent is Intent.LAST_VISIT:
            return self.last_visit(lang, towns)
        if intent is Intent.COUNTRY and answer.country:
            return self.country_list(lang, answer.country)
        if intent is Intent.LIST:
            return self.towns_list(lang)
        if intent is Intent.COUNT:
            partners = self.directory.partners
            names = ", ".join(town.name(lang) for town in partners)
            text = self.t(
                lang,
                "answer.count",
                count=len(partners),
                towns_word=self.texts.plural(lang, "towns", len(partners)),
                names=names,
            )
            return Reply(fit([text]), self.town_buttons(lang, partners))
        if intent in (Intent.OLDEST, Intent.NEWEST):
            chosen = self.directory.oldest() if intent is Intent.OLDEST else self.directory.newest()
            lines = []
            for town in chosen:
                since = town.since
                assert since is not None
                years = since.years_until(self.today)
                lines.append(
                    self.t(
                        lang,
                        f"answer.{intent.value}",
                        flag=self.flag(town.country),
                        name=town.name(lang),
                        since=self.format_since(lang, since),
                        years=years,
                        years_word=self.years_word(lang, years),
                    )
                )
            if not lines:
                return Reply(self.t(lang, "towns.empty"))
            return Reply(fit(lines), self.town_buttons(lang, chosen))
        if intent is Intent.SIGNED_IN and answer.when:
            return self.signed(lang, answer.when)
        if intent is Intent.HELP:
            return Reply(self.t(lang, "help.text", bot=self.bot_username))
        if intent in (Intent.GREETING, Intent.THANKS, Intent.EMPTY):
            return Reply(self.t(lang, f"answer.{intent.value}"))
        return self.no_match(lang, answer.suggestions)

    def no_match(self, lang: Language, suggestions: Sequence[Town]) -> Reply:
        lines: list[str] = [self.t(lang, "answer.no_match")]
        if suggestions:
            lines.append(self.t(lang, "answer.suggest"))
            lines.extend(f"• {escape(town.name(lang))}" for town in suggestions)
        lines.append(self.t(lang, "answer.no_match_hint"))
        return Reply(fit(lines), self.town_buttons(lang, suggestions))

    def short_list(self, lang: Language, towns: Sequence[Town]) -> Reply:
        lines = (self.town_line(lang, town) for town in towns)
        return Reply(fit(lines), self.town_buttons(lang, towns))

    def country_list(self, lang: Language, code: str) -> Reply:
        towns = self.directory.in_country(code)
        if not towns:
            return Reply(self.t(lang, "answer.country_none", country_in=self.country_in(lang, code)))
        header = self.t(
            lang,
            "answer.country_header",
            country_in=self.country_in(lang, code),
            count=len(towns),
            towns_word=self.texts.plural(lang, "towns", len(towns)),
        )
        lines = chain([header], (self.town_line(lang, town) for town in towns))
        return Reply(fit(lines), self.town_buttons(lang, towns))

    def signed(self, lang: Language, when: PartialDate) -> Reply:
        exact, same_year = agreements_matching(self.directory, when)
        when_text = self.format_date(lang, when)
        if lang == "ru":
            when_text = f"в {when_text} году" if when.precision == "year" else when_text
        else:
            when_text = f"in {when_text}" if when.precision == "year" else f"on {when_text}"
        if not exact and not same_year:
            return Reply(self.t(lang, "answer.signed_none", when=when_text))
        lines: list[str] = []
        if exact:
            lines.append(self.t(lang, "answer.signed_header", when=when_text))
            lines.extend(self.signed_line(lang, town, when.year) for town in exact)
        if same_year:
            lines.append(self.t(lang, "answer.signed_same_year", year=when.year))
            lines.extend(self.signed_line(lang, town, when.year) for town in same_year)
        return Reply(fit(lines), self.town_buttons(lang, [*exact, *same_year]))

    def signed_line(self, lang: Language, town: Town, year: int) -> str:
        agreement = next((a for a in town.agreements if a.signed.year == year), town.agreements[0])
        title = agreement.title(lang)
        if agreement.signed.precision == "day":
            title = f"{title}, {self.format_date(lang, agreement.signed)}"
        return self.t(
            lang, "answer.signed_line", flag=self.flag(town.country), name=town.name(lang), title=title
        )

    def town_fact_line(self, lang: Language, intent: Intent, town: Town) -> str:
        flag, name = self.flag(town.country), town.name(lang)
        if intent in (Intent.SINCE, Intent.YEARS):
            agreements = sorted(town.agreements, key=lambda a: a.signed.sort_key)
            if not agreements:
                return self.t(lang, "answer.no_agreement", flag=flag, name=name)
            agreement = agreements[0]
            signed = agreement.signed
            title = agreement.title(lang)
            if intent is Intent.SINCE:
                if signed.precision == "day":
                    return self.t(
                        lang,
                        "answer.since_exact",
                        flag=flag,
                        name=name,
                        title=title,
                        date=self.format_date(lang, signed),
                    )
                if signed.precision == "month":
                    return self.t(
                        lang,
                        "answer.since_month",
                        flag=flag,
                        name=name,
                        title=title,
                        date=self.format_date(lang, signed),
                    )
                return (
                    self.t(lang, "answer.since_year", flag=flag, name=name, title=title, year=signed.year)
                    + f" {sentence(self.agreement_years(lang, agreement))}."
                )
            if signed.precision == "day":
                years = signed.years_until(self.today)
                anniversary = next_anniversary(signed, self.today)
                return self.t(
                    lang,
                    "answer.years_exact",
                    flag=flag,
                    name=name,
                    years=years,
                    years_word=self.years_word(lang, years),
                    title=title,
                    date=self.format_date(lang, signed),
                    next_date=self.format_date(lang, anniversary),
                    next_years=anniversary.year - signed.year,
                )
            years = self.today.year - signed.year
            return self.t(
                lang,
                "answer.years_year",
                flag=flag,
                name=name,
                this_year=self.today.year,
                years=years,
                years_word=self.years_word(lang, years),
                year=signed.year,
            )
        if intent is Intent.WHERE:
            km = self.km(town)
            if km is None:
                return self.t(
                    lang, "answer.where_no_distance", flag=flag, name=name, place=self.place(lang, town)
                )
            return self.t(
                lang,
                "answer.where",
                flag=flag,
                name=name,
                place=self.place(lang, town),
                km=self.number(lang, km),
            )
        if intent is Intent.COOPERATION:
            if not town.cooperation:
                return self.t(lang, "answer.cooperation_unknown", flag=flag, name=name)
            return self.t(lang, "answer.cooperation", flag=flag, name=name, areas=self.areas(lang, town))
        if intent is Intent.POPULATION:
            if not town.population:
                return self.t(lang, "answer.population_unknown", flag=flag, name=name)
            return self.t(
                lang,
                "answer.population",
                flag=flag,
                name=name,
                population=self.number(lang, town.population),
                year=town.population_year or "—",
            )
        text = town.town_day(lang)
        if not text:
            return self.t(lang, "answer.town_day_unknown", flag=flag, name=name)
        return self.t(lang, "answer.town_day", flag=flag, name=name, text=text)

    def last_visit(self, lang: Language, towns: Sequence[Town]) -> Reply:
        lines: list[str] = []
        targets: list[Town | None] = list(towns) or [None]
        for town in targets:
            if town is None:
                visits = sorted(
                    (v for vs in self.visits.values() for v in vs), key=lambda v: v.day, reverse=True
                )
                name_with = ""
            else:
                visits = list(self.visits.get(town.key, ()))
                name_with = self.t(lang, "answer.with_name", name=town.name(lang))
            past = [visit for visit in visits if visit.day <= self.today]
            if not past:
                key = "answer.last_visit_none_town" if town else "answer.last_visit_none"
                lines.append(self.t(lang, key, name_with=name_with))
                continue
            lines.append(self.visit_line(lang, "answer.last_visit", past[0], name_with=name_with))
        return Reply(fit(lines), self.town_buttons(lang, towns))


def sentence(fragment: str) -> str:
    """A fragment that starts a new sentence, with its first letter capitalised ("в 2026 году" -> "В ...")."""
    return fragment[:1].upper() + fragment[1:]


def next_anniversary(signed: PartialDate, today: date) -> date:
    """The next date (today included) on which a day-precision agreement has its anniversary."""
    assert signed.month is not None and signed.day is not None
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, signed.month, signed.day)
        except ValueError:  # 29 February in a common year: marked on 28 February
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")


def fit(lines: Iterable[str], limit: int = MESSAGE_LIMIT, tail: Sequence[str] = ()) -> str:
    """Join lines, dropping whole lines from the end (with a '…') so the parsed text stays in the limit.

    `lines` may be a generator: it is consumed only as far as fits, so a long list costs what is shown.
    `tail` (a footer) is always kept.
    """
    reserved = sum(visible_length(line) + 1 for line in tail)
    kept: list[str] = []
    used = 0
    for line in lines:
        size = visible_length(line) + (1 if kept else 0)  # the newline before it
        if used + size > limit - 2 - reserved:  # room for "\n…"
            kept.append("…")
            break
        kept.append(line)
        used += size
    return "\n".join([*kept, *tail]).strip()


_TAG = re.compile(r"<[^>]+>")


def visible_length(text: str) -> int:
    """Length as Telegram counts it after HTML parsing: UTF-16 code units of the visible text."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def plain_text(text: str) -> str:
    """Telegram HTML -> terminal text."""
    return html.unescape(_TAG.sub("", text))
