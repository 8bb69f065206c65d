"""/export [YEAR] [TOWN] and /stats [YEAR]: the register as .xlsx + .csv, and a chart with a summary.

Staff only; everyone else gets the polite refusal of `bot.handlers.staff`. The files and the chart
are built by `bot.reports` in a worker thread, so the bot keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.access import staff_user
from bot.core.model import LANGUAGES, Language, Town
from bot.core.text import words
from bot.handlers.chat import Context, language_of, runtime, send
from bot.handlers.staff import plain, refuse, refuse_press
from bot.locale import Markup
from bot.replies import Reply
from bot.reports import (
    MAX_YEARS_AHEAD,
    MIN_YEAR,
    WRITERS,
    ExportRow,
    StatsSummary,
    export_filename,
    load_register,
    monthly_counts,
    render_chart,
    stats_caption,
    summarize,
)
from bot.runtime import Runtime

CALLBACK_EXPORT = "export:"  # export:<town key>:<year or 0>
CALLBACK_LIMIT = 64
MAX_QUERY = 200
MAX_DOCUMENT = 50 * 1024 * 1024  # what a bot may upload with sendDocument
BACKGROUND_ROWS = 5_000  # bigger exports are written while the bot answers other updates


@dataclass(frozen=True, slots=True)
class Filters:
    year: int | None = None
    town: Town | None = None


# ---- reading the arguments ----------------------------------------------------------------------


def year_range(rt: Runtime) -> tuple[int, int]:
    return MIN_YEAR, rt.today().year + MAX_YEARS_AHEAD


def is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, but int("²") fails


def split_year(rt: Runtime, args: list[str]) -> tuple[int | None, list[str], bool]:
    """(year, the other words, ok): one all-digit word is the year, and it must be in range."""
    years = [arg for arg in args if is_number(arg)]
    rest = [arg for arg in args if not is_number(arg)]
    if not years:
        return None, rest, True
    low, high = year_range(rt)
    if len(years) > 1 or not low <= int(years[0]) <= high:
        return None, rest, False
    return int(years[0]), rest, True


def scope(rt: Runtime, lang: Language, filters: Filters) -> Markup:
    replies = rt.replies()
    if filters.town is None:
        if filters.year is None:
            return replies.t(lang, "reports.export.scope_all")
        return replies.t(lang, "reports.export.scope_year", year=filters.year)
    name = filters.town.name(lang)
    if filters.year is None:
        return replies.t(lang, "reports.export.scope_town", town=name)
    return replies.t(lang, "reports.export.scope_town_year", town=name, year=filters.year)


def export_buttons(lang: Language, towns: list[Town], year: int | None) -> InlineKeyboardMarkup | None:
    rows = []
    for town in towns:
        data = f"{CALLBACK_EXPORT}{town.key}:{year or 0}"
        if len(data.encode()) <= CALLBACK_LIMIT:
            rows.append([InlineKeyboardButton(f"📤 {town.name(lang)}"[:60], callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


# ---- /export ------------------------------------------------------------------------------------


def private_enough(rt: Runtime, chat_id: int, chat_type: str) -> bool:
    """The register holds staff notes: it goes to private chats and the office's staff chat only."""
    staff_chat = rt.settings.reminders.staff_chat
    return chat_type == ChatType.PRIVATE or (staff_chat != 0 and chat_id == staff_chat)


