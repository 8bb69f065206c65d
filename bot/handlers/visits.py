"""Staff record delegation visits: the guided /visit form, the one-line /visit, /visits, the visit
card (edit, delete, undo), /history N and /cancel.

Every command and every button press checks the acting user against the staff list again.

The form is a persistent ConversationHandler (name "visit_form", per chat and user); its draft lives
in user_data["visit_forms"][chat id]. Each step is written to SQLite (bot/persistence.py) before the
next question is sent, so a form survives a restart, and a form idle for FORM_TIMEOUT is closed.

Callback data (<= 64 bytes), each carrying what makes a stale press detectable:
    vf:<form id>:<action>[:<arg>]           form buttons; the form id changes with every new form
    vc:<visit id>:<revision>:<action>[:<arg>] card buttons; the revision grows with every change
    vl:<generation>:<page>:<town|->:<year|->  list pages; the generation grows with every change
"""

from __future__ import annotations

import logging
import re
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
from bot.core.visits import (
    EDITABLE,
    DelegationType,
    Direction,
    FieldError,
    Visit,
    VisitDraft,
    VisitInputError,
    check_date,
    check_notes,
    check_period,
    check_purpose,
    find_town,
    is_skip,
    parse_date,
    parse_direction,
    parse_kind,
    parse_one_line,
    parse_people,
    parse_period,
    validate,
    visit_towns,
)
from bot.handlers.chat import NO_PREVIEW, Context, command_language, is_private, language_of, runtime
from bot.persistence import PERSISTENT_USER_KEYS, SqlitePersistence
from bot.runtime import Runtime
from bot.visit_replies import CardValues, VisitReplies
from storage.visits import StaleVisitError, VisitNotFoundError

log = logging.getLogger(__name__)

FORM_NAME = "visit_form"
FORM_TIMEOUT = timedelta(minutes=15)
FORMS_KEY = "visit_forms"  # user_data key of the drafts, kept across restarts
assert FORMS_KEY in PERSISTENT_USER_KEYS
PAGE_SIZE = 10
CALLBACK_LIMIT = 64
GENERATION_MODULO = 1_000_000

CB_FORM = "vf"
CB_CARD = "vc"
CB_LIST = "vl"

STEPS = ("town", "direction", "start", "end", "kind", "people", "purpose", "notes")
CONFIRM = "confirm"
CHOOSE = "choose"
STATES = (*STEPS, CONFIRM, CHOOSE)
END = ConversationHandler.END
# button actions each form state accepts ("x", cancel, is accepted everywhere)
FORM_ACTIONS = {
    "town": {"t"},
    "direction": {"d"},
    "start": {"day"},
    "end": {"s"},
    "kind": {"k"},
    "people": {"s"},
    "purpose": set(),
    "notes": {"s"},
    CONFIRM: {"save", "e"},
    CHOOSE: {"f", "b"},
}
FIELD_STEP = {"town": "town", "direction": "direction", "dates": "start", "kind": "kind"}
FIELD_STEP |= {"people": "people", "purpose": "purpose", "notes": "notes"}

_CARD_DATA = re.compile(r"^vc:(\d{1,12}):(\d{1,9}):([a-z]{1,2})(?::([a-z]{1,12}))?$")
_FORM_DATA = re.compile(r"^vf:([A-Za-z0-9_-]{1,16}):([a-z]{1,4})(?::([a-z0-9_-]{1,40}))?$")
_LIST_DATA = re.compile(r"^vl:(\d{1,7}):(\d{1,5}):([a-z0-9_]{1,40}|-):(\d{4}|-)$")


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


def text_of(rt: Runtime, lang: Language, key: str, **params: object) -> str:
    return rt.replies().t(lang, f"visits.{key}", **params)


async def refuse(update: Update, context: Context) -> None:
    """A polite no, in the user's language: a message for commands, a short alert for buttons."""
    rt = runtime(context)
    message = update.effective_message
    if update.callback_query is not None:
        lang = await language_of(update, context)
        await update.callback_query.answer(text_of(rt, lang, "refused_short"), show_alert=True)
        return
    if message is not None:
        parts = (message.text or "").split(maxsplit=1)
        lang = await command_language(update, context, parts[1] if len(parts) > 1 else "")
        await reply(update, context, text_of(rt, lang, "refused"))


