"""The card of a saved visit and its buttons: edit (choose a field: the one-field form starts in
form.py), delete with confirmation, undo, history. Every press checks the staff member and the
visit's revision again: a press on an outdated card shows the current one and changes nothing."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.model import Language
from bot.core.visits import EDITABLE, Visit
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import StaffHere, staff_data
from bot.handlers.visits.callback_data import CB_CARD, EDIT_FIELD, CardPress, button, parse_card_press, rows
from bot.handlers.visits.details import send_files
from bot.handlers.visits.messages import edit_or_send, reply, text_of, views
from bot.handlers.visits.register import send_history
from bot.replies.visit_details import participant_pages
from bot.runtime import Runtime
from storage.visits import Outcome, Recording, StaleVisitError


def card_keyboard(rt: Runtime, lang: Language, visit: Visit) -> InlineKeyboardMarkup:
    def card_button(key: str, *action: str) -> InlineKeyboardButton:
        return button(text_of(rt, lang, f"button.{key}"), CB_CARD, visit.id, visit.revision, *action)

    if visit.deleted:
        return InlineKeyboardMarkup([[card_button("undo", "u")], [card_button("history", "h")]])
    people = button(text_of(rt, lang, "details.button.participants"), CB_CARD, visit.id, visit.revision, "p")
    files_label = text_of(rt, lang, "details.button.files", count=len(visit.files))
    return InlineKeyboardMarkup(
        [
            [card_button("edit", "e"), card_button("delete", "d")],
            [people, button(files_label, CB_CARD, visit.id, visit.revision, "f")],
            [card_button("history", "h")],
        ]
    )


def field_keyboard(rt: Runtime, lang: Language, visit: Visit) -> InlineKeyboardMarkup:
    view = views(rt)
    fields = [
        button(view.field_name(lang, name), CB_CARD, visit.id, visit.revision, EDIT_FIELD, name)
        for name in EDITABLE
    ]
    back = button(text_of(rt, lang, "button.back"), CB_CARD, visit.id, visit.revision, "b")
    return InlineKeyboardMarkup([*rows(fields), [back]])


def delete_keyboard(rt: Runtime, lang: Language, visit: Visit) -> InlineKeyboardMarkup:
    def card_button(key: str, action: str) -> InlineKeyboardButton:
        return button(text_of(rt, lang, f"button.{key}"), CB_CARD, visit.id, visit.revision, action)

    return InlineKeyboardMarkup([[card_button("confirm_delete", "dy"), card_button("keep", "b")]])


def recorded_card(rt: Runtime, lang: Language, recording: Recording) -> tuple[str, InlineKeyboardMarkup]:
    """The card of a visit just recorded, or recorded before with the same key ("already recorded")."""
    visit = recording.visit
    key = "saved" if recording.outcome is Outcome.RECORDED else "already_saved"
    return views(rt).card(lang, visit, text_of(rt, lang, key, id=visit.id)), card_keyboard(rt, lang, visit)


async def show_card(update: Update, context: Context, lang: Language, visit: Visit, note: str = "") -> None:
    """Turn the pressed message into the visit's card (or send the card)."""
    rt = context.runtime
    await edit_or_send(update, context, views(rt).card(lang, visit, note), card_keyboard(rt, lang, visit))


@staff_data("visit card button", remember_actor=True)
async def card_button(update: Update, context: Context, gate: StaffHere) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt, lang = context.runtime, gate.lang
    view = views(rt)
    press = parse_card_press(query.data)
    if press is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    visit = await rt.visits.get(press.visit_id)
    if visit is None:
        await alert(query, text_of(rt, lang, "not_found", id=press.visit_id), show_alert=True)
        return
    if press.action == "o":
        await alert(query)
        await reply(update, context, view.card(lang, visit), card_keyboard(rt, lang, visit))
        return
    if press.action == "h":
        await alert(query)
        await send_history(update, context, lang, visit.id)
        return
    if press.action == "p":  # read only: an older card may show the current list
        await alert(query)
        for page in participant_pages(view, lang, visit):
            await reply(update, context, page)
        return
    if press.action == "f":
        await alert(query)
        await send_files(update, context, lang, visit)
        return
    if press.revision != visit.revision:
        # the card on screen is older than the visit: show the current one, change nothing
        await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
        await show_card(update, context, lang, visit)
        return
    if press.action == EDIT_FIELD:
        # a form is already open for this user here (else the form's entry point took the press)
        await alert(query, text_of(rt, lang, "form_busy"), show_alert=True)
        return
    if press.action == "e" and not visit.deleted:
        await alert(query)
        text = view.card(lang, visit, text_of(rt, lang, "choose_field"))
        await edit_or_send(update, context, text, field_keyboard(rt, lang, visit))
        return
    if press.action == "b":
        await alert(query)
        await show_card(update, context, lang, visit)
        return
    if press.action == "d" and not visit.deleted:
        await alert(query)
        question = text_of(rt, lang, "delete_confirm", id=visit.id)
        text = view.card(lang, visit) + "\n\n" + question
        await edit_or_send(update, context, text, delete_keyboard(rt, lang, visit))
        return
    await change(update, context, gate.actor, lang, press, visit)


async def change(
    update: Update, context: Context, actor: int, lang: Language, press: CardPress, visit: Visit
) -> None:
    """Delete ("dy") or undo ("u") at the revision the card showed; anything else is a stale press."""
    query = update.callback_query
    assert query is not None
    rt = context.runtime
    try:
        if press.action == "dy":
            changed = await rt.visits.delete(visit.id, actor, expected_revision=press.revision)
            note = text_of(rt, lang, "deleted", id=visit.id)
        elif press.action == "u":
            changed = await rt.visits.restore(visit.id, actor, expected_revision=press.revision)
            note = text_of(rt, lang, "restored", id=visit.id)
        else:  # "e" or "d" on a deleted visit
            await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
            await show_card(update, context, lang, visit)
            return
    except StaleVisitError as stale:
        await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
        await show_card(update, context, lang, stale.current)
        return
    await alert(query)
    await show_card(update, context, lang, changed, note)
