"""The guided /visit form's state machine (bot/core/visit_form.py): no Telegram, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns
from bot.core.visit_form import (
    CHOOSE,
    CONFIRM,
    FIELD_STEP,
    FORM_ACTIONS,
    SAVE_EDIT,
    STATES,
    STEPS,
    Answered,
    FormPress,
    FormValues,
    InvalidPressError,
    accepts,
    apply_press,
    apply_text,
    changes_for,
    empty_values,
    expired,
    field_of_step,
    new_form_id,
    next_step,
    parse_form_press,
    steps_filled,
)
from bot.core.visits import EDITABLE, DelegationType, Direction, VisitDraft, VisitInputError

TODAY = date(2026, 11, 26)
FORM = "AbCd_-12"


@pytest.fixture(scope="module")
def directory() -> TownDirectory:
    return TownDirectory(shipped_towns())


# ---- buttons --------------------------------------------------------------------------------------------


def test_form_ids_fit_the_button_format() -> None:
    ids = {new_form_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(parse_form_press(f"vf:{form}:x") == FormPress(form, "x") for form in ids)


@pytest.mark.parametrize(
    ("data", "press"),
    [
        (f"vf:{FORM}:x", FormPress(FORM, "x")),
        (f"vf:{FORM}:t:narva_joesuu", FormPress(FORM, "t", "narva_joesuu")),
        (f"vf:{FORM}:d:in", FormPress(FORM, "d", "in")),
        (f"vf:{FORM}:day:0", FormPress(FORM, "day", "0")),
        (f"vf:{FORM}:day:1", FormPress(FORM, "day", "1")),
        (f"vf:{FORM}:k:schoolchildren", FormPress(FORM, "k", "schoolchildren")),
        (f"vf:{FORM}:s", FormPress(FORM, "s")),
        (f"vf:{FORM}:save", FormPress(FORM, "save")),
        (f"vf:{FORM}:f:dates", FormPress(FORM, "f", "dates")),
        (f"vf:{FORM}:b", FormPress(FORM, "b")),
    ],
)
def test_the_buttons_the_bot_makes_are_read(data: str, press: FormPress) -> None:
    assert parse_form_press(data) == press


@pytest.mark.parametrize(
    "data",
    [
        f"vf:{FORM}:day:-700",  # a date in the future
        f"vf:{FORM}:day:{'9' * 40}",  # int() -> timedelta overflowed
        f"vf:{FORM}:day:2",
        f"vf:{FORM}:day:00",
        f"vf:{FORM}:day: 1",
        f"vf:{FORM}:day",
        f"vf:{FORM}:d:up",
        f"vf:{FORM}:d",
        f"vf:{FORM}:k:ballet",
        f"vf:{FORM}:t:Narva",
        f"vf:{FORM}:t:../etc",
        f"vf:{FORM}:t",
        f"vf:{FORM}:f:secret",
        f"vf:{FORM}:f:start",  # a step, not a field the bot offers
        f"vf:{FORM}:s:1",
        f"vf:{FORM}:save:now",
        f"vf:{FORM}:zz",
        f"vf:{FORM}:x:y:z",
        "vf:short:x",
        "vf:AbCd_-123:x",
        "vc:1:1:o",
        "vf:",
        "",
    ],
)
def test_anything_else_is_not_a_form_button(data: str) -> None:
    assert parse_form_press(data) is None


def test_each_state_takes_its_own_buttons() -> None:
    assert set(FORM_ACTIONS) == set(STATES)
    assert all(accepts(state, "x") for state in STATES)  # cancel, everywhere
    assert accepts("town", "t") and not accepts("direction", "t")
    assert accepts(CONFIRM, "save") and not accepts("town", "save")
    assert accepts(CHOOSE, "f") and not accepts("purpose", "s")
    assert set(FIELD_STEP) == set(EDITABLE)
    assert all(step in STEPS for step in FIELD_STEP.values())


# ---- answers --------------------------------------------------------------------------------------------


def test_typed_answers_fill_the_values() -> None:
    values = empty_values()
    assert apply_text("direction", values, "приезд", TODAY, reset_end=False) == Answered("direction")
    assert apply_text("start", values, "05.06.2024", TODAY, reset_end=False) == Answered("start")
    assert apply_text("end", values, "07.06.2024", TODAY, reset_end=False) == Answered("end")
    apply_text("kind", values, "молодёжная", TODAY, reset_end=False)
    apply_text("people", values, "12 чел.", TODAY, reset_end=False)
    apply_text("purpose", values, "  Лагерь <дружбы>  ", TODAY, reset_end=False)
    apply_text("notes", values, "нет", TODAY, reset_end=False)
    assert values == {
        "town_key": None,
        "direction": "in",
        "start": "2024-06-05",
        "end": "2024-06-07",
        "kind": "youth",
        "people": 12,
        "purpose": "Лагерь <дружбы>",
        "notes": "",
    }


def test_a_typed_range_fills_both_days() -> None:
    values = empty_values()
    answered = apply_text("start", values, "5-7 июня 2024", TODAY, reset_end=False)
    assert answered == Answered("dates", range_given=True)
    assert (values["start"], values["end"]) == ("2024-06-05", "2024-06-07")
    # editing: a single new first day forgets the old last day (it is asked for next)
    assert apply_text("start", values, "01.06.2024", TODAY, reset_end=True) == Answered("start")
    assert (values["start"], values["end"]) == ("2024-06-01", None)


def test_a_bad_answer_changes_nothing() -> None:
    values = empty_values()
    apply_text("start", values, "05.06.2024", TODAY, reset_end=False)
    before = dict(values)
    for step, text in (("end", "01.06.2024"), ("people", "²"), ("people", "0"), ("kind", "балет")):
        with pytest.raises(VisitInputError):
            apply_text(step, values, text, TODAY, reset_end=False)
    assert values == before


def test_pressed_answers(directory: TownDirectory) -> None:
    values = empty_values()
    assert apply_press("town", FormPress(FORM, "t", "narva"), values, directory, TODAY) == Answered("town")
    apply_press("direction", FormPress(FORM, "d", "out"), values, directory, TODAY)
    apply_press("start", FormPress(FORM, "day", "1"), values, directory, TODAY)
    apply_press("end", FormPress(FORM, "s"), values, directory, TODAY)
    apply_press("kind", FormPress(FORM, "k", "sports"), values, directory, TODAY)
    apply_press("people", FormPress(FORM, "s"), values, directory, TODAY)
    apply_press("notes", FormPress(FORM, "s"), values, directory, TODAY)
    assert values["town_key"] == "narva" and values["direction"] == "out"
    assert (values["start"], values["end"]) == ("2026-11-25", None)
    assert (values["kind"], values["people"], values["notes"]) == ("sports", None, "")


@pytest.mark.parametrize(
    ("step", "press"),
    [
        ("town", FormPress(FORM, "t", "kingisepp")),  # home, not a partner
        ("town", FormPress(FORM, "t", "atlantis")),
        ("direction", FormPress(FORM, "t", "narva")),  # a button of another step
        ("purpose", FormPress(FORM, "s")),  # the purpose cannot be skipped
        (CONFIRM, FormPress(FORM, "save")),  # not an answer
    ],
)
def test_presses_that_do_not_fit(directory: TownDirectory, step: str, press: FormPress) -> None:
    values = empty_values()
    with pytest.raises(InvalidPressError):
        apply_press(step, press, values, directory, TODAY)
    assert values == empty_values()


def test_the_steps_in_order() -> None:
    plain = {"editing_saved": False, "fixing": False}
    assert next_step("town", Answered("town"), **plain) == "direction"
    assert next_step("direction", Answered("direction"), **plain) == "start"
    assert next_step("start", Answered("start"), **plain) == "end"  # a single day: ask the last one
    assert next_step("start", Answered("dates", range_given=True), **plain) == "kind"
    assert next_step("end", Answered("end"), **plain) == "kind"
    assert next_step("purpose", Answered("purpose"), **plain) == "notes"
    assert next_step("notes", Answered("notes"), **plain) == CONFIRM


def test_fixing_and_editing_go_back_at_once() -> None:
    fixing: dict[str, Any] = {"editing_saved": False, "fixing": True}
    assert next_step("people", Answered("people"), **fixing) == CONFIRM
    assert next_step("start", Answered("start"), **fixing) == "end"
    assert next_step("end", Answered("end"), **fixing) == CONFIRM
    editing: dict[str, Any] = {"editing_saved": True, "fixing": False}
    assert next_step("kind", Answered("kind"), **editing) == SAVE_EDIT
    assert next_step("start", Answered("dates", range_given=True), **editing) == SAVE_EDIT
    assert next_step("start", Answered("start"), **editing) == "end"
    assert [field_of_step(step) for step in ("start", "end", "kind")] == ["dates", "dates", "kind"]


# ---- the draft ------------------------------------------------------------------------------------------


def test_every_missing_required_field_is_named() -> None:
    with pytest.raises(VisitInputError) as error:
        FormValues(town_key="narva", people=3).draft()
    assert [(e.field, e.code) for e in error.value.errors] == [
        ("direction", "missing"),
        ("start", "missing"),
        ("kind", "missing"),
        ("purpose", "missing"),
    ]


def test_a_stored_draft_round_trips_and_bad_values_count_as_not_given() -> None:
    values = FormValues(
        "narva", Direction.INCOMING, date(2024, 6, 5), None, DelegationType.YOUTH, 12, "Лагерь", ""
    )
    assert FormValues.from_json(values.to_json()) == values
    assert values.draft().town_key == "narva" and values.draft().notes == ""
    broken = FormValues.from_json(
        {"town_key": 5, "direction": "up", "start": "31.02", "kind": None, "people": "12", "notes": None}
    )
    assert broken == FormValues()


def test_edits_change_only_their_fields() -> None:
    values = FormValues(start=date(2024, 6, 1), end=date(2024, 6, 3), notes=None, people=4)
    assert changes_for("dates", values) == {"start": date(2024, 6, 1), "end": date(2024, 6, 3)}
    assert changes_for("notes", values) == {"notes": ""}
    assert changes_for("people", values) == {"people": 4}
    assert all(changes_for(field, values) for field in EDITABLE)


def test_an_idle_form_expires() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert not expired((now - timedelta(minutes=14)).isoformat(), now)
    assert expired((now - timedelta(minutes=16)).isoformat(), now)
    assert expired("yesterday", now) and expired(None, now) and expired("2026-11-26T12:00:00", now)


def test_one_json_form_for_a_whole_visit() -> None:
    """A one-line visit waiting for "save anyway" and the audit log use FormValues' JSON too."""
    visit = VisitDraft(
        "narva", Direction.INCOMING, date(2024, 6, 5), None, DelegationType.YOUTH, 12, "Лагерь", ""
    )
    stored = FormValues.of(visit).to_json()
    assert stored == {
        "town_key": "narva",
        "direction": "in",
        "start": "2024-06-05",
        "end": None,
        "kind": "youth",
        "people": 12,
        "purpose": "Лагерь",
        "notes": "",
    }
    assert FormValues.from_json(stored).draft() == visit


def test_steps_filled_is_what_a_cancel_would_throw_away() -> None:
    assert [steps_filled(step, editing_saved=False, fixing=False) for step in STEPS] == list(
        range(len(STEPS))
    )
    for state in (CONFIRM, CHOOSE):
        assert steps_filled(state, editing_saved=False, fixing=False) == len(STEPS)
    assert steps_filled("people", editing_saved=False, fixing=True) == len(STEPS)  # changed from the card
    assert steps_filled("people", editing_saved=True, fixing=False) == 0  # a saved visit's one field
    assert steps_filled("unknown", editing_saved=False, fixing=False) == 0
    for action in ("x", "xy", "xn"):  # cancel and its Yes / No: in every state, never an answer
        assert all(accepts(state, action) for state in STATES)
        assert parse_form_press(f"vf:{FORM}:{action}") == FormPress(FORM, action)
        assert parse_form_press(f"vf:{FORM}:{action}:1") is None
