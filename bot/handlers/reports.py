"""/export [YEAR] [TOWN] [xlsx|csv] [notes], /report [YEAR] [notes] and /stats [YEAR]: the register as .xlsx +
.csv, the annual report as .xlsx + PDF, and a chart with a summary.

Staff only; everyone else gets the polite refusal of `bot.handlers.staff`. The register (notes
included) goes only where `bot.access.register_visible` allows: a private chat or the office's staff
chat; elsewhere the bot asks to use a private chat. The chart holds counts only and may be shown anywhere.

The export handlers only check and answer what is quick (who asks, where, the arguments); the export
itself runs as a task of the application (`Application.create_task`, awaited on shutdown, its errors
go to the error handler): building and uploading a big register takes seconds, and the bot goes on
answering everybody else meanwhile. The rows are read in one snapshot, a batch at a time, by the
worker thread that writes both files as they come (memory stays bounded however long the register),
and the exports of one chat are sent one after another, each as its .xlsx then its .csv.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.model import Language, Town
from bot.core.text import words
from bot.core.visits import MIN_YEAR, year_allowed, year_range
from bot.handlers.chat import Context, alert, language_of, send
from bot.handlers.staff_gate import ask_for_private_chat, register_here, staff_here, staff_only
from bot.locale import Markup
from bot.replies.reply import Reply
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.exports.annual import AnnualReport

# bot/exports (the register's files, the annual report, the charts) is imported by the command that
# makes a file, not at start: ~15 ms of every start for what staff ask for a few times a year

CALLBACK_EXPORT = "export:"  # export:<town key>:<year or 0>
CALLBACK_LIMIT = 64
MAX_QUERY = 200
MAX_DOCUMENT = 50 * 1024 * 1024  # what a bot may upload with sendDocument
_EXPORT_DATA = re.compile(r"^export:([a-z0-9_]{1,40}):(0|[1-9][0-9]{3})(?::(xlsx|csv))?(:notes)?$")
# the file formats of an export, in the order they are sent; a word in /export picks one
FORMATS = ("xlsx", "csv")
FORMAT_WORDS = {"xlsx": "xlsx", "excel": "xlsx", "csv": "csv"}
# a word in /export that adds the staff-only columns (notes, who recorded)
NOTES_WORDS = frozenset({"notes", "заметки", "заметками", "сзаметками"})
# one export at a time per chat, so that two exports' files do not interleave
_EXPORT_LOCKS: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


@dataclass(frozen=True, slots=True)
class Filters:
    year: int | None = None
    town: Town | None = None
    formats: tuple[str, ...] = FORMATS
    notes: bool = False


# ---- reading the arguments ----------------------------------------------------------------------


def is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, but int("²") fails


def split_year(rt: Runtime, args: list[str]) -> tuple[int | None, list[str], bool]:
    """(year, the other words, ok): one all-digit word is the year, and it must be in range."""
    years = [arg for arg in args if is_number(arg)]
    rest = [arg for arg in args if not is_number(arg)]
    if not years:
        return None, rest, True
    if len(years) > 1 or len(years[0]) != 4 or not year_allowed(int(years[0]), rt.today()):
        return None, rest, False
    return int(years[0]), rest, True


def split_formats(args: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """(the formats named anywhere in the arguments, or all of them; the other words)."""
    named = {FORMAT_WORDS[arg.lower().lstrip(".")] for arg in args if arg.lower().lstrip(".") in FORMAT_WORDS}
    rest = [arg for arg in args if arg.lower().lstrip(".") not in FORMAT_WORDS]
    return tuple(kind for kind in FORMATS if kind in named) or FORMATS, rest


def split_notes(args: list[str]) -> tuple[bool, list[str]]:
    """(whether the staff-only columns were asked for, the other words)."""
    rest = [arg for arg in args if arg.lower().strip(".,") not in NOTES_WORDS]
    return len(rest) < len(args), rest


def bad_year(rt: Runtime, lang: Language) -> Markup:
    low, high = year_range(rt.today())
    return rt.replies().t(lang, "reports.export.bad_year", low=low, high=high)


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


def export_buttons(
    lang: Language,
    towns: list[Town],
    year: int | None,
    formats: tuple[str, ...] = FORMATS,
    notes: bool = False,
) -> InlineKeyboardMarkup | None:
    rows = []
    suffix = (f":{formats[0]}" if len(formats) == 1 else "") + (":notes" if notes else "")
    for town in towns:
        data = f"{CALLBACK_EXPORT}{town.key}:{year or 0}{suffix}"
        if len(data.encode()) <= CALLBACK_LIMIT:
            rows.append([InlineKeyboardButton(f"📤 {town.name(lang)}"[:60], callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def parse_export_press(rt: Runtime, data: str) -> Filters | None:
    """``export:<town key>:<year or 0>[:<format>][:notes]`` exactly as export_buttons makes it, for a known
    town and a year in range; None for anything else."""
    match = _EXPORT_DATA.match(data)
    if match is None:
        return None
    town = rt.directory.get(match.group(1))
    year = int(match.group(2))
    if town is None or (year != 0 and not year_allowed(year, rt.today())):
        return None
    formats = (match.group(3),) if match.group(3) else FORMATS
    return Filters(year or None, town, formats, notes=match.group(4) is not None)


# ---- /export ------------------------------------------------------------------------------------


async def export_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    if await staff_here(update, context, "/export", lang) is None:
        return
    replies = rt.replies()
    notes, args = split_notes(list(context.args or []))
    formats, args = split_formats(args)
    year, rest, ok = split_year(rt, args)
    if not ok:
        await send(message, Reply(bad_year(rt, lang) + "\n" + replies.t(lang, "reports.export.usage")))
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
            await send(message, Reply(text), reply_markup=export_buttons(lang, found, year, formats, notes))
            return
        town = found[0]
    start_export(context, update, rt, lang, message, Filters(year, town, formats, notes))


async def export_pressed(update: Update, context: Context) -> None:
    """A town picked from the suggestions: staff is checked again on every press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    if await staff_only(update, context, "export button", lang) is None:
        return
    filters = parse_export_press(rt, query.data)
    if filters is None or not isinstance(query.message, Message):
        await alert(query, rt.replies().t(lang, "input.stale_button", command="/export"))
        return
    if not register_here(update, context):
        await ask_for_private_chat(update, context, lang)
        return
    await alert(query)
    start_export(context, update, rt, lang, query.message, filters)


