"""The wording every reply shares: the catalogue in the reader's language, dates with their precision,
plurals, numbers, countries, flags, distances and the town buttons. Shared by the bot, the console and
`twinbot ask`; the views (`towns`, `answers`, `years`, `visits`, `calendar`, `stats`) build on it.

Every piece of data goes through the catalogue, which escapes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.calendar import ROUND_YEARS, DateSpan, TownDayAbout, TownDayRule, shipped_town_day_abouts
from bot.core.directory import TownDirectory
from bot.core.model import Agreement, Language, PartialDate, Town, distance_km
from bot.locale import Catalogue, Markup, catalogue
from bot.replies.reply import Button

CALLBACK_CARD = "card:"


@dataclass(frozen=True, slots=True)
class VisitLine:
    """What residents may see of a recorded visit (never staff notes)."""

    day: date
    direction: str  # already localised
    kind: str
    purpose: str


@dataclass(slots=True)
class Replies:
    """What one reply is built from (towns, today, the catalogue, public visit lines, the calendar's Town
    Days) and the wording all views share. The runtime makes one per update: `rt.replies()`."""

    directory: TownDirectory
    today: date
    texts: Catalogue = field(default_factory=catalogue)
    visits: Mapping[str, Sequence[VisitLine]] = field(default_factory=dict)
    bot_username: str = "twinbot"
    # town key -> the Town Day the calendar knows (the next one, else this year's past one): staff edits
    town_days: Mapping[str, DateSpan] = field(default_factory=dict)
    round_years: frozenset[int] = ROUND_YEARS  # [reminders] round_years: one list for every view
    # town key -> the rough Town Day ("late August") shown wherever no date is known
    town_day_abouts: Mapping[str, TownDayAbout] = field(default_factory=shipped_town_day_abouts)
    # town key -> the rule a shown Town Day was computed by: said so, "date not yet confirmed"
    town_day_rules: Mapping[str, TownDayRule] = field(default_factory=dict)
    # what a view worked out from the fields above (a town's card), kept with them: the runtime makes a
    # new Replies when any of them changes, so an entry is never stale (see Runtime.replies)
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def t(self, lang: Language, key: str, **params: object) -> Markup:
        return self.texts.text(lang, key, **params)

    def t_or(self, lang: Language, key: str, fallback: str) -> str:
        """The catalogue's text for `key` if it has one (a value that may be a key), else `fallback`."""
        return self.t(lang, key) if self.texts.has(lang, key) else fallback

    def plural(self, lang: Language, key: str, count: int) -> str:
        return self.texts.plural(lang, key, count)

    def more_towns(self, lang: Language) -> Callable[[int], str]:
        """The last line of a town list cut to fit one message: "… и ещё 57 городов" (for fit_list)."""
        return lambda count: self.t(
            lang, "answer.more_towns", count=count, towns_word=self.plural(lang, "towns", count)
        )

    def years_word(self, lang: Language, count: int) -> str:
        return self.plural(lang, "years", count)

    def country(self, lang: Language, code: str) -> str:
        return self.t_or(lang, f"country.{code}", self.t(lang, "country.other", code=code))

    def country_in(self, lang: Language, code: str) -> str:
        return self.t_or(lang, f"country_in.{code}", self.t(lang, "country_in.other", code=code))

    @staticmethod
    def flag(code: str) -> str:
        if len(code) != 2 or not code.isalpha():
            return "🏳"
        return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())

    def who(self, lang: Language, town: Town) -> dict[str, object]:
        return {"flag": self.flag(town.country), "name": town.name(lang)}

    def number(self, lang: Language, value: int) -> str:
        text = f"{value:,}"
        return text.replace(",", "\u00a0") if lang == "ru" else text

    # -- dates -------------------------------------------------------------------------------------

    def month(self, lang: Language, month: int, case: str = "genitive") -> str:
        name: str = self.texts.raw(lang, f"month.{case}")[month - 1]
        return name

    def weekday(self, lang: Language, day: date, short: bool = False) -> str:
        name: str = self.texts.raw(lang, "calendar.weekdays_short" if short else "calendar.weekdays")[
            day.weekday()
        ]
        return name

    def format_date(self, lang: Language, when: PartialDate | date) -> str:
        if isinstance(when, date):
            when = PartialDate(when.year, when.month, when.day)
        if when.month is None:
            return self.t(lang, "date.year", year=when.year)
        if when.day is None:
            return self.t(
                lang, "date.month", month=self.month(lang, when.month, "nominative"), year=when.year
            )
        return self.t(lang, "date.day", day=when.day, month=self.month(lang, when.month), year=when.year)

    def per_source(self, lang: Language, agreement: Agreement) -> str:
        """'по данным inforing.net' for a day the district's text does not give, else ''."""
        if not agreement.signed_source:
            return ""
        return self.t(lang, "date.per_source", source=agreement.signed_source)

    def signed_date(self, lang: Language, agreement: Agreement) -> str:
        """'6 июня 1999 (по данным inforing.net)', or the date alone when the district's text gives it."""
        when = self.format_date(lang, agreement.signed)
        per = self.per_source(lang, agreement)
        return f"{when} ({per})" if per else when

    def format_since(self, lang: Language, when: PartialDate | None) -> str:
        """'с 1972 года', 'с июня 2000 года', 'с 1 июня 2003 года' (and 'since ...')."""
        if when is None:
            return self.t(lang, "towns.no_date")
        if when.month is None:
            return self.t(lang, "towns.since_year", year=when.year)
        month = self.month(lang, when.month)
        if when.day is None:
            return self.t(lang, "towns.since_month", month=month, year=when.year)
        return self.t(lang, "towns.since_day", day=when.day, month=month, year=when.year)

    def span_dates(self, lang: Language, span: DateSpan) -> str:
        """The dates of a span of several days: '5–7 июня 2026', '30 июня 2026 – 2 июля 2026'."""
        if (span.start.year, span.start.month) == (span.end.year, span.end.month):
            return self.t(
                lang,
                "calendar.span_same_month",
                first=span.start.day,
                last=span.end.day,
                month=self.month(lang, span.start.month),
                year=span.start.year,
            )
        return self.t(
            lang,
            "calendar.span",
            first=self.format_date(lang, span.start),
            last=self.format_date(lang, span.end),
        )

    def span_text(self, lang: Language, span: DateSpan, short: bool = False) -> str:
        """'5–7 июня 2026 (пятница–воскресенье)', '15 июня 2026 (понедельник)'; short: '(пт–вс)'."""
        if span.start == span.end:
            return self.t(
                lang,
                "town_day_info.one_day",
                date=self.format_date(lang, span.start),
                weekday=self.weekday(lang, span.start, short),
            )
        return self.t(
            lang,
            "town_day_info.days",
            text=Markup(self.span_dates(lang, span)),
            first=self.weekday(lang, span.start, short),
            last=self.weekday(lang, span.end, short),
        )

    def town_day_when(self, lang: Language, town: Town) -> str:
        """'ближайший: 5–7 июня 2026 (пятница–воскресенье)' (or this year's, when it is over); '' if unknown."""
        span = self.town_days.get(town.key)
        if span is None:
            about = self.town_day_abouts.get(town.key)
            return self.t(lang, "town_day_info.about", about=self.about_text(lang, about)) if about else ""
        key = "town_day_info.next" if span.end >= self.today else "town_day_info.past"
        text = self.t(lang, key, when=Markup(self.span_text(lang, span)), year=span.start.year)
        rule = self.town_day_rules.get(town.key)
        if rule is None:
            return text
        from bot.replies.calendar import CalendarReplies  # calendar wording builds on this module

        rule_text = CalendarReplies(self).rule(lang, rule)
        return Markup(f"{text}{self.t(lang, 'town_day_info.by_rule', rule=rule_text)}")

    def about_text(self, lang: Language, about: TownDayAbout) -> str:
        """'в конце августа', 'в марте'; 'in late August', 'in March'."""
        if about.part is None:
            month = self.texts.raw(lang, "town_day_info.about_months")[about.month - 1]
            return self.t(lang, "town_day_info.about_month", month=month)
        return self.t(lang, f"town_day_info.about_{about.part}", month=self.month(lang, about.month))

    def partnership_age(self, lang: Language, signed: PartialDate) -> dict[str, object]:
        """How old a partnership is today, the one reckoning of cards, answers and lists: `years` and
        `years_word`; for an agreement known to the day also its next anniversary (`next_date`,
        `next_years`), else the calendar year the years are counted in (`this_year`)."""
        if signed.precision == "day":
            years = signed.years_until(self.today)
            anniversary = next_anniversary(signed, self.today)
            return {
                "years": years,
                "years_word": self.years_word(lang, years),
                "next_date": self.format_date(lang, anniversary),
                "next_years": anniversary.year - signed.year,
            }
        years = self.today.year - signed.year
        return {"years": years, "years_word": self.years_word(lang, years), "this_year": self.today.year}

    # -- places ------------------------------------------------------------------------------------

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
