"""`/visit TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`: a visit recorded in one message.

The message's own id is the idempotency key: the same message delivered again (a retry, a replay
after a crash) finds the visit made the first time. A visit like one on record (same town, direction
and start) waits for "save anyway?" (drafts.py keeps it).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.core.model import Language
from bot.core.visits import VisitInputError, parse_one_line
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import StaffHere, staff_data
from bot.handlers.visits.callback_data import CB_DUPLICATE, button, parse_duplicate_press
from bot.handlers.visits.card import recorded_card
from bot.handlers.visits.drafts import forget_pending, pending_visit, remember_pending
from bot.handlers.visits.messages import edit_or_send, reply, similar_warning, text_of, views
from storage.visits import Outcome


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
    recording = await rt.visits.record(draft, actor, key)
    if recording.outcome is Outcome.SIMILAR_EXISTS:
        token = remember_pending(context, key, draft)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    button(text_of(rt, lang, "button.save_anyway"), CB_DUPLICATE, token, "y"),
                    button(text_of(rt, lang, "button.cancel"), CB_DUPLICATE, token, "n"),
                ]
            ]
        )
        await reply(update, context, similar_warning(rt, lang, recording.visit), keyboard)
        return
    await reply(update, context, *recorded_card(rt, lang, recording))


@staff_data("visit save anyway", remember_actor=True)
async def duplicate_button(update: Update, context: Context, gate: StaffHere) -> None:
    """Save anyway / Cancel under "a similar visit is already recorded" (a one-line /visit)."""
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
    if not press.save:
        forget_pending(context, press.token)
        await alert(query)
        await edit_or_send(update, context, text_of(rt, lang, "not_saved"))
        return
    # kept until it goes stale: a second press finds the visit by the message's key (idempotent)
    key, draft = waiting
    recording = await rt.visits.record(draft, gate.actor, key, allow_similar=True)
    again = recording.outcome is Outcome.ALREADY_RECORDED
    await alert(query, text_of(rt, lang, "already_saved", id=recording.visit.id) if again else None)
    await edit_or_send(update, context, *recorded_card(rt, lang, recording))
