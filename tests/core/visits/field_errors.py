"""What the visit tests compare a VisitInputError by: its (field, code) pairs."""

from __future__ import annotations

import pytest

from bot.core.visits import VisitInputError


def codes(error: pytest.ExceptionInfo[VisitInputError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.value.errors]
