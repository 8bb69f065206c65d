"""Staff record delegation visits: the guided /visit form, the one-line /visit, /visits, the visit
card (edit, delete, undo), /history N and /cancel.

Every command and every button press checks the acting user against the staff list again, and the
chat against `bot.access.register_visible`: the register (notes included) is shown only in a private
chat or the office's staff chat. Elsewhere the bot asks to use a private chat and shows nothing.

The form's rules (steps, which buttons each state takes, what comes next) are in bot/core/visit_form.py;
this module asks the questions and keeps the draft. The form is a persistent ConversationHandler (name
"visit_form", per chat and user); its draft lives in user_data["visit_forms"][chat id]. Each step is
written to SQLite (bot/persistence.py) before the next question is sent, so a form survives a restart,
and a form idle for FORM_TIMEOUT is closed.

Callback data (<= 64 bytes), each carrying what makes a stale press detectable; only the exact values
the bot generates are accepted, anything else is answered as a forged button:
    vf:<form id>:<action>[:<arg>]           form buttons; the form id changes with every new form
    vc:<visit id>:<revision>:<action>[:<arg>] card buttons; the revision grows with every change
    vl:<generation>:<page>:<town|->:<year|->  list pages; the generation grows with every change
    vd:<token>:<y|n>                        "save anyway?" after a one-line visit like one on record;
                                            the draft waits in user_data["visit_pending"][token]
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.access import staff_user
from bot.core.model import Language, Town
from bot.core.visit_form import (
    CANCEL,
    CHOOSE,
    CONFIRM,
    FIELD_STEP,
    FORM_PREFIX,
    FORM_TIMEOUT,
    RESTART,
    SAVE_EDIT,
    STATES,
    STEPS,
    Answered,
    FormValues,
    InvalidPressError,
    accepts,
    apply_press,
    apply_text,
    apply_town,
    changes_for,
    empty_values,
    expired,
    field_of_step,
    new_form_id,
    next_step,
    parse_form_press,
)
from bot.core.visits import (
    EDITABLE,
    DelegationType,
    Direction,
    Visit,
    VisitDraft,
    VisitInputError,
    find_town,
    parse_one_line,
    validate,
    visit_towns,
    year_allowed,
)
from bot.handlers.chat import NO_PREVIEW, Context, command_language, language_of, runtime, send
from bot.handlers.staff import alert, ask_for_private_chat, note_actor, refuse_staff_only, register_here
from bot.persistence import PERSISTENT_USER_KEYS, SqlitePersistence
from bot.replies import Reply
from bot.replies.visits import VisitReplies
from bot.runtime import Runtime
from storage.visits import StaleVisitError, VisitNotFoundError

log = logging.getLogger(__name__)

FORM_NAME = "visit_form"
FORMS_KEY = "visit_forms"  # user_data key of the drafts, kept across restarts
PENDING_KEY = "visit_pending"  # user_data key of one-line visits waiting for "save anyway?"
PENDING_LIMIT = 5
for _key in (FORMS_KEY, PENDING_KEY):
    if _key not in PERSISTENT_USER_KEYS:  # a real check: asserts vanish under python -O
        raise RuntimeError(f"bot.persistence must keep user_data[{_key!r}] for the visit register")
PAGE_SIZE = 10
CALLBACK_LIMIT = 64
GENERATION_MODULO = 1_000_000

CB_FORM = FORM_PREFIX
CB_CARD = "vc"
CB_LIST = "vl"
CB_DUPLICATE = "vd"
END = ConversationHandler.END

# card buttons without an argument; "ef" (edit a field) takes one of EDITABLE
CARD_ACTIONS = frozenset({"o", "h", "e", "b", "d", "dy", "u"})
EDIT_FIELD = "ef"
_CARD_DATA = re.compile(r"^vc:([1-9][0-9]{0,11}):([1-9][0-9]{0,8}):([a-z]{1,2})(?::([a-z]{1,12}))?$")
_LIST_DATA = re.compile(r"^vl:(0|[1-9][0-9]{0,5}):(0|[1-9][0-9]{0,4}):([a-z0-9_]{1,40}|-):([0-9]{4}|-)$")
_DUPLICATE_DATA = re.compile(r"^vd:([A-Za-z0-9_-]{8}):([yn])$")
_VISIT_NUMBER = re.compile(r"[1-9][0-9]{0,11}")
_YEAR = re.compile(r"[0-9]{4}")


# ---- small helpers --------------------------------------------------------------------------------------


def callback(*parts: object) -> str:
    data = ":".join(str(part) for part in parts)
    if len(data.encode("utf-8")) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


def button(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback(*parts))


def rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def views(rt: Runtime) -> VisitReplies:
    return VisitReplies(rt.replies())


async def staff_language(update: Update, context: Context) -> Language:
    """Staff commands and forms answer in the chat's /lang choice, else [bot] default_language.

    Never the script of the arguments: `/visit Нарва; 1.6.24; in; official` is a Russian chat
    following the bot's own hint, not an English speaker (the script rule is for residents' questions).
    """
    return await language_of(update, context)


def text_of(rt: Runtime, lang: Language, key: str, **params: object) -> str:
    return rt.replies().t(lang, f"visits.{key}", **params)


async def refuse(update: Update, context: Context) -> None:
    """The shared "staff only" answer; the refused are residents, answered in the language of what
    they typed (for a command), as residents' questions are."""
    message = update.effective_message
    lang: Language | None = None
    if update.callback_query is None and message is not None:
        parts = (message.text or "").split(maxsplit=1)
        lang = await command_language(update, context, parts[1] if len(parts) > 1 else "")
    await refuse_staff_only(update, context, lang)


