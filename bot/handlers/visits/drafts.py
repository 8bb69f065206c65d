"""What the register keeps between updates, in user data that bot/persistence.py stores as JSON:

- an open form's draft: user_data["visit_forms"][chat id], the JSON of bot.core.form_draft.FormDraft.
  Each step is written to SQLite with the conversation's state before the next question is sent, so
  a form survives a restart;
- one-line visits waiting for "save anyway?": user_data["visit_pending"][token], their idempotency
  key and the visit as FormValues JSON.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.core.form_draft import FormDraft
from bot.core.visit_form import FormValues, new_form_id
from bot.core.visits import VisitDraft, VisitInputError
from bot.handlers.chat import Context
from bot.persistence import PERSISTENT_USER_KEYS, SqlitePersistence

FORM_NAME = "visit_form"  # the ConversationHandler's name in the persistence
FORMS_KEY = "visit_forms"  # user_data key of the drafts, kept across restarts
PENDING_KEY = "visit_pending"  # user_data key of one-line visits waiting for "save anyway?"
PENDING_LIMIT = 5
for _key in (FORMS_KEY, PENDING_KEY):
    if _key not in PERSISTENT_USER_KEYS:  # a real check: asserts vanish under python -O
        raise RuntimeError(f"bot.persistence must keep user_data[{_key!r}] for the visit register")


def form_key(user_id: int, form_id: str) -> str:
    """The idempotency key of the visit a form records: Save pressed twice records once."""
    return f"form:{user_id}:{form_id}"


def _kept(context: Context, key: str) -> dict[str, dict[str, Any]]:
    data = context.user_data
    if data is None:
        raise RuntimeError("the visit register needs user data")
    kept: dict[str, dict[str, Any]] = data.setdefault(key, {})
    return kept


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
        _kept(context, FORMS_KEY)[str(chat.id)] = draft.to_json()


def drop_draft(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None or context.user_data is None:
        return
    forms = _kept(context, FORMS_KEY)
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


# ---- one-line visits waiting for "save anyway?" ------------------------------------------------


def remember_pending(context: Context, key: str, draft: VisitDraft, *, confirm_place: bool = False) -> str:
    """Keep a one-line visit (as JSON) until "save anyway" or "cancel"; returns its token.
    `confirm_place`: it waits for "yes, another place" (a similar visit is looked for after it)."""
    pending = _kept(context, PENDING_KEY)
    while len(pending) >= PENDING_LIMIT:
        pending.pop(next(iter(pending)))
    token = new_form_id()
    pending[token] = {"key": key, "draft": FormValues.of(draft).to_json()}
    if confirm_place:
        pending[token]["confirm_place"] = True
    return token


async def save_pending(update: Update, context: Context) -> None:
    """Write the waiting visits to SQLite now, before the card that waits is sent: a kill -9 right after
    it still finds the visit when Save is pressed (PTB's own update comes every UPDATE_INTERVAL)."""
    persistence, user = context.application.persistence, update.effective_user
    if isinstance(persistence, SqlitePersistence) and user is not None and context.user_data is not None:
        await persistence.update_user_data(user.id, context.user_data)


def pending_confirms_place(context: Context, token: str) -> bool:
    entry = _kept(context, PENDING_KEY).get(token) if context.user_data is not None else None
    return isinstance(entry, dict) and entry.get("confirm_place") is True


def pending_visit(context: Context, token: str) -> tuple[str, VisitDraft] | None:
    """(idempotency key, visit) waiting under `token`; None when gone (or unreadable)."""
    entry = _kept(context, PENDING_KEY).get(token) if context.user_data is not None else None
    if entry is None or not isinstance(entry.get("key"), str) or not isinstance(entry.get("draft"), dict):
        return None
    try:
        return entry["key"], FormValues.from_json(entry["draft"]).draft()
    except VisitInputError:
        return None


def forget_pending(context: Context, token: str) -> None:
    _kept(context, PENDING_KEY).pop(token, None)
