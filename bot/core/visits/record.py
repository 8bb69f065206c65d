"""The visit record: its fields and their limits, the draft staff enter and the stored visit, and the error
that names a bad field (its code selects the message, visits.error.<code>)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.visits.files import VisitFile
    from bot.core.visits.people import Participant
    from bot.core.visits.places import OtherPlace

MIN_YEAR = 1950
MAX_YEARS_AHEAD = 2
MIN_PEOPLE = 1
MAX_PEOPLE = 10_000
MAX_PURPOSE = 500
MAX_NOTES = 2000
MAX_DAYS = 366  # one visit longer than a year is a typo, not a visit

# the fields of a visit in the order the guided form asks for them
FIELDS = ("town", "direction", "start", "end", "kind", "people", "purpose", "notes")
# what staff can change on a saved visit (start and end are edited together as "dates")
EDITABLE = ("town", "direction", "dates", "kind", "people", "purpose", "notes")


class Direction(Enum):
    INCOMING = "in"  # a delegation came to Kingisepp
    OUTGOING = "out"  # a delegation went from Kingisepp


class DelegationType(Enum):
    OFFICIAL = "official"
    BUSINESS = "business"
    YOUTH = "youth"
    SCHOOLCHILDREN = "schoolchildren"
    CULTURAL = "cultural"
    SPORTS = "sports"
    MEDICAL = "medical"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class VisitDraft:
    """What staff enter; validated before it is written."""

    town_key: str
    direction: Direction
    start: date
    end: date | None
    kind: DelegationType
    people: int | None
    purpose: str
    notes: str = ""
    place: OtherPlace | None = None  # a place that is not a partner (town_key is OTHER_TOWN then)

    def planned(self, today: date) -> bool:
        return self.start > today


@dataclass(frozen=True, slots=True)
class Visit:
    """A stored visit. `deleted` visits are kept (soft delete) and can be restored.

    `revision` grows with every change; buttons carry it, so a press on an outdated card is noticed.
    `participants` (the head among them) and `files` are read with one visit (storage's get), not with
    lists of visits.
    """

    id: int
    town_key: str
    direction: Direction
    start: date
    end: date | None
    kind: DelegationType
    people: int | None
    purpose: str
    notes: str
    created_by: int
    created_at: str
    updated_at: str
    deleted: bool = False
    revision: int = 1
    participants: tuple[Participant, ...] = ()
    files: tuple[VisitFile, ...] = ()
    place: OtherPlace | None = None  # a place that is not a partner (town_key is OTHER_TOWN then)

    def planned(self, today: date) -> bool:
        return self.start > today

    @property
    def draft(self) -> VisitDraft:
        return VisitDraft(
            town_key=self.town_key,
            direction=self.direction,
            start=self.start,
            end=self.end,
            kind=self.kind,
            people=self.people,
            purpose=self.purpose,
            notes=self.notes,
            place=self.place,
        )


def apply_changes(draft: VisitDraft, changes: Mapping[str, Any]) -> VisitDraft:
    """The draft with some fields replaced; unknown field names are a programming error."""
    allowed = {"town_key", "direction", "start", "end", "kind", "people", "purpose", "notes", "place"}
    unknown = set(changes) - allowed
    if unknown:
        raise KeyError(f"not visit fields: {sorted(unknown)}")
    values = dict(changes)
    if "town_key" in values and "place" not in values and values["town_key"] != draft.town_key:
        values["place"] = None  # a partner town chosen for a visit to another place: the place goes
    return replace(draft, **values)


# ---- errors -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: `code` selects the message (visits.error.<code>), `params` fill it in."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)


class VisitInputError(ValueError):
    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{error.field}: {error.code}" for error in errors))
        self.errors: tuple[FieldError, ...] = tuple(errors)

    @classmethod
    def one(cls, field_name: str, code: str, **params: Any) -> VisitInputError:
        return cls([FieldError(field_name, code, params)])