async def reply(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send into the update's chat (and forum topic), as HTML without link previews."""
    chat = update.effective_chat
    if chat is None:
        return None
    message = update.effective_message
    thread = getattr(message, "message_thread_id", None) if chat.is_forum and message is not None else None
    return await context.bot.send_message(
        chat_id=chat.id,
        text=text,
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
        reply_markup=markup,
        message_thread_id=thread,
    )


async def edit_or_send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message with `text` (or send it when that message cannot be edited)."""
    query = update.callback_query
    if query is not None and query.message is not None and query.message.date.timestamp() > 0:
        try:
            await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=markup
            )
            return
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return
            log.info("could not edit message, sending a new one: %s", error.message)
    await reply(update, context, text, markup)


async def close_prompt(update: Update, text: str) -> None:
    """Turn the pressed question into a record of the answer (and take its buttons away)."""
    query = update.callback_query
    if query is None or query.message is None or query.message.date.timestamp() <= 0:
        return
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
    except BadRequest as error:
        log.debug("could not close prompt: %s", error.message)


def show_notes(update: Update) -> bool:
    """Staff notes only in private chats: a group may have residents in it."""
    return is_private(update)


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


def new_draft(update: Update, context: Context, lang: Language, mode: str = "new") -> dict[str, Any]:
    chat = update.effective_chat
    assert chat is not None
    draft: dict[str, Any] = {
        "id": secrets.token_urlsafe(6),
        "lang": lang,
        "mode": mode,
        "fixing": False,
        "step": "town",
        "values": {
            "town_key": None,
            "direction": None,
            "start": None,
            "end": None,
            "kind": None,
            "people": None,
            "purpose": None,
            "notes": "",
        },
        "touched": runtime(context).now().isoformat(),
    }
    _forms(context)[str(chat.id)] = draft
    return draft


def card_values(draft: dict[str, Any]) -> CardValues:
    values = draft["values"]
    return CardValues(
        town_key=values["town_key"],
        direction=Direction(values["direction"]) if values["direction"] else None,
        start=date.fromisoformat(values["start"]) if values["start"] else None,
        end=date.fromisoformat(values["end"]) if values["end"] else None,
        kind=DelegationType(values["kind"]) if values["kind"] else None,
        people=values["people"],
        purpose=values["purpose"],
        notes=values["notes"],
    )


def visit_draft(draft: dict[str, Any]) -> VisitDraft:
    values = card_values(draft)
    missing = [
        FieldError(name, "missing")
        for name, value in (
            ("town", values.town_key),
            ("direction", values.direction),
            ("start", values.start),
            ("kind", values.kind),
            ("purpose", values.purpose),
        )
        if value is None
    ]
    if missing:
        raise VisitInputError(missing)
    assert values.town_key and values.direction and values.start and values.kind and values.purpose
    return VisitDraft(
        town_key=values.town_key,
        direction=values.direction,
        start=values.start,
        end=values.end,
        kind=values.kind,
        people=values.people,
        purpose=values.purpose,
        notes=values.notes or "",
    )


def form_key(user_id: int, form_id: str) -> str:
    return f"form:{user_id}:{form_id}"


async def save_step(update: Update, context: Context, state: str | None) -> None:
    """Write the form's next state and draft to SQLite now, before the user hears about it."""
    persistence = context.application.persistence
    chat, user = update.effective_chat, update.effective_user
    if isinstance(persistence, SqlitePersistence) and chat is not None and user is not None:
        await persistence.save_now(FORM_NAME, (chat.id, user.id), state, user.id, context.user_data or {})


def expired(rt: Runtime, draft: dict[str, Any]) -> bool:
    try:
        touched = datetime.fromisoformat(draft["touched"])
    except (KeyError, ValueError):
        return True
    return rt.now() - touched > FORM_TIMEOUT


# ---- form prompts ---------------------------------------------------------------------------------------


def prompt(rt: Runtime, draft: dict[str, Any], note: str = "") -> tuple[str, InlineKeyboardMarkup]:
    """The question for the draft's current step, with its buttons."""
    lang: Language = draft["lang"]
    step: str = draft["step"]
    form = draft["id"]
    view = views(rt)
    cancel = button(text_of(rt, lang, "button.cancel"), CB_FORM, form, "x")
    if step == CONFIRM:
        text = view.draft_card(lang, card_values(draft), show_notes=draft.get("private", True))
        confirm = [
            [button(text_of(rt, lang, "button.save"), CB_FORM, form, "save")],
            [button(text_of(rt, lang, "button.edit_field"), CB_FORM, form, "e"), cancel],
        ]
        return (f"{note}\n\n{text}" if note else text), InlineKeyboardMarkup(confirm)
    if step == CHOOSE:
        fields = [button(view.field_name(lang, name), CB_FORM, form, "f", name) for name in EDITABLE]
        choose = [*rows(fields), [button(text_of(rt, lang, "button.back"), CB_FORM, form, "b")]]
        text = view.draft_card(lang, card_values(draft), show_notes=draft.get("private", True))
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
                current=view.value(lang, field, card_values(draft), draft.get("private", True)),
            )
        )
    elif draft.get("fixing"):
        field = "dates" if step in ("start", "end") else step
        lines.append(
            text_of(
                rt,
                lang,
                "fix_header",
                field=view.field_name(lang, field),
                current=view.value(lang, field, card_values(draft), draft.get("private", True)),
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
    update: Update, context: Context, draft: dict[str, Any], note: str = "", edit: bool = False
) -> str:
    """Persist the draft at its current step, then ask that step's question; returns the state.

    After a button press (`edit`), the pressed message turns into the next question: one request
    instead of two, which matters in groups (20 messages a minute).
    """
    rt = runtime(context)
    draft["touched"] = rt.now().isoformat()
    state: str = draft["step"]
    await save_step(update, context, state)
    text, markup = prompt(rt, draft, note)
    if edit and update.callback_query is not None:
        await edit_or_send(update, context, text, markup)
    else:
        await reply(update, context, text, markup)
    return state


def chosen_text(rt: Runtime, draft: dict[str, Any], field: str) -> str:
    view = views(rt)
    lang: Language = draft["lang"]
    return text_of(
        rt,
        lang,
        "chosen",
        field=view.field_name(lang, field),
        value=view.value(lang, field, card_values(draft), draft.get("private", True)),
    )


# ---- entering the form ----------------------------------------------------------------------------------


async def visit_command(update: Update, context: Context) -> object:
    """/visit: the guided form; /visit TOWN; DATE; ... records in one line; /visit TOWN starts at step 2."""
    message = update.effective_message
    if message is None or message.text is None or update.effective_chat is None:
        return END
    rt = runtime(context)
    actor = await staff_user(rt, update, "/visit")
    if actor is None:
        await refuse(update, context)
        return END
    parts = message.text.split(maxsplit=1)
    argument = parts[1].strip() if len(parts) > 1 else ""
    lang = await command_language(update, context, argument)
    if ";" in argument:
        await record_one_line(update, context, actor, argument, lang)
        return END
    draft = new_draft(update, context, lang)
    draft["private"] = show_notes(update)
    draft["last_message"] = message.message_id
    note = ""
    if argument:
        lookup = find_town(rt.directory, argument)
        if lookup.town is not None:
            draft["values"]["town_key"] = lookup.town.key
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
    update: Update, context: Context, actor: int, argument: str, lang: Language
) -> None:
    rt = runtime(context)
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and chat is not None
    view = views(rt)
    try:
        draft = parse_one_line(argument, rt.directory, rt.today())
    except VisitInputError as error:
        text = view.errors(lang, error.errors) + "\n\n" + text_of(rt, lang, "one_line_usage")
        await reply(update, context, text)
        return
    # the same message delivered again (a retry, a replay after a crash) finds the visit made the first time
    visit, created = await rt.visits.record(draft, actor, f"msg:{chat.id}:{message.message_id}")
    note = text_of(rt, lang, "saved" if created else "already_saved", id=visit.id)
    await reply(
        update, context, view.card(lang, visit, show_notes(update), note), card_keyboard(rt, lang, visit)
    )


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
    if draft is None or expired(rt, draft):
        # a form restored after a restart that has been idle too long, or a lost draft
        lang = draft["lang"] if draft else await language_of(update, context)
        drop_draft(update, context)
        await save_step(update, context, None)
        if update.callback_query is not None:
            await update.callback_query.answer()
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
    elif message is not None:
        if message.message_id <= draft.get("last_message", 0):
            log.info("ignoring a repeated message in the visit form")
            return None
        draft["last_message"] = message.message_id
    return rt, draft, actor


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
    text = message.text.strip()
    if step in (CONFIRM, CHOOSE):
        return await ask(update, context, draft, text_of(rt, lang, "use_buttons"))
    values = draft["values"]
    today = rt.today()
    try:
        if step == "town":
            lookup = find_town(rt.directory, text)
            if lookup.town is None:
                return await ask_town_again(
                    update, context, draft, text, lookup.candidates or lookup.suggestions
                )
            values["town_key"] = lookup.town.key
        elif step == "direction":
            values["direction"] = parse_direction(text).value
        elif step == "start":
            start, end = parse_period(text, today)
            values["start"] = start.isoformat()
            if end is not None:
                values["end"] = end.isoformat()
            elif draft["mode"] == "edit" or draft.get("fixing"):
                values["end"] = None  # a single new date: asked about the end next
            if end is not None:
                return await step_done(update, context, draft, "dates", range_given=True)
        elif step == "end":
            if is_skip(text):
                values["end"] = None
            else:
                end_day = parse_date(text, today, "end")
                check_period(date.fromisoformat(values["start"]), end_day)
                values["end"] = end_day.isoformat()
        elif step == "kind":
            values["kind"] = parse_kind(text).value
        elif step == "people":
            values["people"] = parse_people(text)
        elif step == "purpose":
            values["purpose"] = check_purpose(message.text)
        elif step == "notes":
            values["notes"] = "" if is_skip(text) else check_notes(message.text)
    except VisitInputError as error:
        return await ask(update, context, draft, "⚠️ " + views(rt).error(lang, error.errors[0]))
    return await step_done(update, context, draft, step)


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
        keyboard.append([button(text_of(rt, lang, "button.cancel"), CB_FORM, draft["id"], "x")])
        await reply(update, context, note, InlineKeyboardMarkup(keyboard))
        return cast(str, draft["step"])
    return await ask(update, context, draft, town_problem(rt, lang, typed, ()))


