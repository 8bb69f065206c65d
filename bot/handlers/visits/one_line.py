"""`/visit TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`: a visit recorded in one message.

The message's own id is the idempotency key: the same message delivered again (a retry, a replay
after a crash) finds the visit made the first time. A town guessed from a typo, or one with a close
neighbour (Нарва / Нарва-Йыэсуу, bot/core/visits/neighbours.py), waits on its card for Save / Edit /
Cancel; a visit like one on record (same town, direction and start) waits for "save anyway?". Both
wait in user data (drafts.py); "Edit" opens the guided form with the visit (form_opening.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.core.model import Language
from bot.core.visit_form import FormValues
from bot.core.visits import VisitDraft, VisitInputError, parse_one_line
from bot.core.visits.neighbours import TownDoubt, town_doubt
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import StaffHere, staff_data
from bot.handlers.visits.callback_data import (
    CB_DUPLICATE,
    PENDING_ANYWAY,
    PENDING_CANCEL,
    PENDING_EDIT,
    PENDING_SAVE,
    button,
    parse_duplicate_press,
)
from bot.handlers.visits.card import recorded_card
from bot.handlers.visits.drafts import forget_pending, pending_visit, remember_pending, save_pending
from bot.handlers.visits.messages import edit_or_send, reply, similar_warning, text_of, views
from bot.runtime import Runtime
from storage.visits import Outcome, Recording


async def record_one_line(
    update: Update, context: Context, message: Message, actor: int, argument: str, lang: Language
) -> None:
    rt = context.runtime
    try:
        draft = parse_one_line(argument, rt.directory, rt.today())
    except VisitInputError as error:
        text = views(rt).errors(lang, error.errors) + "\n\n" + text_of(rt, lang, "one_line_usage")
        await reply(update, context, text)
        return
    key = f"msg:{message.chat_id}:{message.message_id}"
    town = rt.directory.get(draft.town_key)
    typed_town = argument.split(";", 1)[0]
    doubt = town_doubt(rt.directory, typed_town, town) if town is not None else None
    # a message delivered again after its visit was saved gets that card (record() finds it by the key)
    if doubt is not None and await rt.visits.find_by_key(key) is None:
        token = remember_pending(context, key, draft)
        await save_pending(update, context)
        await reply(update, context, *town_check(rt, lang, token, typed_town, doubt, draft))
        return
    recording = await rt.visits.record(draft, actor, key)
    if recording.outcome is Outcome.SIMILAR_EXISTS:
        token = remember_pending(context, key, draft)
        await save_pending(update, context)
        await reply(update, context, *similar_question(rt, lang, token, recording))
        return
    await reply(update, context, *recorded_card(rt, lang, recording))


def town_check(
    rt: Runtime, lang: Language, token: str, typed: str, doubt: TownDoubt, draft: VisitDraft
) -> tuple[str, InlineKeyboardMarkup]:
    """The visit's card before it is saved, saying why the town needs a look, with Save / Edit / Cancel."""
    view = views(rt)
    town = doubt.town.name(lang)
    lines = []
    if doubt.guessed:
        lines.append(text_of(rt, lang, "town_guessed", text=typed.strip()[:60], town=town))
    if doubt.neighbours:
        names = ", ".join(neighbour.name(lang) for neighbour in doubt.neighbours)
        lines.append(text_of(rt, lang, "town_neighbours", names=names, town=town))
    text = "\n".join(lines) + "\n\n" + view.draft_card(lang, FormValues.of(draft))
    keyboard = [
        [button(text_of(rt, lang, "button.save"), CB_DUPLICATE, token, PENDING_SAVE)],
        [
            button(text_of(rt, lang, "button.edit_field"), CB_DUPLICATE, token, PENDING_EDIT),
            button(text_of(rt, lang, "button.cancel"), CB_DUPLICATE, token, PENDING_CANCEL),
        ],
    ]
    return text, InlineKeyboardMarkup(keyboard)


def similar_question(
    rt: Runtime, lang: Language, token: str, recording: Recording
) -> tuple[str, InlineKeyboardMarkup]:
    keyboard = InlineKeyboardMarkup(
        [
            [
                button(text_of(rt, lang, "button.save_anyway"), CB_DUPLICATE, token, PENDING_ANYWAY),
                button(text_of(rt, lang, "button.cancel"), CB_DUPLICATE, token, PENDING_CANCEL),
            ]
        ]
    )
    return similar_warning(rt, lang, recording.visit), keyboard


@staff_data("visit save anyway", remember_actor=True)
async def duplicate_button(update: Update, context: Context, gate: StaffHere) -> None:
    """Save / Save anyway / Cancel under a one-line /visit's card that waits: its town to be confirmed,
    or "a similar visit is already recorded". Edit reaches here only while a form is open (otherwise
    the form's entry point takes it)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt, lang = context.runtime, gate.lang
    press = parse_duplicate_press(query.data)
    if press is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    waiting = pending_visit(context, press.token)
    if waiting is None:
        await alert(query, text_of(rt, lang, "stale_button"))
        return
    if press.action == PENDING_CANCEL:
        forget_pending(context, press.token)
        await save_pending(update, context)  # a cancelled card's Save stays stale after a restart too
        await alert(query)
        await edit_or_send(update, context, text_of(rt, lang, "not_saved"))
        return
    if press.action == PENDING_EDIT:
        await alert(query, text_of(rt, lang, "form_busy"), show_alert=True)
        return
    # kept until it goes stale: a second press finds the visit by the message's key (idempotent)
    key, draft = waiting
    anyway = press.action == PENDING_ANYWAY
    recording = await rt.visits.record(draft, gate.actor, key, allow_similar=anyway)
    if recording.outcome is Outcome.SIMILAR_EXISTS:  # the town confirmed, and a visit like it on record
        await alert(query)
        await edit_or_send(update, context, *similar_question(rt, lang, press.token, recording))
        return
    again = recording.outcome is Outcome.ALREADY_RECORDED
    await alert(query, text_of(rt, lang, "already_saved", id=recording.visit.id) if again else None)
    await edit_or_send(update, context, *recorded_card(rt, lang, recording))
