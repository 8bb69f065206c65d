"""Answers that explain rather than list: what twinning is, what the office does, why these towns, the
partners' countries, whether a partnership is still going (its history and recorded status), and the
office's own FAQ answers.
"""

from __future__ import annotations

from itertools import chain

from bot.core.model import Language
from bot.core.questions import Answer, Intent
from bot.core.questions.intents import EUROPE
from bot.locale import Markup, escape
from bot.replies.reply import Reply, fit
from bot.replies.towns import TownCards
from bot.replies.wording import Replies
from bot.replies.years import PartnershipYears


class Explanations:
    def __init__(self, replies: Replies) -> None:
        self.replies = replies
        self.cards = TownCards(replies)
        self.years = PartnershipYears(replies)

    def meaning(self, lang: Language, answer: Answer) -> Reply:
        r = self.replies
        partners = r.directory.partners
        topic = answer.topic if answer.topic in ("twinning", "office", "why_these") else "twinning"
        first = r.directory.oldest()
        oldest = first[0].since.year if first and first[0].since else None
        countries = len(r.directory.partner_countries)
        lines = [r.t(lang, f"answer.meaning_{topic}")]
        if partners:
            lines.append(
                r.t(
                    lang,
                    "answer.meaning_ours",
                    count=len(partners),
                    towns_word=r.plural(lang, "towns", len(partners)),
                    countries=countries,
                    oldest=oldest or "—",
                )
            )
        return Reply(fit(lines), r.town_buttons(lang, partners))

    def countries(self, lang: Language, europe: bool = False) -> Reply:
        r = self.replies
        countries = r.directory.partner_countries
        if europe:
            countries = tuple((code, members) for code, members in countries if code in EUROPE)
        if not countries:
            return Reply(r.t(lang, "towns.empty"))
        header = r.t(lang, "answer.countries_header", count=len(countries))
        lines = (
            r.t(
                lang,
                "answer.countries_line",
                flag=r.flag(code),
                country=r.country(lang, code),
                count=len(members),
                towns_word=r.plural(lang, "towns", len(members)),
                names=", ".join(town.name(lang) for town in members[:30])
                + ("…" if len(members) > 30 else ""),
            )
            for code, members in countries
        )
        return Reply(fit(chain([header], lines)), r.town_buttons(lang, r.directory.partners))

    def status(self, lang: Language, answer: Answer) -> Reply:
        """ "Is it still going": since when, what status is recorded, and that today's activity is unknown."""
        r = self.replies
        lines: list[str] = []
        for town in answer.towns:
            lines.append(self.years.line(lang, Intent.SINCE, town))
            note = town.status(lang)
            if note:
                lines.append(r.t(lang, "answer.status_note", note=note, **r.who(lang, town)))
            else:
                lines.append(r.t(lang, "answer.status_none", **r.who(lang, town)))
        lines.append(r.t(lang, "answer.status_now_unknown"))
        return Reply(fit(lines), r.town_buttons(lang, answer.towns))

    def faq(self, lang: Language, answer: Answer) -> Reply:
        r = self.replies
        entry = answer.faq
        if entry is None:
            return Reply(r.t(lang, "answer.no_match"))
        text, borrowed = entry.answer(lang)
        lines = [Markup(f"<b>{escape(entry.question(lang))}</b>"), escape(text)]
        if borrowed:
            lines.append(r.t(lang, "answer.faq_other_language"))
        return Reply(fit(lines))
