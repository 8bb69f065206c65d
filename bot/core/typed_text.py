"""What people may type into a stored text field: no control characters, and something visible.

C0 and C1 controls (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) never reach the database; a field
that allows several lines lets newline and tab through. Text made only of invisible characters (spaces,
format characters such as the zero-width space or the BOM, Hangul and Braille fillers) counts as empty.
"""

from __future__ import annotations

import unicodedata

MULTILINE_ALLOWED = frozenset("\n\t")
# letters that draw nothing, and are not spaces or format characters by category
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u180e")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character in `text` as "U+0000", or None when there is none."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    for char in text:
        if unicodedata.category(char) == "Cc" and char not in allowed:
            return f"U+{ord(char):04X}"
    return None


def is_invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cf", "Zs", "Zl", "Zp", "Cc") or char in _FILLERS


def is_blank(text: str) -> bool:
    """True when nothing in `text` would show: empty, spaces, or invisible characters only."""
    return all(is_invisible(char) for char in text)
