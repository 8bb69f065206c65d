"""Town cards and town lists: /towns, /town NAME, the card behind a town button, inline cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.model import Agreement, Language, Town
from bot.locale import Markup, escape
from bot.replies.reply import Button, Reply, fit, fit_list
from bot.replies.wording import Replies, VisitLine

CARD_VISITS = 5
CALLBACK_VENUE = "venue:"


@dataclass(slots=True)
class TownCards:
    replies: Replies

    def towns_list(self, lang: Language) -> Reply:
        r = self.replies
        partners = r.directory.partners
        if not partners:
            return Reply(r.t(lang, "towns.empty"))
        header = r.t(
            lang, "towns.header", count=len(partners), towns_word=r.plural(lang, "towns", len(partners))
        )
        text = fit_list(
            [header],
            partners,
            lambda town: self.town_line(lang, town),
            r.more_towns(lang),
            tail=["", r.t(lang, "towns.footer")],
        )
        return Reply(text, r.town_buttons(lang, partners))

    def short_list(self, lang: Language, towns: Sequence[Town]) -> Reply:
        r = self.replies
        text = fit_list((), towns, lambda town: self.town_line(lang, town), r.more_towns(lang))
        return Reply(text, r.town_buttons(lang, towns))

    def town_line(self, lang: Language, town: Town) -> str:
        r = self.replies
        return r.t(
            lang,
            "towns.line",
            country=r.country(lang, town.country),
            since=r.format_since(lang, town.since),
            **r.who(lang, town),
        )

    def agreement_years(self, lang: Language, agreement: Agreement) -> str:
        """'53 года (5 июня 2026 — 54)' or 'в 2026 году — 54 года': the partnership's age today."""
        age = self.replies.partnership_age(lang, agreement.signed)
        key = "card.years_day" if "next_date" in age else "card.years_year"
        return self.replies.t(lang, key, **age)

    def card(self, lang: Language, town: Town) -> Reply:
        """A town's card; worked out once per Replies (the same facts, day and visits) and language."""
        key = ("card", lang, town.key)
        kept = self.replies.memo.get(key)
        if kept is not None and kept[0] is town:
            return kept[1]  # type: ignore[no-any-return]
        card = self._card(lang, town)
        self.replies.memo[key] = (town, card)
        return card

    def _card(self, lang: Language, town: Town) -> Reply:
        r = self.replies
        lines: list[str] = [r.t(lang, "card.title", **r.who(lang, town))]
        other = town.name("en" if lang == "ru" else "ru")
        subtitle = r.place(lang, town)
        lines.append(f"{escape(other)} · {subtitle}" if other != town.name(lang) else subtitle)
        if town.name_local and town.name_local not in (town.name_en, town.name_ru):
            lines.append(r.t(lang, "card.local_name", local=town.name_local))
        if town.is_home:
            lines.append(r.t(lang, "card.home"))
        for agreement in sorted(town.agreements, key=lambda a: a.signed.sort_key):
            when = r.signed_date(lang, agreement)
            lines.append(r.t(lang, "card.agreement", title=agreement.title(lang), date=when))
            lines.append("    " + self.agreement_years(lang, agreement))
            if agreement.note(lang):
                lines.append(f"    <i>{escape(agreement.note(lang))}</i>")
        if town.cooperation:
            lines.append(r.t(lang, "card.cooperation", areas=r.areas(lang, town)))
        if town.population:
            population = r.number(lang, town.population)
            if town.population_year:
                lines.append(r.t(lang, "card.population", population=population, year=town.population_year))
            else:
                lines.append(r.t(lang, "card.population_no_year", population=population))
        km = r.km(town)
        if km is not None:
            lines.append(r.t(lang, "card.distance", km=r.number(lang, km)))
        when = r.town_day_when(lang, town)
        if when:  # what the calendar knows (staff edits), the shipped words as background
            lines.append(r.t(lang, "card.town_day", text=Markup(when)))
            if town.town_day(lang):
                lines.append(f"    <i>{escape(town.town_day(lang))}</i>")
        elif town.town_day(lang):
            lines.append(r.t(lang, "card.town_day", text=town.town_day(lang)))
        if town.description(lang):
            lines.append("")
            lines.append(escape(town.description(lang)))
        for fact in town.facts:
            lines.append(f"• {escape(fact.text(lang))}")
        if town.identity(lang):
            lines.append(r.t(lang, "card.identity", text=town.identity(lang)))
        if town.status(lang):
            lines.append(r.t(lang, "card.status", text=town.status(lang)))
        visits = r.visits.get(town.key, ())
        if visits:
            lines.append("")
            lines.append(r.t(lang, "card.visits_header"))
            for visit in visits[:CARD_VISITS]:
                lines.append(self.visit_line(lang, "card.visit_line", visit))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if town.latitude is not None and town.longitude is not None:
            # Telegram draws the place itself (sendVenue): a map in the chat, no link to leave it for
            buttons = ((Button(r.t(lang, "card.location_button"), f"{CALLBACK_VENUE}{town.key}"),),)
        return Reply(fit(lines), buttons)

    def visit_line(self, lang: Language, key: str, visit: VisitLine, **extra: object) -> str:
        r = self.replies
        purpose = Markup(f": {escape(visit.purpose)}") if visit.purpose else Markup("")
        return r.t(
            lang,
            key,
            date=r.format_date(lang, visit.day),
            # direction and kind may be catalogue keys (the runtime passes keys, not one language)
            direction=r.t_or(lang, visit.direction, visit.direction),
            kind=r.t_or(lang, visit.kind, visit.kind),
            purpose=purpose,
            **extra,
        )

    def fact_lines(self, lang: Language, towns: Sequence[Town], topic: str, first: bool = True) -> list[str]:
        """A fact of the source text for each town that has it, under a header; `first`: nothing above."""
        r = self.replies
        lines: list[str] = []
        for town in towns:
            fact = town.fact(topic)
            if fact is None:
                continue
            if lines or not first:
                lines.append("")
            lines.append(
                r.t(lang, "answer.fact_header", topic=r.t(lang, f"topic.{topic}"), **r.who(lang, town))
            )
            lines.append(escape(fact.text(lang)))
        return lines