def start_export(
    context: Context, update: Update, rt: Runtime, lang: Language, anchor: Message, filters: Filters
) -> None:
    """Build and send the export without holding up the updates of everybody else."""
    context.application.create_task(send_export(rt, lang, anchor, filters), update=update)


async def send_export(rt: Runtime, lang: Language, anchor: Message, filters: Filters) -> None:
    """The register as .xlsx and .csv, sent into the chat (and topic) of `anchor`."""
    lock = _EXPORT_LOCKS.get(anchor.chat_id)
    if lock is None:
        lock = _EXPORT_LOCKS[anchor.chat_id] = asyncio.Lock()
    async with lock:
        await _deliver_export(rt, lang, anchor, filters)


async def _deliver_export(rt: Runtime, lang: Language, anchor: Message, filters: Filters) -> None:
    replies = rt.replies()
    where = scope(rt, lang, filters)
    key = filters.town.key if filters.town else None
    if await rt.visits.count(town_key=key, year=filters.year) == 0:
        await send(anchor, Reply(replies.t(lang, "reports.export.nothing", scope=where)))
        return
    thread = anchor.message_thread_id if anchor.is_topic_message else None
    await anchor.get_bot().send_chat_action(
        anchor.chat_id, ChatAction.UPLOAD_DOCUMENT, message_thread_id=thread
    )
    from bot.exports.register import columns_for, export_filename, register_batches

    # read and written a batch at a time in a worker thread: bounded memory for a register of any size
    columns = columns_for(filters.notes)
    batches = await register_batches(rt, lang, columns=columns, year=filters.year, town_key=key)
    files, count = await asyncio.to_thread(build_files, batches, lang, filters.formats, columns)
    if not count:  # deleted meanwhile
        await send(anchor, Reply(replies.t(lang, "reports.export.nothing", scope=where)))
        return
    if any(len(data) > MAX_DOCUMENT for _, data in files):
        text = replies.t(lang, "reports.export.too_big", count=replies.number(lang, count))
        await send(anchor, Reply(text))
        return
    caption = replies.t(
        lang,
        "reports.export.caption",
        scope=where,
        count=replies.number(lang, count),
        visits=replies.texts.plural(lang, "report_visits", count),
    )
    if filters.notes:
        caption = Markup(caption + "\n" + replies.t(lang, "reports.export.with_notes"))
    for index, (extension, data) in enumerate(files):
        document = InputFile(data, filename=export_filename(extension, year=filters.year, town_key=key))
        await anchor.reply_document(
            document,
            # the files of one export arrive together: the caption once, on the first
            caption=caption if index == 0 else None,
            do_quote=anchor.chat.type != ChatType.PRIVATE,
        )


