"""The guided /visit form as a conversation: the answers (typed or pressed), /cancel, /visit again,
the timeout, and the ConversationHandler that wires them.

The form is a persistent ConversationHandler (name "visit_form", per chat and user). Its rules are in
bot/core/visit_form.py; its entry points in form_opening.py, its questions in form_questions.py,
saving in form_saving.py; its draft (bot.core.form_draft.FormDraft) is kept by drafts.py and written
to SQLite at every step. A form idle for FORM_TIMEOUT is closed.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.form_draft import FormDraft
from bot.core.model import Town
from bot.core.visit_form import (
    BLANK,
    CANCEL,
    CANCEL_AT_ONCE,
    CANCEL_NO,
    CANCEL_YES,
    CHOOSE,
    CONFIRM,
    FIELD_STEP,
    FORM_TIMEOUT,
    RESTART,
    SAVE_EDIT,
    STATES,
    STEPS,
    Answered,
    InvalidPressError,
    accepts,
    apply_place,
    apply_press,
    apply_text,
    apply_town,
    next_step,
    parse_form_press,
    place_argument,
    steps_filled,
)
from bot.core.visits import VisitInputError, check_typed, find_town
from bot.core.visits.places import OTHER_TOWN, OtherPlace, parse_explicit, recognise
from bot.handlers.chat import Context, alert, language_of, staff_language
from bot.handlers.staff_gate import Handler, ask_for_private_chat, register_here, staff_only
from bot.handlers.visits.callback_data import CB_CARD, CB_DUPLICATE, CB_FORM, EDIT_FIELD, PENDING_EDIT, button
from bot.handlers.visits.details import end_attaching
from bot.handlers.visits.drafts import FORM_NAME, form_key, get_draft, keep_draft, save_step
from bot.handlers.visits.form_opening import (
    command_argument,
    edit_field_entry,
    pending_edit_entry,
    visit_command,
)
from bot.handlers.visits.form_questions import (
    ask,
    cancel_button,
    cancel_question,
    echo,
    fill,
    prompt,
    town_choice,
    town_problem,
)
from bot.handlers.visits.form_saving import save_edit, save_new
from bot.handlers.visits.messages import edit, edit_or_send, reply, text_of, views
from bot.handlers.visits.one_line import country_names, record_one_line
from bot.replies.reply import plain_text

log = logging.getLogger(__name__)

END = ConversationHandler.END


def _minutes() -> int:
    return int(FORM_TIMEOUT.total_seconds() // 60)


async def in_form(update: Update, context: Context) -> tuple[FormDraft, int] | int | None:
    """(draft, staff id) for an update to an open form; otherwise the state to return (None: stay)."""
    rt = context.runtime
    actor = await staff_only(update, context, "visit form")
    if actor is None:
        await save_step(update, context, None)
        return END
    draft = get_draft(update, context)
    if not register_here(update, context):
        # a form left open before the chat stopped being a place for the register
        await save_step(update, context, None)
        await ask_for_private_chat(update, context, draft.lang if draft else None)
        return END
    if draft is None or draft.expired(rt.now()):
        # a form restored after a restart that has been idle too long, or a lost draft
        lang = draft.lang if draft else await language_of(update, context)
        await save_step(update, context, None)
        if update.callback_query is not None:
            await alert(update.callback_query)
        await reply(update, context, text_of(rt, lang, "form_timeout", minutes=_minutes()))
        return END
    # After a crash Telegram delivers the last unconfirmed updates again. Message ids only grow in a
    # chat, and query ids are unique: an answer already taken must not become the next step's answer.
    message, query = update.message, update.callback_query
    if query is not None and not draft.take_query(query.id):
        log.info("ignoring a repeated button press in the visit form")
        return None
    if query is None and message is not None and not draft.take_message(message.message_id):
        log.info("ignoring a repeated message in the visit form")
        return None
    if draft.step not in STATES:  # a draft of another version: start it again, and say so
        draft.step, draft.mode, draft.fixing, draft.values = STEPS[0], "new", False, BLANK
    keep_draft(update, context, draft)
    return draft, actor


FormStep = Callable[[Update, Context, FormDraft, int], Coroutine[Any, Any, object]]


def form_step(handler: FormStep) -> Handler:
    """A handler inside the form runs only on an open form's update (see :func:`in_form`), with the
    draft and the staff member's id."""

    @functools.wraps(handler)
    async def step(update: Update, context: Context) -> object:
        found = await in_form(update, context)
        if not isinstance(found, tuple):
            return found
        return await handler(update, context, *found)

    return step