async def staff_here(update: Update, context: Context, action: str) -> tuple[int, Language] | None:
    """The gate of staff commands and buttons that show register data: (staff id, answer language), or
    None once the update has been answered (not staff: refused; not a private chat: pointed to one)."""
    rt = runtime(context)
    actor = await staff_user(rt, update, action)
    if actor is None:
        await refuse(update, context)
        return None
    await note_actor(rt, update)
    lang = await staff_language(update, context)
    if not register_here(update, context):
        await ask_for_private_chat(update, context, lang)
        return None
    return actor, lang


async def reply(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send into the update's chat (and forum topic), as HTML without link previews."""
    message = update.effective_message
    if isinstance(message, Message):
        return await send(message, Reply(text), reply_markup=markup)
    chat = update.effective_chat  # a press on a message too old to be seen: a new message
    if chat is None:
        return None
    return await context.bot.send_message(
        chat_id=chat.id,
        text=text,
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
        reply_markup=markup,
    )


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Replace the pressed message with `text`; False when that message cannot be edited."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=markup
        )
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True
        log.info("could not edit message: %s", error.message)
        return False
    return True


async def edit_or_send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message with `text` (or send it when that message cannot be edited)."""
    if not await edit(update, text, markup):
        await reply(update, context, text, markup)


# ---- the form's draft -----------------------------------------------------------------------------------


def _forms(context: Context) -> dict[str, dict[str, Any]]:
    data = context.user_data
    if data is None:
        raise RuntimeError("the visit form needs user data")
    forms: dict[str, dict[str, Any]] = data.setdefault(FORMS_KEY, {})
    return forms


def get_draft(update: Update, context: Context) -> dict[str, Any] | None:
    chat = update.effective_chat
    if chat is None or context.user_data is None:
        return None
    return _forms(context).get(str(chat.id))


def drop_draft(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None or context.user_data is None:
        return
    forms = _forms(context)
    forms.pop(str(chat.id), None)
    if not forms:
        context.user_data.pop(FORMS_KEY, None)


def new_draft(context: Context, chat_id: int, lang: Language, mode: str = "new") -> dict[str, Any]:
    draft: dict[str, Any] = {
        "id": new_form_id(),
        "lang": lang,
        "mode": mode,
        "fixing": False,
        "step": STEPS[0],
        "values": empty_values(),
        "touched": runtime(context).now().isoformat(),
    }
    _forms(context)[str(chat_id)] = draft
    return draft


def form_values(draft: dict[str, Any]) -> FormValues:
    return FormValues.from_json(draft["values"])


def form_key(user_id: int, form_id: str) -> str:
    return f"form:{user_id}:{form_id}"


async def save_step(update: Update, context: Context, state: str | None) -> None:
    """Write the form's next state and draft to SQLite now, before the user hears about it."""
    persistence = context.application.persistence
    chat, user = update.effective_chat, update.effective_user
    if isinstance(persistence, SqlitePersistence) and chat is not None and user is not None:
        await persistence.save_now(FORM_NAME, (chat.id, user.id), state, user.id, context.user_data or {})


# ---- form prompts ---------------------------------------------------------------------------------------


