"""The draft of an open /visit form (bot/core/form_draft.py): its JSON, and what it has taken."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.form_draft import FormDraft
from bot.core.visit_form import STEPS, FormValues, empty_values
from bot.core.visits import DelegationType, Direction, Visit

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def saved_visit() -> Visit:
    return Visit(
        id=7,
        town_key="narva",
        direction=Direction.OUTGOING,
        start=date(2024, 6, 5),
        end=date(2024, 6, 7),
        kind=DelegationType.CULTURAL,
        people=None,
        purpose="Концерт <b>&",
        notes="",
        created_by=900,
        created_at="2024-06-01T10:00:00Z",
        updated_at="2024-06-01T10:00:00Z",
        revision=3,
    )


def test_a_form_draft_round_trips_through_json() -> None:
    draft = FormDraft.new("en", NOW)
    draft.step, draft.fixing = "people", True
    draft.values = FormValues(
        town_key="raisio", direction=Direction.INCOMING, start=date(2024, 1, 2), notes=""
    )
    assert draft.take_message(5001) and draft.take_query("q1")
    assert FormDraft.from_json(draft.to_json()) == draft
    fresh = FormDraft.new("ru", NOW)
    assert FormDraft.from_json(fresh.to_json()) == fresh and fresh.values == FormValues.from_json(
        empty_values()
    )
    editing = FormDraft.editing("ru", NOW, saved_visit(), "dates")
    assert (editing.mode, editing.step, editing.visit_id, editing.revision) == ("edit", "start", 7, 3)
    assert editing.values == FormValues.of(saved_visit()) and editing.id != draft.id
    assert FormDraft.from_json(editing.to_json()) == editing
    # the JSON is what user_data (and so SQLite) holds: plain values only
    assert (
        editing.to_json()["values"]["direction"] == "out" and editing.to_json()["touched"] == NOW.isoformat()
    )


def test_a_stored_draft_that_cannot_be_read_is_no_draft() -> None:
    good = FormDraft.new("ru", NOW).to_json()
    for broken in (
        None,
        "draft",
        {**good, "id": 5},
        {**good, "lang": "de"},
        {**good, "mode": "edit"},  # editing, but which visit?
        {**good, "mode": "edit", "visit_id": 7, "revision": 1, "field": "secret"},
    ):
        assert FormDraft.from_json(broken) is None, broken
    # a draft of an earlier version (no seen ids, odd values): read, the odd parts as not given
    old = {"id": "AbCd_-12", "lang": "ru", "step": "dates", "values": {"people": "12"}, "touched": 5}
    draft = FormDraft.from_json(old)
    assert draft is not None and draft.step == "dates" and draft.values == FormValues()
    assert draft.expired(NOW) and draft.messages == [] and draft.queries == [] and draft.mode == "new"


def test_a_draft_takes_each_message_and_press_once() -> None:
    draft = FormDraft.new("ru", NOW)
    assert draft.take_message(10) and not draft.take_message(10)
    assert draft.take_message(3)  # a lower id: an earlier session's form, still a new answer
    for message_id in range(100, 120):
        draft.take_message(message_id)
    assert len(draft.messages) == 8 and draft.last_message == 119
    assert draft.take_query("a") and not draft.take_query("a")
    fresh = draft.restarted(NOW + timedelta(minutes=1))
    assert fresh.id != draft.id and fresh.step == STEPS[0] and fresh.values == FormValues(notes="")
    assert not fresh.take_message(119)  # "start over" still knows what it has taken
    assert not draft.expired(NOW + timedelta(minutes=14)) and draft.expired(NOW + timedelta(minutes=16))