async def export_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = runtime(context)
    lang = await language_of(update, context)
    if await staff_user(rt, update, "/export") is None:
        await refuse(update, context, lang)
        return
    replies = rt.replies()
    if not private_enough(rt, message.chat.id, message.chat.type):
        await send(message, Reply(replies.t(lang, "reports.export.private_only")))
        return
    year, rest, ok = split_year(rt, list(context.args or []))
    if not ok:
        low, high = year_range(rt)
        text = replies.t(lang, "reports.export.bad_year", low=low, high=high)
        await send(message, Reply(text + "\n" + replies.t(lang, "reports.export.usage")))
        return
    query = " ".join(rest).strip()[:MAX_QUERY]
    town: Town | None = None
    if query:
        found = [match.town for match in rt.directory.find(words(query))]
        if len(found) != 1:
            if found:
                text = replies.t(lang, "reports.export.choose")
            else:
                text = replies.t(lang, "reports.export.unknown_town", query=query[:100])
                found = rt.directory.suggest(words(query))
                if found:
                    text = Markup(text + "\n" + replies.t(lang, "reports.export.suggest"))
                else:
                    text = Markup(text + "\n" + replies.t(lang, "reports.export.usage"))
            await send(message, Reply(text), reply_markup=export_buttons(lang, found, year))
            return
        town = found[0]
    await send_export(
        context, rt, lang, message.chat_id, Filters(year, town), reply_to=message, update=update
    )