def prompt(
    rt: Runtime, draft: dict[str, Any], note: str = "", restart: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the draft's current step, with its buttons (and "start over", for a form found
    unfinished)."""
    text, markup = _prompt(rt, draft, note)
    if not restart or draft["mode"] != "new":
        return text, markup
    again = button(text_of(rt, draft["lang"], "button.start_over"), CB_FORM, draft["id"], RESTART)
    return text, InlineKeyboardMarkup([*markup.inline_keyboard, [again]])


def _prompt(rt: Runtime, draft: dict[str, Any], note: str = "") -> tuple[str, InlineKeyboardMarkup]:
    lang: Language = draft["lang"]
    step: str = draft["step"]
    form = draft["id"]
    view = views(rt)
    values = form_values(draft)
    cancel = button(text_of(rt, lang, "button.cancel"), CB_FORM, form, CANCEL)
    if step == CONFIRM:
        text = view.draft_card(lang, values)
        confirm = [
            [button(text_of(rt, lang, "button.save"), CB_FORM, form, "save")],
            [button(text_of(rt, lang, "button.edit_field"), CB_FORM, form, "e"), cancel],
        ]
        return (f"{note}\n\n{text}" if note else text), InlineKeyboardMarkup(confirm)
    if step == CHOOSE:
        fields = [button(view.field_name(lang, name), CB_FORM, form, "f", name) for name in EDITABLE]
        choose = [*rows(fields), [button(text_of(rt, lang, "button.back"), CB_FORM, form, "b")]]
        text = view.draft_card(lang, values)
        return f"{text}\n\n{text_of(rt, lang, 'choose_field')}", InlineKeyboardMarkup(choose)
    lines: list[str] = [note] if note else []
    if draft["mode"] == "edit":
        field = draft["field"]
        lines.append(
            text_of(
                rt,
                lang,
                "edit_header",
                id=draft["visit_id"],
                field=view.field_name(lang, field),
                current=view.value(lang, field, values),
            )
        )
    elif draft.get("fixing"):
        field = field_of_step(step)
        lines.append(
            text_of(
                rt,
                lang,
                "fix_header",
                field=view.field_name(lang, field),
                current=view.value(lang, field, values),
            )
        )
    else:
        lines.append(text_of(rt, lang, "step_header", step=STEPS.index(step) + 1, total=len(STEPS)))
    lines.append(text_of(rt, lang, f"ask.{step}"))
    if step in ("purpose", "notes"):
        lines.append(view.limit_hint(lang, step))
    lines.append(text_of(rt, lang, "cancel_hint"))
    keyboard: list[list[InlineKeyboardButton]] = []
    if step == "town":
        towns = [
            button(f"{rt.replies().flag(town.country)} {town.name(lang)}", CB_FORM, form, "t", town.key)
            for town in visit_towns(rt.directory)[:40]
        ]
        keyboard.extend(rows(towns))
    elif step == "direction":
        keyboard.append(
            [
                button(text_of(rt, lang, f"button.{direction.value}"), CB_FORM, form, "d", direction.value)
                for direction in Direction
            ]
        )
    elif step == "start":
        keyboard.append(
            [
                button(text_of(rt, lang, "button.today"), CB_FORM, form, "day", "0"),
                button(text_of(rt, lang, "button.yesterday"), CB_FORM, form, "day", "1"),
            ]
        )
    elif step == "kind":
        kinds = [button(view.kind(lang, kind), CB_FORM, form, "k", kind.value) for kind in DelegationType]
        keyboard.extend(rows(kinds))
    elif step in ("end", "people", "notes"):
        keyboard.append([button(text_of(rt, lang, f"button.skip_{step}"), CB_FORM, form, "s")])
    keyboard.append([cancel])
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def ask(
    update: Update,
    context: Context,
    draft: dict[str, Any],
    note: str = "",
    in_place: bool = False,
    restart: bool = False,
) -> str:
    """Persist the draft at its current step, then ask that step's question; returns the state.

    After a button press (`in_place`), the pressed message turns into the next question: one request
    instead of two, which matters in groups (20 messages a minute).
    """
    rt = runtime(context)
    draft["touched"] = rt.now().isoformat()
    state: str = draft["step"]
    await save_step(update, context, state)
    text, markup = prompt(rt, draft, note, restart)
    if in_place and update.callback_query is not None:
        await edit_or_send(update, context, text, markup)
    else:
        await reply(update, context, text, markup)
    return state


def chosen_text(rt: Runtime, draft: dict[str, Any], field: str) -> str:
    view = views(rt)
    lang: Language = draft["lang"]
    values = form_values(draft)
    # no end date after a start date is a one-day visit, not a missing answer
    one_day = field == "end" and values.end is None and values.start is not None
    return text_of(
        rt,
        lang,
        "chosen",
        field=view.field_name(lang, field),
        value=text_of(rt, lang, "one_day") if one_day else view.value(lang, field, values),
    )


# ---- entering the form ----------------------------------------------------------------------------------


async def visit_command(update: Update, context: Context) -> object:
    """/visit: the guided form; /visit TOWN; DATE; ... records in one line; /visit TOWN starts at step 2."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or message.text is None or chat is None:
        return END
    rt = runtime(context)
    # the form's cards and the saved card are register data: nothing is recorded or shown elsewhere
    gate = await staff_here(update, context, "/visit")
    if gate is None:
        return END
    actor, lang = gate
    parts = message.text.split(maxsplit=1)
    argument = parts[1].strip() if len(parts) > 1 else ""
    if ";" in argument:
        await record_one_line(update, context, message, actor, argument, lang)
        return END
    if any(char.isdigit() for char in argument):
        # "/visit Засниц от нас 05.06.2025 ...": a one-line record without its ';' separators. No town name
        # has digits, so starting the form with the town would silently drop the rest: explain instead.
        await reply(
            update,
            context,
            text_of(rt, lang, "one_line_separators") + "\n\n" + text_of(rt, lang, "one_line_usage"),
        )
        return END
    left = get_draft(update, context)
    if left is not None and not expired(left.get("touched"), rt.now()) and left.get("step") in STATES:
        # a form whose conversation state was lost (or never restored): offer it rather than drop it
        seen_message(left, message.message_id)
        return await ask(update, context, left, text_of(rt, left["lang"], "form_unfinished"), restart=True)
    draft = new_draft(context, chat.id, lang)
    seen_message(draft, message.message_id)
    note = ""
    if argument:
        lookup = find_town(rt.directory, argument)
        if lookup.town is not None:
            apply_town(draft["values"], lookup.town.key)
            draft["step"] = "direction"
            note = chosen_text(rt, draft, "town")
        else:
            note = town_problem(rt, lang, argument, lookup.candidates or lookup.suggestions)
    return await ask(update, context, draft, note)


def town_problem(rt: Runtime, lang: Language, typed: str, towns: Sequence[Town]) -> str:
    if not towns:
        return text_of(rt, lang, "town_not_found", text=typed[:60])
    names = ", ".join(town.name(lang) for town in towns)
    return text_of(rt, lang, "town_suggest", text=typed[:60], names=names)


