"""The guided /visit form as a state machine: its steps, the buttons each state accepts, what an answer
fills in, what comes next, and turning the draft into a VisitDraft.

Pure Python (no telegram): bot/handlers/visits/ asks the questions and keeps the draft
(bot/core/form_draft.py) between updates as JSON, so a form survives a restart.

Button data of the form (<= 64 bytes): ``vf:<form id>:<action>[:<argument>]``. Only the exact values
the bot itself generates are accepted (:func:`parse_form_press`); anything else is a forged or stale
button, never an exception.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.directory import TownDirectory
from bot.core.questions.gazetteer import Gazetteer
from bot.core.visits.dates import check_date, check_period, parse_date, parse_period
from bot.core.visits.fields import (
    check_notes,
    check_purpose,
    is_skip,
    parse_direction,
    parse_kind,
    parse_people,
)
from bot.core.visits.places import OTHER_TOWN, OtherPlace, check_place
from bot.core.visits.record import (
    EDITABLE,
    DelegationType,
    Direction,
    FieldError,
    Visit,
    VisitDraft,
    VisitInputError,
)

FORM_TIMEOUT = timedelta(minutes=15)

# the questions, in the order the form asks them
STEPS = ("town", "direction", "start", "end", "kind", "people", "purpose", "notes")
CONFIRM = "confirm"  # the whole draft shown, with Save / Change a field / Cancel
CHOOSE = "choose"  # which field to change
STATES = (*STEPS, CONFIRM, CHOOSE)
SAVE_EDIT = "save_edit"  # not a state: the one changed field of a saved visit is written now

# ---- buttons --------------------------------------------------------------------------------------------

FORM_PREFIX = "vf"
CANCEL = "x"  # accepted in every state
CANCEL_YES, CANCEL_NO = "xy", "xn"  # "throw away N filled steps?" asked by CANCEL: accepted in every state
CANCEL_AT_ONCE = 2  # a form with this many steps filled (or fewer) is cancelled without asking
RESTART = "new"  # "start over" on an unfinished form: accepted in every state
EVERY_STATE = frozenset({CANCEL, CANCEL_YES, CANCEL_NO, RESTART})  # never an answer to a step
# the button actions each state accepts (besides CANCEL)
FORM_ACTIONS: Mapping[str, frozenset[str]] = {
    "town": frozenset({"t", "o"}),
    "direction": frozenset({"d"}),
    "start": frozenset({"day"}),
    "end": frozenset({"s"}),
    "kind": frozenset({"k"}),
    "people": frozenset({"s"}),
    "purpose": frozenset(),
    "notes": frozenset({"s"}),
    CONFIRM: frozenset({"save", "sa", "e"}),
    CHOOSE: frozenset({"f", "b"}),
}
# the field a "change this field" button names -> the step that asks for it
FIELD_STEP: Mapping[str, str] = {
    "town": "town",
    "direction": "direction",
    "dates": "start",
    "kind": "kind",
    "people": "people",
    "purpose": "purpose",
    "notes": "notes",
}
# the start-date buttons: argument -> days before today ("Today", "Yesterday")
DAY_BUTTONS: Mapping[str, int] = {"0": 0, "1": 1}
# what the skip button ("s") stores at the steps that have one
SKIP_VALUES: Mapping[str, Any] = {"end": None, "people": None, "notes": ""}

_TOWN = "town key"  # marks the argument that must look like a town key (the directory decides the rest)
_ARGUMENTS: Mapping[str, frozenset[str] | str | None] = {
    CANCEL: None,
    CANCEL_YES: None,
    CANCEL_NO: None,
    RESTART: None,
    "t": _TOWN,
    "o": "place",  # "yes, another place": the gazetteer's place the form offered, as <index><r|e>
    "d": frozenset(direction.value for direction in Direction),
    "day": frozenset(DAY_BUTTONS),
    "k": frozenset(kind.value for kind in DelegationType),
    "s": None,
    "save": None,
    "sa": None,  # save anyway, after the "a similar visit is already recorded" warning
    "e": None,
    "f": frozenset(EDITABLE),
    "b": None,
}
_FORM_ID = re.compile(r"[A-Za-z0-9_-]{8}")  # secrets.token_urlsafe(6)
_TOWN_KEY = re.compile(r"[a-z0-9_]{1,40}")
_PLACE_ARGUMENT = re.compile(r"(0|[1-9][0-9]{0,3})([re])")  # the gazetteer's place, its name in ru / en


def new_form_id() -> str:
    """A fresh id for every form: buttons of an older form are recognised as stale."""
    return secrets.token_urlsafe(6)


@dataclass(frozen=True, slots=True)
class FormPress:
    form_id: str
    action: str
    argument: str | None = None


def parse_form_press(data: str) -> FormPress | None:
    """``vf:<form id>:<action>[:<argument>]`` exactly as the bot makes it, else None."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != FORM_PREFIX or not _FORM_ID.fullmatch(parts[1]):
        return None
    action, argument = parts[2], (parts[3] if len(parts) == 4 else None)
    if action not in _ARGUMENTS:
        return None
    allowed = _ARGUMENTS[action]
    if allowed is None:
        valid = argument is None
    elif allowed == _TOWN:
        valid = argument is not None and _TOWN_KEY.fullmatch(argument) is not None
    elif allowed == "place":
        valid = argument is not None and _PLACE_ARGUMENT.fullmatch(argument) is not None
    else:
        valid = argument in allowed
    return FormPress(parts[1], action, argument) if valid else None


