from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.reminders.world import World, make_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    made = await make_world(tmp_path)
    try:
        yield made
    finally:
        await made.runtime.close()