async def record_one_line(
    update: Update, context: Context, message: Message, actor: int, argument: str, lang: Language
) -> None:
    rt = runtime(context)
    view = views(rt)
    try:
        draft = parse_one_line(argument, rt.directory, rt.today())
    except VisitInputError as error:
        text = view.errors(lang, error.errors) + "\n\n" + text_of(rt, lang, "one_line_usage")
        await reply(update, context, text)
        return
    key = f"msg:{message.chat_id}:{message.message_id}"
    # the same message delivered again (a retry, a replay after a crash) finds the visit made the first time
    if await rt.visits.find_by_key(key) is None:
        similar = await rt.visits.find_similar(draft.town_key, draft.direction, draft.start)
        if similar is not None:
            token = remember_pending(context, key, draft)
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        button(text_of(rt, lang, "button.save_anyway"), CB_DUPLICATE, token, "y"),
                        button(text_of(rt, lang, "button.cancel"), CB_DUPLICATE, token, "n"),
                    ]
                ]
            )
            await reply(update, context, similar_warning(rt, lang, similar), keyboard)
            return
    visit, created = await rt.visits.record(draft, actor, key)
    note = text_of(rt, lang, "saved" if created else "already_saved", id=visit.id)
    await reply(update, context, view.card(lang, visit, note), card_keyboard(rt, lang, visit))


def similar_warning(rt: Runtime, lang: Language, similar: Visit) -> str:
    """ "A similar visit is already recorded: #N · town · dates · direction. Save anyway?" """
    view = views(rt)
    return text_of(
        rt,
        lang,
        "similar_found",
        id=similar.id,
        town=view.town(lang, similar.town_key),
        dates=view.dates(lang, similar.start, similar.end),
        direction=view.direction(lang, similar.direction),
    )


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
    pending[token] = {
        "key": key,
        "draft": {
            "town_key": draft.town_key,
            "direction": draft.direction.value,
            "start": draft.start.isoformat(),
            "end": draft.end.isoformat() if draft.end else None,
            "kind": draft.kind.value,
            "people": draft.people,
            "purpose": draft.purpose,
            "notes": draft.notes,
        },
    }
    return token


def pending_draft(values: dict[str, Any]) -> VisitDraft:
    return VisitDraft(
        town_key=values["town_key"],
        direction=Direction(values["direction"]),
        start=date.fromisoformat(values["start"]),
        end=date.fromisoformat(values["end"]) if values["end"] else None,
        kind=DelegationType(values["kind"]),
        people=values["people"],
        purpose=values["purpose"],
        notes=values["notes"],
    )


