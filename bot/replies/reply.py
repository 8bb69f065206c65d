"""The reply type and fitting it into Telegram: a message holds at most 4096 characters after HTML parsing.

Texts stay under the limit by construction: lists are cut with a "…" line, never mid-tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

MESSAGE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()


def fit(lines: Iterable[str], limit: int = MESSAGE_LIMIT, tail: Sequence[str] = ()) -> str:
    """Join lines, dropping whole lines from the end (with a '…') so the parsed text stays in the limit.

    `lines` may be a generator: it is consumed only as far as fits, so a long list costs what is shown.
    `tail` (a footer) is always kept.
    """
    reserved = sum(visible_length(line) + 1 for line in tail)
    kept: list[str] = []
    used = 0
    for line in lines:
        size = visible_length(line) + (1 if kept else 0)  # the newline before it
        if used + size > limit - 2 - reserved:  # room for "\n…"
            kept.append("…")
            break
        kept.append(line)
        used += size
    return "\n".join([*kept, *tail]).strip()


Item = TypeVar("Item")


def fit_list(
    head: Sequence[str],
    items: Sequence[Item],
    line: Callable[[Item], str],
    more: Callable[[int], str],
    limit: int = MESSAGE_LIMIT,
    tail: Sequence[str] = (),
) -> str:
    """`head`, one line per item while they fit, then `more(n)` ("… и ещё 57 городов") for the n not shown.

    A list of a national directory's towns (500 in one country) does not fit one message: the reply
    names as many as fit and says how many more there are, instead of a bare "…". Items are rendered
    only as far as they fit, so a long list costs what is shown. When everything fits, the text is
    fit()'s. `tail` (a footer) is always kept.
    """
    room = limit - sum(visible_length(text) + 1 for text in tail)
    kept: list[str] = list(head)
    used = sum(visible_length(text) for text in kept) + max(len(kept) - 1, 0)
    sizes: list[int] = []
    for item in items:
        text = line(item)
        size = visible_length(text) + (1 if kept else 0)  # the newline before it
        if used + size > room:
            break
        kept.append(text)
        sizes.append(size)
        used += size
    else:
        return "\n".join([*kept, *tail]).strip()
    # cut: drop shown items from the end until the count of the hidden ones fits after them
    while True:
        hidden = len(items) - len(sizes)
        note = more(hidden)
        if used + visible_length(note) + 1 <= room or not sizes:
            break
        used -= sizes.pop()
        kept.pop()
    return "\n".join([*kept, note, *tail]).strip()


def fit_with_tail(lines: Sequence[str], tail: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """Like fit, but the tail lines (footer) always stay, after an empty line."""
    tail_text = "\n".join(tail)
    room = limit - visible_length(tail_text) - 2
    head = fit(lines, room)
    return f"{head}\n\n{tail_text}" if tail_text else head


def truncate_line(line: str, limit: int) -> str:
    """A single line too long for a message (an enormous visit purpose) is cut at a line break."""
    if visible_length(line) <= limit:
        return line
    return fit(line.split("\n"), limit)


def shorten(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters (cut with "…"). The one shortener of the bot."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


_TAG = re.compile(r"<[^>]+>")


def visible_length(text: str) -> int:
    """Length as Telegram counts it after HTML parsing: UTF-16 code units of the visible text."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def plain_text(text: str) -> str:
    """Telegram HTML -> terminal text."""
    return html.unescape(_TAG.sub("", text))
