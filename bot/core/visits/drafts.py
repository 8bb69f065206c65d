"""Whole drafts: validate() lists every problem of one at once; parse_one_line() reads one from
`TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.directory import TownDirectory
from bot.core.model import Town
from bot.core.questions.gazetteer import Gazetteer
from bot.core.typed_text import control_character, is_blank
from bot.core.visits.dates import check_date, check_period, parse_period
from bot.core.visits.fields import check_people, check_purpose, parse_direction, parse_kind, parse_people
from bot.core.visits.places import OTHER_TOWN, OtherPlace, check_place, parse_explicit, recognise
from bot.core.visits.record import (
    MAX_NOTES,
    MAX_PURPOSE,
    MIN_YEAR,
    DelegationType,
    Direction,
    FieldError,
    VisitDraft,
    VisitInputError,
)
from bot.core.visits.towns import resolve_town


def validate(
    draft: VisitDraft, today: date | None = None, known_towns: Iterable[str] | None = None
) -> list[FieldError]:
    """Every problem with a draft (empty when it can be saved). `today` enables the date window check."""
    errors: list[FieldError] = []

    def check(action: Any) -> None:
        try:
            action()
        except VisitInputError as error:
            errors.extend(error.errors)

    if draft.town_key == OTHER_TOWN or draft.place is not None:
        if draft.town_key != OTHER_TOWN or draft.place is None:
            errors.append(FieldError("town", "place_mismatch"))
        else:
            check(lambda: check_place(draft.place))
    elif known_towns is not None and draft.town_key not in set(known_towns):
        errors.append(FieldError("town", "town_unknown", {"text": draft.town_key, "names": []}))
    if not isinstance(draft.direction, Direction):
        errors.append(FieldError("direction", "direction_unknown", {"text": str(draft.direction)}))
    if not isinstance(draft.kind, DelegationType):
        errors.append(FieldError("kind", "kind_unknown", {"text": str(draft.kind)}))
    if today is not None:
        check(lambda: check_date(draft.start, today, "start"))
        if draft.end is not None:
            check(lambda: check_date(draft.end, today, "end"))
    elif draft.start.year < MIN_YEAR:
        errors.append(FieldError("start", "date_too_early", {"year": MIN_YEAR}))
    check(lambda: check_period(draft.start, draft.end))
    if draft.people is not None:
        check(lambda: check_people(draft.people))
    for name, value, multiline in (("purpose", draft.purpose, False), ("notes", draft.notes, True)):
        char = control_character(value, multiline=multiline)
        if char is not None:
            errors.append(FieldError(name, "control_character", {"char": char}))
    if is_blank(draft.purpose) and control_character(draft.purpose) is None:
        errors.append(FieldError("purpose", "purpose_empty"))
    elif len(draft.purpose) > MAX_PURPOSE:
        errors.append(FieldError("purpose", "too_long", {"length": len(draft.purpose), "limit": MAX_PURPOSE}))
    if len(draft.notes) > MAX_NOTES:
        errors.append(FieldError("notes", "too_long", {"length": len(draft.notes), "limit": MAX_NOTES}))
    return errors


ONE_LINE_FIELDS = ("town", "dates", "direction", "kind", "people", "purpose")


def town_or_place(
    text: str,
    directory: TownDirectory,
    places: Gazetteer | None = None,
    countries: Mapping[str, str] | None = None,
) -> Town | OtherPlace:
    """A partner town; or another place: "другое: NAME[, COUNTRY]" as written, or a real place the
    gazetteer knows ("Таллин": the caller asks to confirm it). A typo of a partner stays a typo."""
    explicit = parse_explicit(text, countries or {})
    if explicit is not None:
        return explicit
    try:
        return resolve_town(directory, text)
    except VisitInputError as error:
        problem = error.errors[0]
        if places is not None and problem.code == "town_unknown" and not problem.params.get("names"):
            found = recognise(text, places)
            if found is not None:
                return found
        raise


def parse_one_line(
    text: str,
    directory: TownDirectory,
    today: date,
    places: Gazetteer | None = None,
    countries: Mapping[str, str] | None = None,
) -> VisitDraft:
    """`TOWN; DATE[-DATE]; in|out; TYPE; PEOPLE; PURPOSE`. Every bad field is reported at once.
    With `places` (and `countries`), TOWN may be another place (see town_or_place)."""
    parts = [part.strip() for part in text.split(";", len(ONE_LINE_FIELDS) - 1)]
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    def take(name: str, index: int, parse: Any) -> None:
        raw = parts[index] if index < len(parts) else ""
        if not raw and name not in ("people",):
            errors.append(FieldError(name, "missing"))
            return
        try:
            values[name] = parse(raw)
        except VisitInputError as error:
            errors.extend(
                replace(e, field="dates" if e.field in ("start", "end", "date") else e.field)
                for e in error.errors
            )

    take("town", 0, lambda raw: town_or_place(raw, directory, places, countries))
    take("dates", 1, lambda raw: parse_period(raw, today))
    take("direction", 2, parse_direction)
    take("kind", 3, parse_kind)
    take("people", 4, lambda raw: None if not raw else parse_people(raw))
    take("purpose", 5, check_purpose)
    if errors:
        raise VisitInputError(errors)
    start, end = values["dates"]
    place = values["town"] if isinstance(values["town"], OtherPlace) else None
    return VisitDraft(
        town_key=OTHER_TOWN if place is not None else values["town"].key,
        place=place,
        direction=values["direction"],
        start=start,
        end=end,
        kind=values["kind"],
        people=values["people"],
        purpose=values["purpose"],
    )