async def export_pressed(update: Update, context: Context) -> None:
    """A town picked from the suggestions: staff is checked again on every press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    if await staff_user(rt, update, "export button") is None:
        await refuse_press(update, context)
        return
    lang = await language_of(update, context)
    key, _, year_text = query.data.removeprefix(CALLBACK_EXPORT).partition(":")
    town = rt.directory.get(key)
    low, high = year_range(rt)
    year = int(year_text) if is_number(year_text) else -1
    if town is None or query.message is None or not (year == 0 or low <= year <= high):
        await query.answer(plain(rt.replies().t(lang, "input.stale_button")))
        return
    if not private_enough(rt, query.message.chat.id, query.message.chat.type):
        await query.answer(plain(rt.replies().t(lang, "reports.export.private_only")), show_alert=True)
        return
    await query.answer()
    shown = query.message
    thread = shown.message_thread_id if isinstance(shown, Message) and shown.is_topic_message else None
    await send_export(
        context, rt, lang, query.message.chat.id, Filters(year or None, town), thread=thread, update=update
    )


async def send_export(
    context: Context,
    rt: Runtime,
    lang: Language,
    chat_id: int,
    filters: Filters,
    reply_to: Message | None = None,
    thread: int | None = None,
    update: Update | None = None,
) -> None:
    replies = rt.replies()
    if reply_to is not None:
        thread = reply_to.message_thread_id if reply_to.is_topic_message else None

    async def say(text: str) -> None:
        if reply_to is not None:
            await send(reply_to, Reply(text))
        else:
            await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=thread)

    key = filters.town.key if filters.town else None
    count = await rt.visits.count(town_key=key, year=filters.year)
    if count == 0:
        await say(replies.t(lang, "reports.export.nothing", scope=scope(rt, lang, filters)))
        return
    job = deliver_export(context, rt, lang, chat_id, filters, reply_to, thread, say)
    if count > BACKGROUND_ROWS:
        # a big register takes seconds to write: the bot goes on answering others meanwhile
        context.application.create_task(job, update=update)
    else:
        await job


async def deliver_export(
    context: Context,
    rt: Runtime,
    lang: Language,
    chat_id: int,
    filters: Filters,
    reply_to: Message | None,
    thread: int | None,
    say: Callable[[str], Awaitable[None]],
) -> None:
    replies = rt.replies()
    where = scope(rt, lang, filters)
    key = filters.town.key if filters.town else None
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT, message_thread_id=thread)
    rows = await load_register(rt, lang, year=filters.year, town_key=key)
    if not rows:  # deleted meanwhile
        await say(replies.t(lang, "reports.export.nothing", scope=where))
        return
    files = await asyncio.to_thread(build_files, rows, lang)
    if any(len(data) > MAX_DOCUMENT for _, data in files):
        await say(replies.t(lang, "reports.export.too_big", count=replies.number(lang, len(rows))))
        return
    caption = replies.t(
        lang,
        "reports.export.caption",
        scope=where,
        count=replies.number(lang, len(rows)),
        visits=replies.texts.plural(lang, "report_visits", len(rows)),
    )
    for extension, data in files:
        document = InputFile(data, filename=export_filename(extension, year=filters.year, town_key=key))
        if reply_to is not None:
            await reply_to.reply_document(
                document,
                caption=caption,
                parse_mode=ParseMode.HTML,
                do_quote=reply_to.chat.type != ChatType.PRIVATE,
            )
        else:
            await context.bot.send_document(
                chat_id, document, caption=caption, parse_mode=ParseMode.HTML, message_thread_id=thread
            )


def build_files(rows: list[ExportRow], lang: Language) -> list[tuple[str, bytes]]:
    return [("xlsx", WRITERS["xlsx"](rows, lang)), ("csv", WRITERS["csv"](rows, lang))]


# ---- /stats -------------------------------------------------------------------------------------


async def stats_summary(rt: Runtime, year: int | None) -> StatsSummary:
    if year is None:
        return summarize(await rt.visits.yearly_counts(), await rt.visits.town_counts())
    visits = await rt.visits.list(year=year)
    return summarize(monthly_counts(visits), await rt.visits.town_counts(year=year), year)


# Rendered charts by (database, towns, register generation, year, language): the register changes far
# less often than people look at it, and a chart takes ~0.1 s to draw. Any write moves the generation on.
_CHARTS: OrderedDict[tuple[Any, ...], tuple[bytes, str]] = OrderedDict()
CHART_CACHE_SIZE = 16


async def stats_chart(
    rt: Runtime,
    lang: Language,
    year: int | None,
    before_drawing: Callable[[], Awaitable[object]] | None = None,
) -> tuple[bytes, str] | None:
    """(PNG, caption) of the statistics, or None when there are no visits to chart."""
    key = (str(rt.database.path), id(rt.database), id(rt.directory), await rt.visits.generation(), year, lang)
    cached = _CHARTS.get(key)
    if cached is not None:
        _CHARTS.move_to_end(key)
        return cached
    summary = await stats_summary(rt, year)
    if summary.empty:
        return None
    if before_drawing is not None:
        await before_drawing()
    png = await asyncio.to_thread(render_chart, summary, lang, rt.directory)
    result = (png, stats_caption(summary, lang, rt.directory))
    _CHARTS[key] = result
    while len(_CHARTS) > CHART_CACHE_SIZE:
        _CHARTS.popitem(last=False)
    return result


async def prewarm_stats_charts(context: Context) -> None:
    """JobQueue callback: redraw the all-years charts after the register changed, before anyone asks.

    Drawing takes ~0.1 s; done here, a /stats request is served from the cache in well under 50 ms.
    """
    rt = runtime(context)
    for lang in LANGUAGES:
        await stats_chart(rt, lang, None)


async def stats_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = runtime(context)
    lang = await language_of(update, context)
    if await staff_user(rt, update, "/stats") is None:
        await refuse(update, context, lang)
        return
    replies = rt.replies()
    year, rest, ok = split_year(rt, list(context.args or []))
    if not ok or rest:
        text = replies.t(lang, "reports.stats.usage")
        if not ok:
            low, high = year_range(rt)
            text = Markup(replies.t(lang, "reports.export.bad_year", low=low, high=high) + "\n" + text)
        await send(message, Reply(text))
        return
    thread = message.message_thread_id if message.is_topic_message else None

    def uploading() -> Awaitable[bool]:
        return context.bot.send_chat_action(
            message.chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=thread
        )

    chart = await stats_chart(rt, lang, year, before_drawing=uploading)
    if chart is None:
        key = "reports.stats.nothing" if year is None else "reports.stats.nothing_year"
        await send(message, Reply(replies.t(lang, key, year=year or "")))
        return
    png, caption = chart
    await message.reply_photo(
        photo=InputFile(png, filename=f"stats-{year}.png" if year else "stats.png"),
        caption=caption,
        parse_mode=ParseMode.HTML,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("export", export_command)),
        (0, CommandHandler("stats", stats_command)),
        (0, CallbackQueryHandler(export_pressed, pattern=f"^{CALLBACK_EXPORT}")),
    ]
