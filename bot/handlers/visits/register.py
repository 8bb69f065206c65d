"""The register: `/visits [filters]` and `/find WORDS` (pages of ten, newest first, each visit a button
that opens its card; the filters are read by bot.core.visits.filters) and `/history N` (the audit log of
one visit). Shown only to staff, where staff data may be."""

from __future__ import annotations

import re
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access import acting_user_id, is_staff
from bot.core.model import Language
from bot.core.visits import Visit
from bot.core.visits.filters import (
    MAX_FILTER_CHARS,
    YEAR_OUT_OF_RANGE,
    FilterReading,
    VisitFilter,
    read_filter,
)
from bot.core.visits.register_questions import read_register_question
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import StaffHere, register_here, staff_data
from bot.handlers.visits.callback_data import (
    CB_CARD,
    GENERATION_MODULO,
    button,
    found_callback,
    parse_found_press,
    parse_list_press,
    rows,
)
from bot.handlers.visits.messages import edit_or_send, reply, text_of, views
from bot.locale import Markup
from bot.runtime import Runtime
from storage.visit_search import VisitSearch

PAGE_SIZE = 10
MAX_PAGE = 99_999  # page buttons carry at most five digits
UNKNOWN_SHOWN = 5  # words named back as not understood
_VISIT_NUMBER = re.compile(r"[1-9][0-9]{0,11}")
WORD_SHOWN_CHARS = 40


def reading_problem(rt: Runtime, lang: Language, reading: FilterReading) -> str | None:
    """The polite answer to words that do not say which visits (None: they do)."""
    view = views(rt)
    if any(error.code == YEAR_OUT_OF_RANGE for error in reading.errors):
        return view.bad_year(lang)
    if reading.errors:
        return view.errors(lang, reading.errors, header="find_errors")
    if reading.repeated_period:
        return text_of(rt, lang, "find_two_periods")
    if reading.empty_search:
        return text_of(rt, lang, "find_empty_search")
    if reading.unknown:
        quoted = [
            text_of(rt, lang, "find_word", word=word[:WORD_SHOWN_CHARS])
            for word in reading.unknown[:UNKNOWN_SHOWN]
        ]
        more = " …" if len(reading.unknown) > UNKNOWN_SHOWN else ""
        text = text_of(rt, lang, "find_unknown", words=Markup(", ".join(quoted) + more))
        if reading.suggestions:
            names = ", ".join(view.town(lang, key) for key in reading.suggestions)
            text = Markup(text + "\n" + text_of(rt, lang, "find_suggest", names=names))
        return text
    return None