def build_files(
    batches: Iterable[Sequence[Sequence[Any]]],
    lang: Language,
    formats: tuple[str, ...] = FORMATS,
    columns: tuple[str, ...] | None = None,
) -> tuple[list[tuple[str, bytes]], int]:
    """The files in `formats`, in that order, from one pass over the batches, and the rows they hold
    (the public columns unless `columns` says otherwise)."""
    from bot.exports.files import write_files
    from bot.exports.register import PUBLIC_COLUMNS

    return write_files(batches, lang, formats, PUBLIC_COLUMNS if columns is None else columns)


# ---- /report ------------------------------------------------------------------------------------


def default_report_year(today: date) -> int:
    """The year /report means without one: this year, except in January, when last year's is due."""
    return today.year if today.month > 1 else today.year - 1


async def report_command(update: Update, context: Context) -> None:
    """/report [YEAR] [notes]: the annual report as .xlsx and PDF (staff, private or staff chat)."""
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    if await staff_here(update, context, "/report", lang) is None:
        return
    replies = rt.replies()
    notes, args = split_notes(list(context.args or []))
    if args and all(is_number(arg) for arg in args) and len(args) == 1 and len(args[0]) == 4:
        year = int(args[0])
        if year < MIN_YEAR:
            await send(message, Reply(bad_year(rt, lang) + "\n" + replies.t(lang, "reports.report.usage")))
            return
    elif args:
        await send(message, Reply(replies.t(lang, "reports.report.usage")))
        return
    else:
        year = default_report_year(rt.today())
    if year > rt.today().year:
        await send(message, Reply(replies.t(lang, "reports.report.future", year=year)))
        return
    context.application.create_task(send_report(rt, lang, message, year, notes), update=update)


async def send_report(rt: Runtime, lang: Language, anchor: Message, year: int, notes: bool) -> None:
    lock = _EXPORT_LOCKS.get(anchor.chat_id)
    if lock is None:
        lock = _EXPORT_LOCKS[anchor.chat_id] = asyncio.Lock()
    async with lock:
        await _deliver_report(rt, lang, anchor, year, notes)