@form_step
async def form_text(update: Update, context: Context, draft: FormDraft, _actor: int) -> object:
    message = update.effective_message
    if message is None or message.text is None:
        return None
    rt, lang, step, text = context.runtime, draft.lang, draft.step, message.text
    if step in (CONFIRM, CHOOSE):
        return await ask(update, context, draft, text_of(rt, lang, "use_buttons"))
    try:
        if step == "town":
            typed = text.strip()
            check_typed("town", typed)
            written = parse_explicit(typed, country_names())  # "другое: Ленинградская область"
            lookup = find_town(rt.directory, typed)
            if written is not None:
                answered = fill(draft, lambda values: apply_place(values, written))
            elif lookup.town is None:
                towns = lookup.candidates or lookup.suggestions
                offered = None if towns else recognise(typed, rt.engine.gazetteer)
                if offered is not None:  # a real place, not a partner: "другое: Таллин (Эстония)?"
                    return await offer_other_place(update, context, draft, typed, offered)
                return await ask_town_again(update, context, draft, typed, towns)
            else:
                town_key = lookup.town.key
                answered = fill(draft, lambda values: apply_town(values, town_key))
        else:
            resetting = draft.mode == "edit" or draft.fixing
            today = rt.today()
            answered = fill(draft, lambda values: apply_text(step, values, text, today, reset_end=resetting))
    except VisitInputError as error:
        return await ask(update, context, draft, "⚠️ " + views(rt).error(lang, error.errors[0]))
    # echoed as a press is: what the form took, as it read it ("5 июня" -> "5 июня 2026")
    return await step_done(update, context, draft, answered, note=echo(rt, draft, answered))


async def offer_other_place(
    update: Update, context: Context, draft: FormDraft, typed: str, place: OtherPlace
) -> str:
    """Ask to confirm a place that is not a partner; the button carries it, so nothing else waits."""
    rt = context.runtime
    argument = place_argument(rt.engine.gazetteer, place)
    if argument is None:
        return await ask(update, context, draft, town_problem(rt, draft.lang, typed, ()))
    shown = views(rt).town(draft.lang, OTHER_TOWN, place)
    question = text_of(rt, draft.lang, "details.confirm_place", text=typed[:60], place=shown)
    label = plain_text(text_of(rt, draft.lang, "details.button.confirm_place", place=shown))[:60]
    keyboard = InlineKeyboardMarkup(
        [[button(label, CB_FORM, draft.id, "o", argument)], [cancel_button(rt, draft)]]
    )
    draft.touched = rt.now().isoformat()
    await save_step(update, context, draft)
    await reply(update, context, question + "\n" + text_of(rt, draft.lang, "details.other_or_type"), keyboard)
    return draft.step


async def ask_town_again(
    update: Update, context: Context, draft: FormDraft, typed: str, towns: Sequence[Town]
) -> str:
    rt = context.runtime
    if not towns:
        return await ask(update, context, draft, town_problem(rt, draft.lang, typed, ()))
    # only the matching towns as buttons: one press and the form goes on
    draft.touched = rt.now().isoformat()
    await save_step(update, context, draft)
    await reply(update, context, *town_choice(rt, draft, typed, towns))
    return draft.step


async def step_done(
    update: Update, context: Context, draft: FormDraft, answered: Answered, note: str = ""
) -> object:
    """A field got its value: the next question, the confirmation card, or (editing a saved visit) the save."""
    state = next_step(draft.step, answered, editing_saved=draft.mode == "edit", fixing=draft.fixing)
    if state == SAVE_EDIT:
        return await save_edit(update, context, draft)
    if state == CONFIRM:
        draft.fixing = False
    draft.step = state
    return await ask(update, context, draft, note, in_place=update.callback_query is not None)


async def show_state(update: Update, context: Context, draft: FormDraft, state: str) -> str:
    """Move the form to CONFIRM or CHOOSE and turn the pressed message into that card."""
    rt = context.runtime
    draft.step = state
    draft.touched = rt.now().isoformat()
    await save_step(update, context, draft)
    await edit_or_send(update, context, *prompt(rt, draft))
    return state


@form_step
async def form_button(update: Update, context: Context, draft: FormDraft, actor: int) -> object:
    query = update.callback_query
    if query is None or query.data is None:
        return None
    rt, lang, step = context.runtime, draft.lang, draft.step
    press = parse_form_press(query.data)
    if press is None or press.form_id != draft.id:
        await alert(query, text_of(rt, lang, "stale_button"))
        return step
    if press.action == CANCEL:
        await alert(query)
        return await ask_cancel(update, context, draft)
    if press.action == CANCEL_YES:
        await alert(query)
        return await cancel_form(update, context)
    if press.action == CANCEL_NO:
        await alert(query)
        return await ask(update, context, draft, in_place=True)  # the same step, nothing lost
    if press.action == RESTART:
        await alert(query)
        return await ask(update, context, draft.restarted(rt.now()), in_place=True)
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
        draft.fixing = True
        draft.step = FIELD_STEP[field]
        return await ask(update, context, draft, in_place=True)
    today = rt.today()
    try:
        gazetteer = rt.engine.gazetteer
        answered = fill(
            draft, lambda values: apply_press(step, press, values, rt.directory, today, gazetteer)
        )
    except VisitInputError as error:
        await alert(query, views(rt).error(lang, error.errors[0]))
        return step
    except InvalidPressError:
        await alert(query, text_of(rt, lang, "stale_button"))
        return step
    await alert(query)
    return await step_done(update, context, draft, answered, note=echo(rt, draft, answered))


