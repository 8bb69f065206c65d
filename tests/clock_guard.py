"""Running the suite on a day other than today: the awkward dates, and the same shift for bot processes.

`tests/conftest.py` shifts the wall clock of the test process (`--clock`); `dev.py test` runs the fast
part of the suite once per AWKWARD_DATES entry. Bot processes the e2e tests start get the same shifted
clock through CLOCK_SHIM (a `sitecustomize` that starts time-machine in the child), so "today" agrees on
both sides of the fake Bot API.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

# Each chosen to break a different assumption. Local times are Kingisepp's (UTC+3) unless said.
AWKWARD_DATES: dict[str, str] = {
    # the last half hour of a year: local day and year differ from UTC's... and from tomorrow's
    "year-end": "2026-12-31T23:30:00+03:00",
    # a day that exists one year in four: anniversaries of 29 February, "N years" on it
    "leap-day": "2028-02-29T12:00:00+03:00",
    # Europe/Helsinki springs forward at 03:00 on the last Sunday of March: 30 minutes before it
    "dst-spring": "2027-03-28T02:30:00+02:00",
    # and falls back at 04:00 on the last Sunday of October: inside the hour that happens twice
    "dst-autumn": "2027-10-31T03:30:00+03:00",
    # ten years on: every "this year", "N years" and upcoming window moves
    "ten-years": "2036-12-03T10:00:00+03:00",
}
# The DST dates only bite when the process's own zone has DST: the guard runs in this zone.
GUARD_ZONE = "Europe/Helsinki"

CLOCK_ENV = "TWINBOT_E2E_NOW"
CLOCK_SHIM = f"""\
import os

_now = os.environ.get({CLOCK_ENV!r})
if _now:  # tests/clock_guard.py: this bot process runs on a shifted wall clock
    import datetime

    import time_machine

    _traveller = time_machine.travel(datetime.datetime.fromisoformat(_now), tick=True)
    _traveller.start()
"""

_shifted = False


def mark_shifted() -> None:
    """Called by tests/conftest.py when the whole session runs on a shifted clock."""
    global _shifted
    _shifted = True


def write_shim(directory: Path) -> Path:
    """A folder holding the sitecustomize that shifts a child's clock; put it first on PYTHONPATH."""
    shim = directory / "clock-shim"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "sitecustomize.py").write_text(CLOCK_SHIM, encoding="utf-8")
    return shim


def child_environment(env: dict[str, str], directory: Path) -> dict[str, str]:
    """`env` for a bot process: on a shifted session, the child starts at the parent's shifted "now"
    (unless a test already chose the child's time)."""
    if not _shifted or env.get(CLOCK_ENV):
        return env
    shim = write_shim(directory)
    changed = dict(env)
    changed[CLOCK_ENV] = datetime.now().astimezone().isoformat()
    changed["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")]))
    return changed
