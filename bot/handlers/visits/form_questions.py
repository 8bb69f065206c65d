"""The guided form's questions: asking them (:func:`ask`), what each step asks and the buttons it offers (town, direction, start
date with Today / Yesterday, end date, type, people, purpose, notes), the confirmation card and the
"which field?" menu. The rules (what an answer fills in, what comes next) are in
bot/core/visit_form.py; form.py runs the conversation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.form_draft import FormDraft
from bot.core.model import Language, Town
from bot.core.visit_form import (
    CANCEL,
    CANCEL_NO,
    CANCEL_YES,
    CHOOSE,
    CONFIRM,
    RESTART,
    STEPS,
    Answered,
    FormValues,
    field_of_step,
)
from bot.core.visits import EDITABLE, DelegationType, Direction, visit_towns
from bot.handlers.chat import Context
from bot.handlers.visits.callback_data import CB_FORM, button, rows
from bot.handlers.visits.drafts import save_step
from bot.handlers.visits.messages import edit_or_send, reply, text_of, views
from bot.runtime import Runtime

TOWN_BUTTONS = 40


async def ask(
    update: Update,
    context: Context,
    draft: FormDraft,
    note: str = "",
    in_place: bool = False,
    restart: bool = False,
) -> str:
    """Persist the draft at its current step, then ask that step's question; returns the state.

    After a button press (`in_place`), the pressed message turns into the next question: one request
    instead of two, which matters in groups (20 messages a minute).
    """
    rt = context.runtime
    draft.touched = rt.now().isoformat()
    await save_step(update, context, draft)
    text, markup = prompt(rt, draft, note, restart)
    if in_place and update.callback_query is not None:
        await edit_or_send(update, context, text, markup)
    else:
        await reply(update, context, text, markup)
    return draft.step


def fill(draft: FormDraft, answer: Callable[[dict[str, Any]], Answered]) -> Answered:
    """Put an answer into the draft's values (through their JSON, which visit_form's rules fill in);
    on VisitInputError or InvalidPressError the values stay as they were."""
    values = draft.values.to_json()
    answered = answer(values)
    draft.values = FormValues.from_json(values)
    return answered


def prompt(
    rt: Runtime, draft: FormDraft, note: str = "", restart: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the draft's current step, with its buttons (and "start over", for a form found
    unfinished)."""
    if draft.step == CONFIRM:
        text, markup = confirm_card(rt, draft)
        text = f"{note}\n\n{text}" if note else text
    elif draft.step == CHOOSE:
        text, markup = choose_field(rt, draft)
    else:
        text, markup = question(rt, draft, note)
    if not restart or draft.mode != "new":
        return text, markup
    again = button(text_of(rt, draft.lang, "button.start_over"), CB_FORM, draft.id, RESTART)
    return text, InlineKeyboardMarkup([*markup.inline_keyboard, [again]])


def cancel_button(rt: Runtime, draft: FormDraft) -> InlineKeyboardButton:
    return button(text_of(rt, draft.lang, "button.cancel"), CB_FORM, draft.id, CANCEL)


def confirm_card(rt: Runtime, draft: FormDraft) -> tuple[str, InlineKeyboardMarkup]:
    """The whole draft, with Save / Change a field / Cancel."""
    lang, form = draft.lang, draft.id
    keyboard = [
        [button(text_of(rt, lang, "button.save"), CB_FORM, form, "save")],
        [button(text_of(rt, lang, "button.edit_field"), CB_FORM, form, "e"), cancel_button(rt, draft)],
    ]
    return views(rt).draft_card(lang, draft.values), InlineKeyboardMarkup(keyboard)


def choose_field(rt: Runtime, draft: FormDraft) -> tuple[str, InlineKeyboardMarkup]:
    """The draft again, and which field to change."""
    lang, form, view = draft.lang, draft.id, views(rt)
    fields = [button(view.field_name(lang, name), CB_FORM, form, "f", name) for name in EDITABLE]
    keyboard = [*rows(fields), [button(text_of(rt, lang, "button.back"), CB_FORM, form, "b")]]
    text = f"{view.draft_card(lang, draft.values)}\n\n{text_of(rt, lang, 'choose_field')}"
    return text, InlineKeyboardMarkup(keyboard)


def header(rt: Runtime, draft: FormDraft) -> str:
    """ "Visit #N: changing X (now: ...)", "Changing X (now: ...)" or "Step K of 8"."""
    lang, view = draft.lang, views(rt)
    if draft.mode == "edit" and draft.field is not None:
        current = view.value(lang, draft.field, draft.values)
        name = view.field_name(lang, draft.field)
        return text_of(rt, lang, "edit_header", id=draft.visit_id, field=name, current=current)
    if draft.fixing:
        field = field_of_step(draft.step)
        current = view.value(lang, field, draft.values)
        return text_of(rt, lang, "fix_header", field=view.field_name(lang, field), current=current)
    return text_of(rt, lang, "step_header", step=STEPS.index(draft.step) + 1, total=len(STEPS))


