from __future__ import annotations

import pytest

from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns


@pytest.fixture(scope="module")
def directory() -> TownDirectory:
    return TownDirectory(shipped_towns())
