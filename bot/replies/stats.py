"""The /stats chart's caption: the counts in words, Telegram HTML within the caption limit."""

from __future__ import annotations

from bot.core.model import Language
from bot.exports.annual import day_text, stretch_text
from bot.exports.register import town_name
from bot.exports.summary import StatsSummary
from bot.locale import Markup
from bot.replies.reply import visible_length
from bot.replies.wording import Replies

CAPTION_LIMIT = 1024  # Telegram's caption limit, counted after HTML parsing


def stats_scope(summary: StatsSummary, lang: Language, replies: Replies) -> Markup:
    texts = replies.texts
    if summary.year is not None:
        return texts.text(lang, "reports.stats.scope_year", year=summary.year)
    return texts.text(lang, "reports.stats.scope_all")


def only_planned_text(summary: StatsSummary, lang: Language, replies: Replies) -> str:
    """The answer when no visit has been held yet but some are planned (there is nothing to chart)."""
    return replies.texts.text(
        lang,
        "reports.stats.only_planned",
        scope=stats_scope(summary, lang, replies),
        count=replies.number(lang, summary.planned),
    )


def period_text(summary: StatsSummary, lang: Language) -> str:
    """'1 января – 31 декабря 2025'; all years: '1955 – 3 декабря 2026'."""
    if summary.period is None:
        return ""
    if summary.year is None:
        return f"{summary.period.first.year} – {day_text(lang, summary.period.last)}"
    return stretch_text(lang, summary.period.first, summary.period.last)


def stats_caption(summary: StatsSummary, lang: Language, replies: Replies) -> str:
    """The chart's caption (Telegram HTML, data escaped), at most CAPTION_LIMIT visible characters.

    The counts are of held visits (started on or before today); planned ones are only mentioned. A
    title with the period, the totals with the headcount, the same months a year before, the busiest
    periods (ties named together) and the most frequent towns."""
    texts = replies.texts
    number = replies.number
    scope = stats_scope(summary, lang, replies)
    period = period_text(summary, lang)
    title = (
        texts.text(lang, "reports.stats.title_period", scope=scope, period=period)
        if period
        else texts.text(lang, "reports.stats.title", scope=scope)
    )
    totals_key = "reports.stats.totals_people" if summary.period is not None else "reports.stats.totals"
    totals = texts.text(
        lang,
        totals_key,
        total=number(lang, summary.total),
        visits=texts.plural(lang, "report_visits", summary.total),
        people=number(lang, summary.people),
        incoming=number(lang, summary.incoming),
        outgoing=number(lang, summary.outgoing),
    )
    extras = []
    if summary.unknown_people:
        extras.append(
            texts.text(lang, "reports.stats.unknown_people", count=number(lang, summary.unknown_people))
        )
    if summary.planned:
        extras.append(texts.text(lang, "reports.stats.planned", count=number(lang, summary.planned)))
    if extras:
        totals = Markup(totals + "; " + "; ".join(extras))
    lines: list[Markup] = [title, totals]
    previous = summary.previous
    if previous is not None and summary.year is not None:
        lines.append(
            texts.text(
                lang,
                "reports.stats.previous",
                period=stretch_text(lang, previous.first, previous.last),
                count=number(lang, previous.visits),
                visits=texts.plural(lang, "report_visits", previous.visits),
                people=number(lang, previous.people),
            )
        )
    elif previous is not None and summary.this_year is not None:
        now = summary.this_year
        lines.append(
            texts.text(
                lang,
                "reports.stats.this_year",
                period=stretch_text(lang, now.first, now.last),
                count=number(lang, now.visits),
                visits=texts.plural(lang, "report_visits", now.visits),
                previous_period=stretch_text(lang, previous.first, previous.last),
                previous_count=number(lang, previous.visits),
            )
        )
    if summary.busiest is not None:
        periods, count = summary.busiest
        if summary.year is None:
            names = [str(year) for year in periods]
            single, several, field = "reports.stats.busiest_year", "reports.stats.busiest_years", "years"
            one = {"year": names[0]}
        else:
            months = texts.raw(lang, "month.nominative")
            names = [str(months[month - 1]) for month in periods]
            single, several, field = "reports.stats.busiest_month", "reports.stats.busiest_months", "months"
            one = {"month": names[0]}
        if len(names) == 1:
            lines.append(texts.text(lang, single, count=number(lang, count), **one))
        else:
            lines.append(texts.text(lang, several, count=number(lang, count), **{field: ", ".join(names)}))
    tops = [
        texts.text(
            lang,
            "reports.stats.town_item",
            town=town_name(replies.directory, key, lang),
            count=number(lang, n),
        )
        for key, n in summary.top_towns
    ]
    if summary.others:  # visits to places that are not partners, apart from the partner towns
        lines.append(texts.text(lang, "reports.stats.others", count=number(lang, summary.others)))
    while tops:
        line = texts.text(lang, "reports.stats.top_towns", towns=Markup(", ".join(tops)))
        if visible_length("\n".join([*lines, line])) <= CAPTION_LIMIT:
            lines.append(line)
            break
        tops.pop()
    caption = "\n".join(lines)
    while visible_length(caption) > CAPTION_LIMIT and len(lines) > 1:  # pragma: no cover - defensive
        lines.pop()
        caption = "\n".join(lines)
    return caption
