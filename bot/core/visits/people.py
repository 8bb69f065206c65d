"""Who took part in a visit: the head of the delegation and the participants, as staff paste them.

A list is one message after ``/participants N``, a line a person: "Иванов Иван — заместитель главы".
Numbering and bullets ("1.", "2)", "•", "-") are dropped, the name and the role are split at the first
dash or colon ("—", "–", " - ", ":"). The head is the line whose role says so ("глава делегации",
"руководитель делегации", "head of delegation"), or the one named by ``/head N``.

Everything is checked before anything is stored: a list over MAX_PARTICIPANTS, a name or role too long
or with control characters is refused whole, with every bad line named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.typed_text import control_character, is_blank
from bot.core.visits.normalising import normalize
from bot.core.visits.record import FieldError, VisitInputError

MAX_PARTICIPANTS = 200  # a delegation larger than this is a list of a festival: keep it as a file
MAX_PARTICIPANT_NAME = 120
MAX_PARTICIPANT_ROLE = 160
MAX_REPORTED_LINES = 5  # bad lines named in one answer; the rest are counted

_BULLET = re.compile(r"^\s*(?:\d{1,3}\s*[.)]|[•·*▪◦‣-])\s*")
_SEPARATOR = re.compile(r"\s*(?:—|–|\s-\s|:)\s*")
_HEAD_ROLE = re.compile(
    r"\b(?:глав\w* делегаци\w*|руководител\w* делегаци\w*|head of (?:the )?delegation|delegation (?:head|leader))\b"
)


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    role: str = ""
    head: bool = False

    def line(self) -> str:
        """ "Name — role", as staff typed it and the exports write it."""
        return f"{self.name} — {self.role}" if self.role else self.name

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "head": self.head}

    @classmethod
    def from_json(cls, value: object) -> Participant | None:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            return None
        role = value.get("role")
        return cls(value["name"], role if isinstance(role, str) else "", value.get("head") is True)


def head_of(participants: Iterable[Participant]) -> Participant | None:
    return next((person for person in participants if person.head), None)


def _says_head(role: str) -> bool:
    return _HEAD_ROLE.search(normalize(role)) is not None


def _check_person(name: str, role: str, line_number: int) -> None:
    where = {"line": line_number}
    char = control_character(name) or control_character(role)
    if char is not None:
        raise VisitInputError.one("participants", "control_character", char=char, **where)
    if is_blank(name):
        raise VisitInputError.one("participants", "participant_no_name", **where)
    if len(name) > MAX_PARTICIPANT_NAME:
        raise VisitInputError.one(
            "participants", "participant_name_long", limit=MAX_PARTICIPANT_NAME, **where
        )
    if len(role) > MAX_PARTICIPANT_ROLE:
        raise VisitInputError.one(
            "participants", "participant_role_long", limit=MAX_PARTICIPANT_ROLE, **where
        )


def parse_participant(text: str, line_number: int = 1) -> Participant:
    """One line "Name — role" (the role may be missing). Raises VisitInputError naming the line."""
    line = _BULLET.sub("", text, count=1).strip()
    parts = _SEPARATOR.split(line, maxsplit=1)
    name = parts[0].strip()
    role = parts[1].strip() if len(parts) > 1 else ""
    _check_person(name, role, line_number)
    return Participant(" ".join(name.split()), " ".join(role.split()))


def parse_participants(text: str) -> tuple[Participant, ...]:
    """The whole list, or VisitInputError with every problem (the list is stored whole or not at all)."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if not is_blank(line)]
    if not lines:
        raise VisitInputError.one("participants", "participants_empty")
    if len(lines) > MAX_PARTICIPANTS:
        raise VisitInputError.one(
            "participants", "participants_too_many", count=len(lines), limit=MAX_PARTICIPANTS
        )
    people: list[Participant] = []
    errors: list[FieldError] = []
    for number, line in lines:
        try:
            people.append(parse_participant(line, number))
        except VisitInputError as error:
            errors.extend(error.errors)
    if errors:
        if len(errors) > MAX_REPORTED_LINES:
            more = FieldError(
                "participants", "participants_more_errors", {"count": len(errors) - MAX_REPORTED_LINES}
            )
            errors = [*errors[:MAX_REPORTED_LINES], more]
        raise VisitInputError(errors)
    heads = [index for index, person in enumerate(people) if _says_head(person.role)]
    if heads:
        people[heads[0]] = replace(people[heads[0]], head=True)  # the first one the list calls the head
    return tuple(people)


def with_head(participants: Sequence[Participant], head: Participant | None) -> tuple[Participant, ...]:
    """The list with `head` as its head: an existing person of that name is marked (their role updated
    when one is given), anyone else is added first. None: nobody is the head, nobody is removed."""
    people = [replace(person, head=False) for person in participants]
    if head is None:
        return tuple(people)
    wanted = head.name.casefold()
    for index, person in enumerate(people):
        if person.name.casefold() == wanted:
            people[index] = replace(person, role=head.role or person.role, head=True)
            return tuple(people)
    if len(people) >= MAX_PARTICIPANTS:
        raise VisitInputError.one(
            "participants", "participants_too_many", count=len(people) + 1, limit=MAX_PARTICIPANTS
        )
    return (replace(head, head=True), *people)


def check_participants(participants: Sequence[Participant]) -> list[FieldError]:
    """What storage checks again before writing a list (the same limits as parsing)."""
    errors: list[FieldError] = []
    if len(participants) > MAX_PARTICIPANTS:
        errors.append(
            FieldError(
                "participants",
                "participants_too_many",
                {"count": len(participants), "limit": MAX_PARTICIPANTS},
            )
        )
    for number, person in enumerate(participants, 1):
        try:
            _check_person(person.name, person.role, number)
        except VisitInputError as error:
            errors.extend(error.errors)
    if sum(person.head for person in participants) > 1:
        errors.append(FieldError("participants", "participants_two_heads"))
    return errors
