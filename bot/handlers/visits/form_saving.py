"""The end of a guided form: Save on the confirmation card (a new visit), or the last answer of a
one-field edit of a saved visit. The form's draft is dropped once the visit is written."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.core.form_draft import FormDraft
from bot.core.visit_form import CANCEL, CONFIRM, changes_for
from bot.core.visits import VisitInputError, validate, visit_towns
from bot.handlers.chat import Context, alert
from bot.handlers.staff_gate import staff_only
from bot.handlers.visits.callback_data import CB_FORM, button
from bot.handlers.visits.card import card_keyboard, recorded_card
from bot.handlers.visits.drafts import form_key, save_step
from bot.handlers.visits.form_questions import ask
from bot.handlers.visits.messages import edit_or_send, reply, similar_warning, text_of, views
from storage.visits import Outcome, StaleVisitError, VisitNotFoundError

END = ConversationHandler.END


async def save_new(
    update: Update, context: Context, draft: FormDraft, actor: int, check_similar: bool = True
) -> object:
    """Save: validate, then record (visit + idempotency key + audit in one transaction) unless a similar
    visit is on record ("save anyway" skips that), then acknowledge."""
    rt = context.runtime
    query = update.callback_query
    if query is None:
        return draft.step
    lang = draft.lang
    try:
        new = draft.values.draft()
        errors = validate(new, rt.today(), (town.key for town in visit_towns(rt.directory)))
        if errors:
            raise VisitInputError(errors)
    except VisitInputError as error:
        await alert(query)
        problems = views(rt).errors(lang, error.errors, "errors_header_form")
        return await ask(update, context, draft, problems, in_place=True)
    key = form_key(actor, draft.id)
    recording = await rt.visits.record(new, actor, key, allow_similar=not check_similar)
    if recording.outcome is Outcome.SIMILAR_EXISTS:
        await alert(query)
        form = draft.id
        keyboard = InlineKeyboardMarkup(
            [
                [
                    button(text_of(rt, lang, "button.save_anyway"), CB_FORM, form, "sa"),
                    button(text_of(rt, lang, "button.cancel"), CB_FORM, form, CANCEL),
                ]
            ]
        )
        draft.touched = rt.now().isoformat()
        await save_step(update, context, draft)
        await edit_or_send(update, context, similar_warning(rt, lang, recording.visit), keyboard)
        return CONFIRM
    await save_step(update, context, None)
    await alert(query)
    await edit_or_send(update, context, *recorded_card(rt, lang, recording))
    return END


async def save_edit(update: Update, context: Context, draft: FormDraft) -> object:
    """The end of editing one field of a saved visit: write it (with audit) and show the card."""
    rt = context.runtime
    lang = draft.lang
    view = views(rt)
    await save_step(update, context, None)
    actor = await staff_only(update, context, "visit edit")
    if actor is None or draft.visit_id is None or draft.field is None:
        return END
    values = draft.values
    try:
        errors = validate(values.draft(), rt.today())
        if errors:
            raise VisitInputError(errors)
        changes = changes_for(draft.field, values)
        visit = await rt.visits.update(draft.visit_id, changes, actor, expected_revision=draft.revision)
    except VisitInputError as error:
        await reply(update, context, view.errors(lang, error.errors))
        return END
    except StaleVisitError as stale:
        current = stale.current
        text = view.card(lang, current, text_of(rt, lang, "stale_card"))
        await reply(update, context, text, card_keyboard(rt, lang, current))
        return END
    except VisitNotFoundError:
        await reply(update, context, text_of(rt, lang, "not_found", id=draft.visit_id))
        return END
    note = text_of(rt, lang, "updated", id=visit.id, field=view.field_name(lang, draft.field))
    card = view.card(lang, visit, note)
    if update.callback_query is not None:
        await edit_or_send(update, context, card, card_keyboard(rt, lang, visit))
    else:
        await reply(update, context, card, card_keyboard(rt, lang, visit))
    return END