async def duplicate_button(update: Update, context: Context) -> None:
    """Save anyway / Cancel under "a similar visit is already recorded" (a one-line /visit)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    gate = await staff_here(update, context, "visit save anyway")
    if gate is None:
        return
    actor, lang = gate
    match = _DUPLICATE_DATA.match(query.data)
    if match is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    token, answer = match.group(1), match.group(2)
    entry = _pending(context).get(token) if context.user_data is not None else None
    if entry is None:
        await alert(query, text_of(rt, lang, "stale_button"))
        return
    if answer == "n":
        _pending(context).pop(token, None)
        await alert(query)
        await edit_or_send(update, context, text_of(rt, lang, "not_saved"))
        return
    # kept until it goes stale: a second press finds the visit by the message's key (idempotent)
    view = views(rt)
    visit, created = await rt.visits.record(pending_draft(entry["draft"]), actor, entry["key"])
    await alert(query, None if created else text_of(rt, lang, "already_saved", id=visit.id))
    note = text_of(rt, lang, "saved" if created else "already_saved", id=visit.id)
    await edit_or_send(update, context, view.card(lang, visit, note), card_keyboard(rt, lang, visit))


# ---- inside the form ------------------------------------------------------------------------------------


async def _form_context(update: Update, context: Context) -> tuple[Runtime, dict[str, Any], int] | int | None:
    """(runtime, draft, staff id) for a form update; otherwise the state to return (None: stay)."""
    rt = runtime(context)
    actor = await staff_user(rt, update, "visit form")
    if actor is None:
        drop_draft(update, context)
        await save_step(update, context, None)
        await refuse(update, context)
        return END
    draft = get_draft(update, context)
    if not register_here(update, context):
        # a form left open before the chat stopped being a place for the register
        drop_draft(update, context)
        await save_step(update, context, None)
        await ask_for_private_chat(update, context, draft["lang"] if draft else None)
        return END
    if draft is None or expired(draft.get("touched"), rt.now()):
        # a form restored after a restart that has been idle too long, or a lost draft
        lang = draft["lang"] if draft else await language_of(update, context)
        drop_draft(update, context)
        await save_step(update, context, None)
        if update.callback_query is not None:
            await alert(update.callback_query)
        await reply(update, context, text_of(rt, lang, "form_timeout", minutes=_minutes()))
        return END
    # After a crash Telegram delivers the last unconfirmed updates again. Message ids only grow in a
    # chat, and query ids are unique: an answer already taken must not become the next step's answer.
    message, query = update.message, update.callback_query
    if query is not None:
        seen: list[str] = draft.setdefault("queries", [])
        if query.id in seen:
            log.info("ignoring a repeated button press in the visit form")
            return None
        seen.append(query.id)
        del seen[:-8]
    elif message is not None and not seen_message(draft, message.message_id):
        log.info("ignoring a repeated message in the visit form")
        return None
    if draft.get("step") not in STATES:  # a draft of another version: start it again, and say so
        draft["step"], draft["mode"], draft["fixing"] = STEPS[0], "new", False
        draft["values"] = empty_values()
    return rt, draft, actor


def seen_message(draft: dict[str, Any], message_id: int) -> bool:
    """Note a message the form has taken; False when it was taken already (Telegram delivering it again).

    Only the exact ids are remembered: a message with a lower id than the last one (a form from an
    earlier session, a chat moved to another bot) is a new answer and gets an answer of its own."""
    seen: list[int] = draft.setdefault("messages", [])
    if message_id in seen or message_id == draft.get("last_message"):
        return False
    seen.append(message_id)
    del seen[:-8]
    draft["last_message"] = message_id
    return True


def _minutes() -> int:
    return int(FORM_TIMEOUT.total_seconds() // 60)


async def form_text(update: Update, context: Context) -> object:
    message = update.effective_message
    if message is None or message.text is None:
        return None
    found = await _form_context(update, context)
    if not isinstance(found, tuple):
        return found
    rt, draft, _ = found
    lang: Language = draft["lang"]
    step: str = draft["step"]
    if step in (CONFIRM, CHOOSE):
        return await ask(update, context, draft, text_of(rt, lang, "use_buttons"))
    try:
        if step == "town":
            typed = message.text.strip()
            lookup = find_town(rt.directory, typed)
            if lookup.town is None:
                return await ask_town_again(
                    update, context, draft, typed, lookup.candidates or lookup.suggestions
                )
            answered = apply_town(draft["values"], lookup.town.key)
        else:
            resetting = draft["mode"] == "edit" or bool(draft.get("fixing"))
            answered = apply_text(step, draft["values"], message.text, rt.today(), reset_end=resetting)
    except VisitInputError as error:
        return await ask(update, context, draft, "⚠️ " + views(rt).error(lang, error.errors[0]))
    return await step_done(update, context, draft, answered)


async def ask_town_again(
    update: Update, context: Context, draft: dict[str, Any], typed: str, towns: Sequence[Town]
) -> str:
    rt = runtime(context)
    lang: Language = draft["lang"]
    if towns:
        # only the matching towns as buttons: one press and the form goes on
        note = town_problem(rt, lang, typed, towns)
        draft["touched"] = rt.now().isoformat()
        await save_step(update, context, draft["step"])
        keyboard = rows(
            [
                button(
                    f"{rt.replies().flag(town.country)} {town.name(lang)}",
                    CB_FORM,
                    draft["id"],
                    "t",
                    town.key,
                )
                for town in towns
            ]
        )
        keyboard.append([button(text_of(rt, lang, "button.cancel"), CB_FORM, draft["id"], CANCEL)])
        await reply(update, context, note, InlineKeyboardMarkup(keyboard))
        return cast(str, draft["step"])
    return await ask(update, context, draft, town_problem(rt, lang, typed, ()))


async def step_done(
    update: Update, context: Context, draft: dict[str, Any], answered: Answered, note: str = ""
) -> object:
    """A field got its value: the next question, the confirmation card, or (editing a saved visit) the save."""
    state = next_step(
        draft["step"], answered, editing_saved=draft["mode"] == "edit", fixing=bool(draft.get("fixing"))
    )
    if state == SAVE_EDIT:
        return await save_edit(update, context, draft)
    if state == CONFIRM:
        draft["fixing"] = False
    draft["step"] = state
    return await ask(update, context, draft, note, in_place=update.callback_query is not None)


async def show_state(update: Update, context: Context, draft: dict[str, Any], state: str) -> str:
    """Move the form to CONFIRM or CHOOSE and turn the pressed message into that card."""
    rt = runtime(context)
    draft["step"] = state
    draft["touched"] = rt.now().isoformat()
    await save_step(update, context, state)
    text, markup = prompt(rt, draft)
    await edit_or_send(update, context, text, markup)
    return state


async def form_button(update: Update, context: Context) -> object:
    query = update.callback_query
    if query is None or query.data is None:
        return None
    found = await _form_context(update, context)
    if not isinstance(found, tuple):
        return found
    rt, draft, actor = found
    lang: Language = draft["lang"]
    step: str = draft["step"]
    press = parse_form_press(query.data)
    if press is None or press.form_id != draft["id"]:
        await alert(query, text_of(rt, lang, "stale_button"))
        return step
    if press.action == CANCEL:
        await alert(query)
        return await cancel_form(update, context)
    if press.action == RESTART:
        await alert(query)
        chat = update.effective_chat
        assert chat is not None
        fresh = new_draft(context, chat.id, lang)
        fresh["messages"], fresh["last_message"] = draft.get("messages", []), draft.get("last_message", 0)
        return await ask(update, context, fresh, in_place=True)
    if not accepts(step, press.action):
        await alert(query, text_of(rt, lang, "stale_button"))
        return step
    if step == CONFIRM:
        if press.action in ("save", "sa"):
            return await save_new(update, context, draft, actor, check_similar=press.action == "save")
        await alert(query)  # "e": choose a field to change
        return await show_state(update, context, draft, CHOOSE)
    if step == CHOOSE:
        await alert(query)
        field = press.argument or ""
        if press.action == "b" or field not in FIELD_STEP:
            return await show_state(update, context, draft, CONFIRM)
        draft["fixing"] = True
        draft["step"] = FIELD_STEP[field]
        return await ask(update, context, draft, in_place=True)
    try:
        answered = apply_press(step, press, draft["values"], rt.directory, rt.today())
    except VisitInputError as error:
        await alert(query, views(rt).error(lang, error.errors[0]))
        return step
    except InvalidPressError:
        await alert(query, text_of(rt, lang, "stale_button"))
        return step
    await alert(query)
    taken = chosen_text(rt, draft, "dates" if answered.field == "start" else answered.field)
    return await step_done(update, context, draft, answered, note=taken)


async def save_new(
    update: Update, context: Context, draft: dict[str, Any], actor: int, check_similar: bool = True
) -> object:
    """Save: validate, warn about a similar visit on record (unless "save anyway"), commit (visit +
    idempotency key + audit in one transaction), then acknowledge."""
    rt = runtime(context)
    query = update.callback_query
    if query is None:
        return draft["step"]
    lang: Language = draft["lang"]
    view = views(rt)
    try:
        new = form_values(draft).draft()
        errors = validate(new, rt.today(), (town.key for town in visit_towns(rt.directory)))
        if errors:
            raise VisitInputError(errors)
    except VisitInputError as error:
        await alert(query)
        problems = view.errors(lang, error.errors, "errors_header_form")
        return await ask(update, context, draft, problems, in_place=True)
    key = form_key(actor, draft["id"])
    if check_similar and await rt.visits.find_by_key(key) is None:
        similar = await rt.visits.find_similar(new.town_key, new.direction, new.start)
        if similar is not None:
            await alert(query)
            form = draft["id"]
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        button(text_of(rt, lang, "button.save_anyway"), CB_FORM, form, "sa"),
                        button(text_of(rt, lang, "button.cancel"), CB_FORM, form, CANCEL),
                    ]
                ]
            )
            draft["touched"] = rt.now().isoformat()
            await save_step(update, context, CONFIRM)
            await edit_or_send(update, context, similar_warning(rt, lang, similar), keyboard)
            return CONFIRM
    visit, created = await rt.visits.record(new, actor, key)
    drop_draft(update, context)
    await save_step(update, context, None)
    await alert(query)
    note = text_of(rt, lang, "saved" if created else "already_saved", id=visit.id)
    await edit_or_send(update, context, view.card(lang, visit, note), card_keyboard(rt, lang, visit))
    return END


async def save_edit(update: Update, context: Context, draft: dict[str, Any]) -> object:
    """The end of editing one field of a saved visit: write it (with audit) and show the card."""
    rt = runtime(context)
    lang: Language = draft["lang"]
    view = views(rt)
    actor = await staff_user(rt, update, "visit edit")
    field: str = draft["field"]
    values = form_values(draft)
    changes = changes_for(field, values)
    drop_draft(update, context)
    await save_step(update, context, None)
    if actor is None:
        await refuse(update, context)
        return END
    try:
        errors = validate(values.draft(), rt.today())
        if errors:
            raise VisitInputError(errors)
        visit = await rt.visits.update(draft["visit_id"], changes, actor, expected_revision=draft["revision"])
    except VisitInputError as error:
        await reply(update, context, view.errors(lang, error.errors))
        return END
    except StaleVisitError as stale:
        current = stale.current
        await reply(
            update,
            context,
            view.card(lang, current, text_of(rt, lang, "stale_card")),
            card_keyboard(rt, lang, current),
        )
        return END
    except VisitNotFoundError:
        await reply(update, context, text_of(rt, lang, "not_found", id=draft["visit_id"]))
        return END
    note = text_of(rt, lang, "updated", id=visit.id, field=view.field_name(lang, field))
    card = view.card(lang, visit, note)
    if update.callback_query is not None:
        await edit_or_send(update, context, card, card_keyboard(rt, lang, visit))
    else:
        await reply(update, context, card, card_keyboard(rt, lang, visit))
    return END


async def form_not_text(update: Update, context: Context) -> object:
    """A sticker, photo, voice... where the form expects text or a button: ask again, politely."""
    found = await _form_context(update, context)
    if not isinstance(found, tuple):
        return found
    rt, draft, _ = found
    return await ask(update, context, draft, text_of(rt, draft["lang"], "not_text"))


async def cancel_form(update: Update, context: Context) -> object:
    rt = runtime(context)
    draft = get_draft(update, context)
    lang = draft["lang"] if draft else await language_of(update, context)
    drop_draft(update, context)
    await save_step(update, context, None)
    text = text_of(rt, lang, "form_cancelled")
    # a press turns the question into the record of the cancellation; a command gets a message
    if update.callback_query is None or not await edit(update, text):
        await reply(update, context, text)
    return END


async def visit_again(update: Update, context: Context) -> object:
    """/visit while a form is open: a one-line record goes through, otherwise the form goes on."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    found = await _form_context(update, context)
    if not isinstance(found, tuple):
        return found
    rt, draft, actor = found
    parts = message.text.split(maxsplit=1)
    argument = parts[1].strip() if len(parts) > 1 else ""
    if ";" in argument:
        lang = await staff_language(update, context)
        await record_one_line(update, context, message, actor, argument, lang)
        return None
    return await ask(update, context, draft, text_of(rt, draft["lang"], "form_unfinished"), restart=True)