async def list_page(
    rt: Runtime, lang: Language, found: VisitFilter, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    search = VisitSearch(rt.database)
    total = await search.count(found)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1, MAX_PAGE)
    visits = await search.page(found, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    view = views(rt)
    text = view.list_page(lang, visits, total, page, pages, found=found)
    if not visits:
        return text, None
    keyboard = rows([visit_button(rt, lang, visit) for visit in visits])
    if pages > 1:
        generation = await rt.visits.generation()
        token = await search.keep_filter(found)
        navigation = [
            button(text_of(rt, lang, key), found_callback(generation, shown, token))
            for shown, key in ((page - 1, "button.prev"), (page + 1, "button.next"))
            if 0 <= shown < min(pages, MAX_PAGE + 1)
        ]
        keyboard.append(navigation)
    return text, InlineKeyboardMarkup(keyboard)


def visit_button(rt: Runtime, lang: Language, visit: Visit) -> InlineKeyboardButton:
    view = views(rt)
    label = (
        f"#{visit.id} · {view.short_day(lang, visit.start)} · {view.town(lang, visit.town_key, visit.place)}"
    )
    return button(label, CB_CARD, visit.id, visit.revision, "o")


async def answer_listing(
    update: Update, context: Context, lang: Language, argument: str, *, search: bool
) -> None:
    rt = context.runtime
    if len(argument) > MAX_FILTER_CHARS:
        await reply(
            update, context, text_of(rt, lang, "find_too_long", length=len(argument), limit=MAX_FILTER_CHARS)
        )
        return
    reading = read_filter(argument, rt.directory, rt.today(), search=search)
    problem = reading_problem(rt, lang, reading)
    if problem is not None:
        await reply(update, context, problem)
        return
    text, markup = await list_page(rt, lang, reading.filter, 0)
    await reply(update, context, text, markup)


def command_argument(update: Update) -> str:
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message is not None else []
    return parts[1].strip() if len(parts) > 1 else ""


@staff_data("/visits")
async def visits_command(update: Update, context: Context, gate: StaffHere) -> None:
    """`/visits [TOWN|COUNTRY] [YEAR|PERIOD] [in|out] [TYPE] [найти|find WORDS]` (bot.core.visits.filters)."""
    await answer_listing(update, context, gate.lang, command_argument(update), search=False)


@staff_data("/find")
async def find_command(update: Update, context: Context, gate: StaffHere) -> None:
    """`/find WORDS`: visits whose purpose or notes have every word (as /visits ... найти WORDS)."""
    await answer_listing(update, context, gate.lang, command_argument(update), search=True)


@staff_data("/visits page")
async def list_button(update: Update, context: Context, gate: StaffHere) -> None:
    """A page button: `vs:` (the filter kept in storage) or `vl:` (town and year, of earlier versions)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt, lang = context.runtime, gate.lang
    found: VisitFilter | None = None
    found_press = parse_found_press(query.data)
    if found_press is not None:
        generation, page = found_press.generation, found_press.page
        kept = await VisitSearch(rt.database).kept_filter(found_press.token)
        if kept is None:
            await alert(query, text_of(rt, lang, "find_expired"), show_alert=True)
            return
        found = VisitFilter.from_json(kept, rt.directory, rt.today())
    else:
        press = parse_list_press(query.data, rt.directory, rt.today())
        if press is not None:
            generation, page = press.generation, press.page
            found = VisitFilter(
                town_keys=frozenset({press.town_key}) if press.town_key else frozenset(),
                first=date(press.year, 1, 1) if press.year is not None else None,
                last=date(press.year, 12, 31) if press.year is not None else None,
            )
    if found is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    current = await rt.visits.generation() % GENERATION_MODULO
    text, markup = await list_page(rt, lang, found, page)
    await alert(query, text_of(rt, lang, "list_changed") if current != generation else None)
    await edit_or_send(update, context, text, markup)


QUESTION_LATEST = 5  # visits listed under the counts of a staff question


async def answer_register_question(update: Update, context: Context, text: str, lang: Language) -> bool:
    """A staff member's free-text question about the register ("сколько делегаций было в 2025"), answered
    with counts and the latest visits, where the register may be shown. False: not a staff member here, or
    not such a question; the residents' question engine answers it as for everyone."""
    rt = context.runtime
    user_id = acting_user_id(update)
    if user_id is None or not register_here(update, context) or not await is_staff(rt, user_id):
        return False
    asked = read_register_question(text, rt.directory, rt.today())
    if asked is None:
        return False
    problem = reading_problem(rt, lang, asked.reading)
    if problem is not None:
        await reply(update, context, problem)
        return True
    found = asked.reading.filter
    search = VisitSearch(rt.database)
    summary = await search.summary(found)
    latest = await search.page(found, limit=QUESTION_LATEST)
    answer = views(rt).register_answer(lang, found, summary, latest)
    markup = None
    if summary.visits > len(latest):
        generation = await rt.visits.generation()
        token = await search.keep_filter(found)
        label = text_of(rt, lang, "ask_more", count=summary.visits)
        markup = InlineKeyboardMarkup([[button(label, found_callback(generation, 0, token))]])
    await reply(update, context, answer, markup)
    return True


async def send_history(update: Update, context: Context, lang: Language, visit_id: int) -> None:
    rt = context.runtime
    entries = await rt.visits.history(visit_id, limit=30)
    names = await rt.staff.names()
    text = views(rt).history(lang, visit_id, entries, names, rt.settings.reminders.zone)
    await reply(update, context, text)


@staff_data("/history")
async def history_command(update: Update, context: Context, gate: StaffHere) -> None:
    rt, lang = context.runtime, gate.lang
    argument = context.args[0].lstrip("#№") if context.args else ""
    if not _VISIT_NUMBER.fullmatch(argument):
        await reply(update, context, text_of(rt, lang, "history_usage"))
        return
    visit = await rt.visits.get(int(argument))
    if visit is None:
        await reply(update, context, text_of(rt, lang, "not_found", id=int(argument)))
        return
    await send_history(update, context, lang, visit.id)
