"""The register: `/visits [TOWN] [YEAR]` (pages of ten, newest first, each visit a button that opens its
card) and `/history N` (the audit log of one visit). Shown only to staff, where staff data may be."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update

from bot.core.model import Language
from bot.core.visits import find_town, year_allowed
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import StaffHere, staff_data
from bot.handlers.visits.callback_data import (
    CB_CARD,
    GENERATION_MODULO,
    button,
    list_callback,
    parse_list_press,
    rows,
)
from bot.handlers.visits.messages import edit_or_send, reply, text_of, views
from bot.runtime import Runtime

PAGE_SIZE = 10
_VISIT_NUMBER = re.compile(r"[1-9][0-9]{0,11}")
_YEAR = re.compile(r"[0-9]{4}")


def parse_list_arguments(rt: Runtime, argument: str) -> tuple[str | None, int | None, str | None]:
    """'/visits Нарва 2024' -> (town key, year, problem text key or None)."""
    words_ = argument.split()
    year: int | None = None
    if words_ and _YEAR.fullmatch(words_[-1]):
        year = int(words_.pop())
    if words_ and year is None and _YEAR.fullmatch(words_[0]):
        year = int(words_.pop(0))
    town_text = " ".join(words_)
    if year is not None and not year_allowed(year, rt.today()):
        return None, None, "list_bad_year"
    if not town_text:
        return None, year, None
    lookup = find_town(rt.directory, town_text)
    if lookup.town is None:
        return None, year, "list_bad_town"
    return lookup.town.key, year, None


async def list_page(
    rt: Runtime, lang: Language, town_key: str | None, year: int | None, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    total = await rt.visits.count(town_key=town_key, year=year)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    visits = await rt.visits.list(town_key=town_key, year=year, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    view = views(rt)
    text = view.list_page(lang, visits, total, page, pages, town_key, year)
    if not visits:
        return text, None
    generation = await rt.visits.generation()
    buttons = [
        button(
            f"#{visit.id} · {view.short_day(lang, visit.start)} · {view.town(lang, visit.town_key, visit.place)}",
            CB_CARD,
            visit.id,
            visit.revision,
            "o",
        )
        for visit in visits
    ]
    keyboard = rows(buttons)
    navigation = []
    for shown, key in ((page - 1, "button.prev"), (page + 1, "button.next")):
        if 0 <= shown < pages:
            data = list_callback(generation, shown, town_key, year)
            navigation.append(button(text_of(rt, lang, key), data))
    if navigation:
        keyboard.append(navigation)
    return text, InlineKeyboardMarkup(keyboard)


@staff_data("/visits")
async def visits_command(update: Update, context: Context, gate: StaffHere) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt, lang = context.runtime, gate.lang
    parts = message.text.split(maxsplit=1)
    argument = parts[1].strip()[:200] if len(parts) > 1 else ""
    town_key, year, problem = parse_list_arguments(rt, argument)
    if problem == "list_bad_year":
        await reply(update, context, views(rt).bad_year(lang))
        return
    if problem is not None:
        await reply(update, context, text_of(rt, lang, problem, text=argument[:60]))
        return
    text, markup = await list_page(rt, lang, town_key, year, 0)
    await reply(update, context, text, markup)


@staff_data("/visits page")
async def list_button(update: Update, context: Context, gate: StaffHere) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt, lang = context.runtime, gate.lang
    press = parse_list_press(query.data, rt.directory, rt.today())
    if press is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    current = await rt.visits.generation() % GENERATION_MODULO
    text, markup = await list_page(rt, lang, press.town_key, press.year, press.page)
    await alert(query, text_of(rt, lang, "list_changed") if current != press.generation else None)
    await edit_or_send(update, context, text, markup)


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
