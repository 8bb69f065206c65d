"""The guided form's entry points, /visit, a field chosen on a saved visit's card, and Edit on a one-line
visit waiting for its town to be confirmed, and the opening they share (a chat, a staff member, a place
where register data may be shown). /visit with ';' records in one line instead (one_line.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.core.form_draft import FormDraft
from bot.core.visit_form import CHOOSE, FIELD_STEP, STATES, FormValues, apply_town
from bot.core.visits import find_town
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import GatedHandler, Handler, StaffHere, staff_data
from bot.handlers.visits.callback_data import (
    EDIT_FIELD,
    PENDING_EDIT,
    parse_card_press,
    parse_duplicate_press,
)
from bot.handlers.visits.card import show_card
from bot.handlers.visits.drafts import forget_pending, get_draft, pending_visit
from bot.handlers.visits.form_questions import ask, chosen_text, fill, town_problem
from bot.handlers.visits.messages import reply, text_of
from bot.handlers.visits.one_line import record_one_line

END = ConversationHandler.END


def command_argument(text: str) -> str:
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def opening(action: str) -> Callable[[GatedHandler], Handler]:
    """What both entry points do first: a chat, a staff member (their name noted: they are about to
    act), a place where the form's cards (register data) may be shown; else END, the update answered."""

    def wrap(entry: GatedHandler) -> Handler:
        gated = staff_data(action, remember_actor=True, refused=END)(entry)

        @functools.wraps(entry)
        async def entry_point(update: Update, context: Context) -> Any:
            return END if update.effective_chat is None else await gated(update, context)

        return entry_point

    return wrap


@opening("/visit")
async def visit_command(update: Update, context: Context, gate: StaffHere) -> object:
    """/visit: the guided form; /visit TOWN; DATE; ... records in one line; /visit TOWN starts at step 2."""
    message = update.effective_message
    if message is None or message.text is None:
        return END
    rt = context.runtime
    argument = command_argument(message.text)
    if ";" in argument:
        await record_one_line(update, context, message, gate.actor, argument, gate.lang)
        return END
    if any(char.isdigit() for char in argument):
        # "/visit Засниц от нас 05.06.2025 ...": a one-line record without its ';' separators. No town name
        # has digits, so starting the form with the town would silently drop the rest: explain instead.
        usage = (
            text_of(rt, gate.lang, "one_line_separators") + "\n\n" + text_of(rt, gate.lang, "one_line_usage")
        )
        await reply(update, context, usage)
        return END
    left = get_draft(update, context)
    if left is not None and not left.expired(rt.now()) and left.step in STATES:
        # a form whose conversation state was lost (or never restored): offer it rather than drop it
        left.take_message(message.message_id)
        return await ask(update, context, left, text_of(rt, left.lang, "form_unfinished"), restart=True)
    draft = FormDraft.new(gate.lang, rt.now())
    draft.take_message(message.message_id)
    note = ""
    if argument:
        lookup = find_town(rt.directory, argument)
        if lookup.town is not None:
            town_key = lookup.town.key
            fill(draft, lambda values: apply_town(values, town_key))
            draft.step = "direction"
            note = chosen_text(rt, draft, "town")
        else:
            note = town_problem(rt, gate.lang, argument, lookup.candidates or lookup.suggestions)
    return await ask(update, context, draft, note)


@opening("visit edit")
async def edit_field_entry(update: Update, context: Context, gate: StaffHere) -> object:
    """Card → Edit → a field: a one-field form for the saved visit."""
    query = update.callback_query
    if query is None or query.data is None:
        return END
    rt, lang = context.runtime, gate.lang
    press = parse_card_press(query.data)
    field = press.argument if press is not None and press.action == EDIT_FIELD else None
    if press is None or field is None or field not in FIELD_STEP:
        await alert(query, text_of(rt, lang, "forged_button"))
        return END
    visit = await rt.visits.get(press.visit_id)
    if visit is None:
        await alert(query, text_of(rt, lang, "not_found", id=press.visit_id), show_alert=True)
        return END
    if visit.revision != press.revision or visit.deleted:
        await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
        await show_card(update, context, lang, visit)
        return END
    await alert(query)
    draft = FormDraft.editing(lang, rt.now(), visit, field)
    # the card goes back to its own buttons; the question comes as a new message
    await show_card(update, context, lang, visit)
    return await ask(update, context, draft)


@opening("visit confirm edit")
async def pending_edit_entry(update: Update, context: Context, gate: StaffHere) -> object:
    """Edit on a one-line visit waiting for its town to be confirmed: the guided form with its values,
    at "which field?"; the waiting card's buttons go stale (the form saves under its own key)."""
    query = update.callback_query
    if query is None or query.data is None:
        return END
    rt, lang = context.runtime, gate.lang
    press = parse_duplicate_press(query.data)
    if press is None or press.action != PENDING_EDIT:
        await alert(query, text_of(rt, lang, "forged_button"))
        return END
    waiting = pending_visit(context, press.token)
    if waiting is None:
        await alert(query, text_of(rt, lang, "stale_button"))
        return END
    forget_pending(context, press.token)
    await alert(query)
    draft = FormDraft.new(lang, rt.now())
    draft.take_query(query.id)
    draft.values, draft.step = FormValues.of(waiting[1]), CHOOSE
    return await ask(update, context, draft, in_place=True)