def question(rt: Runtime, draft: FormDraft, note: str = "") -> tuple[str, InlineKeyboardMarkup]:
    """The question of one step (town ... notes) and its buttons."""
    lang, step = draft.lang, draft.step
    lines: list[str] = [note] if note else []
    lines.append(header(rt, draft))
    lines.append(text_of(rt, lang, f"ask.{step}"))
    if step in ("purpose", "notes"):
        lines.append(views(rt).limit_hint(lang, step))
    lines.append(text_of(rt, lang, "cancel_hint"))
    keyboard = [*step_buttons(rt, draft), [cancel_button(rt, draft)]]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def step_buttons(rt: Runtime, draft: FormDraft) -> list[list[InlineKeyboardButton]]:
    lang, step, form = draft.lang, draft.step, draft.id
    if step == "town":
        # alphabetical in the form's language, as people look for a name ("ё" sorted as "е")
        towns = sorted(
            visit_towns(rt.directory), key=lambda town: town.name(lang).casefold().replace("ё", "е")
        )
        return town_buttons(rt, draft, towns[:TOWN_BUTTONS])
    if step == "direction":
        return [
            [
                button(text_of(rt, lang, f"button.{direction.value}"), CB_FORM, form, "d", direction.value)
                for direction in Direction
            ]
        ]
    if step == "start":
        return start_date_buttons(rt, draft)
    if step == "kind":
        view = views(rt)
        return rows(
            [button(view.kind(lang, kind), CB_FORM, form, "k", kind.value) for kind in DelegationType]
        )
    if step in ("end", "people", "notes"):
        return [[button(text_of(rt, lang, f"button.skip_{step}"), CB_FORM, form, "s")]]
    return []


def start_date_buttons(rt: Runtime, draft: FormDraft) -> list[list[InlineKeyboardButton]]:
    """The start date step: Today / Yesterday (days back, as visit_form.DAY_BUTTONS reads them); a date
    or a range is typed."""
    lang, form = draft.lang, draft.id
    return [
        [
            button(text_of(rt, lang, "button.today"), CB_FORM, form, "day", "0"),
            button(text_of(rt, lang, "button.yesterday"), CB_FORM, form, "day", "1"),
        ]
    ]


def town_buttons(rt: Runtime, draft: FormDraft, towns: Sequence[Town]) -> list[list[InlineKeyboardButton]]:
    lang = draft.lang
    return rows(
        [
            button(f"{rt.replies().flag(town.country)} {town.name(lang)}", CB_FORM, draft.id, "t", town.key)
            for town in towns
        ]
    )


def town_choice(
    rt: Runtime, draft: FormDraft, typed: str, towns: Sequence[Town]
) -> tuple[str, InlineKeyboardMarkup]:
    """A typed town the directory could not settle: the matching towns as buttons, one press and on."""
    keyboard = [*town_buttons(rt, draft, towns), [cancel_button(rt, draft)]]
    return town_problem(rt, draft.lang, typed, towns), InlineKeyboardMarkup(keyboard)


def town_problem(rt: Runtime, lang: Language, typed: str, towns: Sequence[Town]) -> str:
    if not towns:
        return text_of(rt, lang, "town_not_found", text=typed[:60])
    names = ", ".join(town.name(lang) for town in towns)
    return text_of(rt, lang, "town_suggest", text=typed[:60], names=names)


def chosen_text(rt: Runtime, draft: FormDraft, field: str) -> str:
    """ "Town: Narva" after an answer (no end date after a start date is a one-day visit, not a gap)."""
    view, lang, values = views(rt), draft.lang, draft.values
    one_day = field == "end" and values.end is None and values.start is not None
    skipped = (field == "people" and values.people is None) or (field == "notes" and not values.notes)
    if one_day:
        value = text_of(rt, lang, "one_day")
    elif skipped:  # as its skip button says: "Участников: Не знаю", not "не указано"
        value = text_of(rt, lang, f"button.skip_{field}")
    elif field == "start" and values.start is not None:
        value = view.day(lang, values.start)  # the end is asked next: the start alone
    else:
        value = view.value(lang, field, values)
    return text_of(rt, lang, "chosen", field=view.field_name(lang, field), value=value)


def echo(rt: Runtime, draft: FormDraft, answered: Answered) -> str:
    """ "✓ Date: 5 June 2026": an answer, typed or pressed, as the form understood it (normalised), above
    the next question, so what was taken is on record in the chat either way."""
    return chosen_text(rt, draft, answered.field)


def cancel_question(rt: Runtime, draft: FormDraft, filled: int) -> tuple[str, InlineKeyboardMarkup]:
    """ "Cancel this record? Steps filled: 4" with Yes / No ("No" asks the same step again)."""
    lang, form = draft.lang, draft.id
    keyboard = [
        [
            button(text_of(rt, lang, "button.cancel_yes"), CB_FORM, form, CANCEL_YES),
            button(text_of(rt, lang, "button.cancel_no"), CB_FORM, form, CANCEL_NO),
        ]
    ]
    return text_of(rt, lang, "cancel_confirm", count=filled), InlineKeyboardMarkup(keyboard)
