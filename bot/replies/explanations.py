"""Answers that explain rather than list: what twinning is, what the office does, why these towns, the
partners' countries, whether a partnership is still going (its history and recorded status), and the
office's own FAQ answers.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from bot.core.model import Language, Town
from bot.core.questions import Answer, Intent
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
        oldest = min((town.since.year for town in partners if town.since), default=None)
        countries = len({town.country for town in partners})
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

    def countries(self, lang: Language, answer: Answer) -> Reply:
        r = self.replies
        towns = answer.towns or r.directory.partners
        if not towns:
            return Reply(r.t(lang, "towns.empty"))
        by_country: dict[str, list[Town]] = {}
        for town in towns:
            by_country.setdefault(town.country, []).append(town)
        sizes = Counter({code: len(members) for code, members in by_country.items()})
        header = r.t(lang, "answer.countries_header", count=len(by_country))
        lines = (
            r.t(
                lang,
                "answer.countries_line",
                flag=r.flag(code),
                country=r.country(lang, code),
                count=size,
                towns_word=r.plural(lang, "towns", size),
                names=", ".join(town.name(lang) for town in by_country[code]),
            )
            for code, size in sizes.most_common()
        )
        return Reply(fit(chain([header], lines)), r.town_buttons(lang, towns))

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
