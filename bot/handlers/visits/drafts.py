"""Where an open form's draft lives between updates: user_data["visit_forms"][chat id], as the JSON of
bot.core.visit_form.FormDraft. Each step is written to SQLite (bot/persistence.py) with the
conversation's state before the next question is sent, so a form survives a restart."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.core.visit_form import FormDraft
from bot.handlers.chat import Context
from bot.persistence import PERSISTENT_USER_KEYS, SqlitePersistence

FORM_NAME = "visit_form"  # the ConversationHandler's name in the persistence
FORMS_KEY = "visit_forms"  # user_data key of the drafts, kept across restarts
if FORMS_KEY not in PERSISTENT_USER_KEYS:  # a real check: asserts vanish under python -O
    raise RuntimeError(f"bot.persistence must keep user_data[{FORMS_KEY!r}] for the visit form")


def form_key(user_id: int, form_id: str) -> str:
    """The idempotency key of the visit a form records: Save pressed twice records once."""
    return f"form:{user_id}:{form_id}"


def _forms(context: Context) -> dict[str, dict[str, Any]]:
    data = context.user_data
    if data is None:
        raise RuntimeError("the visit form needs user data")
    forms: dict[str, dict[str, Any]] = data.setdefault(FORMS_KEY, {})
    return forms


def get_draft(update: Update, context: Context) -> FormDraft | None:
    """The draft of the user's form in this chat; None when there is none (or it cannot be read)."""
    chat = update.effective_chat
    if chat is None or context.user_data is None:
        return None
    return FormDraft.from_json(context.user_data.get(FORMS_KEY, {}).get(str(chat.id)))


def keep_draft(update: Update, context: Context, draft: FormDraft) -> None:
    """Put the draft in user_data (PTB's persistence stores it with its next update)."""
    chat = update.effective_chat
    if chat is not None:
        _forms(context)[str(chat.id)] = draft.to_json()


def drop_draft(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None or context.user_data is None:
        return
    forms = _forms(context)
    forms.pop(str(chat.id), None)
    if not forms:
        context.user_data.pop(FORMS_KEY, None)


async def save_step(update: Update, context: Context, draft: FormDraft | None) -> None:
    """Keep the draft at its step (None: the form is over, its draft dropped) and write that state and
    draft to SQLite now, in one transaction, before the user hears about it."""
    if draft is None:
        drop_draft(update, context)
    else:
        keep_draft(update, context, draft)
    persistence = context.application.persistence
    chat, user = update.effective_chat, update.effective_user
    if isinstance(persistence, SqlitePersistence) and chat is not None and user is not None:
        state = draft.step if draft is not None else None
        await persistence.save_now(FORM_NAME, (chat.id, user.id), state, user.id, context.user_data or {})