@form_step
async def form_not_text(update: Update, context: Context, draft: FormDraft, _actor: int) -> object:
    """A sticker, photo, voice... where the form expects text or a button: ask again, politely."""
    return await ask(update, context, draft, text_of(context.runtime, draft.lang, "not_text"))


@form_step
async def cancel_command(update: Update, context: Context, draft: FormDraft, _actor: int) -> object:
    """/cancel in an open form: asked first when it would throw away more than CANCEL_AT_ONCE steps."""
    return await ask_cancel(update, context, draft)


async def ask_cancel(update: Update, context: Context, draft: FormDraft) -> object:
    """Cancel now, or ask once ("Steps filled: 4") with Yes / No; the form stays at its step meanwhile,
    so an answer typed instead of "No" goes on with the form."""
    filled = steps_filled(draft.step, editing_saved=draft.mode == "edit", fixing=draft.fixing)
    if filled <= CANCEL_AT_ONCE:
        return await cancel_form(update, context)
    rt = context.runtime
    draft.touched = rt.now().isoformat()
    await save_step(update, context, draft)
    text, markup = cancel_question(rt, draft, filled)
    if update.callback_query is not None:
        await edit_or_send(update, context, text, markup)
    else:
        await reply(update, context, text, markup)
    return draft.step


async def cancel_form(update: Update, context: Context) -> object:
    draft = get_draft(update, context)
    lang = draft.lang if draft else await language_of(update, context)
    await save_step(update, context, None)
    text = text_of(context.runtime, lang, "form_cancelled")
    # a press turns the question into the record of the cancellation; a command gets a message
    if update.callback_query is None or not await edit(update, text):
        await reply(update, context, text)
    return END


@form_step
async def visit_again(update: Update, context: Context, draft: FormDraft, actor: int) -> object:
    """/visit while a form is open: a one-line record goes through, otherwise the form goes on."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    argument = command_argument(message.text)
    if ";" in argument:
        lang = await staff_language(update, context)
        await record_one_line(update, context, message, actor, argument, lang)
        return None
    note = text_of(context.runtime, draft.lang, "form_unfinished")
    return await ask(update, context, draft, note, restart=True)


async def form_timed_out(update: Update, context: Context) -> None:
    """The form sat idle for FORM_TIMEOUT: say so (nothing was saved) and forget it."""
    draft = get_draft(update, context)
    lang = draft.lang if draft else await language_of(update, context)
    await save_step(update, context, None)
    await reply(update, context, text_of(context.runtime, lang, "form_timeout", minutes=_minutes()))


async def cancel_outside(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    attaching = end_attaching(context)  # /attach N waiting for files: /cancel ends it
    if attaching is not None:
        await reply(update, context, text_of(context.runtime, lang, "details.attach_cancelled", id=attaching))
        return
    await reply(update, context, text_of(context.runtime, lang, "nothing_to_cancel"))


async def stale_form_button(update: Update, context: Context) -> None:
    """A form button with no open form: a double tap on Save, or an old form's keyboard."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    actor = await staff_only(update, context, "visit form button")
    if actor is None:
        return
    lang = await language_of(update, context)
    press = parse_form_press(query.data)
    if press is not None and press.action in ("save", "sa"):
        saved = await rt.visits.find_by_key(form_key(actor, press.form_id))
        if saved is not None:
            await alert(query, text_of(rt, lang, "already_saved", id=saved.id))
            return
    await alert(query, text_of(rt, lang, "stale_form"))


# ---- wiring ---------------------------------------------------------------------------------------------


def form_handler() -> ConversationHandler:  # type: ignore[type-arg]
    in_form_handlers: list[BaseHandler] = [  # type: ignore[type-arg]
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
                CallbackQueryHandler(pending_edit_entry, pattern=rf"^{CB_DUPLICATE}:[^:]+:{PENDING_EDIT}$"),
            ],
            states={
                **{state: list(in_form_handlers) for state in STATES},
                ConversationHandler.TIMEOUT: [TypeHandler(Update, form_timed_out)],
            },
            # the form's own handlers come last too: a state this version does not know (persisted by
            # another one) still gets every answer, and the draft's step says what comes next
            fallbacks=[
                CommandHandler("cancel", cancel_command),
                CommandHandler("visit", visit_again),
                *in_form_handlers,
            ],
            per_chat=True,
            per_user=True,
            per_message=False,
            conversation_timeout=FORM_TIMEOUT.total_seconds(),
            name=FORM_NAME,
            persistent=True,
        )
