"""The whole suite on another day: `pytest --clock 2027-02-29T12:00:00+03:00` (or TWINBOT_TEST_CLOCK).

The wall clock of the test process starts at that moment and ticks on (time-machine), so every test
that does not set its own time runs as if today were that day. A test that passes only on the day it
was written fails here. `dev.py test` runs the fast part of the suite on the awkward dates in
AWKWARD_DATES (tests/clock_guard.py) after the normal run; bot processes the e2e tests start follow
the same clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

from tests.clock_guard import mark_shifted


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=os.environ.get("TWINBOT_TEST_CLOCK") or None,
        help="run the suite with the wall clock starting at this ISO 8601 moment (with its UTC offset)",
    )


def session_clock(config: pytest.Config) -> datetime | None:
    value = config.getoption("--clock")
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock needs a UTC offset, e.g. {value}+03:00")
    return moment


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = session_clock(config)
    return f"clock shifted: the suite runs as if it were {moment.isoformat()}" if moment else None


@pytest.fixture(scope="session", autouse=True)
def _shifted_wall_clock(pytestconfig: pytest.Config) -> Iterator[None]:
    moment = session_clock(pytestconfig)
    if moment is None:
        yield
        return
    mark_shifted()
    # tick: time moves on from there, so timeouts and "seconds ago" behave as on any other day
    with time_machine.travel(moment, tick=True):
        yield
