"""Staff record delegation visits: the guided /visit form, the one-line /visit, /visits, the visit
card (edit, delete, undo), /history N and /cancel.

Every command and every button press checks the acting user against the staff list again, and the
chat against `bot.access.register_visible` (bot/handlers/staff_gate.py): the register (notes
included) is shown only in a private chat or the office's staff chat. Elsewhere the bot asks to use a
private chat and shows nothing.

Where things are:
    form.py            the guided form's conversation: answers, /cancel, timeout, its wiring
    form_opening.py    its entry points (/visit, a field on a card, Edit on a waiting one-line visit)
    form_questions.py  what each step asks, with its buttons (the start date's Today / Yesterday ...)
    form_saving.py     Save on the confirmation card; the end of editing a saved visit's field
    drafts.py          what waits between updates: the form's draft, a visit waiting for "save anyway?"
    one_line.py        /visit TOWN; DATE; ..., its town check (Save / Edit / Cancel) and "save anyway?"
    card.py            a saved visit's card: edit, delete, undo, history, participants, files
    details.py         /participants, /head, /attach (and files sent to a card), /files, /detach
    register.py        /visits (pages) and /history
    callback_data.py   the buttons' data: how it is written and read back
    messages.py        sending and replacing messages, the texts every part shares
The form's rules (steps, which buttons each state takes, what comes next) are in bot/core/visit_form.py.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers.visits.callback_data import CB_CARD, CB_DUPLICATE, CB_FORM, CB_FOUND, CB_LIST
from bot.handlers.visits.card import card_button
from bot.handlers.visits.details import (
    attach_command,
    detach_command,
    file_message,
    files_command,
    head_command,
    participants_command,
)
from bot.handlers.visits.form import cancel_outside, form_handler, stale_form_button
from bot.handlers.visits.one_line import duplicate_button
from bot.handlers.visits.register import find_command, history_command, list_button, visits_command

_MEDIA = (
    filters.Document.ALL
    | filters.PHOTO
    | filters.VIDEO
    | filters.AUDIO
    | filters.VOICE
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Sticker.ALL
)


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, form_handler()),
        (0, CommandHandler("visits", visits_command)),
        (0, CommandHandler("find", find_command)),
        (0, CommandHandler("history", history_command)),
        (0, CommandHandler("cancel", cancel_outside)),
        (0, CommandHandler("participants", participants_command)),
        (0, CommandHandler("head", head_command)),
        (0, CommandHandler("attach", attach_command)),
        (0, CommandHandler("files", files_command)),
        (0, CommandHandler("detach", detach_command)),
        # files staff keep with a visit; anything else goes on to the private chat's "text, please"
        (0, MessageHandler(filters.UpdateType.MESSAGE & _MEDIA & ~filters.VIA_BOT, file_message)),
        (0, CallbackQueryHandler(card_button, pattern=f"^{CB_CARD}:")),
        (0, CallbackQueryHandler(list_button, pattern=f"^(?:{CB_LIST}|{CB_FOUND}):")),
        (0, CallbackQueryHandler(duplicate_button, pattern=f"^{CB_DUPLICATE}:")),
        (0, CallbackQueryHandler(stale_form_button, pattern=f"^{CB_FORM}:")),
    ]
