"""Normalising what staff type before it is read: case, ё, dashes, spaces, punctuation."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PUNCT = re.compile(r"[^\w\s-]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, ё as е, dashes as '-', runs of spaces (incl. no-break ones) as one space."""
    text = text.lower().replace("ё", "е")
    for dash in ("‐", "‑", "‒", "–", "—", "―", "−"):  # the Unicode dashes people type
        text = text.replace(dash, "-")
    return _SPACES.sub(" ", text).strip()


def plain_words(text: str) -> str:
    """normalize() without punctuation: for matching words like direction and type synonyms."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", normalize(text))).strip()