async def step_done(
    update: Update,
    context: Context,
    draft: dict[str, Any],
    field: str,
    range_given: bool = False,
    note: str = "",
) -> object:
    """A field got its value: the next question, the confirmation card, or (editing a saved visit) the save."""
    step: str = draft["step"]
    editing = draft["mode"] == "edit" or draft.get("fixing")
    pressed = update.callback_query is not None
    if step == "start" and not range_given:
        draft["step"] = "end"  # a single date: ask whether the visit lasted longer
        return await ask(update, context, draft, note, edit=pressed)
    if draft["mode"] == "edit":
        return await save_edit(update, context, draft)
    if editing:
        draft["fixing"] = False
        draft["step"] = CONFIRM
        return await ask(update, context, draft, note, edit=pressed)
    index = STEPS.index(step)
    following = STEPS[index + 1] if index + 1 < len(STEPS) else CONFIRM
    if step == "start" and range_given:
        following = "kind"
    draft["step"] = following
    return await ask(update, context, draft, note, edit=pressed)


async def form_button(update: Update, context: Context) -> object:
    query = update.callback_query
    if query is None or query.data is None:
        return None
    found = await _form_context(update, context)
    if not isinstance(found, tuple):
        return found
    rt, draft, actor = found
    lang: Language = draft["lang"]
    match = _FORM_DATA.match(query.data)
    step: str = draft["step"]
    if match is None or match.group(1) != draft["id"]:
        await query.answer(text_of(rt, lang, "stale_button"))
        return step
    action, argument = match.group(2), match.group(3)
    if action == "x":
        await query.answer()
        return await cancel_form(update, context)
    if action not in FORM_ACTIONS.get(step, set()):
        await query.answer(text_of(rt, lang, "stale_button"))
        return step
    values = draft["values"]
    view = views(rt)
    if step == CONFIRM and action == "save":
        return await save_new(update, context, draft, actor)
    if step == CONFIRM and action == "e":
        await query.answer()
        draft["step"] = CHOOSE
        draft["touched"] = rt.now().isoformat()
        await save_step(update, context, CHOOSE)
        text, markup = prompt(rt, draft)
        await edit_or_send(update, context, text, markup)
        return CHOOSE
    if step == CHOOSE:
        await query.answer()
        if action == "b" or argument not in FIELD_STEP:
            draft["step"] = CONFIRM
            draft["touched"] = rt.now().isoformat()
            await save_step(update, context, CONFIRM)
            text, markup = prompt(rt, draft)
            await edit_or_send(update, context, text, markup)
            return CONFIRM
        draft["fixing"] = True
        draft["step"] = FIELD_STEP[argument]
        return await ask(update, context, draft, edit=True)
    try:
        if action == "t":
            town = rt.directory.get(argument or "")
            if town is None or town.is_home:
                await query.answer(text_of(rt, lang, "stale_button"))
                return step
            values["town_key"] = town.key
            field = "town"
        elif action == "d":
            values["direction"] = Direction(argument).value
            field = "direction"
        elif action == "day":
            chosen = rt.today() - timedelta(days=int(argument or "0"))
            check_date(chosen, rt.today())
            values["start"] = chosen.isoformat()
            values["end"] = None
            field = "start"
        elif action == "k":
            values["kind"] = DelegationType(argument).value
            field = "kind"
        else:  # "s": skip
            values[{"end": "end", "people": "people", "notes": "notes"}[step]] = (
                "" if step == "notes" else None
            )
            field = step
    except ValueError:
        await query.answer(text_of(rt, lang, "stale_button"))
        return step
    except VisitInputError as error:
        await query.answer(view.error(lang, error.errors[0])[:200])
        return step
    await query.answer()
    taken = chosen_text(rt, draft, "dates" if field == "start" else field)
    return await step_done(update, context, draft, field, note=taken)


