"""Calendar events -> Telegram HTML in the reader's language: /upcoming, reminder messages, /events.

Shared by the handlers, the reminder passes and the CLI (`twinbot upcoming`, `twinbot remind`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.calendar import (
    Calendar,
    DateSpan,
    Due,
    Event,
    EventKind,
    RuleKind,
    TownDayRule,
)
from bot.core.model import Language, PartialDate, Town
from bot.locale import Markup, escape
from bot.replies.reply import MESSAGE_LIMIT, Reply, fit_with_tail, truncate_line, visible_length
from bot.replies.wording import Replies

# room left for the header and footer when reminder lines are split over several messages
_CHUNK_LIMIT = MESSAGE_LIMIT - 400


@dataclass(slots=True)
class CalendarReplies:
    replies: Replies

    def t(self, lang: Language, key: str, **params: object) -> Markup:
        return self.replies.t(lang, key, **params)

    def raw(self, lang: Language, key: str) -> list[str]:
        value: list[str] = self.replies.texts.raw(lang, key)
        return value

    # -- pieces ------------------------------------------------------------------------------------

    def weekday(self, lang: Language, day: date, short: bool = False) -> str:
        return self.replies.weekday(lang, day, short)

    def date_with_weekday(self, lang: Language, day: date) -> str:
        return self.t(
            lang,
            "calendar.date_weekday",
            date=self.replies.format_date(lang, day),
            weekday=self.weekday(lang, day),
        )

    def span(self, lang: Language, span: DateSpan) -> str:
        if span.start == span.end:
            return self.date_with_weekday(lang, span.start)
        days = self.t(
            lang,
            "calendar.span_weekdays",
            first=self.weekday(lang, span.start, short=True),
            last=self.weekday(lang, span.end, short=True),
        )
        return f"{self.replies.span_dates(lang, span)}, {days}"

    def relative(self, lang: Language, days: int) -> str:
        if days == 0:
            return self.t(lang, "calendar.today")
        if days == 1:
            return self.t(lang, "calendar.tomorrow")
        if days == -1:
            return self.t(lang, "calendar.yesterday")
        word = self.replies.plural(lang, "days", abs(days))
        key = "calendar.in_days" if days > 0 else "calendar.days_ago"
        return self.t(lang, key, count=abs(days), days_word=word)

    def rule(self, lang: Language, rule: TownDayRule) -> str:
        months = self.raw(lang, "calendar.rule_month")
        if rule.kind is RuleKind.FIXED:
            return self.t(lang, "calendar.rule_fixed", day=rule.day, month=months[rule.month - 1])
        index = 5 if rule.ordinal == -1 else rule.ordinal - 1
        if rule.kind is RuleKind.WEEKEND:
            ordinal = self.raw(lang, "calendar.ordinal_pl")[index]
            return self.t(lang, "calendar.rule_weekend", ordinal=ordinal, month=months[rule.month - 1])
        gender = self.raw(lang, "calendar.weekday_gender")[rule.weekday]
        ordinal = self.raw(lang, f"calendar.ordinal_{gender}")[index]
        return self.t(
            lang,
            "calendar.rule_weekday",
            ordinal=ordinal,
            weekday=self.raw(lang, "calendar.weekdays")[rule.weekday],
            month=months[rule.month - 1],
        )

    def leads(self, lang: Language, lead_days: Sequence[int], round_lead_days: int | None = None) -> str:
        parts = []
        for lead in sorted(set(lead_days), reverse=True):
            if lead == 0:
                parts.append(self.t(lang, "calendar.lead_day"))
            else:
                word = self.replies.plural(lang, "days", lead)
                parts.append(self.t(lang, "calendar.lead_before", count=lead, days_word=word))
        if round_lead_days and round_lead_days not in lead_days:
            word = self.replies.plural(lang, "days", round_lead_days)
            parts.append(self.t(lang, "calendar.lead_round", count=round_lead_days, days_word=word))
        return ", ".join(parts)

    def town_name(self, lang: Language, town_key: str) -> tuple[str, str]:
        town: Town | None = self.replies.directory.get(town_key)
        if town is None:
            return "🏳", town_key
        return self.replies.flag(town.country), town.name(lang)

    def agreement_title(self, lang: Language, event: Event) -> str:
        town = self.replies.directory.get(event.town_key)
        if town is not None:
            for agreement in town.agreements:
                if agreement.key == event.agreement_key:
                    return agreement.title(lang)
        return event.agreement_key

    # -- one event ---------------------------------------------------------------------------------

    def event_line(
        self, lang: Language, event: Event, reference: date, rule: TownDayRule | None = None
    ) -> str:
        """One event as a list line; `reference` is the day the relative words ("in 7 days") count from."""
        flag, name = self.town_name(lang, event.town_key)
        relative = self.relative(lang, (event.start - reference).days)
        if event.kind is EventKind.ANNIVERSARY:
            signed = event.signed or PartialDate(event.start.year - event.years)
            common = {
                "flag": flag,
                "name": name,
                "years": event.years,
                "years_word": self.replies.years_word(lang, event.years),
                "title": self.agreement_title(lang, event),
                "signed": self.replies.format_date(lang, signed)
                + (
                    f", {self.t(lang, 'date.per_source', source=event.signed_source)}"
                    if event.signed_source
                    else ""
                ),
            }
            round_mark = self.t(lang, "calendar.line.round_mark") if event.round else ""
            if event.precision == "year":
                return self.t(
                    lang, "calendar.line.anniversary_year", year=event.start.year, round=round_mark, **common
                )
            if event.precision == "month":
                month_year = self.replies.format_date(lang, PartialDate(event.start.year, event.start.month))
                return self.t(
                    lang, "calendar.line.anniversary_month", month_year=month_year, round=round_mark, **common
                )
            key = "calendar.line.anniversary_round" if event.round else "calendar.line.anniversary"
            return self.t(
                lang, key, when=self.date_with_weekday(lang, event.start), relative=relative, **common
            )
        when = self.span(lang, DateSpan(event.start, event.end))
        if event.kind is EventKind.TOWN_DAY:
            how: str = ""
            if event.source == "rule" and rule is not None:
                how = self.t(lang, "calendar.line.town_day_rule", rule=self.rule(lang, rule))
            elif event.source == "date":
                how = self.t(lang, "calendar.line.town_day_date", year=event.start.year)
            return self.t(
                lang,
                "calendar.line.town_day",
                when=when,
                relative=relative,
                flag=flag,
                name=name,
                how=Markup(how),
            )
        visit = event.visit
        assert visit is not None
        kind_key = f"calendar.visit_kind.{visit.kind}"
        kind = self.replies.t_or(lang, kind_key, visit.kind)
        purpose = Markup(f": {escape(visit.purpose[:300])}") if visit.purpose else Markup("")
        return self.t(
            lang,
            "calendar.line.visit",
            when=when,
            relative=relative,
            flag=flag,
            name=name,
            id=visit.id,
            direction=self.t(lang, "calendar.visit_in" if visit.direction == "in" else "calendar.visit_out"),
            kind=kind,
            purpose=purpose,
        )

    # -- whole replies -----------------------------------------------------------------------------

    def upcoming(
        self, lang: Language, calendar: Calendar, first: date, last: date, *, include_visits: bool = False
    ) -> Reply:
        events = calendar.events_between(first, last, include_visits=include_visits)
        header_dates = {
            "first": self.replies.format_date(lang, first),
            "last": self.replies.format_date(lang, last),
        }
        lines: list[str] = []
        if events:
            lines.append(self.t(lang, "upcoming.header", **header_dates))
            for event in events:
                lines.append(self.event_line(lang, event, first, calendar.town_day(event.town_key).rule))
        else:
            lines.append(self.t(lang, "upcoming.none", **header_dates))
        unknown = [
            town for year in range(first.year, last.year + 1) for town in calendar.unknown_town_days(year)
        ]
        abouts = self.replies.town_day_abouts
        towns = list(dict.fromkeys(unknown))
        rough = [
            self.t(
                lang,
                "upcoming.about_item",
                name=town.name(lang),
                about=self.replies.about_text(lang, abouts[town.key]),
            )
            for town in towns
            if town.key in abouts
        ]
        names = [town.name(lang) for town in towns if town.key not in abouts]
        tail = []
        if rough:  # known roughly ("late August"): said so, not called unknown
            tail.append(self.t(lang, "upcoming.about", items=Markup(", ".join(rough))))
        if names:
            tail.append(self.t(lang, "upcoming.unknown", names=", ".join(names)))
        tail.append(self.t(lang, "upcoming.footer"))
        return Reply(fit_with_tail(lines, tail))

    def reminder_chunks(
        self,
        lang: Language,
        items: Sequence[Due],
        reference: date,
        calendar: Calendar,
        delayed_from: date | None = None,
        footer: bool = True,
    ) -> list[tuple[str, list[int]]]:
        """The reminder message(s) for one chat: (HTML, indexes into `items` it carries), each within
        Telegram's limit; lines are never cut, a long list is split over several messages."""
        if delayed_from is not None:
            header = self.t(lang, "reminder.header_delayed", day=self.replies.format_date(lang, delayed_from))
        else:
            header = self.t(lang, "reminder.header")
        tail = self.t(lang, "reminder.footer") if footer else ""
        chunks: list[tuple[str, list[int]]] = []
        lines: list[str] = []
        carried: list[int] = []
        size = 0
        for index, item in enumerate(items):
            line = self.event_line(lang, item.event, reference, calendar.town_day(item.event.town_key).rule)
            line = truncate_line(line, _CHUNK_LIMIT)
            length = visible_length(line) + 2
            if carried and size + length > _CHUNK_LIMIT:
                chunks.append((_join(header, lines, tail), carried))
                lines, carried, size = [], [], 0
            lines.append(line)
            carried.append(index)
            size += length
        if carried:
            chunks.append((_join(header, lines, tail), carried))
        return chunks


def _join(header: str, lines: Sequence[str], tail: str) -> str:
    body = "\n\n".join(lines)
    return f"{header}\n\n{body}" + (f"\n\n{tail}" if tail else "")