def accepts(state: str, action: str) -> bool:
    """Whether a form in `state` takes a press of `action` (an older question's button does not)."""
    return action in EVERY_STATE or action in FORM_ACTIONS.get(state, frozenset())


# ---- the draft's values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormValues:
    """A visit's fields as far as the form knows them; None where it has not asked yet."""

    town_key: str | None = None
    direction: Direction | None = None
    start: date | None = None
    end: date | None = None
    kind: DelegationType | None = None
    people: int | None = None
    purpose: str | None = None
    notes: str | None = None
    place: OtherPlace | None = None  # a place that is not a partner (town_key is OTHER_TOWN then)

    @classmethod
    def of(cls, visit: Visit | VisitDraft) -> FormValues:
        return cls(
            visit.town_key,
            visit.direction,
            visit.start,
            visit.end,
            visit.kind,
            visit.people,
            visit.purpose,
            visit.notes,
            visit.place,
        )

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> FormValues:
        """The draft as stored between updates; a value that cannot be read counts as not given."""
        return cls(
            town_key=_text(values.get("town_key")),
            direction=_enum(Direction, values.get("direction")),
            start=_day(values.get("start")),
            end=_day(values.get("end")),
            kind=_enum(DelegationType, values.get("kind")),
            people=values.get("people") if type(values.get("people")) is int else None,
            purpose=_text(values.get("purpose")),
            notes=_text(values.get("notes")),
            place=OtherPlace.from_json(values.get("place")),
        )

    def to_json(self) -> dict[str, Any]:
        """The one JSON form of a visit's fields: the form's draft, a one-line visit waiting for "save
        anyway", and the audit log's before/after all use it."""
        return {
            "town_key": self.town_key,
            "direction": self.direction.value if self.direction else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "kind": self.kind.value if self.kind else None,
            "people": self.people,
            "purpose": self.purpose,
            "notes": self.notes if self.notes is not None else "",
            **({"place": self.place.to_json()} if self.place is not None else {}),
        }

    def draft(self) -> VisitDraft:
        """The record to validate and save; every required field not given yet is reported at once."""
        town, direction, start, kind, purpose = (
            self.town_key,
            self.direction,
            self.start,
            self.kind,
            self.purpose,
        )
        if town is None or direction is None or start is None or kind is None or purpose is None:
            missing = [
                FieldError(name, "missing")
                for name, value in (
                    ("town", town),
                    ("direction", direction),
                    ("start", start),
                    ("kind", kind),
                    ("purpose", purpose),
                )
                if value is None
            ]
            raise VisitInputError(missing)
        return VisitDraft(
            town_key=town,
            direction=direction,
            start=start,
            end=self.end,
            kind=kind,
            people=self.people,
            purpose=purpose,
            notes=self.notes or "",
            place=self.place if town == OTHER_TOWN else None,
        )


def empty_values() -> dict[str, Any]:
    return FormValues().to_json()


BLANK = FormValues(notes="")  # a new form's values, as empty_values() reads back: nothing asked yet


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _enum(kind: Any, value: Any) -> Any:
    try:
        return kind(value) if value is not None else None
    except ValueError:
        return None


# ---- answers --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer filled in: `field` as the form names it ("dates" for a typed range)."""

    field: str
    range_given: bool = False


class InvalidPressError(ValueError):
    """A well-formed button that does not fit the form (a town that is not a partner, say)."""


def apply_text(step: str, values: dict[str, Any], text: str, today: date, *, reset_end: bool) -> Answered:
    """Put a typed answer for `step` (not the town: see :func:`apply_town`) into `values`.

    `reset_end`: a single new start date forgets the old end (editing; the end is asked next).
    Raises VisitInputError with the problem, leaving `values` as they were.
    """
    stripped = text.strip()
    if step == "direction":
        values["direction"] = parse_direction(stripped).value
    elif step == "start":
        start, end = parse_period(stripped, today)
        values["start"] = start.isoformat()
        if end is not None:
            values["end"] = end.isoformat()
            return Answered("dates", range_given=True)
        if reset_end:
            values["end"] = None
    elif step == "end":
        if is_skip(stripped):
            values["end"] = None
        else:
            end_day = parse_date(stripped, today, "end")
            first = _day(values.get("start"))
            if first is None:
                raise VisitInputError.one("start", "missing")
            check_period(first, end_day)
            values["end"] = end_day.isoformat()
    elif step == "kind":
        values["kind"] = parse_kind(stripped).value
    elif step == "people":
        values["people"] = parse_people(stripped)
    elif step == "purpose":
        values["purpose"] = check_purpose(text)
    elif step == "notes":
        values["notes"] = "" if is_skip(stripped) else check_notes(text)
    else:
        raise ValueError(f"no typed answer at step {step!r}")
    return Answered(step)