async def save_new(update: Update, context: Context, draft: dict[str, Any], actor: int) -> object:
    """Save: validate, commit (visit + idempotency key + audit in one transaction), then acknowledge."""
    rt = runtime(context)
    query = update.callback_query
    assert query is not None
    lang: Language = draft["lang"]
    view = views(rt)
    try:
        new = visit_draft(draft)
        errors = validate(new, rt.today(), (town.key for town in visit_towns(rt.directory)))
        if errors:
            raise VisitInputError(errors)
    except VisitInputError as error:
        await query.answer()
        problems = view.errors(lang, error.errors, "errors_header_form")
        return await ask(update, context, draft, problems, edit=True)
    visit, created = await rt.visits.record(new, actor, form_key(actor, draft["id"]))
    drop_draft(update, context)
    await save_step(update, context, None)
    await query.answer()
    note = text_of(rt, lang, "saved" if created else "already_saved", id=visit.id)
    await edit_or_send(
        update, context, view.card(lang, visit, show_notes(update), note), card_keyboard(rt, lang, visit)
    )
    return END


async def save_edit(update: Update, context: Context, draft: dict[str, Any]) -> object:
    """The end of editing one field of a saved visit: write it (with audit) and show the card."""
    rt = runtime(context)
    lang: Language = draft["lang"]
    view = views(rt)
    actor = await staff_user(rt, update, "visit edit")
    field: str = draft["field"]
    values = card_values(draft)
    options: dict[str, dict[str, Any]] = {
        "town": {"town_key": values.town_key},
        "direction": {"direction": values.direction},
        "dates": {"start": values.start, "end": values.end},
        "kind": {"kind": values.kind},
        "people": {"people": values.people},
        "purpose": {"purpose": values.purpose},
        "notes": {"notes": values.notes or ""},
    }
    changes = options[field]
    drop_draft(update, context)
    await save_step(update, context, None)
    if actor is None:
        await refuse(update, context)
        return END
    try:
        new = visit_draft(draft)
        errors = validate(new, rt.today())
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
            view.card(lang, current, show_notes(update), text_of(rt, lang, "stale_card")),
            card_keyboard(rt, lang, current),
        )
        return END
    except VisitNotFoundError:
        await reply(update, context, text_of(rt, lang, "not_found", id=draft["visit_id"]))
        return END
    note = text_of(rt, lang, "updated", id=visit.id, field=view.field_name(lang, field))
    card = view.card(lang, visit, show_notes(update), note)
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
    if update.callback_query is not None:
        await close_prompt(update, text_of(rt, lang, "form_cancelled"))
        if update.callback_query.message is not None and update.callback_query.message.date.timestamp() > 0:
            return END
    await reply(update, context, text_of(rt, lang, "form_cancelled"))
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
        await record_one_line(
            update, context, actor, argument, await command_language(update, context, argument)
        )
        return None
    return await ask(update, context, draft, text_of(rt, draft["lang"], "form_in_progress"))


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
    match = _FORM_DATA.match(query.data)
    if match is not None and match.group(2) == "save":
        saved = await rt.visits.find_by_key(form_key(actor, match.group(1)))
        if saved is not None:
            await query.answer(text_of(rt, lang, "already_saved", id=saved.id))
            return
    await query.answer(text_of(rt, lang, "stale_form"))


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
        button(view.field_name(lang, name), CB_CARD, visit.id, visit.revision, "ef", name)
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
    match = _CARD_DATA.match(data)
    if match is None:
        return None
    return CardPress(int(match.group(1)), int(match.group(2)), match.group(3), match.group(4))


