"""`/visit TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`: a visit recorded in one message.

The message's own id is the idempotency key: the same message delivered again (a retry, a replay
after a crash) finds the visit made the first time. A visit like one on record (same town, direction
and start) waits for "save anyway?" in user_data["visit_pending"][token], as FormValues JSON.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update

from bot.core.model import Language
from bot.core.visit_form import FormValues, new_form_id
from bot.core.visits import VisitDraft, VisitInputError, parse_one_line
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import staff_here
from bot.handlers.visits.callback_data import CB_DUPLICATE, button, parse_duplicate_press
from bot.handlers.visits.card import recorded_card
from bot.handlers.visits.messages import edit_or_send, reply, similar_warning, text_of, views
from bot.persistence import PERSISTENT_USER_KEYS
from storage.visits import Outcome

PENDING_KEY = "visit_pending"  # user_data key of one-line visits waiting for "save anyway?"
PENDING_LIMIT = 5
if PENDING_KEY not in PERSISTENT_USER_KEYS:  # a real check: asserts vanish under python -O
    raise RuntimeError(f"bot.persistence must keep user_data[{PENDING_KEY!r}] for the visit register")


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


def _pending(context: Context) -> dict[str, dict[str, Any]]:
    data = context.user_data
    if data is None:
        raise RuntimeError("the visit register needs user data")
    pending: dict[str, dict[str, Any]] = data.setdefault(PENDING_KEY, {})
    return pending


def remember_pending(context: Context, key: str, draft: VisitDraft) -> str:
    """Keep a one-line visit (as JSON) until "save anyway" or "cancel"; returns its token."""
    pending = _pending(context)
    while len(pending) >= PENDING_LIMIT:
        pending.pop(next(iter(pending)))
    token = new_form_id()
    pending[token] = {"key": key, "draft": FormValues.of(draft).to_json()}
    return token


def pending_visit(context: Context, token: str) -> tuple[str, VisitDraft] | None:
    """(idempotency key, visit) waiting under `token`; None when gone (or unreadable)."""
    entry = _pending(context).get(token) if context.user_data is not None else None
    if entry is None or not isinstance(entry.get("key"), str) or not isinstance(entry.get("draft"), dict):
        return None
    try:
        return entry["key"], FormValues.from_json(entry["draft"]).draft()
    except VisitInputError:
        return None


async def duplicate_button(update: Update, context: Context) -> None:
    """Save anyway / Cancel under "a similar visit is already recorded" (a one-line /visit)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    gate = await staff_here(update, context, "visit save anyway", remember_actor=True)
    if gate is None:
        return
    lang = gate.lang
    press = parse_duplicate_press(query.data)
    if press is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    waiting = pending_visit(context, press.token)
    if waiting is None:
        await alert(query, text_of(rt, lang, "stale_button"))
        return
    if not press.save:
        _pending(context).pop(press.token, None)
        await alert(query)
        await edit_or_send(update, context, text_of(rt, lang, "not_saved"))
        return
    # kept until it goes stale: a second press finds the visit by the message's key (idempotent)
    key, draft = waiting
    recording = await rt.visits.record(draft, gate.actor, key, allow_similar=True)
    again = recording.outcome is Outcome.ALREADY_RECORDED
    await alert(query, text_of(rt, lang, "already_saved", id=recording.visit.id) if again else None)
    await edit_or_send(update, context, *recorded_card(rt, lang, recording))
