"""Normalising what staff type before it is read: case, ё, dashes, spaces, punctuation.

`normalize` is bot.core.dates.normalise, the one normalisation of typed text that dates, the calendar and
the questions share."""

from __future__ import annotations

import re

from bot.core.dates import normalise as normalize

__all__ = ["normalize", "plain_words"]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PUNCT = re.compile(r"[^\w\s-]+", re.UNICODE)


def plain_words(text: str) -> str:
    """normalize() without punctuation: for matching words like direction and type synonyms."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", normalize(text))).strip()