async def card_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    actor = await staff_user(rt, update, "visit card button")
    if actor is None:
        await refuse(update, context)
        return
    lang = await language_of(update, context)
    view = views(rt)
    press = parse_card_press(query.data)
    if press is None or press.action not in ("o", "h", "e", "b", "d", "dy", "u", "ef"):
        await query.answer(text_of(rt, lang, "forged_button"))
        return
    visit = await rt.visits.get(press.visit_id)
    if visit is None:
        await query.answer(text_of(rt, lang, "not_found", id=press.visit_id), show_alert=True)
        return
    notes = show_notes(update)
    if press.action == "o":
        await query.answer()
        await reply(update, context, view.card(lang, visit, notes), card_keyboard(rt, lang, visit))
        return
    if press.action == "h":
        await query.answer()
        await send_history(update, context, lang, visit.id)
        return
    if press.revision != visit.revision:
        # the card on screen is older than the visit: show the current one, change nothing
        await query.answer(text_of(rt, lang, "stale_card"), show_alert=True)
        await edit_or_send(update, context, view.card(lang, visit, notes), card_keyboard(rt, lang, visit))
        return
    if press.action == "ef":
        # a form is already open for this user here (else the form's entry point took the press)
        await query.answer(text_of(rt, lang, "form_busy"), show_alert=True)
        return
    if press.action == "e" and not visit.deleted:
        await query.answer()
        await edit_or_send(
            update,
            context,
            view.card(lang, visit, notes, text_of(rt, lang, "choose_field")),
            field_keyboard(rt, lang, visit),
        )
        return
    if press.action == "b":
        await query.answer()
        await edit_or_send(update, context, view.card(lang, visit, notes), card_keyboard(rt, lang, visit))
        return
    if press.action == "d" and not visit.deleted:
        await query.answer()
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
        await edit_or_send(update, context, view.card(lang, visit, notes) + "\n\n" + question, keyboard)
        return
    try:
        if press.action == "dy":
            changed = await rt.visits.delete(visit.id, actor, expected_revision=press.revision)
            note = text_of(rt, lang, "deleted", id=visit.id)
        elif press.action == "u":
            changed = await rt.visits.restore(visit.id, actor, expected_revision=press.revision)
            note = text_of(rt, lang, "restored", id=visit.id)
        else:  # "e" or "d" on a deleted visit
            await query.answer(text_of(rt, lang, "stale_card"), show_alert=True)
            await edit_or_send(update, context, view.card(lang, visit, notes), card_keyboard(rt, lang, visit))
            return
    except StaleVisitError as stale:
        await query.answer(text_of(rt, lang, "stale_card"), show_alert=True)
        current = stale.current
        await edit_or_send(update, context, view.card(lang, current, notes), card_keyboard(rt, lang, current))
        return
    await query.answer()
    await edit_or_send(
        update, context, view.card(lang, changed, notes, note), card_keyboard(rt, lang, changed)
    )


