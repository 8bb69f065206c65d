"""`/visit TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`: a visit recorded in one message.

The message's own id is the idempotency key: the same message delivered again (a retry, a replay
after a crash) finds the visit made the first time. A town guessed from a typo, or one with a close
neighbour (Нарва / Нарва-Йыэсуу, bot/core/visits/neighbours.py), waits on its card for Save / Edit /
Cancel; a visit like one on record (same town, direction and start) waits for "save anyway?". Both
wait in user data (drafts.py); "Edit" opens the guided form with the visit (form_opening.py).
"""

from __future__ import annotations

from functools import cache

from telegram import InlineKeyboardMarkup, Message, Update

from bot.core.model import LANGUAGES, Language
from bot.core.visit_form import FormValues
from bot.core.visits import VisitDraft, VisitInputError, normalize, parse_one_line
from bot.core.visits.neighbours import TownDoubt, town_doubt
from bot.core.visits.places import is_explicit
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
from bot.handlers.visits.drafts import (
    forget_pending,
    pending_confirms_place,
    pending_visit,
    remember_pending,
    save_pending,
)
from bot.handlers.visits.messages import edit_or_send, reply, similar_warning, text_of, views
from bot.locale import catalogue
from bot.runtime import Runtime
from storage.visits import Outcome, Recording


async def record_one_line(
    update: Update, context: Context, message: Message, actor: int, argument: str, lang: Language
) -> None:
    rt = context.runtime
    try:
        draft = parse_one_line(argument, rt.directory, rt.today(), rt.engine.gazetteer, country_names())
    except VisitInputError as error:
        text = views(rt).errors(lang, error.errors) + "\n\n" + text_of(rt, lang, "one_line_usage")
        if any(e.field == "town" and e.code == "town_unknown" for e in error.errors):
            text += "\n\n" + text_of(rt, lang, "details.place_hint")
        await reply(update, context, text)
        return
    key = f"msg:{message.chat_id}:{message.message_id}"
    typed_town = argument.split(";", 1)[0].strip()
    if draft.place is not None and not is_explicit(typed_town):
        # a real place the gazetteer knows, not a partner: "другое: Таллин (Эстония)?" first
        token = remember_pending(context, key, draft, confirm_place=True)
        await save_pending(update, context)
        place = views(rt).town(lang, draft.town_key, draft.place)
        question = text_of(rt, lang, "details.confirm_place", text=typed_town[:60], place=place)
        await reply(update, context, question, yes_no(rt, lang, token, "button.save"))
        return
    town = rt.directory.get(draft.town_key) if draft.place is None else None
    doubt = town_doubt(rt.directory, typed_town, town) if town is not None else None
    # a message delivered again after its visit was saved gets that card (record() finds it by the key)
    if doubt is not None and await rt.visits.find_by_key(key) is None:
        token = remember_pending(context, key, draft)
        await save_pending(update, context)
        await reply(update, context, *town_check(rt, lang, token, typed_town, doubt, draft))
        return
    await record_and_answer(update, context, draft, actor, key, lang)


def yes_no(rt: Runtime, lang: Language, token: str, yes: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(text_of(rt, lang, yes), CB_DUPLICATE, token, PENDING_ANYWAY),
                button(text_of(rt, lang, "button.cancel"), CB_DUPLICATE, token, PENDING_CANCEL),
            ]
        ]
    )


@cache
def country_names() -> dict[str, str]:
    """Every country the catalogues name, by its normalised name in either language -> its code."""
    texts = catalogue()
    names: dict[str, str] = {}
    for lang in LANGUAGES:
        for key, value in texts.entries[lang].items():
            code = key.removeprefix("country.")
            if key.startswith("country.") and len(code) == 2 and isinstance(value, str):
                names[normalize(value)] = code
    return names


async def record_and_answer(
    update: Update,
    context: Context,
    draft: VisitDraft,
    actor: int,
    key: str,
    lang: Language,
    *,
    pressed: bool = False,
) -> None:
    """Record the visit, or ask "save anyway?" when a similar one is on record. `pressed`: answer by
    turning the pressed message (the place confirmation) into the answer."""
    rt = context.runtime
    answer = edit_or_send if pressed else reply
    recording = await rt.visits.record(draft, actor, key)
    if recording.outcome is Outcome.SIMILAR_EXISTS:
        token = remember_pending(context, key, draft)
        await save_pending(update, context)
        await answer(update, context, *similar_question(rt, lang, token, recording))
        return
    await answer(update, context, *recorded_card(rt, lang, recording))


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
    return similar_warning(rt, lang, recording.visit), yes_no(rt, lang, token, "button.save_anyway")


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
    if pending_confirms_place(context, press.token):  # "yes, another place": now look for a similar one
        forget_pending(context, press.token)
        await alert(query)
        await record_and_answer(update, context, draft, gate.actor, key, lang, pressed=True)
        return
    recording = await rt.visits.record(draft, gate.actor, key, allow_similar=anyway)
    if recording.outcome is Outcome.SIMILAR_EXISTS:  # the town confirmed, and a visit like it on record
        await alert(query)
        await edit_or_send(update, context, *similar_question(rt, lang, press.token, recording))
        return
    again = recording.outcome is Outcome.ALREADY_RECORDED
    await alert(query, text_of(rt, lang, "already_saved", id=recording.visit.id) if again else None)
    await edit_or_send(update, context, *recorded_card(rt, lang, recording))