async def _deliver_report(rt: Runtime, lang: Language, anchor: Message, year: int, notes: bool) -> None:
    replies = rt.replies()
    if await rt.visits.count(year=year) == 0:
        await send(anchor, Reply(replies.t(lang, "reports.report.empty", year=year)))
        return
    thread = anchor.message_thread_id if anchor.is_topic_message else None
    await anchor.get_bot().send_chat_action(
        anchor.chat_id, ChatAction.UPLOAD_DOCUMENT, message_thread_id=thread
    )
    from bot.exports.annual import ReportYearError, load_report, report_filename

    try:
        report = await load_report(rt, lang, year, notes=notes)
    except ReportYearError as error:  # deleted meanwhile, or the clock moved
        await send(anchor, Reply(replies.t(lang, f"reports.report.{error.code}", year=year)))
        return
    files = await asyncio.to_thread(build_report_files, report)
    if any(len(data) > MAX_DOCUMENT for _, data in files):
        await send(anchor, Reply(replies.t(lang, "reports.report.too_big", year=year)))
        return
    key = "reports.report.caption" if report.complete else "reports.report.caption_so_far"
    caption = replies.t(
        lang,
        key,
        year=year,
        date=replies.format_date(lang, report.last),
        count=replies.number(lang, report.total.visits),
        people=replies.number(lang, report.total.people),
    )
    if report.planned:
        planned = replies.t(
            lang, "reports.report.caption_planned", count=replies.number(lang, len(report.planned))
        )
        caption = Markup(caption + " " + planned)
    if notes:
        caption = Markup(caption + "\n" + replies.t(lang, "reports.export.with_notes"))
    for index, (extension, data) in enumerate(files):
        await anchor.reply_document(
            InputFile(data, filename=report_filename(year, extension)),
            caption=caption if index == 0 else None,
            do_quote=anchor.chat.type != ChatType.PRIVATE,
        )


def build_report_files(report: AnnualReport) -> list[tuple[str, bytes]]:
    """Both files, or an exception before either is sent: never one without the other."""
    from bot.exports.annual_pdf import write_report_pdf
    from bot.exports.annual_xlsx import write_report_xlsx

    return [("xlsx", write_report_xlsx(report)), ("pdf", write_report_pdf(report))]


# ---- /stats -------------------------------------------------------------------------------------


async def stats_chart(
    context: Context,
    lang: Language,
    year: int | None,
    before_drawing: Callable[[], Awaitable[object]] | None = None,
) -> tuple[bytes, str] | None:
    """(PNG, caption) of the statistics, or None when there are no visits at all (bot/exports/stats.py)."""
    from bot.exports.stats import stats_charts

    return await stats_charts(context.bot_data, context.runtime).chart(lang, year, before_drawing)


async def prewarm_stats_charts(context: Context) -> None:
    """JobQueue callback: make sure the charts follow the register, before anyone asks.

    The charts redraw themselves after every write of this process; this also catches the writes of
    another process (`twinbot import ...`) and subscribes the charts at start."""
    from bot.exports.stats import stats_charts

    await stats_charts(context.bot_data, context.runtime).prewarm()


async def stats_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    if await staff_only(update, context, "/stats", lang) is None:
        return
    replies = rt.replies()
    year, rest, ok = split_year(rt, list(context.args or []))
    if not ok or rest:
        text = replies.t(lang, "reports.stats.usage")
        if not ok:
            text = Markup(bad_year(rt, lang) + "\n" + text)
        await send(message, Reply(text))
        return
    thread = message.message_thread_id if message.is_topic_message else None

    def uploading() -> Awaitable[bool]:
        return context.bot.send_chat_action(
            message.chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=thread
        )

    chart = await stats_chart(context, lang, year, before_drawing=uploading)
    if chart is None:
        key = "reports.stats.nothing" if year is None else "reports.stats.nothing_year"
        await send(message, Reply(replies.t(lang, key, year=year or "")))
        return
    png, caption = chart
    if not png:  # only planned visits: nothing to chart yet
        await send(message, Reply(Markup(caption)))
        return
    await message.reply_photo(
        photo=InputFile(png, filename=f"stats-{year}.png" if year else "stats.png"),
        caption=caption,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("export", export_command)),
        (0, CommandHandler("stats", stats_command)),
        (0, CommandHandler("report", report_command)),
        (0, CallbackQueryHandler(export_pressed, pattern=f"^{CALLBACK_EXPORT}")),
    ]