async def edit_field_entry(update: Update, context: Context) -> object:
    """Card → Edit → a field: a one-field form for the saved visit (entry point of the conversation)."""
    query = update.callback_query
    if query is None or query.data is None:
        return END
    rt = runtime(context)
    actor = await staff_user(rt, update, "visit edit")
    if actor is None:
        await refuse(update, context)
        return END
    lang = await language_of(update, context)
    press = parse_card_press(query.data)
    if press is None or press.argument not in FIELD_STEP:
        await query.answer(text_of(rt, lang, "forged_button"))
        return END
    visit = await rt.visits.get(press.visit_id)
    if visit is None:
        await query.answer(text_of(rt, lang, "not_found", id=press.visit_id), show_alert=True)
        return END
    notes = show_notes(update)
    if visit.revision != press.revision or visit.deleted:
        await query.answer(text_of(rt, lang, "stale_card"), show_alert=True)
        await edit_or_send(
            update, context, views(rt).card(lang, visit, notes), card_keyboard(rt, lang, visit)
        )
        return END
    await query.answer()
    draft = new_draft(update, context, lang, mode="edit")
    draft.update(
        {
            "visit_id": visit.id,
            "revision": visit.revision,
            "field": press.argument,
            "step": FIELD_STEP[press.argument],
            "private": notes,
        }
    )
    draft["values"] = {
        "town_key": visit.town_key,
        "direction": visit.direction.value,
        "start": visit.start.isoformat(),
        "end": visit.end.isoformat() if visit.end else None,
        "kind": visit.kind.value,
        "people": visit.people,
        "purpose": visit.purpose,
        "notes": visit.notes,
    }
    # the card goes back to its own buttons; the question comes as a new message
    await edit_or_send(update, context, views(rt).card(lang, visit, notes), card_keyboard(rt, lang, visit))
    return await ask(update, context, draft)


