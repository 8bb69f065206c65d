"""Answers about the partnerships' years: since when, how many years (today, in a year, at N years),
the oldest and the newest, partnerships older or younger than N years, anniversaries, what was signed when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.core.calendar import is_round
from bot.core.model import Agreement, Language, PartialDate, Town
from bot.core.questions import Answer, Intent, agreements_matching
from bot.locale import Markup
from bot.replies.reply import Reply, fit, fit_list
from bot.replies.towns import TownCards
from bot.replies.wording import Replies, mid_sentence, next_anniversary, sentence


@dataclass(slots=True)
class PartnershipYears:
    replies: Replies
    cards: TownCards = field(init=False)

    def __post_init__(self) -> None:
        self.cards = TownCards(self.replies)

    def line(self, lang: Language, intent: Intent, town: Town) -> str:
        """One town's first agreement: since when (Intent.SINCE) or how many years (Intent.YEARS)."""
        r = self.replies
        who = r.who(lang, town)
        agreements = sorted(town.agreements, key=lambda a: a.signed.sort_key)
        if not agreements:
            return r.t(lang, "answer.no_agreement", **who)
        agreement = agreements[0]
        signed = agreement.signed
        title = mid_sentence(agreement.title(lang))
        if intent is Intent.SINCE:
            if signed.precision == "day":
                per = r.per_source(lang, agreement)
                return r.t(
                    lang,
                    "answer.since_exact",
                    title=title,
                    date=r.format_date(lang, signed),
                    per=f" ({per})" if per else "",
                    **who,
                )
            if signed.precision == "month":
                return r.t(lang, "answer.since_month", title=title, since=r.format_since(lang, signed), **who)
            return (
                r.t(lang, "answer.since_year", title=title, year=signed.year, **who)
                + f" {sentence(self.cards.agreement_years(lang, agreement))}."
            )
        age = r.partnership_age(lang, signed)
        if signed.precision == "day":
            per = r.per_source(lang, agreement)
            return r.t(
                lang,
                "answer.years_exact",
                title=title,
                date=r.format_date(lang, signed),
                per=f", {per}" if per else "",
                **age,
                **who,
            )
        return r.t(lang, "answer.years_year", year=signed.year, **age, **who)

    def oldest_newest(self, lang: Language, answer: Answer) -> Reply:
        """The oldest (and, when asked, also the newest) partnership, or the newest."""
        r = self.replies
        wanted = [answer.intent]
        if answer.intent is Intent.OLDEST and answer.extra.get("also") == "newest":
            wanted.append(Intent.NEWEST)  # "the oldest and the newest"
        picked = [
            (kind, town)
            for kind in wanted
            for town in (
                self.ends(answer.towns, kind)
                if answer.towns
                else r.directory.oldest()
                if kind is Intent.OLDEST
                else r.directory.newest()
            )
        ]
        if not picked:
            return Reply(r.t(lang, "towns.empty"))
        chosen: dict[str, Town] = {}  # by key: many towns may share the first or the last date
        for _, town in picked:
            chosen.setdefault(town.key, town)

        def line(kind: Intent, town: Town) -> str:
            since = town.since
            assert since is not None
            years = since.years_until(r.today)
            return r.t(
                lang,
                f"answer.{kind.value}",
                since=r.format_since(lang, since),
                years=years,
                years_word=r.years_word(lang, years),
                **r.who(lang, town),
            )

        # many towns may share the first date: fit_list renders only the lines that fit in one message
        text = fit_list((), picked, lambda chosen_town: line(*chosen_town), r.more_towns(lang))
        return Reply(text, r.town_buttons(lang, list(chosen.values())))

    @staticmethod
    def ends(towns: tuple[Town, ...], kind: Intent) -> list[Town]:
        """The oldest (or newest) of some towns: every town sharing the first (or last) date."""
        dated = [(town, town.since) for town in towns if town.since is not None]
        if not dated:
            return []
        keys = [since.sort_key for _, since in dated]
        end = min(keys) if kind is Intent.OLDEST else max(keys)
        return [town for town, since in dated if since.sort_key == end]

    def period(self, lang: Language, answer: Answer) -> Reply:
        """Partnerships begun in a decade, before or after a year, or between two years."""
        r = self.replies
        first, last = answer.extra.get("from", ""), answer.extra.get("to", "")
        decade = answer.extra.get("decade")
        if decade:
            when = r.t(lang, "answer.period_decade", decade=decade)
        elif first and last:
            when = r.t(lang, "answer.period_between", first=first, last=last)
        elif last:
            when = r.t(lang, "answer.period_before", year=int(last) + 1)
        elif first:
            when = r.t(lang, "answer.period_after", year=int(first) - 1)
        else:
            when = r.t(lang, "answer.period_any")
        scope = Markup(f" {r.country_in(lang, answer.country)}") if answer.country else Markup("")
        towns = answer.towns  # in partnership order (the engine's)
        if not towns:
            return Reply(r.t(lang, "answer.period_none", when=when, scope=scope))
        header = r.t(lang, "answer.period_header", when=when, scope=scope, count=len(towns))
        text = fit_list([header], towns, lambda town: self.line(lang, Intent.SINCE, town), r.more_towns(lang))
        return Reply(text, r.town_buttons(lang, towns))

    def aged(self, lang: Language, answer: Answer) -> Reply:
        """Partners at least (or under) N years old today: "какие города дружат с нами больше 50 лет"."""
        r = self.replies
        at_least = "min_years" in answer.extra
        limit = int(answer.extra["min_years" if at_least else "max_years"])
        chosen = []
        for town in answer.towns:
            since = town.since
            if since is None:
                continue
            years = since.years_until(r.today)
            if (years >= limit) if at_least else (years < limit):
                chosen.append(town)
        kind = "min" if at_least else "max"
        params = {"limit": limit, "limit_word": r.years_word(lang, limit)}
        if not chosen:
            return Reply(r.t(lang, f"answer.aged_none_{kind}", **params))
        header = r.t(lang, f"answer.aged_{kind}_header", count=len(chosen), **params)
        text = fit_list(
            [header], chosen, lambda town: self.line(lang, Intent.YEARS, town), r.more_towns(lang)
        )
        return Reply(text, r.town_buttons(lang, chosen))

    def years_at(self, lang: Language, answer: Answer) -> Reply:
        """How many years a partnership has in a given year, or the year it reaches N years."""
        r = self.replies
        lines: list[str] = []
        target = int(answer.extra.get("target_years", "0"))
        for town in answer.towns:
            since = town.since
            if since is None:
                lines.append(r.t(lang, "answer.no_agreement", **r.who(lang, town)))
                continue
            year = since.year + target if target else (answer.when.year if answer.when else r.today.year)
            lines.append(self.years_at_line(lang, town, since, year))
        if answer.topic:
            lines.extend(self.cards.fact_lines(lang, answer.towns, answer.topic, first=False))
        return Reply(fit(lines), r.town_buttons(lang, answer.towns))

    def years_at_line(self, lang: Language, town: Town, since: PartialDate, year: int) -> str:
        r = self.replies
        years = year - since.year
        start = r.format_date(lang, since)
        today = r.today
        if since.month is not None and since.day is not None:
            day = next_anniversary(since, date(year, 1, 1))  # that year's anniversary (29 Feb -> 28 Feb)
            when = r.t(lang, "answer.on_date", date=r.format_date(lang, day))
            tense = "future" if day > today else "now" if day == today else "past"
        else:
            when = r.t(lang, "answer.in_year", year=year)
            tense = "future" if year > today.year else "now" if year == today.year else "past"
        if years <= 0:
            return r.t(lang, "answer.years_at_before", when=when, start=start, **r.who(lang, town))
        return r.t(
            lang,
            f"answer.years_at_{tense}",
            when=when,
            start=start,
            years=years,
            years_word=r.years_word(lang, years),
            **r.who(lang, town),
        )

    def anniversaries(self, lang: Language, answer: Answer) -> Reply:
        """Which partnership anniversaries fall in a year (round ones marked), or the next dated one."""
        r = self.replies
        lines: list[str] = []
        if answer.when is not None:
            year = answer.when.year
        elif "relative_year" in answer.extra:
            year = r.today.year + int(answer.extra["relative_year"])
        else:
            nearest = self.next_dated_anniversary()
            if nearest is not None:
                town, signed, day = nearest
                years = day.year - signed.year
                next_line = r.t(
                    lang,
                    "answer.anniversary_next",
                    date=r.format_date(lang, day),
                    years=years,
                    years_word=r.years_word(lang, years),
                    round=self.round_mark(lang, years),
                    **r.who(lang, town),
                )
                lines.extend([next_line, ""])
            # the rest of this year is mostly behind us after midsummer: the coming year's list then
            year = r.today.year if r.today.month <= 6 else r.today.year + 1
        rows = []
        for town in r.directory.partners:
            for agreement in sorted(town.agreements, key=lambda a: a.signed.sort_key):
                years = year - agreement.signed.year
                if years > 0:
                    rows.append((town, agreement.signed, years))
        if not rows:
            lines.append(r.t(lang, "answer.anniversary_none", year=year))
            return Reply(fit(lines))
        lines.append(r.t(lang, "answer.anniversary_header", year=year))
        for town, signed, years in rows:
            on_day = ""
            if signed.month is not None and signed.day is not None:
                on_day = r.format_date(lang, next_anniversary(signed, date(year, 1, 1)))
            lines.append(
                r.t(
                    lang,
                    "answer.anniversary_line",
                    years=years,
                    years_word=r.years_word(lang, years),
                    date=r.t(lang, "answer.anniversary_on", date=on_day) if on_day else "",
                    round=self.round_mark(lang, years),
                    **r.who(lang, town),
                )
            )
        chosen = list(dict.fromkeys(town for town, _, _ in rows))
        return Reply(
            fit(lines, tail=["", r.t(lang, "answer.anniversary_footer")]), r.town_buttons(lang, chosen)
        )

    def round_mark(self, lang: Language, years: int) -> str:
        return (
            self.replies.t(lang, "answer.anniversary_round")
            if is_round(years, self.replies.round_years)
            else ""
        )

    def next_dated_anniversary(self) -> tuple[Town, PartialDate, date] | None:
        """The partner agreement known to the day whose anniversary comes next (today included)."""
        best: tuple[Town, PartialDate, date] | None = None
        for town in self.replies.directory.partners:
            for agreement in town.agreements:
                signed = agreement.signed
                if signed.precision != "day":
                    continue
                day = next_anniversary(signed, self.replies.today)
                if day.year > signed.year and (best is None or day < best[2]):
                    best = (town, signed, day)
        return best

    def signed(self, lang: Language, when: PartialDate) -> Reply:
        """What was signed on a day, in a month or a year ("что подписали в 2000 году")."""
        r = self.replies
        exact, same_year = agreements_matching(r.directory, when)
        when_text = r.format_date(lang, when)
        if lang == "ru":
            when_text = f"в {when_text} году" if when.precision == "year" else when_text
        else:
            when_text = f"in {when_text}" if when.precision == "year" else f"on {when_text}"
        if not exact and not same_year:
            return Reply(r.t(lang, "answer.signed_none", when=when_text))
        # only a document known to the day was "signed" then; a year ("founded 1972", "cooperating from
        # 1975") says when the partnership began
        signed = [town for town in exact if agreement_in(town, when.year).signed.precision == "day"]
        signed_keys = {town.key for town in signed}
        began = [town for town in exact if town.key not in signed_keys]
        sections = (
            ("answer.signed_header", {"when": when_text}, signed),
            ("answer.began_header", {"when": when_text}, began),
            ("answer.signed_same_year", {"year": when.year}, same_year),
        )
        # one item per town, the first of each section carrying its header, so a cut list keeps no
        # header without a town under it and counts the towns it leaves out
        items: list[tuple[str | None, Town]] = []
        for key, params, towns in sections:
            items.extend(
                (r.t(lang, key, **params) if index == 0 else None, town) for index, town in enumerate(towns)
            )

        def line(item: tuple[str | None, Town]) -> str:
            header, town = item
            text = self.signed_line(lang, town, when.year)
            return f"{header}\n{text}" if header else text

        text = fit_list((), items, line, r.more_towns(lang))
        return Reply(text, r.town_buttons(lang, [*exact, *same_year]))

    def signed_line(self, lang: Language, town: Town, year: int) -> str:
        r = self.replies
        agreement = agreement_in(town, year)
        title = mid_sentence(agreement.title(lang))
        if agreement.signed.precision == "day":
            title = f"{title}, {r.signed_date(lang, agreement)}"
        return r.t(lang, "answer.signed_line", title=title, **r.who(lang, town))


def agreement_in(town: Town, year: int) -> Agreement:
    """The town's agreement of that year (else its first one)."""
    return next((a for a in town.agreements if a.signed.year == year), town.agreements[0])