def apply_town(values: dict[str, Any], town_key: str) -> Answered:
    values["town_key"] = town_key
    values.pop("place", None)
    return Answered("town")


def apply_place(values: dict[str, Any], place: OtherPlace) -> Answered:
    """A place that is not a partner: "другое: …" as typed, or a confirmed offer of the gazetteer's."""
    check_place(place)
    values["town_key"] = OTHER_TOWN
    values["place"] = place.to_json()
    return Answered("town")


def place_argument(places: Gazetteer, place: OtherPlace) -> str | None:
    """The "yes, another place" button's argument for a place `recognise` found: its index in the
    gazetteer and the script of its name (the button then needs no state: it survives a restart)."""
    for index, known in enumerate(places.places):
        if known.country == place.country and place.name in (known.name_ru, known.name_en):
            return f"{index}{'r' if place.name == known.name_ru else 'e'}"
    return None


def place_of_argument(places: Gazetteer | None, argument: str) -> OtherPlace | None:
    match = _PLACE_ARGUMENT.fullmatch(argument)
    if places is None or match is None or int(match.group(1)) >= len(places.places):
        return None
    known = places.places[int(match.group(1))]
    return OtherPlace(known.name_ru if match.group(2) == "r" else known.name_en, known.country)


def apply_press(
    step: str,
    press: FormPress,
    values: dict[str, Any],
    directory: TownDirectory,
    today: date,
    places: Gazetteer | None = None,
) -> Answered:
    """Put a pressed answer (town, direction, start day, type or skip) into `values`.

    Raises InvalidPressError for a button that does not fit, VisitInputError for a date out of range.
    """
    if not accepts(step, press.action) or press.action in EVERY_STATE | {"save", "e", "f", "b"}:
        raise InvalidPressError(press.action)
    argument = press.argument or ""
    if press.action == "o":
        offered = place_of_argument(places, argument)
        if offered is None:
            raise InvalidPressError(argument)
        return apply_place(values, offered)
    if press.action == "t":
        town = directory.get(argument)
        if town is None or town.is_home:
            raise InvalidPressError(argument)
        return apply_town(values, town.key)
    if press.action == "d":
        values["direction"] = Direction(argument).value
        return Answered("direction")
    if press.action == "day":
        chosen = today - timedelta(days=DAY_BUTTONS[argument])
        check_date(chosen, today)
        values["start"] = chosen.isoformat()
        values["end"] = None
        return Answered("start")
    if press.action == "k":
        values["kind"] = DelegationType(argument).value
        return Answered("kind")
    # "s": skip (FORM_ACTIONS gives it only to the steps in SKIP_VALUES)
    values[step] = SKIP_VALUES[step]
    return Answered(step)


def next_step(step: str, answered: Answered, *, editing_saved: bool, fixing: bool) -> str:
    """The state after `step` was answered: the next question, CONFIRM, or SAVE_EDIT."""
    if step == "start" and not answered.range_given:
        return "end"  # a single date: ask whether the visit lasted longer
    if editing_saved:
        return SAVE_EDIT
    if fixing:
        return CONFIRM
    if step == "start":
        return "kind"  # a range was typed: the end is known
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else CONFIRM


def steps_filled(step: str, *, editing_saved: bool, fixing: bool) -> int:
    """How many of a new visit's steps are answered at `step` (what cancelling would throw away).

    The form goes through STEPS in order, so every step before the current one has its answer (a typed
    range answers the end date too); the confirmation card, the field menu and a field changed from them
    have all. Changing one field of a saved visit loses nothing that is saved."""
    if editing_saved:
        return 0
    if fixing or step in (CONFIRM, CHOOSE):
        return len(STEPS)
    return STEPS.index(step) if step in STEPS else 0


def field_of_step(step: str) -> str:
    """The field a step fills, as the form names fields ("dates" for both days)."""
    return "dates" if step in ("start", "end") else step


def changes_for(field: str, values: FormValues) -> dict[str, Any]:
    """The VisitDraft fields that editing `field` of a saved visit writes."""
    options: dict[str, dict[str, Any]] = {
        "town": {"town_key": values.town_key, "place": values.place},
        "direction": {"direction": values.direction},
        "dates": {"start": values.start, "end": values.end},
        "kind": {"kind": values.kind},
        "people": {"people": values.people},
        "purpose": {"purpose": values.purpose},
        "notes": {"notes": values.notes or ""},
    }
    return options[field]


def expired(touched: Any, now: datetime, timeout: timedelta = FORM_TIMEOUT) -> bool:
    """Whether a draft last touched at `touched` (ISO text) has been idle longer than `timeout`."""
    if not isinstance(touched, str):
        return True
    try:
        moment = datetime.fromisoformat(touched)
    except ValueError:
        return True
    if moment.tzinfo is None:
        return True
    return now - moment > timeout