async def form_timed_out(update: Update, context: Context) -> None:
    """The form sat idle for FORM_TIMEOUT: say so (nothing was saved) and forget it."""
    rt = runtime(context)
    draft = get_draft(update, context)
    lang = draft["lang"] if draft else await language_of(update, context)
    drop_draft(update, context)
    await save_step(update, context, None)
    await reply(update, context, text_of(rt, lang, "form_timeout", minutes=_minutes()))


async def cancel_outside(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    await reply(update, context, text_of(runtime(context), lang, "nothing_to_cancel"))


async def stale_form_button(update: Update, context: Context) -> None:
    """A form button with no open form: a double tap on Save, or an old form's keyboard."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    actor = await staff_user(rt, update, "visit form button")
    if actor is None:
        await refuse(update, context)
        return
    lang = await language_of(update, context)
    press = parse_form_press(query.data)
    if press is not None and press.action in ("save", "sa"):
        saved = await rt.visits.find_by_key(form_key(actor, press.form_id))
        if saved is not None:
            await alert(query, text_of(rt, lang, "already_saved", id=saved.id))
            return
    await alert(query, text_of(rt, lang, "stale_form"))


# ---- the card of a saved visit --------------------------------------------------------------------------


def card_keyboard(rt: Runtime, lang: Language, visit: Visit) -> InlineKeyboardMarkup:
    def card_button(key: str, *action: str) -> InlineKeyboardButton:
        return button(text_of(rt, lang, f"button.{key}"), CB_CARD, visit.id, visit.revision, *action)

    if visit.deleted:
        return InlineKeyboardMarkup([[card_button("undo", "u")], [card_button("history", "h")]])
    return InlineKeyboardMarkup(
        [[card_button("edit", "e"), card_button("delete", "d")], [card_button("history", "h")]]
    )


def field_keyboard(rt: Runtime, lang: Language, visit: Visit) -> InlineKeyboardMarkup:
    view = views(rt)
    fields = [
        button(view.field_name(lang, name), CB_CARD, visit.id, visit.revision, EDIT_FIELD, name)
        for name in EDITABLE
    ]
    back = button(text_of(rt, lang, "button.back"), CB_CARD, visit.id, visit.revision, "b")
    return InlineKeyboardMarkup([*rows(fields), [back]])


@dataclass(frozen=True, slots=True)
class CardPress:
    visit_id: int
    revision: int
    action: str
    argument: str | None


def parse_card_press(data: str) -> CardPress | None:
    """A card button exactly as card_keyboard / field_keyboard make it, else None."""
    match = _CARD_DATA.match(data)
    if match is None:
        return None
    action, argument = match.group(3), match.group(4)
    if not ((action in CARD_ACTIONS and argument is None) or (action == EDIT_FIELD and argument in EDITABLE)):
        return None
    return CardPress(int(match.group(1)), int(match.group(2)), action, argument)


async def card_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    gate = await staff_here(update, context, "visit card button")
    if gate is None:
        return
    actor, lang = gate
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
    if press.revision != visit.revision:
        # the card on screen is older than the visit: show the current one, change nothing
        await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
        await edit_or_send(update, context, view.card(lang, visit), card_keyboard(rt, lang, visit))
        return
    if press.action == EDIT_FIELD:
        # a form is already open for this user here (else the form's entry point took the press)
        await alert(query, text_of(rt, lang, "form_busy"), show_alert=True)
        return
    if press.action == "e" and not visit.deleted:
        await alert(query)
        await edit_or_send(
            update,
            context,
            view.card(lang, visit, text_of(rt, lang, "choose_field")),
            field_keyboard(rt, lang, visit),
        )
        return
    if press.action == "b":
        await alert(query)
        await edit_or_send(update, context, view.card(lang, visit), card_keyboard(rt, lang, visit))
        return
    if press.action == "d" and not visit.deleted:
        await alert(query)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    button(
                        text_of(rt, lang, "button.confirm_delete"), CB_CARD, visit.id, visit.revision, "dy"
                    ),
                    button(text_of(rt, lang, "button.keep"), CB_CARD, visit.id, visit.revision, "b"),
                ]
            ]
        )
        question = text_of(rt, lang, "delete_confirm", id=visit.id)
        await edit_or_send(update, context, view.card(lang, visit) + "\n\n" + question, keyboard)
        return
    try:
        if press.action == "dy":
            changed = await rt.visits.delete(visit.id, actor, expected_revision=press.revision)
            note = text_of(rt, lang, "deleted", id=visit.id)
        elif press.action == "u":
            changed = await rt.visits.restore(visit.id, actor, expected_revision=press.revision)
            note = text_of(rt, lang, "restored", id=visit.id)
        else:  # "e" or "d" on a deleted visit
            await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
            await edit_or_send(update, context, view.card(lang, visit), card_keyboard(rt, lang, visit))
            return
    except StaleVisitError as stale:
        await alert(query, text_of(rt, lang, "stale_card"), show_alert=True)
        current = stale.current
        await edit_or_send(update, context, view.card(lang, current), card_keyboard(rt, lang, current))
        return
    await alert(query)
    await edit_or_send(update, context, view.card(lang, changed, note), card_keyboard(rt, lang, changed))


async def edit_field_entry(update: Update, context: Context) -> object:
    """Card → Edit → a field: a one-field form for the saved visit (entry point of the conversation)."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return END
    rt = runtime(context)
    gate = await staff_here(update, context, "visit edit")
    if gate is None:
        return END
    _, lang = gate
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
        await edit_or_send(update, context, views(rt).card(lang, visit), card_keyboard(rt, lang, visit))
        return END
    await alert(query)
    draft = new_draft(context, chat.id, lang, mode="edit")
    draft.update(
        {
            "visit_id": visit.id,
            "revision": visit.revision,
            "field": field,
            "step": FIELD_STEP[field],
            "values": FormValues.of(visit).to_json(),
        }
    )
    # the card goes back to its own buttons; the question comes as a new message
    await edit_or_send(update, context, views(rt).card(lang, visit), card_keyboard(rt, lang, visit))
    return await ask(update, context, draft)


# ---- /visits and /history -------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class ListPress:
    generation: int
    page: int
    town_key: str | None
    year: int | None


def parse_list_press(rt: Runtime, data: str) -> ListPress | None:
    """A list page button exactly as list_page makes it (a partner town, a year in range), else None."""
    match = _LIST_DATA.match(data)
    if match is None:
        return None
    town_key = None if match.group(3) == "-" else match.group(3)
    if town_key is not None:
        town = rt.directory.get(town_key)
        if town is None or town.is_home:
            return None
    year = None if match.group(4) == "-" else int(match.group(4))
    if year is not None and not year_allowed(year, rt.today()):
        return None
    return ListPress(int(match.group(1)), int(match.group(2)), town_key, year)


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
    generation = await rt.visits.generation() % GENERATION_MODULO
    town_part, year_part = town_key or "-", str(year) if year is not None else "-"
    buttons = [
        button(
            f"#{visit.id} · {view.short_day(lang, visit.start)} · {view.town(lang, visit.town_key)}",
            CB_CARD,
            visit.id,
            visit.revision,
            "o",
        )
        for visit in visits
    ]
    keyboard = rows(buttons)
    navigation = []
    if page > 0:
        navigation.append(
            button(text_of(rt, lang, "button.prev"), CB_LIST, generation, page - 1, town_part, year_part)
        )
    if page < pages - 1:
        navigation.append(
            button(text_of(rt, lang, "button.next"), CB_LIST, generation, page + 1, town_part, year_part)
        )
    if navigation:
        keyboard.append(navigation)
    return text, InlineKeyboardMarkup(keyboard)


async def visits_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt = runtime(context)
    if await staff_user(rt, update, "/visits") is None:
        await refuse(update, context)
        return
    parts = message.text.split(maxsplit=1)
    argument = parts[1].strip()[:200] if len(parts) > 1 else ""
    lang = await staff_language(update, context)
    if not register_here(update, context):
        await ask_for_private_chat(update, context, lang)
        return
    town_key, year, problem = parse_list_arguments(rt, argument)
    if problem == "list_bad_year":
        await reply(update, context, views(rt).bad_year(lang))
        return
    if problem is not None:
        await reply(update, context, text_of(rt, lang, problem, text=argument[:60]))
        return
    text, markup = await list_page(rt, lang, town_key, year, 0)
    await reply(update, context, text, markup)


async def list_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    if await staff_user(rt, update, "/visits page") is None:
        await refuse(update, context)
        return
    lang = await language_of(update, context)
    if not register_here(update, context):
        await ask_for_private_chat(update, context, lang)
        return
    press = parse_list_press(rt, query.data)
    if press is None:
        await alert(query, text_of(rt, lang, "forged_button"))
        return
    current = await rt.visits.generation() % GENERATION_MODULO
    text, markup = await list_page(rt, lang, press.town_key, press.year, press.page)
    await alert(query, text_of(rt, lang, "list_changed") if current != press.generation else None)
    await edit_or_send(update, context, text, markup)


async def send_history(update: Update, context: Context, lang: Language, visit_id: int) -> None:
    rt = runtime(context)
    entries = await rt.visits.history(visit_id, limit=30)
    names = await rt.staff.names()
    text = views(rt).history(lang, visit_id, entries, names, rt.settings.reminders.zone)
    await reply(update, context, text)


async def history_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = runtime(context)
    if await staff_user(rt, update, "/history") is None:
        await refuse(update, context)
        return
    lang = await language_of(update, context)
    if not register_here(update, context):
        await ask_for_private_chat(update, context, lang)
        return
    argument = context.args[0].lstrip("#№") if context.args else ""
    if not _VISIT_NUMBER.fullmatch(argument):
        await reply(update, context, text_of(rt, lang, "history_usage"))
        return
    visit = await rt.visits.get(int(argument))
    if visit is None:
        await reply(update, context, text_of(rt, lang, "not_found", id=int(argument)))
        return
    await send_history(update, context, lang, visit.id)


# ---- wiring ---------------------------------------------------------------------------------------------


def form_handler() -> ConversationHandler:  # type: ignore[type-arg]
    in_form: list[BaseHandler] = [  # type: ignore[type-arg]
        CallbackQueryHandler(form_button, pattern=f"^{CB_FORM}:"),
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, form_text),
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
            form_not_text,
        ),
    ]
    with warnings.catch_warnings():
        # per_message=False is deliberate: the form follows the user in the chat, and its buttons
        # carry the form id, so presses on old messages are recognised without per-message tracking
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("visit", visit_command),
                CallbackQueryHandler(edit_field_entry, pattern=rf"^{CB_CARD}:\d+:\d+:{EDIT_FIELD}:"),
            ],
            states={
                **{state: list(in_form) for state in STATES},
                ConversationHandler.TIMEOUT: [TypeHandler(Update, form_timed_out)],
            },
            # the form's own handlers come last too: a state this version does not know (persisted by
            # another one) still gets every answer, and the draft's step says what comes next
            fallbacks=[
                CommandHandler("cancel", cancel_form),
                CommandHandler("visit", visit_again),
                *in_form,
            ],
            per_chat=True,
            per_user=True,
            per_message=False,
            conversation_timeout=FORM_TIMEOUT.total_seconds(),
            name=FORM_NAME,
            persistent=True,
        )


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, form_handler()),
        (0, CommandHandler("visits", visits_command)),
        (0, CommandHandler("history", history_command)),
        (0, CommandHandler("cancel", cancel_outside)),
        (0, CallbackQueryHandler(card_button, pattern=f"^{CB_CARD}:")),
        (0, CallbackQueryHandler(list_button, pattern=f"^{CB_LIST}:")),
        (0, CallbackQueryHandler(duplicate_button, pattern=f"^{CB_DUPLICATE}:")),
        (0, CallbackQueryHandler(stale_form_button, pattern=f"^{CB_FORM}:")),
    ]
