"""Delegation visits: the record staff keep, its fields, their limits, and parsing of what staff type.

One module per part: record (the fields, their limits, the draft and the stored visit, FieldError),
normalising, dates, fields (direction, type, people, purpose, notes), towns, drafts (validate, the one-line
form). The public names are importable from here.

Pure Python (no telegram, no SQL). Parsing never guesses silently: anything it cannot read exactly
becomes a :class:`FieldError` naming the field, with a code the handlers turn into a sentence in the
user's language (``visits.error.<code>`` in the catalogue).
"""

from bot.core.visits.dates import (
    check_date,
    check_period,
    latest_date,
    month_number,
    parse_date,
    parse_date_span,
    parse_period,
    year_allowed,
    year_range,
)
from bot.core.visits.drafts import ONE_LINE_FIELDS, parse_one_line, validate
from bot.core.visits.fields import (
    check_notes,
    check_people,
    check_purpose,
    check_typed,
    is_skip,
    parse_direction,
    parse_kind,
    parse_people,
)
from bot.core.visits.normalising import normalize
from bot.core.visits.record import (
    EDITABLE,
    FIELDS,
    MAX_DAYS,
    MAX_NOTES,
    MAX_PEOPLE,
    MAX_PURPOSE,
    MAX_YEARS_AHEAD,
    MIN_PEOPLE,
    MIN_YEAR,
    DelegationType,
    Direction,
    FieldError,
    Visit,
    VisitDraft,
    VisitInputError,
    apply_changes,
)
from bot.core.visits.towns import TownLookup, find_town, resolve_town, visit_towns

__all__ = [
    "EDITABLE",
    "FIELDS",
    "MAX_DAYS",
    "MAX_NOTES",
    "MAX_PEOPLE",
    "MAX_PURPOSE",
    "MAX_YEARS_AHEAD",
    "MIN_PEOPLE",
    "MIN_YEAR",
    "ONE_LINE_FIELDS",
    "DelegationType",
    "Direction",
    "FieldError",
    "TownLookup",
    "Visit",
    "VisitDraft",
    "VisitInputError",
    "apply_changes",
    "check_date",
    "check_notes",
    "check_people",
    "check_period",
    "check_purpose",
    "check_typed",
    "find_town",
    "is_skip",
    "latest_date",
    "month_number",
    "normalize",
    "parse_date",
    "parse_date_span",
    "parse_direction",
    "parse_kind",
    "parse_one_line",
    "parse_people",
    "parse_period",
    "resolve_town",
    "validate",
    "visit_towns",
    "year_allowed",
    "year_range",
]
