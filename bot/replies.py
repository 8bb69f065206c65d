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

from bot.core.calendar import DateSpan, is_round
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
    # town key -> the Town Day the calendar knows (the next one, else this year's past one): staff edits
    town_days: Mapping[str, DateSpan] = field(default_factory=dict)

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
        """'с 1972 года', 'с июня 2000 года', 'с 1 июня 2003 года' (and 'since ...')."""
        if when is None:
            return self.t(lang, "towns.no_date")
        if when.month is None:
            return self.t(lang, "towns.since_year", year=when.year)
        month = self.texts.raw(lang, "month.genitive")[when.month - 1]
        if when.day is None:
            return self.t(lang, "towns.since_month", month=month, year=when.year)
        return self.t(lang, "towns.since_day", day=when.day, month=month, year=when.year)

    def span_text(self, lang: Language, span: DateSpan, short: bool = False) -> str:
        """'5–7 июня 2026 (пятница–воскресенье)', '15 июня 2026 (понедельник)'; short: '(пт–вс)'."""
        weekdays = self.texts.raw(lang, "calendar.weekdays_short" if short else "calendar.weekdays")
        if span.start == span.end:
            return self.t(
                lang,
                "town_day_info.one_day",
                date=self.format_date(lang, span.start),
                weekday=weekdays[span.start.weekday()],
            )
        if (span.start.year, span.start.month) == (span.end.year, span.end.month):
            text = self.t(
                lang,
                "calendar.span_same_month",
                first=span.start.day,
                last=span.end.day,
                month=self.texts.raw(lang, "month.genitive")[span.start.month - 1],
                year=span.start.year,
            )
        else:
            text = self.t(
                lang,
                "calendar.span",
                first=self.format_date(lang, span.start),
                last=self.format_date(lang, span.end),
            )
        return self.t(
            lang,
            "town_day_info.days",
            text=Markup(text),
            first=weekdays[span.start.weekday()],
            last=weekdays[span.end.weekday()],
        )

    def town_day_when(self, lang: Language, town: Town) -> str:
        """'ближайший: 5–7 июня 2026 (пятница–воскресенье)' (or this year's, when it is over); '' if unknown."""
        span = self.town_days.get(town.key)
        if span is None:
            return ""
        key = "town_day_info.next" if span.end >= self.today else "town_day_info.past"
        return self.t(lang, key, when=Markup(self.span_text(lang, span)), year=span.start.year)

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
        when = self.town_day_when(lang, town)
        if when:  # what the calendar knows (staff edits), the shipped words as background
            lines.append(self.t(lang, "card.town_day", text=Markup(when)))
            if town.town_day(lang):
                lines.append(f"    <i>{escape(town.town_day(lang))}</i>")
        elif town.town_day(lang):
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
        if intent is Intent.YEARS and answer.extra.keys() & {"min_years", "max_years"}:
            return self.aged(lang, answer)
        if intent is Intent.YEARS and (answer.when is not None or "target_years" in answer.extra):
            return self.years_at(lang, answer)
        if intent is Intent.WHERE and answer.extra.get("between") and len(towns) == 2:
            return self.between(lang, towns[0], towns[1])
        if intent in (
            Intent.SINCE,
            Intent.YEARS,
            Intent.WHERE,
            Intent.COOPERATION,
            Intent.POPULATION,
            Intent.TOWN_DAY,
        ):
            head = self.superlative_line(lang, answer)
            facts: Iterable[str] = (self.town_fact_line(lang, intent, town) for town in towns)
            if head:
                facts = chain([head, ""], facts)
            if answer.topic:  # "когда подписали ... и какие там мероприятия": the fact goes with it
                facts = chain(facts, self.fact_lines(lang, towns, answer.topic, first=False))
            return Reply(fit(facts), self.town_buttons(lang, towns))
        if intent is Intent.FACT and answer.topic:
            lines = self.fact_lines(lang, towns, answer.topic)
            if answer.topic == "delegations":  # "delegations from Narva": and the last one recorded
                for town in towns:
                    visit = self.last_past_visit(town.key)
                    if visit is not None:
                        lines.extend(
                            ["", self.visit_line(lang, "answer.last_visit", visit, **self.who(lang, town))]
                        )
            return Reply(fit(lines), self.town_buttons(lang, towns))
        if intent is Intent.LAST_VISIT:
            return self.last_visit(lang, towns)
        if intent is Intent.COUNTRY and answer.country:
            return self.country_list(lang, answer.country)
        if intent is Intent.LIST:
            return self.towns_list(lang)
        if intent is Intent.COUNT:
            return Reply(fit([self.count_line(lang)]), self.town_buttons(lang, self.directory.partners))
        if intent in (Intent.OLDEST, Intent.NEWEST):
            wanted = [intent]
            if intent is Intent.OLDEST and answer.extra.get("also") == "newest":
                wanted.append(Intent.NEWEST)  # "the oldest and the newest"
            lines = []
            chosen: list[Town] = []
            for kind in wanted:
                picked = self.directory.oldest() if kind is Intent.OLDEST else self.directory.newest()
                chosen.extend(town for town in picked if town not in chosen)
                for town in picked:
                    since = town.since
                    assert since is not None
                    years = since.years_until(self.today)
                    lines.append(
                        self.t(
                            lang,
                            f"answer.{kind.value}",
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
        if intent is Intent.ANNIVERSARY:
            return self.anniversaries(lang, answer)
        if intent is Intent.NOT_PARTNER:
            return self.not_partner(lang, answer)
        if intent is Intent.OFF_TOPIC:
            return self.off_topic(lang, answer)
        if intent is Intent.HELP:
            return Reply(self.t(lang, "help.text", bot=self.bot_username))
        if intent in (Intent.GREETING, Intent.THANKS, Intent.EMPTY):
            return Reply(self.t(lang, f"answer.{intent.value}"))
        return self.no_match(lang, answer.suggestions)

    def fact_lines(self, lang: Language, towns: Sequence[Town], topic: str, first: bool = True) -> list[str]:
        """A fact of the source text for each town that has it, under a header; `first`: nothing above."""
        lines: list[str] = []
        for town in towns:
            fact = town.fact(topic)
            if fact is None:
                continue
            if lines or not first:
                lines.append("")
            lines.append(
                self.t(
                    lang,
                    "answer.fact_header",
                    flag=self.flag(town.country),
                    name=town.name(lang),
                    topic=self.t(lang, f"topic.{topic}"),
                )
            )
            lines.append(escape(fact.text(lang)))
        return lines

    def count_line(self, lang: Language) -> str:
        partners = self.directory.partners
        return self.t(
            lang,
            "answer.count",
            count=len(partners),
            towns_word=self.texts.plural(lang, "towns", len(partners)),
            names=", ".join(town.name(lang) for town in partners),
        )

    def who(self, lang: Language, town: Town) -> dict[str, object]:
        return {"flag": self.flag(town.country), "name": town.name(lang)}

    # -- superlatives, years, distances between towns, anniversaries -----------------------------------

    def superlative_line(self, lang: Language, answer: Answer) -> str:
        """'The nearest partner town is Narva ...': the direct answer above the ranked list."""
        superlative = answer.extra.get("superlative")
        if superlative is None or not answer.towns:
            return ""
        scope = Markup(f" {self.country_in(lang, answer.country)}") if answer.country else Markup("")
        if superlative in ("nearest", "farthest"):
            known = [town for town in answer.towns if self.km(town) is not None]
            qualifier = "answer.superlative_known_distance"
        else:
            known = [town for town in answer.towns if town.population]
            qualifier = "answer.superlative_known_population"
        if not known:
            return ""
        town = known[0]
        partial = self.t(lang, qualifier) if len(known) < len(answer.towns) else Markup("")
        if superlative in ("nearest", "farthest"):
            km = self.km(town)
            assert km is not None
            return self.t(
                lang,
                f"answer.{superlative}",
                scope=scope,
                known=partial,
                country=self.country(lang, town.country),
                km=self.number(lang, km),
                **self.who(lang, town),
            )
        assert town.population is not None
        return self.t(
            lang,
            f"answer.{superlative}",
            scope=scope,
            known=partial,
            population=self.number(lang, town.population),
            year=town.population_year or "—",
            **self.who(lang, town),
        )

    def aged(self, lang: Language, answer: Answer) -> Reply:
        """Partners at least (or under) N years old today: "какие города дружат с нами больше 50 лет"."""
        at_least = "min_years" in answer.extra
        limit = int(answer.extra["min_years" if at_least else "max_years"])
        chosen = []
        for town in answer.towns:
            since = town.since
            if since is None:
                continue
            years = since.years_until(self.today)
            if (years >= limit) if at_least else (years < limit):
                chosen.append(town)
        kind = "min" if at_least else "max"
        params = {"limit": limit, "limit_word": self.years_word(lang, limit)}
        if not chosen:
            return Reply(self.t(lang, f"answer.aged_none_{kind}", **params))
        header = self.t(lang, f"answer.aged_{kind}_header", count=len(chosen), **params)
        lines = chain([header], (self.town_fact_line(lang, Intent.YEARS, town) for town in chosen))
        return Reply(fit(lines), self.town_buttons(lang, chosen))

    def years_at(self, lang: Language, answer: Answer) -> Reply:
        """How many years a partnership has in a given year, or the year it reaches N years."""
        lines: list[str] = []
        target = int(answer.extra.get("target_years", "0"))
        for town in answer.towns:
            since = town.since
            if since is None:
                lines.append(self.t(lang, "answer.no_agreement", **self.who(lang, town)))
                continue
            year = since.year + target if target else (answer.when.year if answer.when else self.today.year)
            lines.append(self.years_at_line(lang, town, since, year))
        if answer.topic:
            lines.extend(self.fact_lines(lang, answer.towns, answer.topic, first=False))
        return Reply(fit(lines), self.town_buttons(lang, answer.towns))

    def years_at_line(self, lang: Language, town: Town, since: PartialDate, year: int) -> str:
        years = year - since.year
        start = self.format_date(lang, since)
        if since.month is not None and since.day is not None:
            day = next_anniversary(since, date(year, 1, 1))  # that year's anniversary (29 Feb -> 28 Feb)
            when = self.t(lang, "answer.on_date", date=self.format_date(lang, day))
            tense = "future" if day > self.today else "now" if day == self.today else "past"
        else:
            when = self.t(lang, "answer.in_year", year=year)
            tense = "future" if year > self.today.year else "now" if year == self.today.year else "past"
        if years <= 0:
            return self.t(lang, "answer.years_at_before", when=when, start=start, **self.who(lang, town))
        return self.t(
            lang,
            f"answer.years_at_{tense}",
            when=when,
            start=start,
            years=years,
            years_word=self.years_word(lang, years),
            **self.who(lang, town),
        )

    def between(self, lang: Language, first: Town, second: Town) -> Reply:
        """'как далеко Нарва от Нарвика': the great-circle distance between the two towns."""
        distance = distance_km(first, second)
        names = {
            "flag_a": self.flag(first.country),
            "name_a": first.name(lang),
            "flag_b": self.flag(second.country),
            "name_b": second.name(lang),
        }
        if distance is None:
            text = self.t(lang, "answer.between_unknown", **names)
        else:
            text = self.t(lang, "answer.between", km=self.number(lang, round(distance)), **names)
        return Reply(text, self.town_buttons(lang, [first, second]))

    def anniversaries(self, lang: Language, answer: Answer) -> Reply:
        """Which partnership anniversaries fall in a year (round ones marked), or the next dated one."""
        lines: list[str] = []
        if answer.when is not None:
            year = answer.when.year
        elif "relative_year" in answer.extra:
            year = self.today.year + int(answer.extra["relative_year"])
        else:
            nearest = self.next_dated_anniversary()
            if nearest is not None:
                town, signed, day = nearest
                years = day.year - signed.year
                lines.extend(
                    [
                        self.t(
                            lang,
                            "answer.anniversary_next",
                            date=self.format_date(lang, day),
                            years=years,
                            years_word=self.years_word(lang, years),
                            round=self.t(lang, "answer.anniversary_round") if is_round(years) else "",
                            **self.who(lang, town),
                        ),
                        "",
                    ]
                )
            # the rest of this year is mostly behind us after midsummer: the coming year's list then
            year = self.today.year if self.today.month <= 6 else self.today.year + 1
        rows = []
        for town in self.directory.partners:
            for agreement in sorted(town.agreements, key=lambda a: a.signed.sort_key):
                years = year - agreement.signed.year
                if years > 0:
                    rows.append((town, agreement.signed, years))
        if not rows:
            lines.append(self.t(lang, "answer.anniversary_none", year=year))
            return Reply(fit(lines))
        lines.append(self.t(lang, "answer.anniversary_header", year=year))
        for town, signed, years in rows:
            on_day = ""
            if signed.month is not None and signed.day is not None:
                on_day = self.format_date(lang, next_anniversary(signed, date(year, 1, 1)))
            lines.append(
                self.t(
                    lang,
                    "answer.anniversary_line",
                    years=years,
                    years_word=self.years_word(lang, years),
                    date=self.t(lang, "answer.anniversary_on", date=on_day) if on_day else "",
                    round=self.t(lang, "answer.anniversary_round") if is_round(years) else "",
                    **self.who(lang, town),
                )
            )
        chosen = list(dict.fromkeys(town for town, _, _ in rows))
        return Reply(
            fit(lines, tail=["", self.t(lang, "answer.anniversary_footer")]), self.town_buttons(lang, chosen)
        )

    def next_dated_anniversary(self) -> tuple[Town, PartialDate, date] | None:
        """The partner agreement known to the day whose anniversary comes next (today included)."""
        best: tuple[Town, PartialDate, date] | None = None
        for town in self.directory.partners:
            for agreement in town.agreements:
                signed = agreement.signed
                if signed.precision != "day":
                    continue
                day = next_anniversary(signed, self.today)
                if day.year > signed.year and (best is None or day < best[2]):
                    best = (town, signed, day)
        return best

    def not_partner(self, lang: Language, answer: Answer) -> Reply:
        """'Таллин наш побратим?': not on the list (and what other sources say, for the towns they name)."""
        mention = answer.mention
        name = mention.name(lang) if mention else answer.extra.get("name", "")
        lines: list[str] = [
            self.t(lang, "answer.not_partner", name=name)
            if name
            else self.t(lang, "answer.not_partner_unnamed")
        ]
        if mention is not None and mention.note(lang):
            lines.append(escape(mention.note(lang)))
        if self.directory.partners:
            lines.append(self.count_line(lang))
        return Reply(fit(lines), self.town_buttons(lang, self.directory.partners))

    def off_topic(self, lang: Language, answer: Answer) -> Reply:
        """Weather, tickets, visas, officials...: not the bot's subject; the named towns' cards as buttons."""
        subject = f"answer.off_topic_{answer.topic}"
        about = (
            self.t(lang, subject) if self.texts.has(lang, subject) else self.t(lang, "answer.off_topic_other")
        )
        lines: list[str] = [self.t(lang, "answer.off_topic", about=about)]
        if answer.towns:
            lines.append(
                self.t(lang, "answer.off_topic_card" if len(answer.towns) == 1 else "answer.off_topic_cards")
            )
        return Reply(fit(lines), self.town_buttons(lang, answer.towns))

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
            none: list[str] = [self.t(lang, "answer.country_none", country_in=self.country_in(lang, code))]
            home = self.directory.home
            if home is None or home.country != code:
                return Reply(fit(none))
            # "побратимы в России": Kingisepp itself is there; the partners are a button away
            none.append(
                self.t(
                    lang, "answer.country_home", name=home.name(lang), country_in=self.country_in(lang, code)
                )
            )
            return Reply(fit(none), self.town_buttons(lang, self.directory.partners))
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
        # only a document known to the day was "signed" then; a year ("founded 1972", "cooperating from
        # 1975") says when the partnership began
        signed = [town for town in exact if self.agreement_in(town, when.year).signed.precision == "day"]
        began = [town for town in exact if town not in signed]
        if signed:
            lines.append(self.t(lang, "answer.signed_header", when=when_text))
            lines.extend(self.signed_line(lang, town, when.year) for town in signed)
        if began:
            lines.append(self.t(lang, "answer.began_header", when=when_text))
            lines.extend(self.signed_line(lang, town, when.year) for town in began)
        if same_year:
            lines.append(self.t(lang, "answer.signed_same_year", year=when.year))
            lines.extend(self.signed_line(lang, town, when.year) for town in same_year)
        return Reply(fit(lines), self.town_buttons(lang, [*exact, *same_year]))

    @staticmethod
    def agreement_in(town: Town, year: int) -> Agreement:
        return next((a for a in town.agreements if a.signed.year == year), town.agreements[0])

    def signed_line(self, lang: Language, town: Town, year: int) -> str:
        agreement = self.agreement_in(town, year)
        title = mid_sentence(agreement.title(lang))
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
            title = mid_sentence(agreement.title(lang))
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
                        since=self.format_since(lang, signed),
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
        when = self.town_day_when(lang, town)
        if when:
            line = self.t(lang, "town_day_info.answer", flag=flag, name=name, when=Markup(when))
            return Markup(f"{line} {escape(sentence(text))}") if text else line
        if not text:
            return self.t(lang, "answer.town_day_unknown", flag=flag, name=name)
        return self.t(lang, "answer.town_day", flag=flag, name=name, text=text)

    def last_past_visit(self, town_key: str) -> VisitLine | None:
        """The latest recorded visit of a town that has taken place (today included)."""
        past = [visit for visit in self.visits.get(town_key, ()) if visit.day <= self.today]
        return max(past, key=lambda visit: visit.day, default=None)

    def last_visit(self, lang: Language, towns: Sequence[Town]) -> Reply:
        """'Последний записанный визит: Нарва, 5 июня 2024 — ...', per town or over all towns."""
        lines: list[str] = []
        if not towns:
            latest: tuple[Town, VisitLine] | None = None
            for key in list(self.visits):
                town = self.directory.get(key)
                visit = self.last_past_visit(key)
                if town is not None and visit is not None and (latest is None or visit.day > latest[1].day):
                    latest = (town, visit)
            if latest is None:
                return Reply(self.t(lang, "answer.last_visit_none"))
            town, visit = latest
            return Reply(
                self.visit_line(lang, "answer.last_visit", visit, **self.who(lang, town)),
                self.town_buttons(lang, [town]),
            )
        for town in towns:
            visit = self.last_past_visit(town.key)
            if visit is None:
                lines.append(self.t(lang, "answer.last_visit_none_town", **self.who(lang, town)))
            else:
                lines.append(self.visit_line(lang, "answer.last_visit", visit, **self.who(lang, town)))
        # the source text's words on delegations, for the towns that have them
        lines.extend(self.fact_lines(lang, towns, "delegations", first=False))
        return Reply(fit(lines), self.town_buttons(lang, towns))


def mid_sentence(title: str) -> str:
    """A title used inside a sentence: 'Побратимские связи' -> 'побратимские связи'.

    Titles with another capital ('Partner Agreement', 'KS') or an acronym start keep their capitals.
    """
    if len(title) < 2 or not title[1].islower() or any(char.isupper() for char in title[1:]):
        return title
    return title[0].lower() + title[1:]


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
