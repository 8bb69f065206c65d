"""The reader's language: ``?lang=`` (ru or en), else the browser's Accept-Language, else the default."""

from __future__ import annotations

import re

from starlette.requests import Request

from bot.core.model import LANGUAGES, Language

_ACCEPT_LANGUAGE = re.compile(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*")


def chosen_language(request: Request, default: Language) -> tuple[Language, bool]:
    """The reader's language and whether it was asked for in the address (links then keep it)."""
    asked = request.query_params.get("lang", "")
    for lang in LANGUAGES:
        if asked == lang:
            return lang, True
    best: tuple[float, Language] | None = None
    for part in request.headers.get("accept-language", "")[:500].split(","):
        match = _ACCEPT_LANGUAGE.fullmatch(part)
        if match is None:
            continue
        code = match.group(1).lower()
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if code in LANGUAGES and (best is None or weight > best[0]) and weight > 0:
            best = (weight, code)
    return (best[1] if best else default), False