# ---- /visits and /history -------------------------------------------------------------------------------


def parse_list_arguments(rt: Runtime, argument: str) -> tuple[str | None, int | None, str | None]:
    """'/visits Нарва 2024' -> (town key, year, problem text key or None)."""
    words_ = argument.split()
    year: int | None = None
    if words_ and re.fullmatch(r"\d{4}", words_[-1]):
        year = int(words_.pop())
    if words_ and year is None and re.fullmatch(r"\d{4}", words_[0]):
        year = int(words_.pop(0))
    town_text = " ".join(words_)
    if year is not None and not 1950 <= year <= rt.today().year + 2:
        return None, None, "list_bad_year"
    if not town_text:
        return None, year, None
    lookup = find_town(rt.directory, town_text)
    if lookup.town is None:
        return None, year, "list_bad_town"
    return lookup.town.key, year, None


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
            f"#{visit.id} · {visit.start.strftime('%d.%m.%y')} · {view.town(lang, visit.town_key)}",
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
    lang = await command_language(update, context, argument)
    town_key, year, problem = parse_list_arguments(rt, argument)
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
    match = _LIST_DATA.match(query.data)
    town_key = match.group(3) if match else None
    if match is None or (town_key != "-" and rt.directory.get(town_key or "") is None):
        await query.answer(text_of(rt, lang, "forged_button"))
        return
    generation, page = int(match.group(1)), int(match.group(2))
    year = None if match.group(4) == "-" else int(match.group(4))
    current = await rt.visits.generation() % GENERATION_MODULO
    text, markup = await list_page(rt, lang, None if town_key == "-" else town_key, year, page)
    await query.answer(text_of(rt, lang, "list_changed") if current != generation else None)
    await edit_or_send(update, context, text, markup)


async def send_history(update: Update, context: Context, lang: Language, visit_id: int) -> None:
    rt = runtime(context)
    entries = await rt.visits.history(visit_id, limit=30)
    names = {member.user_id: member.name for member in await rt.staff.all() if member.name}
    text = views(rt).history(lang, visit_id, entries, names, rt.settings.reminders.zone, show_notes(update))
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
    argument = (context.args or [""])[0].lstrip("#№") if context.args else ""
    if not argument.isdigit() or len(argument) > 12:
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
                CallbackQueryHandler(edit_field_entry, pattern=r"^vc:\d+:\d+:ef:"),
            ],
            states={
                **{state: list(in_form) for state in STATES},
                ConversationHandler.TIMEOUT: [TypeHandler(Update, form_timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel_form), CommandHandler("visit", visit_again)],
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
        (0, CallbackQueryHandler(stale_form_button, pattern=f"^{CB_FORM}:")),
    ]
