"""The /stats chart's caption: the counts in words, Telegram HTML within the caption limit."""

from __future__ import annotations

from bot.core.model import Language
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


def stats_caption(summary: StatsSummary, lang: Language, replies: Replies) -> str:
    """The chart's caption (Telegram HTML, data escaped), at most CAPTION_LIMIT visible characters.

    The counts are of held visits (started on or before today); planned ones are only mentioned."""
    texts = replies.texts
    number = replies.number
    scope = stats_scope(summary, lang, replies)
    lines: list[Markup] = [
        texts.text(lang, "reports.stats.title", scope=scope),
        texts.text(
            lang,
            "reports.stats.totals",
            total=number(lang, summary.total),
            visits=texts.plural(lang, "report_visits", summary.total),
            incoming=number(lang, summary.incoming),
            outgoing=number(lang, summary.outgoing),
        ),
    ]
    if summary.planned:
        planned = texts.text(lang, "reports.stats.planned", count=number(lang, summary.planned))
        lines[-1] = Markup(lines[-1] + "; " + planned)
    if summary.busiest is not None:
        period, count = summary.busiest
        if summary.year is None:
            lines.append(
                texts.text(lang, "reports.stats.busiest_year", year=period, count=number(lang, count))
            )
        else:
            month = texts.raw(lang, "month.nominative")[period - 1]
            lines.append(
                texts.text(lang, "reports.stats.busiest_month", month=month, count=number(lang, count))
            )
    tops = [
        texts.text(
            lang,
            "reports.stats.town_item",
            town=town_name(replies.directory, key, lang),
            count=number(lang, n),
        )
        for key, n in summary.top_towns
    ]
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
