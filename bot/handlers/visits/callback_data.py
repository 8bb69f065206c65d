"""The register's button data (<= 64 bytes): how it is written, and reading back exactly what the bot
wrote. Anything else (an old, forwarded or forged button) parses to None and is answered as such.

    vf:<form id>:<action>[:<arg>]             form buttons (bot/core/visit_form.py reads them); the form
                                              id changes with every new form
    vc:<visit id>:<revision>:<action>[:<arg>] card buttons; the revision grows with every change
    vl:<generation>:<page>:<town|->:<year|->  list pages of earlier versions (still read)
    vs:<generation>:<page>:<filter token>     list pages: the filter is kept in storage (visit_filters)
    vd:<token>:<s|e|y|n>                      a one-line visit waiting: Save / Edit a town to confirm,
                                              y "save anyway" (like a visit on record) or "yes, another
                                              place" (not a partner), n Cancel
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton

from bot.core.directory import TownDirectory
from bot.core.visit_form import FORM_PREFIX
from bot.core.visits import EDITABLE, year_allowed

CALLBACK_LIMIT = 64
GENERATION_MODULO = 1_000_000  # list buttons carry the register's generation modulo this

CB_FORM = FORM_PREFIX
CB_CARD = "vc"
CB_LIST = "vl"
CB_DUPLICATE = "vd"
CB_FOUND = "vs"

# card buttons without an argument: open, history, edit (choose a field), back, delete, delete yes, undo,
# the participant list, the files sent back
CARD_ACTIONS = frozenset({"o", "h", "e", "b", "d", "dy", "u", "p", "f"})
EDIT_FIELD = "ef"  # edit a field: takes one of EDITABLE

_CARD_DATA = re.compile(r"^vc:([1-9][0-9]{0,11}):([1-9][0-9]{0,8}):([a-z]{1,2})(?::([a-z]{1,12}))?$")
_LIST_DATA = re.compile(r"^vl:(0|[1-9][0-9]{0,5}):(0|[1-9][0-9]{0,4}):([a-z0-9_]{1,40}|-):([0-9]{4}|-)$")
_FOUND_DATA = re.compile(r"^vs:(0|[1-9][0-9]{0,5}):(0|[1-9][0-9]{0,4}):([0-9a-f]{12})$")
_DUPLICATE_DATA = re.compile(r"^vd:([A-Za-z0-9_-]{8}):([seyn])$")


def callback(*parts: object) -> str:
    data = ":".join(str(part) for part in parts)
    if len(data.encode("utf-8")) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


def button(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback(*parts))


def rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


# ---- card buttons ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardPress:
    visit_id: int
    revision: int
    action: str
    argument: str | None


def parse_card_press(data: str) -> CardPress | None:
    """A card button exactly as the card's keyboards make it, else None."""
    match = _CARD_DATA.match(data)
    if match is None:
        return None
    action, argument = match.group(3), match.group(4)
    if not ((action in CARD_ACTIONS and argument is None) or (action == EDIT_FIELD and argument in EDITABLE)):
        return None
    return CardPress(int(match.group(1)), int(match.group(2)), action, argument)


# ---- list pages -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListPress:
    generation: int
    page: int
    town_key: str | None
    year: int | None


def list_callback(generation: int, page: int, town_key: str | None, year: int | None) -> str:
    town_part, year_part = town_key or "-", str(year) if year is not None else "-"
    return callback(CB_LIST, generation % GENERATION_MODULO, page, town_part, year_part)


def parse_list_press(data: str, directory: TownDirectory, today: date) -> ListPress | None:
    """A list page button exactly as list_callback makes it (a partner town, a year in range), else None."""
    match = _LIST_DATA.match(data)
    if match is None:
        return None
    town_key = None if match.group(3) == "-" else match.group(3)
    if town_key is not None:
        town = directory.get(town_key)
        if town is None or town.is_home:
            return None
    year = None if match.group(4) == "-" else int(match.group(4))
    if year is not None and not year_allowed(year, today):
        return None
    return ListPress(int(match.group(1)), int(match.group(2)), town_key, year)


@dataclass(frozen=True, slots=True)
class FoundPress:
    generation: int
    page: int
    token: str  # the kept filter (storage.visit_search.VisitSearch.kept_filter)


def found_callback(generation: int, page: int, token: str) -> str:
    return callback(CB_FOUND, generation % GENERATION_MODULO, page, token)


def parse_found_press(data: str) -> FoundPress | None:
    """A page button exactly as found_callback makes it, else None (the token is checked in storage)."""
    match = _FOUND_DATA.match(data)
    if match is None:
        return None
    return FoundPress(int(match.group(1)), int(match.group(2)), match.group(3))


# ---- a one-line visit waiting: "check the town", "another place?" or "save anyway?" --------------------

PENDING_SAVE = "s"  # the town confirmed: save (a visit like one on record still asks "save anyway?")
PENDING_EDIT = "e"  # change a field first: the guided form opens with the visit
PENDING_ANYWAY = "y"  # save although a similar visit is on record; or yes, a place that is not a partner
PENDING_CANCEL = "n"


@dataclass(frozen=True, slots=True)
class DuplicatePress:
    token: str
    action: str  # one of PENDING_SAVE, PENDING_EDIT, PENDING_ANYWAY, PENDING_CANCEL


def parse_duplicate_press(data: str) -> DuplicatePress | None:
    match = _DUPLICATE_DATA.match(data)
    return DuplicatePress(match.group(1), match.group(2)) if match is not None else None
